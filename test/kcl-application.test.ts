import { App, Aspects, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { KclApplication, KclApplicationProps, KclVersion, KinesisStream } from '../src';

/**
 * The actions each kind of KCL worker needs, from "IAM permissions required for KCL consumer applications"
 * (https://docs.aws.amazon.com/streams/latest/dev/kcl-iam-permissions.html), without the ones this construct makes
 * unnecessary: dynamodb:CreateTable and dynamodb:UpdateTable (the tables and the index exist), and
 * kinesis:RegisterStreamConsumer (the consumer exists). kinesis:DescribeStream is left out because KCL 2.x and 3.x
 * use DescribeStreamSummary and ListShards.
 */
const TABLE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'];
const EXPECTED_ACTIONS = {
  polling: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetRecords', 'kinesis:GetShardIterator'],
  fanOut: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
  v2: [...TABLE_ACTIONS, 'cloudwatch:PutMetricData'],
  v3: [...TABLE_ACTIONS, 'dynamodb:Query', 'cloudwatch:PutMetricData'],
  tableKey: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

interface Built { stack: Stack; stream: KinesisStream; app: KclApplication; role: iam.Role }

function build(props: Partial<KclApplicationProps> = {}, streamProps = {}): Built {
  const stack = new Stack(new App(), 'Stack');
  const stream = new KinesisStream(stack, 'Orders', streamProps);
  const role = new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const app = new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', ...props });
  app.grant(role);
  return { stack, stream, app, role };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function policyStatements(template: Template): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement as Statement[];
}

function actionsOf(template: Template): string[] {
  return policyStatements(template).flatMap((s) => [s.Action].flat()).sort();
}

function tableNamed(template: Template, name: string): { Properties: Record<string, unknown>; DeletionPolicy?: string } {
  const tables = Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: name } }));
  expect(tables).toHaveLength(1);
  return tables[0] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
}

function keyLogicalId(template: Template): string {
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0];
}

describe('tables', () => {
  test('KCL 3.x gets the lease, worker metrics and coordinator state tables with the key schemas KCL uses', () => {
    const template = Template.fromStack(build().stack);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(3);
    for (const [name, key] of [['orders-search', 'leaseKey'], ['orders-search-WorkerMetricStats', 'wid'], ['orders-search-CoordinatorState', 'key']]) {
      expect(tableNamed(template, name).Properties).toMatchObject({
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: expect.arrayContaining([{ AttributeName: key, AttributeType: 'S' }]),
      });
    }
  });

  test('the KCL 3.x lease table has the lease-owner index KCL queries, keys only', () => {
    const template = Template.fromStack(build().stack);
    expect(tableNamed(template, 'orders-search').Properties.GlobalSecondaryIndexes).toEqual([{
      IndexName: 'LeaseOwnerToLeaseKeyIndex',
      KeySchema: [{ AttributeName: 'leaseOwner', KeyType: 'HASH' }, { AttributeName: 'leaseKey', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    }]);
  });

  test('KCL 2.x gets the lease table only, without the index', () => {
    const template = Template.fromStack(build({ kclVersion: KclVersion.V2 }).stack);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(1);
    expect(tableNamed(template, 'orders-search').Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  test('every table is on-demand, with point-in-time recovery and deletion protection, and retained', () => {
    const template = Template.fromStack(build().stack);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('the tables are encrypted with the stream key, whose policy now allows use through DynamoDB', () => {
    const template = Template.fromStack(build().stack);
    const keyId = keyLogicalId(template);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties.SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' });
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'UseThroughDynamoDbOnly',
          Action: Match.arrayWith(['kms:CreateGrant', 'kms:GenerateDataKey']),
          Condition: { StringEquals: Match.objectLike({ 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } }) },
        })]),
      },
    });
  });

  test('a key of your own encrypts the tables instead', () => {
    const stack = new Stack(new App(), 'Stack');
    const key = new kms.Key(stack, 'TableKey');
    const stream = new KinesisStream(stack, 'Orders', { encryption: kinesis.StreamEncryption.MANAGED });
    new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', encryptionKey: key });
    Template.fromStack(stack).allResourcesProperties('AWS::DynamoDB::Table', {
      SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  test('a stream without a customer-managed key leaves the tables on the AWS-managed key', () => {
    const template = Template.fromStack(build({}, { encryption: kinesis.StreamEncryption.MANAGED }).stack);
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
    expect(JSON.stringify(template.findResources('AWS::DynamoDB::Table'))).not.toContain('KMSMasterKeyId');
  });

  test('an imported key earns a warning that its policy must allow DynamoDB', () => {
    const stack = new Stack(new App(), 'Stack');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const stream = new KinesisStream(stack, 'Orders', { encryptionKey: key });
    new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search' });
    Annotations.fromStack(stack).hasWarning('/Stack/Search', Match.stringLikeRegexp('cannot be changed from this stack'));
  });

  test('removal policy, deletion protection, point-in-time recovery and tags can be changed', () => {
    const template = Template.fromStack(build({
      removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false, pointInTimeRecovery: false, tags: { team: 'search' },
    }).stack);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
      expect(table.Properties.Tags).toEqual([{ Key: 'team', Value: 'search' }]);
    }
  });

  test('the names a worker needs are exposed', () => {
    const { app, stack } = build({ enhancedFanOut: true });
    expect(app.leaseTableName).toBe('orders-search');
    expect(app.workerMetricsTableName).toBe('orders-search-WorkerMetricStats');
    expect(app.coordinatorStateTableName).toBe('orders-search-CoordinatorState');
    expect(app.metricsNamespace).toBe('orders-search');
    expect(stack.resolve(app.consumerArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OrdersConsumersorderssearch/), 'ConsumerARN'] });
  });
});

describe('grant', () => {
  test.each([
    ['KCL 3.x polling', {}, [...EXPECTED_ACTIONS.polling, ...EXPECTED_ACTIONS.v3, ...EXPECTED_ACTIONS.tableKey]],
    ['KCL 3.x enhanced fan-out', { enhancedFanOut: true }, [...EXPECTED_ACTIONS.fanOut, ...EXPECTED_ACTIONS.v3, ...EXPECTED_ACTIONS.tableKey]],
    ['KCL 2.x polling', { kclVersion: KclVersion.V2 }, [...EXPECTED_ACTIONS.polling, ...EXPECTED_ACTIONS.v2, ...EXPECTED_ACTIONS.tableKey]],
    ['KCL 2.x enhanced fan-out', { kclVersion: KclVersion.V2, enhancedFanOut: true }, [...EXPECTED_ACTIONS.fanOut, ...EXPECTED_ACTIONS.v2, ...EXPECTED_ACTIONS.tableKey]],
  ])('%s: every action is one the worker needs, and each one it needs is there', (_, props, expected) => {
    expect(actionsOf(Template.fromStack(build(props).stack))).toEqual([...expected].sort());
  });

  test('no wildcard action, no CreateTable, no UpdateTable, no RegisterStreamConsumer', () => {
    for (const props of [{}, { enhancedFanOut: true }]) {
      const actions = actionsOf(Template.fromStack(build(props).stack));
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:CreateTable']));
      expect(actions).not.toContain('dynamodb:UpdateTable');
      expect(actions).not.toContain('kinesis:RegisterStreamConsumer');
    }
  });

  test('PutMetricData is the only action on "*", limited to KCL\'s namespace', () => {
    const statements = policyStatements(Template.fromStack(build({ metricsNamespace: 'search-kcl' }).stack));
    const onStar = statements.filter((s) => [s.Resource].flat().includes('*'));
    expect(onStar).toEqual([{ Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'search-kcl' } } }]);
  });

  test('each action names its resource: the tables, the index, the stream, the consumer and the key', () => {
    const { stack } = build({ enhancedFanOut: true });
    const statements = policyStatements(Template.fromStack(stack));
    const resourcesOf = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
    expect(resourcesOf('kinesis:SubscribeToShard')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^OrdersConsumersorderssearch/), 'ConsumerARN'] }]);
    expect(resourcesOf('kinesis:ListShards')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^OrdersStream/), 'Arn'] }]);
    expect(resourcesOf('dynamodb:GetItem')).toHaveLength(3);
    expect(JSON.stringify(resourcesOf('dynamodb:Query'))).toContain('/index/LeaseOwnerToLeaseKeyIndex');
    expect(resourcesOf('kms:Decrypt')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^OrdersKey/), 'Arn'] }]);
  });

  test('the policy is attached to the role, which gets no inline statement', () => {
    const { stack, role } = build();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('a principal that cannot hold a managed policy is refused with a clear error', () => {
    const { app } = build();
    expect(() => app.grant(new iam.AccountPrincipal('111122223333'))).toThrow(/grant\(\) needs an IAM role, user or group/);
  });
});

describe('enhanced fan-out', () => {
  test('the consumer is registered like addConsumer(): named after the application, chained after the others, untagged', () => {
    const stack = new Stack(new App(), 'Stack');
    const stream = new KinesisStream(stack, 'Orders', { consumers: ['analytics'] });
    const app = new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', enhancedFanOut: true });
    expect(stream.consumers.map((c) => c.node.path)).toEqual(['Stack/Orders/Consumers/analytics', 'Stack/Orders/Consumers/orders-search']);
    expect(app.consumer).toBe(stream.consumers[1]);
    const template = Template.fromStack(stack);
    const consumer = Object.values(template.findResources('AWS::Kinesis::StreamConsumer', { Properties: { ConsumerName: 'orders-search' } }))[0];
    expect(consumer.DependsOn).toEqual([expect.stringMatching(/^OrdersConsumersanalytics/)]);
    expect(consumer.Properties.Tags).toBeUndefined();
  });

  test('on an imported stream the application registers its own consumer', () => {
    const stack = new Stack(new App(), 'Stack');
    const stream = kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:us-east-1:111122223333:stream/orders');
    new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', enhancedFanOut: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: 'orders-search', StreamARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/orders',
    });
  });
});

describe('shared-throughput readers', () => {
  function readers(enhancedFanOut: boolean): Stack {
    const stack = new Stack(new App(), 'Stack');
    const stream = new KinesisStream(stack, 'Orders');
    stream.grantRead(new iam.Role(stack, 'Batch', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    new lambda.Function(stack, 'Indexer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    }).addEventSource(new sources.KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.LATEST }));
    const app = new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', enhancedFanOut });
    app.grant(new iam.Role(stack, 'WorkerA', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    app.grant(new iam.Role(stack, 'WorkerB', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    return stack;
  }

  test('a polling KCL application counts as one reader, whatever the number of worker roles', () => {
    Annotations.fromStack(readers(false)).hasWarning('/Stack/Orders',
      Match.stringLikeRegexp('^3 readers share .*KCL applications in polling mode \\[Stack/Search\\]'));
  });

  test('a KCL application on enhanced fan-out does not count', () => {
    Annotations.fromStack(readers(true)).hasNoWarning('/Stack/Orders', Match.stringLikeRegexp('readers share'));
  });

  test('the warning explains read need against write need and names addLambdaConsumer() for the Lambda poller', () => {
    const warning = Annotations.fromStack(readers(false)).findWarning('/Stack/Orders', Match.stringLikeRegexp('readers share'));
    expect(warning).toHaveLength(1);
    const text = String(warning[0].entry.data);
    expect(text).toContain('Lambda functions polling through KinesisEventSource [Stack/Indexer]');
    expect(text).toContain('reads every byte written');
    expect(text).toContain('2 MiB/s against 1 MiB/s');
    expect(text).toContain('3 readers need 1.5 times the shards that writes need');
    expect(text).toContain('addLambdaConsumer()');
    expect(text).toContain('enhancedFanOut: true');
    expect(text).toContain('grantRead grantees [Stack/Batch]');
  });
});

describe('alarms', () => {
  test("the lag alarm reads KCL's own MillisBehindLatest across shards with a Metrics Insights query", () => {
    Template.fromStack(build().stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: 'SELECT MAX(MillisBehindLatest) FROM "orders-search" WHERE Operation = \'ProcessTask\'', Period: 60 })],
      Threshold: 60_000,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('the lag threshold can be changed, and the namespace follows metricsNamespace', () => {
    Template.fromStack(build({ lagThreshold: Duration.minutes(5), metricsNamespace: 'search-kcl' }).stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('FROM "search-kcl"') })],
      Threshold: 300_000,
    });
  });

  test('lease-table throttling alarms on read and write throttle events of the lease table', () => {
    const { stack, app } = build();
    const tableRef = { Ref: stack.getLogicalId(app.leaseTable.node.defaultChild as import('aws-cdk-lib/aws-dynamodb').CfnTable) };
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(reads, 0) + FILL(writes, 0)' }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'WriteThrottleEvents', Dimensions: [{ Name: 'TableName', Value: tableRef }] } }) }),
      ]),
      Threshold: 1,
      DatapointsToAlarm: 3,
      EvaluationPeriods: 5,
    });
  });

  test("both alarms join the stream's composite alarm", () => {
    const { stack, app } = build();
    const rule = JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm'));
    for (const alarm of [app.lagAlarm!, app.leaseTableThrottlingAlarm!]) {
      expect(rule).toContain(stack.getLogicalId(alarm.node.defaultChild as import('aws-cdk-lib/aws-cloudwatch').CfnAlarm));
    }
  });

  test('from another stack the alarms stay out of the composite alarm, with a warning, and the stacks do not depend on each other', () => {
    const app = new App();
    const streamStack = new Stack(app, 'Streams');
    const stream = new KinesisStream(streamStack, 'Orders');
    const appStack = new Stack(app, 'Readers');
    new KclApplication(appStack, 'Search', { stream, applicationName: 'orders-search' });
    expect(() => app.synth()).not.toThrow();
    expect(JSON.stringify(Template.fromStack(streamStack).findResources('AWS::CloudWatch::CompositeAlarm'))).not.toContain('Readers');
    Annotations.fromStack(appStack).hasWarning('/Readers/Search', Match.stringLikeRegexp('do not join its composite alarm'));
  });

  test('createAlarms: false creates none', () => {
    const { app, stack } = build({ createAlarms: false });
    expect(app.lagAlarm).toBeUndefined();
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter((id) => id.startsWith('Search'))).toEqual([]);
  });
});

describe('validation', () => {
  const stream = () => new KinesisStream(new Stack(new App(), 'Stack'), 'Orders');

  test.each([
    ['ab', /applicationName must be 3 to 237 characters from \[a-zA-Z0-9_.-\].*received "ab"/],
    ['orders search', /applicationName must be 3 to 237 characters.*received "orders search"/],
    ['a'.repeat(238), /applicationName must be 3 to 237 characters/],
  ])('applicationName %j is refused', (applicationName, message) => {
    const s = stream();
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName })).toThrow(message);
  });

  test('KCL 2.x allows 255 characters, having no suffixed table', () => {
    const s = stream();
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName: 'a'.repeat(255), kclVersion: KclVersion.V2 })).not.toThrow();
  });

  test('with enhanced fan-out the name must also fit a consumer name', () => {
    const s = stream();
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName: 'a'.repeat(129), enhancedFanOut: true }))
      .toThrow(/with enhancedFanOut it must be at most 128 characters, received 129/);
  });

  test('metricsNamespace must not be an AWS namespace', () => {
    const s = stream();
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName: 'orders-search', metricsNamespace: 'AWS/Kinesis' }))
      .toThrow(/metricsNamespace must be 1 to 255 characters and must not start with "AWS\/", received "AWS\/Kinesis"/);
  });

  test('lagThreshold must be more than zero', () => {
    const s = stream();
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName: 'orders-search', lagThreshold: Duration.seconds(0) }))
      .toThrow(/lagThreshold must be more than zero, received 0 ms/);
  });

  test('a token name with enhanced fan-out needs a consumer id', () => {
    const s = stream();
    const name = new CfnParameter(s.stack, 'AppName').valueAsString;
    expect(() => new KclApplication(s, 'App', { stream: s, applicationName: name, enhancedFanOut: true }))
      .toThrow(/applicationName is a token.*pass consumerId/);
  });

  test('accepts a token name', () => {
    const s = stream();
    const name = new CfnParameter(s.stack, 'AppName').valueAsString;
    const app = new KclApplication(s, 'App', { stream: s, applicationName: name, enhancedFanOut: true, consumerId: 'Search' });
    expect(app.consumer?.node.path).toBe('Stack/Orders/Consumers/Search');
    Template.fromStack(s.stack).hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: { 'Fn::Join': ['', [{ Ref: 'AppName' }, '-WorkerMetricStats']] },
    });
  });
});

describe('cdk-nag', () => {
  test.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['NIST.800.53.R5', () => new NIST80053R5Checks()],
    ['Serverless', () => new ServerlessChecks()],
  ])('%s reports nothing unacknowledged for the application and its worker role', (pack, checks) => {
    for (const fanOut of [false, true]) {
      // Alarms without actions are a finding of their own (NIST CloudWatchAlarmAction): give them the on-call topic.
      const stack = new Stack(new App(), 'Stack');
      const stream = new KinesisStream(stack, 'Orders');
      const topic = new sns.Topic(stack, 'OnCall', { enforceSSL: true, masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }) });
      const app = new KclApplication(stack, 'Search', { stream, applicationName: 'orders-search', enhancedFanOut: fanOut, alarmTopic: topic });
      app.grant(new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
      Aspects.of(stack).add(checks());
      const annotations = Annotations.fromStack(stack);
      const rule = Match.stringLikeRegexp(`^${pack.replace(/\./g, '\\.')}-`);
      const findings = [...annotations.findError('*', rule), ...annotations.findWarning('*', rule)]
        .map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`)
        .filter((f) => f.startsWith('/Stack/Search') || f.startsWith('/Stack/Worker'));
      expect(findings).toEqual([]);
    }
  });

  test('the check can fail: without the acknowledgement the PutMetricData statement is reported', () => {
    const { stack, app } = build();
    const cfnPolicy = app.workerPolicy.node.defaultChild as iam.CfnManagedPolicy;
    cfnPolicy.addMetadata('cdk_nag', { rules_to_suppress: [] });
    app.workerPolicy.node.addMetadata('aws:cdk:acknowledged-rules', {});
    Aspects.of(stack).add(new AwsSolutionsChecks());
    Annotations.fromStack(stack).hasError('/Stack/Search/WorkerPolicy/Resource', Match.stringLikeRegexp('AwsSolutions-IAM5'));
  });
});
