import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagFindings } from './nag-helper';
import { AutoscalingOptions, KinesisStream, ReconcileMode, ScalingPreset, ShardAutoscaler } from '../src';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const IMPORTED_ARN = 'arn:aws:kinesis:eu-west-1:111122223333:stream/imported';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function autoscaledStack(options: AutoscalingOptions = { minShards: 1, maxShards: 8 }): { stack: Stack; template: Template } {
  const stack = newStack();
  new KinesisStream(stack, 'Events', { streamName: 'events', autoscaling: options });
  return { stack, template: Template.fromStack(stack) };
}

/** The managed streams and settings the schedule sends the function, parsed from the rule's constant input. */
function schedulePayload(template: Template): { streams: Array<Record<string, unknown>> } {
  const rules = Object.values(template.findResources('AWS::Events::Rule'));
  expect(rules).toHaveLength(1);
  const input = rules[0].Properties.Targets[0].Input;
  return JSON.parse(typeof input === 'string' ? input : input['Fn::Join'][1].map((part: unknown) => typeof part === 'string' ? part : 'TOKEN').join(''));
}

function autoscalerStatements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ShardAutoscalerRole') }] } });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('the function', () => {
  test('runs the bundled handler on Node.js 24 on arm64', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      Description: Match.stringLikeRegexp('Scales Kinesis streams'),
    });
  });

  test('has a reserved concurrency of 1, so two ticks never run at once', () => {
    autoscaledStack().template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 });
  });

  test('never retries a missed tick', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
  });

  test('logs to its own log group, kept for a month by default', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ShardAutoscalerLogs') } } });
  });

  test('log retention can be set', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Scaler', { logRetention: logs.RetentionDays.ONE_YEAR })
      .addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });
});

describe('the schedule', () => {
  test('runs every minute by default', () => {
    autoscaledStack().template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
  });

  test('is configurable', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Scaler', { schedule: events.Schedule.rate(Duration.minutes(5)) })
      .addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  test('carries each stream and its settings to the function', () => {
    const { template } = autoscaledStack({
      minShards: 2, maxShards: 40, preset: ScalingPreset.SAFE, targetUtilizationPercent: 55, scaleInCooldown: Duration.hours(2), dryRun: true,
    });
    expect(schedulePayload(template).streams).toEqual([{
      streamName: 'TOKEN', minShards: 2, maxShards: 40, preset: 'safe', targetUtilisation: 0.55, scaleInCooldownMinutes: 120, dryRun: true,
    }]);
  });
});

describe('one function per stack', () => {
  test('manages every autoscaled stream of the stack', () => {
    const stack = newStack();
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 4 } });
    new KinesisStream(stack, 'B', { autoscaling: { minShards: 2, maxShards: 8 } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(schedulePayload(template).streams.map((s) => s.maxShards)).toEqual([4, 8]);
  });

  test('ShardAutoscaler.of finds the one created with props', () => {
    const stack = newStack();
    const created = new ShardAutoscaler(stack, 'Custom', { logRetention: logs.RetentionDays.ONE_WEEK });
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 4 } });
    expect(ShardAutoscaler.of(stack)).toBe(created);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('scales a stream imported by ARN', () => {
    const stack = newStack();
    ShardAutoscaler.of(stack).addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    const template = Template.fromStack(stack);
    expect(schedulePayload(template).streams).toEqual([{ streamName: 'imported', minShards: 1, maxShards: 2 }]);
    expect(autoscalerStatements(template)).toContainEqual(expect.objectContaining({ Resource: IMPORTED_ARN }));
  });
});

describe('IAM least privilege', () => {
  test('Kinesis actions are allowed only on the managed streams', () => {
    const stack = newStack();
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 4 } });
    ShardAutoscaler.of(stack).addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    const statements = autoscalerStatements(Template.fromStack(stack));
    const kinesisStatement = statements.find((s) => [s.Action].flat().includes('kinesis:UpdateShardCount'))!;
    expect(kinesisStatement).toEqual({
      Effect: 'Allow',
      Action: [
        'kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:ListTagsForStream', 'kinesis:AddTagsToStream',
        'kinesis:UpdateShardCount', 'kinesis:SplitShard', 'kinesis:MergeShards',
      ],
      Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AStream'), 'Arn'] }, IMPORTED_ARN].map((r) => typeof r === 'string' ? r : expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/^AStream/), 'Arn'] })),
    });
  });

  test('only GetMetricData and DescribeLimits, which accept no narrower resource, are on "*"', () => {
    const statements = autoscalerStatements(autoscaledStack().template);
    expect(statements.filter((s) => s.Resource === '*')).toEqual([
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'kinesis:DescribeLimits'], Resource: '*' },
    ]);
  });

  test('no statement allows a wildcard action', () => {
    const actions = autoscalerStatements(autoscaledStack().template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  test('events go to the default event bus only', () => {
    const statements = autoscalerStatements(autoscaledStack().template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default']] },
    });
  });

  test('the role has no managed policy', () => {
    autoscaledStack().template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('autoscaler'), ManagedPolicyArns: Match.absent(),
    });
  });

  test('the stack has no unacknowledged AwsSolutions or NIST 800-53 rev 5 finding on the autoscaler', () => {
    const findings = nagFindings((stack) => {
      new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 4, reconcile: ReconcileMode.BEST_EFFORT } });
    }, ['AwsSolutions', 'NIST.800.53.R5']);
    expect(findings.filter((f) => f.includes('/ShardAutoscaler/'))).toEqual([]);
  });
});

describe('deploys never fight the autoscaler', () => {
  test('the stream resource is identical whatever the autoscaling settings', () => {
    const variants: Array<AutoscalingOptions | undefined> = [
      undefined,
      { minShards: 1, maxShards: 8 },
      { minShards: 4, maxShards: 8 },
      { minShards: 1, maxShards: 200 },
      { minShards: 2, maxShards: 50, preset: ScalingPreset.ECONOMY },
      { minShards: 2, maxShards: 50, preset: ScalingPreset.SAFE, targetUtilizationPercent: 40 },
      { minShards: 2, maxShards: 50, scaleInCooldown: Duration.hours(6) },
      { minShards: 3, maxShards: 9, dryRun: true, reconcile: ReconcileMode.STRICT },
    ];
    const streams = variants.map((autoscaling) => {
      const stack = newStack();
      new KinesisStream(stack, 'Events', { streamName: 'events', shardCount: 2, autoscaling });
      return Template.fromStack(stack).findResources('AWS::Kinesis::Stream');
    });
    for (const stream of streams) expect(stream).toEqual(streams[0]);
    expect(Object.values(streams[0])[0].Properties.ShardCount).toBe(2);
  });

  test('the initial shard count defaults to 1, never to minShards', () => {
    autoscaledStack({ minShards: 4, maxShards: 8 }).template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 1 });
  });

  test('a fixed shardCount with autoscaling earns a warning that says what will happen', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Events', { shardCount: 4, autoscaling: { minShards: 1, maxShards: 8 } });
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp(
      '^shardCount \\(4\\) is only the count the stream is created with: after that the autoscaler owns the live count\\. .*UpdateShardCount'));
  });

  test('no reconciler unless asked for', () => {
    autoscaledStack().template.resourceCountIs('Custom::KinesisShardReconciler', 0);
  });

  test('the reconciler gets the stream, its range and the mode', () => {
    const { template } = autoscaledStack({ minShards: 2, maxShards: 6, reconcile: ReconcileMode.STRICT });
    template.hasResourceProperties('Custom::KinesisShardReconciler', {
      StreamName: { Ref: Match.stringLikeRegexp('^EventsStream') }, MinShards: '2', MaxShards: '6', Strict: 'true',
    });
  });

  test('best-effort reconciling succeeds with a warning instead of failing', () => {
    autoscaledStack({ minShards: 2, maxShards: 6, reconcile: ReconcileMode.BEST_EFFORT })
      .template.hasResourceProperties('Custom::KinesisShardReconciler', { Strict: 'false' });
  });

  test('the reconciler may only read and resize the streams it reconciles', () => {
    const { template } = autoscaledStack({ minShards: 2, maxShards: 6, reconcile: ReconcileMode.BEST_EFFORT });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ShardAutoscalerReconcilerRole') }] } });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:ListTagsForStream', 'kinesis:AddTagsToStream', 'kinesis:UpdateShardCount'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsStream/), 'Arn'] },
    });
    expect(statements.filter((s) => s.Resource === '*')).toEqual([]);
  });
});

describe('metrics', () => {
  test('the open shard count is read from the namespace the handler publishes to', () => {
    const stack = newStack();
    const stream = kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN);
    const metric = ShardAutoscaler.of(stack).metricOpenShards(stream);
    expect([metric.namespace, metric.metricName, metric.dimensions, metric.statistic, metric.period.toSeconds()])
      .toEqual(['KinesisAutoscaler', 'OpenShards', { StreamName: 'imported' }, 'Maximum', 60]);
  });
});

describe('validation', () => {
  const cases: Array<[string, AutoscalingOptions, string]> = [
    ['minShards above maxShards', { minShards: 5, maxShards: 2 }, 'minShards (5) must not be greater than maxShards (2)'],
    ['zero minShards', { minShards: 0, maxShards: 2 }, 'minShards must be a whole number from 1 to 10000, received 0'],
    ['negative maxShards', { minShards: 1, maxShards: -3 }, 'maxShards must be a whole number from 1 to 10000, received -3'],
    ['fractional minShards', { minShards: 1.5, maxShards: 3 }, 'minShards must be a whole number from 1 to 10000, received 1.5'],
    ['too many shards', { minShards: 1, maxShards: 10001 }, 'maxShards must be a whole number from 1 to 10000, received 10001'],
    ['target utilisation above 90 %', { minShards: 1, maxShards: 2, targetUtilizationPercent: 95 }, 'targetUtilizationPercent must be a whole number from 10 to 90, received 95'],
    ['cooldown in seconds', { minShards: 1, maxShards: 2, scaleInCooldown: Duration.seconds(90) }, 'scaleInCooldown must be whole minutes from 0 to 24 hours, received 1 minute 30 seconds'],
    ['cooldown above a day', { minShards: 1, maxShards: 2, scaleInCooldown: Duration.hours(25) }, 'scaleInCooldown must be whole minutes from 0 to 24 hours, received 1 day 1 hour'],
  ];
  test.each(cases)('rejects %s', (_, options, message) => {
    expect(() => autoscaledStack(options)).toThrow(message);
  });

  test('rejects autoscaling on an On-Demand stream', () => {
    expect(() => new KinesisStream(newStack(), 'Events', { streamMode: kinesis.StreamMode.ON_DEMAND, autoscaling: { minShards: 1, maxShards: 2 } }))
      .toThrow('autoscaling must not be set when streamMode is ON_DEMAND: On-Demand streams scale themselves');
  });

  test('rejects a stream in another region', () => {
    const stack = newStack();
    const stream = kinesis.Stream.fromStreamArn(stack, 'Far', 'arn:aws:kinesis:us-east-1:111122223333:stream/far');
    expect(() => ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 2 })).toThrow(
      'stream far is in account 111122223333 and region us-east-1, but the autoscaler of stack Stack runs in account 111122223333 and region eu-west-1; scale a stream from a stack in its own account and region');
  });

  test('rejects the same stream twice', () => {
    const stack = newStack();
    const stream = kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN);
    ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 2 });
    expect(() => ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 3 }))
      .toThrow('stream imported is already managed by this ShardAutoscaler; add each stream once');
  });

  test('rejects a second autoscaler in a stack', () => {
    const stack = newStack();
    ShardAutoscaler.of(stack);
    expect(() => new ShardAutoscaler(stack, 'Another')).toThrow(
      'stack Stack already has a ShardAutoscaler (ShardAutoscaler); one function manages all of a stack\'s streams, so use ShardAutoscaler.of(this)');
  });

  test('rejects an autoscaler below the stack level', () => {
    const stack = newStack();
    expect(() => new ShardAutoscaler(new Construct(stack, 'Nested'), 'Scaler')).toThrow(
      'ShardAutoscaler must be created directly in a Stack (one per stack), not in Stack/Nested; use ShardAutoscaler.of(this)');
  });

  test('an autoscaler with no streams fails synthesis with advice', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Scaler');
    expect(() => Template.fromStack(stack)).toThrow(/ShardAutoscaler manages no streams: add one with addStream\(\) or the KinesisStream autoscaling prop/);
  });

  test('more streams than one schedule payload can carry fails synthesis with advice', () => {
    const stack = newStack();
    for (let i = 0; i < 60; i++) new KinesisStream(stack, `S${i}`, { autoscaling: { minShards: 1, maxShards: 2 } });
    expect(() => Template.fromStack(stack)).toThrow(/the settings of 60 streams need up to \d+ characters, more than the 8192 EventBridge allows in one schedule's payload; manage some of these streams from another stack/);
  });

  test('accepts tokens for minShards and maxShards', () => {
    const stack = newStack();
    const min = new CfnParameter(stack, 'Min', { type: 'Number' });
    const max = new CfnParameter(stack, 'Max', { type: 'Number' });
    new KinesisStream(stack, 'Events', { autoscaling: { minShards: min.valueAsNumber, maxShards: max.valueAsNumber } });
    const rule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0];
    expect(JSON.stringify(rule.Properties.Targets[0].Input)).toContain('{"Ref":"Min"}');
  });
});
