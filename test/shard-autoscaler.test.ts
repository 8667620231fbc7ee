import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagFindings } from './nag-helper';
import { AutoscalingOptions, KinesisStream, ReconcileMode, ScalingPreset, ShardAutoscaler } from '../src';
import { StreamRegistration } from '../src/private/stream-registration';

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

/** The managed streams and their settings, from the stack's settings documents (references read as TOKEN). */
/** The SSM parameters that hold streams' settings (not the one named after the autoscaler). */
function settingsDocuments(template: Template): Array<{ Properties: Record<string, any> }> {
  return Object.entries(template.findResources('AWS::SSM::Parameter'))
    .filter(([id]) => !/^ShardAutoscalerName|^AutoscalerName/.test(id)).map(([, p]) => p as { Properties: Record<string, any> });
}

function schedulePayload(template: Template): { streams: Array<Record<string, unknown>> } {
  const documents = settingsDocuments(template)
    .sort((a, b) => a.Properties.Name.localeCompare(b.Properties.Name))
    .map((p) => {
      const value = p.Properties.Value;
      return JSON.parse(typeof value === 'string' ? value : value['Fn::Join'][1].map((part: unknown) => typeof part === 'string' ? part : 'TOKEN').join(''));
    });
  return { streams: documents.flatMap((d) => d.streams) };
}

function autoscalerStatements(template: Template, id = 'ShardAutoscaler'): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${id}Role`) }] } });
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

  test('points the function at the settings, which never travel in the payload', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Fleet', { autoscalerName: 'fleet' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Input: JSON.stringify({ settingsPath: '/cdk-kinesis-autoscaling/fleet/' }) })],
    });
  });

  test('carries each stream and its settings to the function', () => {
    const { template } = autoscaledStack({
      minShards: 2, maxShards: 40, preset: ScalingPreset.SAFE, targetUtilizationPercent: 55, scaleInCooldown: Duration.hours(2), dryRun: true,
    });
    expect(schedulePayload(template).streams).toEqual([{
      streamName: 'TOKEN', minShards: 2, maxShards: 40, preset: 'safe', targetUtilization: 0.55, scaleInCooldownMinutes: 120, dryRun: true,
    }]);
  });

  test('carries sharedReaders to the function', () => {
    const { template } = autoscaledStack({ minShards: 1, maxShards: 8, sharedReaders: 3 });
    expect(schedulePayload(template).streams[0]).toMatchObject({ sharedReaders: 3 });
  });

  test('leaves sharedReaders out of the settings when it is not set (write-only sizing)', () => {
    expect(schedulePayload(autoscaledStack().template).streams[0]).not.toHaveProperty('sharedReaders');
  });
});

describe('counting shared-throughput readers', () => {
  const newReader = (stack: Stack, id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const newPoller = (stack: Stack, id: string, stream: kinesis.IStream) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  }).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));

  test('writes the readers the stream counts into its settings', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
    stream.grantRead(newReader(stack, 'A'));
    stream.grantRead(newReader(stack, 'B'));
    expect(schedulePayload(Template.fromStack(stack)).streams[0]).toMatchObject({ sharedReaders: 2 });
  });

  test('counts a Lambda function polling through KinesisEventSource once, though it is also a grantee', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
    newPoller(stack, 'Indexer', stream);
    expect(schedulePayload(Template.fromStack(stack)).streams[0]).toMatchObject({ sharedReaders: 1 });
  });

  test('adds the sharedReaders option to the counted readers (readers the construct cannot see)', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8, sharedReaders: 2 } });
    newPoller(stack, 'Indexer', stream);
    expect(schedulePayload(Template.fromStack(stack)).streams[0]).toMatchObject({ sharedReaders: 3 });
  });

  test('does not count enhanced fan-out readers', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
    stream.addLambdaConsumer('indexer', new lambda.Function(stack, 'Indexer', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    }));
    expect(schedulePayload(Template.fromStack(stack)).streams[0]).not.toHaveProperty('sharedReaders');
  });

  test('counts readers added to a stream registered with an autoscaler of another stack', () => {
    const stack = newStack();
    ShardAutoscaler.fromAutoscalerName(stack, 'Fleet', 'fleet');
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
    stream.grantRead(newReader(stack, 'A'));
    expect(schedulePayload(Template.fromStack(stack)).streams[0]).toMatchObject({ sharedReaders: 1 });
  });

  test('keeps the settings document\'s logical ID whatever the count', () => {
    const ids = (readers: number) => {
      const stack = newStack();
      const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
      for (let i = 0; i < readers; i++) stream.grantRead(newReader(stack, `R${i}`));
      return Object.keys(Template.fromStack(stack).findResources('AWS::SSM::Parameter')).sort();
    };
    expect(ids(3)).toEqual(ids(0));
  });

  test('rejects more readers than the autoscaler sizes for, naming the counted and the added', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { streamName: 'events', autoscaling: { minShards: 1, maxShards: 8, sharedReaders: 19 } });
    stream.grantRead(newReader(stack, 'A'));
    stream.grantRead(newReader(stack, 'B'));
    expect(() => Template.fromStack(stack)).toThrow(/stream Stack\/Events has 21 shared-throughput readers \(2 counted on the stream.*plus sharedReaders 19\), more than the 20/);
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
  test('Kinesis actions are allowed only on streams tagged with the autoscaler\'s name, and on imported streams by ARN', () => {
    const stack = newStack();
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 4 } });
    ShardAutoscaler.of(stack).addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    const statements = autoscalerStatements(Template.fromStack(stack));
    const name = ShardAutoscaler.of(stack).autoscalerName;
    const streams = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kinesis:eu-west-1:111122223333:stream/*']] };
    expect(statements).toEqual(expect.arrayContaining([
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:ListTagsForStream', 'kinesis:UpdateShardCount', 'kinesis:SplitShard', 'kinesis:MergeShards'],
        Resource: streams,
        Condition: { StringEquals: { 'aws:ResourceTag/cdk-kinesis-autoscaling:autoscaler': name } },
      },
      {
        Effect: 'Allow',
        Action: 'kinesis:AddTagsToStream',
        Resource: streams,
        Condition: { 'StringEquals': { 'aws:ResourceTag/cdk-kinesis-autoscaling:autoscaler': name }, 'ForAllValues:StringLike': { 'aws:TagKeys': ['kinesis-autoscaler:*'] } },
      },
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:ListTagsForStream', 'kinesis:UpdateShardCount', 'kinesis:SplitShard', 'kinesis:MergeShards'],
        Resource: IMPORTED_ARN,
      },
    ]));
  });

  test('on a stream imported by ARN, too, only the autoscaler\'s own state tags may be written', () => {
    const stack = newStack();
    ShardAutoscaler.of(stack).addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    const tagWrites = autoscalerStatements(Template.fromStack(stack))
      .filter((s) => ([] as string[]).concat(s.Action).includes('kinesis:AddTagsToStream'));
    expect(tagWrites).toContainEqual({
      Effect: 'Allow',
      Action: 'kinesis:AddTagsToStream',
      Resource: IMPORTED_ARN,
      Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['kinesis-autoscaler:*'] } },
    });
    for (const statement of tagWrites) {
      expect(statement).toMatchObject({ Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['kinesis-autoscaler:*'] } } });
    }
  });

  test('a stream this app creates carries the autoscaler\'s tag, which consumers never get', () => {
    const stack = newStack();
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 4 }, consumers: ['audit'], tagConsumers: true, tags: { team: 'data' } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Tags: Match.arrayWith([{ Key: 'cdk-kinesis-autoscaling:autoscaler', Value: ShardAutoscaler.of(stack).autoscalerName }]),
    });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { Tags: [{ Key: 'team', Value: 'data' }] });
  });

  test('settings are read only under the autoscaler\'s own SSM path', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Fleet', { autoscalerName: 'fleet' });
    const statements = autoscalerStatements(Template.fromStack(stack), 'Fleet');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'ssm:GetParametersByPath',
      Resource: ['cdk-kinesis-autoscaling/fleet', 'cdk-kinesis-autoscaling/fleet/*'].map((name) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111122223333:parameter/${name}`]],
      })),
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

  test('turning autoscaling on only tags the stream (an update without interruption)', () => {
    const stream = (autoscaling?: AutoscalingOptions) => {
      const stack = newStack();
      new KinesisStream(stack, 'Events', { streamName: 'events', shardCount: 2, autoscaling });
      return Object.values(Template.fromStack(stack).findResources('AWS::Kinesis::Stream'))[0];
    };
    const { Tags, ...autoscaled } = stream({ minShards: 1, maxShards: 8 }).Properties;
    expect(Tags).toEqual([{ Key: 'cdk-kinesis-autoscaling:autoscaler', Value: 'Stack-ShardAutoscaler-C4ABB9BF' }]);
    expect(autoscaled).toEqual(stream().Properties);
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
    ['target utilization above 90 %', { minShards: 1, maxShards: 2, targetUtilizationPercent: 95 }, 'targetUtilizationPercent must be a whole number from 10 to 90, received 95'],
    ['more shared readers than 20', { minShards: 1, maxShards: 2, sharedReaders: 21 }, 'sharedReaders must be a whole number from 0 to 20, received 21'],
    ['a fractional number of shared readers', { minShards: 1, maxShards: 2, sharedReaders: 1.5 }, 'sharedReaders must be a whole number from 0 to 20, received 1.5'],
    ['cooldown in seconds', { minShards: 1, maxShards: 2, scaleInCooldown: Duration.seconds(90) }, 'scaleInCooldown must be whole minutes from 0 to 24 hours, received 1 minute 30 seconds'],
    ['cooldown above a day', { minShards: 1, maxShards: 2, scaleInCooldown: Duration.hours(25) }, 'scaleInCooldown must be whole minutes from 0 to 24 hours, received 1 day 1 hour'],
  ];
  test.each(cases)('rejects %s', (_, options, message) => {
    expect(() => autoscaledStack(options)).toThrow(message);
  });

  test('rejects a token for sharedReaders', () => {
    const stack = newStack();
    const readers = new CfnParameter(stack, 'Readers', { type: 'Number' }).valueAsNumber;
    expect(() => new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 2, sharedReaders: readers } }))
      .toThrow('sharedReaders must be known at synth time, received a token');
  });

  test('rejects autoscaling on an On-Demand stream', () => {
    expect(() => new KinesisStream(newStack(), 'Events', { streamMode: kinesis.StreamMode.ON_DEMAND, autoscaling: { minShards: 1, maxShards: 2 } }))
      .toThrow('autoscaling must not be set when streamMode is ON_DEMAND: On-Demand streams scale themselves');
  });

  test('rejects a stream in another region', () => {
    const stack = newStack();
    const stream = kinesis.Stream.fromStreamArn(stack, 'Far', 'arn:aws:kinesis:us-east-1:111122223333:stream/far');
    expect(() => ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 2 })).toThrow(
      'stream far is in account 111122223333 and region us-east-1, but the autoscaler Stack-ShardAutoscaler-C4ABB9BF of stack Stack runs in account 111122223333 and region eu-west-1; scale a stream from a stack in its own account and region');
  });

  test('rejects the same stream twice', () => {
    const stack = newStack();
    const stream = kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN);
    ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 2 });
    expect(() => ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 3 }))
      .toThrow('stream imported is already managed by this ShardAutoscaler; add each stream once');
  });

  test('rejects the same KinesisStream twice, whose name is known only at deploy time', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 2 } });
    expect(() => ShardAutoscaler.of(stack).addStream(stream, { minShards: 1, maxShards: 3 }))
      .toThrow('stream (with a deploy-time name) is already managed by this ShardAutoscaler; add each stream once');
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

  test('an autoscaler with an autoscalerName may have no streams of its own stack', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Fleet', { autoscalerName: 'fleet' });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test.each([
    ['has a slash', 'a/b'],
    ['is empty', ''],
    ['is too long', 'x'.repeat(65)],
  ])('rejects an autoscalerName that %s', (_, name) => {
    expect(() => new ShardAutoscaler(newStack(), 'Fleet', { autoscalerName: name }))
      .toThrow(`autoscalerName must be 1 to 64 characters from [a-zA-Z0-9_.-], received ${JSON.stringify(name)}`);
  });

  test('a settings document the handler would reject fails synthesis, checked by the handler\'s own parser', () => {
    const stack = newStack();
    const registration = new StreamRegistration(stack, 'Settings', 'fleet');
    registration.register(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 5, maxShards: 2 });
    expect(() => Template.fromStack(stack)).toThrow(/ShardAutoscaler fleet: settings of stream imported: minShards \(5\) must not be greater than maxShards \(2\)/);
  });

  test('accepts tokens for minShards and maxShards', () => {
    const stack = newStack();
    const min = new CfnParameter(stack, 'Min', { type: 'Number' });
    const max = new CfnParameter(stack, 'Max', { type: 'Number' });
    new KinesisStream(stack, 'Events', { autoscaling: { minShards: min.valueAsNumber, maxShards: max.valueAsNumber } });
    const documents = settingsDocuments(Template.fromStack(stack));
    expect(JSON.stringify(documents[0].Properties.Value)).toContain('{"Ref":"Min"}');
  });
});

test('settings documents keep room for deploy-time shard counts written at their longest', () => {
  const stack = newStack();
  const min = new CfnParameter(stack, 'Min', { type: 'Number' }).valueAsNumber;
  const max = new CfnParameter(stack, 'Max', { type: 'Number' }).valueAsNumber;
  for (let i = 0; i < 40; i++) {
    new KinesisStream(stack, `S${i}`, { streamName: new CfnParameter(stack, `Name${i}`).valueAsString, autoscaling: { minShards: min, maxShards: max } });
  }
  // As CloudFormation substitutes them: the longest stream name, and numbers as the text a user may have typed.
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref === 'Min' || ref === 'Max') return '10000.000000000000000000';
    if (ref !== undefined) return 'x'.repeat(128);
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(render).join(separator);
  };
  const documents = settingsDocuments(Template.fromStack(stack)).map((p) => render(p.Properties.Value));
  expect(documents.length).toBeGreaterThan(1);
  for (const document of documents) expect(document.length).toBeLessThanOrEqual(4096);
});

describe('one autoscaler for many stacks', () => {
  /** A platform stack with the autoscaler, and two team stacks whose streams it scales. */
  function fleet(ordersStreams: string[]) {
    const app = new App();
    const platform = new Stack(app, 'Platform', { env: ENV });
    new ShardAutoscaler(platform, 'Autoscaler', { autoscalerName: 'fleet' });
    const team = (name: string, streams: string[]) => {
      const stack = new Stack(app, name, { env: ENV });
      ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', 'fleet');
      for (const stream of streams) new KinesisStream(stack, stream, { streamName: stream, autoscaling: { minShards: 1, maxShards: 8 } });
      return stack;
    };
    const orders = team('Orders', ordersStreams);
    const clicks = team('Clicks', ['clicks-a', 'clicks-b']);
    return { platform: Template.fromStack(platform), orders: Template.fromStack(orders), clicks: Template.fromStack(clicks) };
  }

  test('each stack writes its own streams\' settings under the autoscaler\'s path, named after the stack', () => {
    const { orders, clicks } = fleet(['orders-a', 'orders-b']);
    orders.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-kinesis-autoscaling/fleet/Orders/1', Tier: 'Standard', Type: 'String' });
    clicks.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-kinesis-autoscaling/fleet/Clicks/1' });
    expect(schedulePayload(orders).streams.map((s) => s.streamName)).toEqual(['TOKEN', 'TOKEN']);
    expect(JSON.stringify(orders.findResources('AWS::SSM::Parameter'))).toContain('ordersaStream');
  });

  test('streams carry the shared autoscaler\'s tag, which its policy is conditioned on', () => {
    const { platform, orders } = fleet(['orders-a']);
    orders.hasResourceProperties('AWS::Kinesis::Stream', { Tags: [{ Key: 'cdk-kinesis-autoscaling:autoscaler', Value: 'fleet' }] });
    expect(autoscalerStatements(platform, 'Autoscaler')).toContainEqual(expect.objectContaining({
      Condition: { StringEquals: { 'aws:ResourceTag/cdk-kinesis-autoscaling:autoscaler': 'fleet' } },
    }));
  });

  test('a team stack has no function, and no stack refers to another (no export blocks deleting one)', () => {
    const { platform, orders, clicks } = fleet(['orders-a']);
    orders.resourceCountIs('AWS::Lambda::Function', 0);
    for (const template of [platform, orders, clicks]) {
      expect(JSON.stringify(template.toJSON())).not.toMatch(/Fn::ImportValue|"Export"/);
    }
  });

  test('removing a stream from one stack removes it from the autoscaler without touching the other stacks', () => {
    const before = fleet(['orders-a', 'orders-b']);
    const after = fleet(['orders-a']);
    const names = (t: Template) => JSON.stringify(settingsDocuments(t).map((p) => p.Properties.Value));
    expect(names(before.orders)).toContain('ordersbStream');
    expect(names(after.orders)).not.toContain('ordersbStream');
    expect(names(after.orders)).toContain('ordersaStream');
    expect(after.clicks.toJSON()).toEqual(before.clicks.toJSON());
    expect(after.platform.toJSON()).toEqual(before.platform.toJSON());
  });

  test('ShardAutoscaler.of and every autoscaled KinesisStream of a stack use the autoscaler it references', () => {
    const stack = newStack();
    const shared = ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', 'fleet');
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 2 } });
    expect(ShardAutoscaler.of(stack)).toBe(shared);
    expect(stream.autoscaler).toBe(shared);
  });

  test('1,000 streams fit one autoscaler: standard SSM parameters of at most 4,096 characters', () => {
    const stack = newStack();
    const shared = ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', 'fleet');
    for (let i = 0; i < 1000; i++) {
      shared.addStream(kinesis.Stream.fromStreamArn(stack, `S${i}`, `arn:aws:kinesis:eu-west-1:111122223333:stream/${'s'.repeat(100)}-${i}`), { minShards: 1, maxShards: 100 });
    }
    const template = Template.fromStack(stack);
    const values = settingsDocuments(template).map((p) => p.Properties.Value as string);
    expect(values.length).toBeLessThan(80);
    for (const value of values) expect(value.length).toBeLessThanOrEqual(4096);
    expect(schedulePayload(template).streams).toHaveLength(1000);
  });

  test('a stream this app does not create earns a warning: it must be tagged by hand', () => {
    const stack = newStack();
    ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', 'fleet').addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), { minShards: 1, maxShards: 2 });
    Annotations.fromStack(stack).hasWarning('/Stack/Autoscaler', Match.stringLikeRegexp(
      '^stream imported is not created by this app, so it cannot be tagged for the autoscaler fleet, which may act only on streams tagged cdk-kinesis-autoscaling:autoscaler=fleet'));
  });

  test('rejects a stream already scaled by another autoscaler', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 2 } });
    const other = ShardAutoscaler.fromAutoscalerName(new Stack(stack.node.scope as App, 'Other', { env: ENV }), 'Autoscaler', 'fleet');
    expect(() => other.addStream(stream, { minShards: 1, maxShards: 2 }))
      .toThrow('stream (with a deploy-time name) is already managed by the autoscaler Stack-ShardAutoscaler-C4ABB9BF; a stream is scaled by one autoscaler');
  });

  test('rejects reconciling through an autoscaler of another stack', () => {
    const stack = newStack();
    ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', 'fleet');
    expect(() => new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 2, reconcile: ReconcileMode.STRICT } })).toThrow(
      'reconcile must be ReconcileMode.OFF for an autoscaler of another stack (fleet), received strict; the deploy-time reconciler runs in the autoscaler\'s own stack');
  });

  test('a parameter named after the autoscaler makes CloudFormation refuse a second one of that name', () => {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    new ShardAutoscaler(stack, 'Autoscaler', { autoscalerName: 'fleet' });
    Template.fromStack(stack).hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-kinesis-autoscaling/fleet', Type: 'String' });
  });

  test('two autoscalers of one name in one app fail synthesis', () => {
    const app = new App();
    new ShardAutoscaler(new Stack(app, 'One', { env: ENV }), 'Autoscaler', { autoscalerName: 'fleet' });
    new ShardAutoscaler(new Stack(app, 'Two', { env: ENV }), 'Autoscaler', { autoscalerName: 'fleet' });
    expect(() => app.synth()).toThrow(/autoscalerName fleet is also the name of One\/Autoscaler: one name serves one autoscaler per account and region/);
  });

  test('autoscalers of one name in different regions are separate', () => {
    const app = new App();
    new ShardAutoscaler(new Stack(app, 'One', { env: ENV }), 'Autoscaler', { autoscalerName: 'fleet' });
    new ShardAutoscaler(new Stack(app, 'Two', { env: { ...ENV, region: 'us-east-1' } }), 'Autoscaler', { autoscalerName: 'fleet' });
    expect(() => app.synth()).not.toThrow();
  });

  test('rejects an autoscaler name that is a token', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'Name').valueAsString;
    expect(() => ShardAutoscaler.fromAutoscalerName(stack, 'Autoscaler', name))
      .toThrow('autoscalerName must be known at synth time, received a token: it names SSM parameters and a tag');
  });

  test('rejects a reference next to the stack\'s own autoscaler', () => {
    const stack = newStack();
    ShardAutoscaler.of(stack);
    expect(() => ShardAutoscaler.fromAutoscalerName(stack, 'Shared', 'fleet'))
      .toThrow('stack Stack already has a ShardAutoscaler (ShardAutoscaler); a stack registers its streams with one autoscaler');
  });
});

describe('the stopped alarm', () => {
  test('alarms when the function has not run or failed, with missing data breaching', () => {
    const { template } = autoscaledStack();
    const [stopped] = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('ShardAutoscalerStopped')).map(([, a]) => a);
    const p = stopped.Properties;
    expect([p.TreatMissingData, p.EvaluationPeriods, p.DatapointsToAlarm, p.Threshold]).toEqual(['breaching', 3, 2, 1]);
    const metrics = p.Metrics as Array<Record<string, any>>;
    expect(metrics.find((m) => m.Expression)!.Expression).toBe('IF(FILL(runs, 0) < 1 OR FILL(failures, 0) >= 1, 1, 0)');
    expect(metrics.filter((m) => m.MetricStat).map((m) => [m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period]))
      .toEqual([['Invocations', 'Sum', 300], ['Errors', 'Sum', 300]]);
  });

  test('its period covers at least one run of a slower schedule', () => {
    const stack = newStack();
    new ShardAutoscaler(stack, 'Fleet', { autoscalerName: 'fleet', schedule: events.Schedule.rate(Duration.minutes(10)) });
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))[0];
    expect(alarm.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Period)).toEqual([600, 600]);
  });
});
