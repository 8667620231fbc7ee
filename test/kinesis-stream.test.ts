import { App, CfnParameter, Duration, RemovalPolicy, Size, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { KinesisStream, KinesisStreamProps, ShardLevelMetric } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

function synth(props: KinesisStreamProps = {}): { stack: Stack; stream: KinesisStream; template: Template } {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Events', props);
  return { stack, stream, template: Template.fromStack(stack) };
}

function streamProperties(template: Template): Record<string, unknown> {
  const streams = template.findResources('AWS::Kinesis::Stream');
  const ids = Object.keys(streams);
  expect(ids).toHaveLength(1);
  return streams[ids[0]].Properties;
}

function newFunction(scope: Stack, id = 'Fn'): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
}

describe('defaults', () => {
  test('a provisioned stream with one shard and 24 hours of retention', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 1,
      RetentionPeriodHours: 24,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  test('encrypted with a new customer-managed key', () => {
    const { template } = synth();
    const keys = template.findResources('AWS::KMS::Key');
    const [keyId] = Object.keys(keys);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  test('the key rotates', () => {
    synth().template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the key policy lets the account administer the key but use it only through Kinesis', () => {
    const { template } = synth();
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
    const statements = key.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
    expect(statements).toHaveLength(2);
    const admin = statements.find((s) => s.Sid === 'KeyAdministration')!;
    expect(admin.Action).not.toContain('kms:Decrypt');
    expect(admin.Action).not.toContain('kms:CreateGrant');
    expect(admin.Action).not.toContain('kms:*');
    expect(admin.Action).toContain('kms:PutKeyPolicy');
    const use = statements.find((s) => s.Sid === 'UseThroughKinesisOnly')!;
    expect(use.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    expect((use.Action as string[]).filter((a) => a.includes('*'))).toEqual([]);
    expect(use.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['kinesis.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
        'kms:CallerAccount': { Ref: 'AWS::AccountId' },
      },
    });
  });

  test('no statement in the key policy grants kms:* to anyone', () => {
    const { template } = synth();
    const json = JSON.stringify(template.findResources('AWS::KMS::Key'));
    expect(json).not.toContain('"kms:*"');
  });

  test('the stream and its key are retained when removed from the stack', () => {
    const { template } = synth();
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('no shard-level metrics, record size or warm throughput are set', () => {
    const props = streamProperties(synth().template);
    expect(props).not.toHaveProperty('DesiredShardLevelMetrics');
    expect(props).not.toHaveProperty('MaxRecordSizeInKiB');
    expect(props).not.toHaveProperty('WarmThroughputMiBps');
  });

  test('no consumers', () => {
    synth().template.resourceCountIs('AWS::Kinesis::StreamConsumer', 0);
  });

  test('exposes the stream\'s name, ARN and key as references to the stream resource', () => {
    const { stack, stream, template } = synth();
    const logicalId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    expect(stack.resolve(stream.streamArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
    expect(stack.resolve(stream.streamName)).toEqual({ Ref: logicalId });
    expect(stream.encryptionKey).toBeDefined();
  });

  test('no warnings', () => {
    const { stack } = synth();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('overrides', () => {
  test('stream name', () => {
    synth({ streamName: 'orders' }).template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'orders' });
  });

  test('shard count', () => {
    synth({ shardCount: 8 }).template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 8 });
  });

  test('on-demand has no shard count in the template', () => {
    const props = streamProperties(synth({ streamMode: kinesis.StreamMode.ON_DEMAND }).template);
    expect(props).not.toHaveProperty('ShardCount');
    expect(props.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
  });

  test('retention', () => {
    synth({ retentionPeriod: Duration.days(7) }).template.hasResourceProperties('AWS::Kinesis::Stream', { RetentionPeriodHours: 168 });
  });

  test('the AWS-managed key creates no key', () => {
    const { template, stream } = synth({ encryption: kinesis.StreamEncryption.MANAGED });
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
    expect(stream.encryptionKey).toBeUndefined();
  });

  test("a user's key is used and no key is created", () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111111111111:key/abcd');
    const stream = new KinesisStream(stack, 'Events', { encryptionKey: key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'arn:aws:kms:us-east-1:111111111111:key/abcd' },
    });
    expect(stream.encryptionKey).toBe(key);
  });

  test('unencrypted when asked for explicitly, with a warning', () => {
    const { stack, template } = synth({ encryption: kinesis.StreamEncryption.UNENCRYPTED });
    expect(streamProperties(template)).not.toHaveProperty('StreamEncryption');
    template.resourceCountIs('AWS::KMS::Key', 0);
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('records are stored in plain text'));
  });

  test('removal policy applies to the stream and its key', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('shard-level metrics, each once', () => {
    synth({ shardLevelMetrics: [ShardLevelMetric.INCOMING_BYTES, ShardLevelMetric.INCOMING_RECORDS, ShardLevelMetric.INCOMING_BYTES] })
      .template.hasResourceProperties('AWS::Kinesis::Stream', { DesiredShardLevelMetrics: ['IncomingBytes', 'IncomingRecords'] });
  });

  test('maximum record size in KiB', () => {
    synth({ maxRecordSize: Size.mebibytes(10) }).template.hasResourceProperties('AWS::Kinesis::Stream', { MaxRecordSizeInKiB: 10240 });
  });

  test('warm throughput on an on-demand stream', () => {
    synth({ streamMode: kinesis.StreamMode.ON_DEMAND, warmThroughputMiBps: 100 })
      .template.hasResourceProperties('AWS::Kinesis::Stream', { WarmThroughputMiBps: 100 });
  });

  test('tags reach the stream and the key created for it', () => {
    const { template } = synth({ tags: { team: 'payments' } });
    template.hasResourceProperties('AWS::Kinesis::Stream', { Tags: Match.arrayWith([{ Key: 'team', Value: 'payments' }]) });
    template.hasResourceProperties('AWS::KMS::Key', { Tags: Match.arrayWith([{ Key: 'team', Value: 'payments' }]) });
  });
});

describe('validation', () => {
  test.each([
    [{ retentionPeriod: Duration.hours(12) }, 'retentionPeriod must be whole hours from 24 to 8760, received 12 hours'],
    [{ retentionPeriod: Duration.hours(8761) }, 'retentionPeriod must be whole hours from 24 to 8760, received 8761 hours'],
    [{ retentionPeriod: Duration.minutes(24 * 60 + 30) }, 'retentionPeriod must be whole hours from 24 to 8760, received 24.5 hours'],
    [{ streamMode: kinesis.StreamMode.ON_DEMAND, shardCount: 2 }, 'shardCount must not be set when streamMode is ON_DEMAND (received 2)'],
    [{ shardCount: 0 }, 'shardCount must be a whole number from 1 to 10000, received 0'],
    [{ shardCount: -3 }, 'shardCount must be a whole number from 1 to 10000, received -3'],
    [{ shardCount: 1.5 }, 'shardCount must be a whole number from 1 to 10000, received 1.5'],
    [{ maxRecordSize: Size.kibibytes(512) }, 'maxRecordSize must be whole KiB from 1 MiB (1024 KiB) to 10 MiB (10240 KiB), received 512 KiB'],
    [{ maxRecordSize: Size.mebibytes(11) }, 'maxRecordSize must be whole KiB from 1 MiB (1024 KiB) to 10 MiB (10240 KiB), received 11264 KiB'],
    [{ warmThroughputMiBps: 10 }, 'warmThroughputMiBps is only for On-Demand streams, received 10 with streamMode PROVISIONED'],
    [{ streamMode: kinesis.StreamMode.ON_DEMAND, warmThroughputMiBps: 0 }, 'warmThroughputMiBps must be a whole number from 1 to 10240, received 0'],
    [{ shardLevelMetrics: [ShardLevelMetric.ALL, ShardLevelMetric.INCOMING_BYTES] }, 'shardLevelMetrics must not combine ALL with other metrics'],
    [{ encryption: kinesis.StreamEncryption.UNENCRYPTED, consumers: [] }, undefined],
    [{ consumers: Array.from({ length: 21 }, (_, i) => `c${i}`) }, 'consumers: a stream has at most 20 enhanced fan-out consumers, received 21'],
    [{ consumers: ['billing', 'billing'] }, 'consumer name must be unique on the stream, received "billing" twice'],
    [{ consumers: ['has space'] }, 'consumer name must be 1 to 128 characters from [a-zA-Z0-9_.-], received "has space"'],
    [{ consumers: [''] }, 'consumer name must be 1 to 128 characters from [a-zA-Z0-9_.-], received ""'],
    [{ consumers: ['x'.repeat(129)] }, 'consumer name must be 1 to 128 characters from [a-zA-Z0-9_.-]'],
  ] as Array<[KinesisStreamProps, string | undefined]>)('%j', (props, message) => {
    if (message === undefined) {
      expect(() => synth(props)).not.toThrow();
    } else {
      expect(() => synth(props)).toThrow(message);
    }
  });

  test('an encryption key together with the AWS-managed key', () => {
    const stack = newStack();
    expect(() => new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.MANAGED, encryptionKey: new kms.Key(stack, 'Key') }))
      .toThrow('encryptionKey can only be used with encryption KMS, received encryption MANAGED (the AWS-managed key alias/aws/kinesis)');
  });

  test('an encryption key together with no encryption', () => {
    const stack = newStack();
    expect(() => new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.UNENCRYPTED, encryptionKey: new kms.Key(stack, 'Key') }))
      .toThrow('encryptionKey can only be used with encryption KMS, received encryption NONE');
  });

  test('a 21st consumer added by method', () => {
    const { stream } = synth({ consumers: Array.from({ length: 20 }, (_, i) => `c${i}`) });
    expect(() => stream.addConsumer('one-too-many')).toThrow('consumers: a stream has at most 20 enhanced fan-out consumers, received a 21th ("one-too-many")');
  });

  test('a consumer name that is a token, without an id', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const name = new CfnParameter(stack, 'ConsumerName').valueAsString;
    expect(() => stream.addConsumer(name)).toThrow("consumer name is a token, so it gives no stable construct id; pass one: addConsumer(name, { id: 'Billing' })");
  });

  test('a consumer name that is a token, in props', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'ConsumerName').valueAsString;
    expect(() => new KinesisStream(stack, 'Events', { consumers: [name] }))
      .toThrow('consumers: a consumer name that is a token needs an explicit construct id; register it with addConsumer(name, { id })');
  });

  test('a consumer id already taken', () => {
    const { stream } = synth({ consumers: ['billing'] });
    expect(() => stream.addConsumer('audit', { id: 'billing' })).toThrow('consumer id must be unique on the stream, received "billing" twice');
  });

  test('a consumer id with a slash', () => {
    const { stream } = synth();
    expect(() => stream.addConsumer('audit', { id: 'a/b' })).toThrow('consumer id must be a non-empty string without "/" known at synth time, received "a/b"');
  });

  test('a consumer name already declared in props', () => {
    const { stream } = synth({ consumers: ['billing'] });
    expect(() => stream.addConsumer('billing')).toThrow('consumer name must be unique on the stream, received "billing" twice');
  });

  test.each([
    [{ batchSize: 0 }, 'batchSize must be a whole number from 1 to 10000, received 0'],
    [{ retryAttempts: -1 }, 'retryAttempts must be a whole number from 0 to 10000, received -1'],
    [{ parallelizationFactor: 11 }, 'parallelizationFactor must be a whole number from 1 to 10, received 11'],
  ])('lambda consumer option %j', (options, message) => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    expect(() => stream.addLambdaConsumer('reader', newFunction(stack), options)).toThrow(message);
  });

  test('accepts tokens and passes them through', () => {
    const stack = newStack();
    const shards = new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber;
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber;
    const name = new CfnParameter(stack, 'ConsumerName').valueAsString;
    const stream = new KinesisStream(stack, 'Events', { shardCount: shards, retentionPeriod: Duration.hours(hours) });
    stream.addConsumer(name, { id: 'Named' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: { Ref: 'Shards' }, RetentionPeriodHours: { Ref: 'Hours' } });
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: { Ref: 'ConsumerName' } });
  });
});

describe('as a kinesis.IStream', () => {
  test('is accepted wherever aws-cdk-lib takes an IStream', () => {
    const stack = newStack();
    const stream: kinesis.IStream = new KinesisStream(stack, 'Events');
    newFunction(stack).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    const logicalId = Object.keys(Template.fromStack(stack).findResources('AWS::Kinesis::Stream'))[0];
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [logicalId, 'Arn'] } });
  });

  test('an aws-cdk-lib integration that grants read access gets the key\'s Decrypt only', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    newFunction(stack).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    const keyActions = statements.flatMap((st) => [st.Action].flat()).filter((action) => action.startsWith('kms:'));
    expect(keyActions).toEqual(['kms:Decrypt']);
  });

  test('grant adds only the named actions', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.grant(new iam.Role(stack, 'Describer', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }), 'kinesis:DescribeStreamSummary');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'kinesis:DescribeStreamSummary' })] },
    });
  });

  test('streamRef names the stream, as newer aws-cdk-lib releases read it from every IStream', () => {
    const { stack, stream } = synth();
    expect(stack.resolve(stream.streamRef)).toEqual({ streamName: stack.resolve(stream.streamName), streamArn: stack.resolve(stream.streamArn) });
  });

  test('metrics carry the stream\'s name', () => {
    const { stack, stream } = synth();
    const logicalId = Object.keys(Template.fromStack(stack).findResources('AWS::Kinesis::Stream'))[0];
    expect(stack.resolve(stream.metricIncomingBytes().dimensions)).toEqual({ StreamName: { Ref: logicalId } });
    expect(stream.metricWriteProvisionedThroughputExceeded().metricName).toBe('WriteProvisionedThroughputExceeded');
  });

  test('applyRemovalPolicy reaches the stream and the key created for it', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.applyRemovalPolicy(RemovalPolicy.DESTROY);
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('applyRemovalPolicy leaves a key of the user\'s alone', () => {
    const stack = newStack();
    new kms.Key(stack, 'Own', { removalPolicy: RemovalPolicy.RETAIN });
    const stream = new KinesisStream(stack, 'Events', { encryptionKey: stack.node.findChild('Own') as kms.Key });
    stream.applyRemovalPolicy(RemovalPolicy.DESTROY);
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });
});

describe('enhanced fan-out consumers', () => {
  test('declared in props and added by method, each an aws-kinesis StreamConsumer', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { consumers: ['billing'] });
    const added = stream.addConsumer('audit');
    expect(added).toBeInstanceOf(kinesis.StreamConsumer);
    expect(stream.consumers).toHaveLength(2);
    expect(stream.consumers[1]).toBe(added);
    const template = Template.fromStack(stack);
    const names = Object.values(template.findResources('AWS::Kinesis::StreamConsumer')).map((r) => r.Properties.ConsumerName);
    expect(names).toEqual(['billing', 'audit']);
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: 'audit',
      StreamARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsStream'), 'Arn'] },
    });
  });

  test('removing one consumer keeps every other consumer\'s and alarm\'s logical ID', () => {
    const logicalIds = (consumers: string[]) => {
      const template = synth({ consumers }).template;
      const ids = (type: string) => Object.entries(template.findResources(type));
      return {
        consumers: Object.fromEntries(ids('AWS::Kinesis::StreamConsumer').map(([id, r]) => [r.Properties.ConsumerName, id])),
        alarms: ids('AWS::CloudWatch::Alarm').map(([id]) => id),
      };
    };
    const before = logicalIds(['billing', 'audit', 'search']);
    const after = logicalIds(['audit', 'search']);
    expect(after.consumers).toEqual({ audit: before.consumers.audit, search: before.consumers.search });
    // Consumers' lag is a signal of the stream's health alarm: the alarm keeps its id.
    expect(before.alarms).toEqual(expect.arrayContaining(after.alarms));
  });

  test('a consumer named in props gets the same logical ID as one added by method', () => {
    const fromProps = synth({ consumers: ['billing'] }).template.findResources('AWS::Kinesis::StreamConsumer');
    const stack = newStack();
    new KinesisStream(stack, 'Events').addConsumer('billing');
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::Kinesis::StreamConsumer'))).toEqual(Object.keys(fromProps));
  });

  test('an explicit id names the consumer\'s construct', () => {
    const { stream } = synth();
    expect(stream.addConsumer('billing-v2', { id: 'Billing' }).node.path).toBe('Stack/Events/Consumers/Billing');
  });

  test('are created one after another', () => {
    const { template } = synth({ consumers: ['a', 'b', 'c'] });
    const consumers = template.findResources('AWS::Kinesis::StreamConsumer');
    const byName = Object.fromEntries(Object.entries(consumers).map(([id, r]) => [r.Properties.ConsumerName, { id, dependsOn: r.DependsOn ?? [] }]));
    expect(byName.a.dependsOn).toEqual([]);
    expect(byName.b.dependsOn).toEqual([byName.a.id]);
    expect(byName.c.dependsOn).toEqual([byName.b.id]);
  });

  test('stack-wide tags do not reach consumers, with a warning saying so', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Events', { consumers: ['billing'] });
    Tags.of(stack).add('cost-center', '42');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', { Tags: Match.arrayWith([{ Key: 'cost-center', Value: '42' }]) });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { Tags: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('Tags \\[cost-center\\] from enclosing scopes are not applied'));
  });

  test('tagConsumers lets stack-wide tags reach consumers, with a warning about replacement', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Events', { consumers: ['billing'], tagConsumers: true });
    Tags.of(stack).add('cost-center', '42');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { Tags: [{ Key: 'cost-center', Value: '42' }] });
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('Changing any of them replaces every consumer'));
  });

  test("the stream's own tags earn no warning about consumers", () => {
    const { stack, template } = synth({ consumers: ['billing'], tags: { team: 'payments' } });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { Tags: Match.absent() });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('no tag warning when there are no tags', () => {
    const { stack } = synth({ consumers: ['billing'] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test("a consumer's grantRead covers the stream, the key and the consumer", () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const consumer = stream.addConsumer('billing');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    consumer.grantRead(role);
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    for (const action of ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer', 'kinesis:GetRecords', 'kms:Decrypt']) {
      expect(policy).toContain(action);
    }
    expect(policy).toContain('ConsumerARN');
  });

  test("a consumer's resource policy references it, so CloudFormation creates it after the consumer", () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const consumer = stream.addConsumer('billing');
    consumer.grantRead(new iam.AccountPrincipal('222222222222'));
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::ResourcePolicy', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsConsumersbilling'), 'ConsumerARN'] },
    });
  });
});

describe('lambda consumer', () => {
  function lambdaConsumer(options = {}) {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const fn = newFunction(stack);
    const source = stream.addLambdaConsumer('reader', fn, options);
    return { stack, stream, fn, source, template: Template.fromStack(stack) };
  }

  test('reads through its own consumer', () => {
    const { template, source } = lambdaConsumer();
    expect(source).toBeInstanceOf(sources.KinesisConsumerEventSource);
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsConsumersreader'), 'ConsumerARN'] },
    });
  });

  test('safe defaults: trim horizon, bisect, bounded age and retries, partial batch responses, an on-failure queue', () => {
    const { template } = lambdaConsumer();
    const queues = template.findResources('AWS::SQS::Queue');
    const [queueId] = Object.keys(queues);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 86400,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  test('the on-failure queue is encrypted, TLS-only and keeps messages 14 days', () => {
    const { template } = lambdaConsumer();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the function may read the consumer and decrypt', () => {
    const { template } = lambdaConsumer();
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const action of ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer', 'kms:Decrypt', 'sqs:SendMessage']) {
      expect(policies).toContain(action);
    }
  });

  test('every default can be overridden', () => {
    const stack = newStack();
    const onFailure = new sources.SqsDlq(new sqs.Queue(stack, 'Mine'));
    const stream = new KinesisStream(stack, 'Events');
    stream.addLambdaConsumer('reader', newFunction(stack), {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(5),
      bisectBatchOnError: false,
      maxRecordAge: Duration.hours(2),
      retryAttempts: 10,
      onFailure,
      reportBatchItemFailures: false,
      parallelizationFactor: 4,
      enabled: false,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'LATEST',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: false,
      MaximumRecordAgeInSeconds: 7200,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 4,
      Enabled: false,
      FunctionResponseTypes: Match.absent(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'Arn'] } } },
    });
  });
});

describe('grants', () => {
  function grant(method: 'grantRead' | 'grantWrite' | 'grantReadWrite') {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    stream[method](role);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement) as Array<{ Action: string | string[]; Resource: unknown }>;
    return { stack, statements, actions: statements.flatMap((s) => [s.Action].flat()) };
  }

  test('producers can put records and encrypt with the key', () => {
    const { actions } = grant('grantWrite');
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual(['kms:GenerateDataKey']);
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards']));
    expect(actions).not.toContain('kinesis:GetRecords');
  });

  test('readers can get records and decrypt with the key', () => {
    const { actions } = grant('grantRead');
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kms:Decrypt']));
    expect(actions).not.toContain('kinesis:PutRecord');
  });

  test('read-write covers both, with the key', () => {
    const { actions } = grant('grantReadWrite');
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:PutRecords', 'kms:Decrypt', 'kms:GenerateDataKey']));
  });

  test('no grant uses a wildcard action', () => {
    for (const method of ['grantRead', 'grantWrite', 'grantReadWrite'] as const) {
      expect(grant(method).actions.filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  test('no grant uses a wildcard resource', () => {
    for (const method of ['grantRead', 'grantWrite', 'grantReadWrite'] as const) {
      expect(JSON.stringify(grant(method).statements.map((s) => s.Resource))).not.toContain('"*"');
    }
  });

  test('cross-account readers go through the stream resource policy and the key policy', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.grantRead(new iam.AccountPrincipal('222222222222'));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::ResourcePolicy', {
      ResourcePolicy: {
        Statement: [Match.objectLike({
          Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::222222222222:root'])] } },
          Action: Match.arrayWith(['kinesis:GetRecords']),
        })],
      },
    });
    const keyPolicy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy);
    expect(keyPolicy).toContain(':iam::222222222222:root');
  });

  test('more than two shared-throughput readers earn a warning that points to enhanced fan-out', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.grantRead(new iam.Role(stack, 'A', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    stream.grantRead(new iam.Role(stack, 'B', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    newFunction(stack).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('3 readers share .*enhanced fan-out'));
  });

  test('three Lambda functions polling through KinesisEventSource earn the warning, pointing to addLambdaConsumer()', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    for (const id of ['A', 'B', 'C']) {
      newFunction(stack, id).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    }
    Annotations.fromStack(stack).hasWarning('/Stack/Events',
      Match.stringLikeRegexp('^3 readers share .*Lambda functions polling through KinesisEventSource \\[Stack/A, Stack/B, Stack/C\\].*addLambdaConsumer\\(\\)'));
  });

  test('with autoscaling, the warning says the autoscaler sizes for the readers', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 8 } });
    for (const id of ['A', 'B', 'C']) {
      newFunction(stack, id).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    }
    Annotations.fromStack(stack).hasWarning('/Stack/Events', Match.stringLikeRegexp('The autoscaler counts them .* 1.5 times what writes need'));
  });

  test('two shared-throughput readers earn no warning', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.grantRead(new iam.Role(stack, 'A', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    newFunction(stack).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    Annotations.fromStack(stack).hasNoWarning('/Stack/Events', Match.anyValue());
  });

  test('readers through enhanced fan-out do not count as shared-throughput readers', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    for (const name of ['a', 'b', 'c']) stream.addLambdaConsumer(name, newFunction(stack, `Fn${name}`));
    Annotations.fromStack(stack).hasNoWarning('/Stack/Events', Match.anyValue());
  });
});
