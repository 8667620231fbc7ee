import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagFindings } from './nag-helper';
import { KinesisStream, ReconcileMode, ShardAutoscaler, StreamDashboard } from '../src';

/**
 * An on-call topic as a compliant app has one: alarms without an action are a NIST finding the user answers by routing
 * them, so every scenario below routes them (the last test shows what happens when nobody does).
 */
function onCall(stack: Stack): sns.ITopic {
  const key = new kms.Key(stack, 'OnCallKey', { enableKeyRotation: true });
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
  }));
  return new sns.Topic(stack, 'OnCall', { enforceSSL: true, masterKey: key });
}

describe('AwsSolutions, NIST 800-53 rev 5 and Serverless (cdk-nag v2, aws-cdk-lib floor)', () => {
  test('the stream with default props has no unacknowledged finding', () => {
    expect(nagFindings((stack) => new KinesisStream(stack, 'Events', { alarms: { alarmTopic: onCall(stack) } }))).toEqual([]);
  });

  test('the stream with consumers has no unacknowledged finding', () => {
    expect(nagFindings((stack) => {
      const stream = new KinesisStream(stack, 'Events', { consumers: ['billing', 'audit'], alarms: { alarmTopic: onCall(stack) } });
      stream.addConsumer('search');
    })).toEqual([]);
  });

  test('an autoscaled stream, its reconciler and a dashboard have no unacknowledged finding', () => {
    expect(nagFindings((stack) => {
      const stream = new KinesisStream(stack, 'Events', {
        alarms: { alarmTopic: onCall(stack) },
        autoscaling: { minShards: 2, maxShards: 16, reconcile: ReconcileMode.BEST_EFFORT },
      });
      new StreamDashboard(stack, 'Dashboard', { streams: [stream] });
    })).toEqual([]);
  });

  test("a Lambda consumer adds no finding on the library's own resources", () => {
    const findings = nagFindings((stack) => {
      const fn = new lambda.Function(stack, 'Reader', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
      });
      new KinesisStream(stack, 'Events', { alarms: { alarmTopic: onCall(stack) } }).addLambdaConsumer('reader', fn);
    });
    // The user's function brings its own findings (managed basic-execution policy, DLQ, tracing); nothing under Events may.
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => !f.startsWith('/Stack/Reader/'))).toEqual([]);
  });

  test('the AWS-managed key is compliant without any acknowledgement', () => {
    expect(nagFindings((stack) => new KinesisStream(stack, 'Events', {
      encryption: kinesis.StreamEncryption.MANAGED, alarms: { alarmTopic: onCall(stack) },
    }))).toEqual([]);
  });

  test('the check can fail: an unencrypted stream is reported', () => {
    const findings = nagFindings((stack) => new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.UNENCRYPTED }), ['AwsSolutions']);
    expect(findings).toEqual([expect.stringMatching(/^\/Stack\/Events\/Stream\/Resource: AwsSolutions-KDS1$/)]);
  });

  test('alarms without an action are left to the user: NIST reports each of them, and nothing else', () => {
    const findings = nagFindings((stack) => new KinesisStream(stack, 'Events'));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => !/^\/Stack\/Events\/Alarms\/\w+\/Resource: NIST\.800\.53\.R5-CloudWatchAlarmAction$/.test(f))).toEqual([]);
  });
});

describe('acknowledgements in the form cdk-nag v3 reads', () => {
  function acknowledged(stack: Stack, path: string): Record<string, string> {
    const node = stack.node.findAll().find((c) => c.node.path === path);
    if (!node) throw new Error(`no construct at ${path}`);
    return Object.assign({}, ...node.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data));
  }

  test("the autoscaler role's wildcard is acknowledged by its granular id only", () => {
    const stack = new Stack();
    new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 4 } });
    const rules = acknowledged(stack, `${ShardAutoscaler.of(stack).node.path}/Role/DefaultPolicy`);
    expect(Object.keys(rules)).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(Object.keys(rules)).not.toContain('AwsSolutions-IAM5');
  });

  test('a Serverless rule that repeats a NIST or AwsSolutions check carries the same reason', () => {
    const stack = new Stack();
    new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 4 } });
    const rules = acknowledged(stack, `${ShardAutoscaler.of(stack).node.path}/Function`);
    expect(rules['Serverless-LambdaDLQ']).toEqual(rules['NIST.800.53.R5-LambdaDLQ']);
    expect(rules['Serverless-LambdaDLQ']).toMatch(/dead-letter/);
  });
});
