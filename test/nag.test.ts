import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { nagFindings } from './nag-helper';
import { KinesisStream } from '../src';

test('the stream with default props has no unacknowledged AwsSolutions finding', () => {
  expect(nagFindings((stack) => new KinesisStream(stack, 'Events'))).toEqual([]);
});

test('the stream with consumers has no unacknowledged AwsSolutions finding', () => {
  expect(nagFindings((stack) => {
    const stream = new KinesisStream(stack, 'Events', { consumers: ['billing', 'audit'] });
    stream.addConsumer('search');
  })).toEqual([]);
});

test("a Lambda consumer adds no finding on the library's own resources", () => {
  const findings = nagFindings((stack) => {
    const fn = new lambda.Function(stack, 'Reader', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    new KinesisStream(stack, 'Events').addLambdaConsumer('reader', fn);
  });
  // The user's function brings its own findings (managed basic-execution policy, runtime); nothing under Events may.
  expect(findings.length).toBeGreaterThan(0);
  expect(findings.filter((f) => !f.startsWith('/Stack/Reader/'))).toEqual([]);
});

test('the check can fail: an unencrypted stream is reported', () => {
  const findings = nagFindings((stack) => new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.UNENCRYPTED }));
  expect(findings).toEqual([expect.stringMatching(/^\/Stack\/Events\/Stream\/Resource: AwsSolutions-KDS1:/)]);
});

test('the AWS-managed key is compliant without any acknowledgement', () => {
  expect(nagFindings((stack) => new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.MANAGED }))).toEqual([]);
});
