import { Annotations, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { KinesisStream } from './kinesis-stream';
import { alarmActionsOf } from './private/alarm-actions';
import { acknowledgeFindings } from './private/nag';
import { allowUseThroughDynamoDb } from './private/table-key';
import { describeValue } from './private/validation';

/**
 * The names KCL gives its tables and index, from the Kinesis Client Library's source (awslabs/amazon-kinesis-client):
 * - lease table: the application name (`common/ConfigsBuilder.java`, `tableName()`), hash key `leaseKey` of type S
 *   (`leases/dynamodb/DynamoDBLeaseSerializer.java`, `getKeySchema()`, `getAttributeDefinitions()`);
 * - KCL 3.x lease-owner index: `LeaseOwnerToLeaseKeyIndex` (`leases/dynamodb/DynamoDBLeaseRefresher.java`), hash key
 *   `leaseOwner` (S), range key `leaseKey` (S), projection KEYS_ONLY (`DynamoDBLeaseSerializer.java`,
 *   `getWorkerIdToLeaseKeyIndexKeySchema()`; `DynamoDBLeaseRefresher.createLeaseOwnerToLeaseKeyIndexIfNotExists()`,
 *   which leaves an existing index alone);
 * - KCL 3.x worker metrics table: `<application>-WorkerMetricStats` (`common/DdbTableConfig.java` with the suffix from
 *   `leases/LeaseManagementConfig.java`, `WorkerMetricsTableConfig`), hash key `wid` (S)
 *   (`worker/metricstats/WorkerMetricStats.java`, `getKeySchema()`, `getAttributeDefinitions()`);
 * - KCL 3.x coordinator state table: `<application>-CoordinatorState` (`coordinator/CoordinatorConfig.java`,
 *   `CoordinatorStateTableConfig`), hash key `key` (`coordinator/CoordinatorState.java`,
 *   `COORDINATOR_STATE_TABLE_HASH_KEY_ATTRIBUTE_NAME`), written as a string by `CoordinatorStateDAO.java`.
 * KCL describes each table first and creates only what is missing, so tables created here are used as they are.
 */
const LEASE_KEY = 'leaseKey';
const LEASE_OWNER = 'leaseOwner';
const LEASE_OWNER_INDEX = 'LeaseOwnerToLeaseKeyIndex';
const WORKER_METRICS_SUFFIX = '-WorkerMetricStats';
const WORKER_ID = 'wid';
const COORDINATOR_STATE_SUFFIX = '-CoordinatorState';
const COORDINATOR_KEY = 'key';

/**
 * What a KCL worker calls, from "IAM permissions required for KCL consumer applications"
 * (https://docs.aws.amazon.com/streams/latest/dev/kcl-iam-permissions.html), narrowed where the tables and the
 * consumer already exist:
 * - no `dynamodb:CreateTable` (the tables exist) and no `dynamodb:UpdateTable` (KCL 3.x calls it only to add the
 *   lease-owner index when it is missing, `DynamoDBLeaseRefresher.createLeaseOwnerToLeaseKeyIndexIfNotExists()`);
 * - no `kinesis:RegisterStreamConsumer` (the consumer is registered here; given its ARN, KCL's `FanOutConfig` goes
 *   straight to SubscribeToShard, `retrieval/fanout/FanOutConfig.java`, `getOrCreateConsumerArn()`);
 * - no `kinesis:DescribeStream`: the page lists it, but KCL 2.x and 3.x find shards with ListShards and describe the
 *   stream with DescribeStreamSummary. This was read from the KCL source, not run against AWS.
 */
const STREAM_ACTIONS = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards'];
const POLLING_ACTIONS = ['kinesis:GetRecords', 'kinesis:GetShardIterator'];
const FAN_OUT_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'];
const TABLE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'];
const INDEX_ACTIONS = ['dynamodb:Query'];
/** Reading an encrypted stream needs Decrypt; a table with a customer-managed key needs its data keys. */
const STREAM_KEY_ACTIONS = ['kms:Decrypt'];
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** DynamoDB table names: 3 to 255 characters from [a-zA-Z0-9_.-]. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const MAX_TABLE_NAME = 255;
const MINUTE_MS = 60_000;

/** The major version of the Kinesis Client Library the workers run. */
export enum KclVersion {
  /** KCL 2.x: the lease table only. */
  V2 = 'V2',
  /** KCL 3.x: the lease table with its lease-owner index, and the worker metrics and coordinator state tables. */
  V3 = 'V3',
}

/** Properties of a {@link KclApplication}. */
export interface KclApplicationProps {
  /** The stream the application reads. A {@link KinesisStream} also gets the consumer, the reader count and the composite alarm. */
  readonly stream: kinesis.IStream;

  /**
   * The KCL application name: KCL's `applicationName`, which names the lease table, the other tables' prefix, the
   * CloudWatch namespace and (with enhanced fan-out) the consumer. 3 to 255 characters from `[a-zA-Z0-9_.-]`
   * (237 with KCL 3.x, whose longest table name adds `-WorkerMetricStats`).
   */
  readonly applicationName: string;

  /**
   * The KCL major version the workers run, which decides the tables.
   *
   * @default KclVersion.V3
   */
  readonly kclVersion?: KclVersion;

  /**
   * Whether the workers read through their own enhanced fan-out consumer (KCL's `FanOutConfig`) instead of polling
   * shared throughput (KCL's `PollingConfig`). The consumer is registered here, named after the application.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html
   * @default false
   */
  readonly enhancedFanOut?: boolean;

  /**
   * The consumer's construct id under the stream's `Consumers` scope, as for `addConsumer()`. Required when
   * `applicationName` is a token and `enhancedFanOut` is true.
   *
   * @default - the application name
   */
  readonly consumerId?: string;

  /**
   * The KMS key the tables are encrypted with. Its key policy is extended to allow use through DynamoDB in this
   * account and region.
   *
   * @default - the stream's customer-managed key; the AWS-managed key `alias/aws/dynamodb` when the stream has none
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the tables when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether DynamoDB refuses to delete the tables until this is turned off.
   *
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Whether the tables keep point-in-time recovery (continuous backups for 35 days).
   *
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * The CloudWatch namespace the workers publish KCL's metrics to (KCL's `MetricsConfig` namespace). The grant
   * allows `cloudwatch:PutMetricData` in this namespace only.
   *
   * @default - the application name, KCL's default
   */
  readonly metricsNamespace?: string;

  /**
   * Whether to create the application's alarms (lag and lease-table throttling), which also join the stream's
   * composite alarm when the stream is a {@link KinesisStream} with one.
   *
   * @default true
   */
  readonly createAlarms?: boolean;

  /**
   * Actions for the application's alarms.
   *
   * @default - no actions besides `alarmTopic`
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * A topic the application's alarms notify.
   *
   * @default - no topic
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How far behind the tip of the stream the application may stay for 15 minutes before its lag alarm fires.
   *
   * @default Duration.minutes(1)
   */
  readonly lagThreshold?: Duration;

  /**
   * Tags for the tables.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * A Kinesis Client Library (KCL 2.x or 3.x) application: the DynamoDB tables KCL would otherwise create with its
 * defaults, made production-ready (on-demand, point-in-time recovery, deletion protection, retained, encrypted with
 * the stream's key), a least-privilege worker policy without `CreateTable` or wildcard actions, an optional enhanced
 * fan-out consumer registered at deploy time, and alarms on the application's lag and lease-table throttling.
 *
 * Configure the workers with the names it exposes; see the README for the matching KCL settings.
 */
export class KclApplication extends Construct {
  /** The KCL application name. */
  public readonly applicationName: string;

  /** The KCL version the tables were made for. */
  public readonly kclVersion: KclVersion;

  /** The lease table (KCL's `tableName`). */
  public readonly leaseTable: dynamodb.Table;

  /** The lease table's name, the application name. */
  public readonly leaseTableName: string;

  /** KCL 3.x's worker metrics table, `<application>-WorkerMetricStats`. */
  public readonly workerMetricsTable?: dynamodb.Table;

  /** KCL 3.x's worker metrics table name. */
  public readonly workerMetricsTableName?: string;

  /** KCL 3.x's coordinator state table, `<application>-CoordinatorState`. */
  public readonly coordinatorStateTable?: dynamodb.Table;

  /** KCL 3.x's coordinator state table name. */
  public readonly coordinatorStateTableName?: string;

  /** The enhanced fan-out consumer, with `enhancedFanOut`. */
  public readonly consumer?: kinesis.IStreamConsumer;

  /** The consumer's ARN, for KCL's `consumerArn`, with `enhancedFanOut`. */
  public readonly consumerArn?: string;

  /** The CloudWatch namespace of KCL's metrics. */
  public readonly metricsNamespace: string;

  /** The key the tables are encrypted with, unless it is the AWS-managed key. */
  public readonly encryptionKey?: kms.IKey;

  /** The application's lag alarm, unless `createAlarms` is false. */
  public readonly lagAlarm?: cloudwatch.Alarm;

  /** The lease table's throttling alarm, unless `createAlarms` is false. */
  public readonly leaseTableThrottlingAlarm?: cloudwatch.Alarm;

  /** The customer-managed policy `grant()` attaches; one document for every worker role of the application. */
  public readonly workerPolicy: iam.ManagedPolicy;

  private readonly stream: kinesis.IStream;

  constructor(scope: Construct, id: string, props: KclApplicationProps) {
    super(scope, id);
    validateProps(props);

    this.stream = props.stream;
    this.applicationName = props.applicationName;
    this.kclVersion = props.kclVersion ?? KclVersion.V3;
    this.metricsNamespace = props.metricsNamespace ?? props.applicationName;
    const v3 = this.kclVersion === KclVersion.V3;
    const fanOut = props.enhancedFanOut ?? false;

    this.encryptionKey = props.encryptionKey ?? props.stream.encryptionKey;
    if (this.encryptionKey && !allowUseThroughDynamoDb(this.encryptionKey)) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:kclTableKey',
        'The key policy of the tables\' key cannot be changed from this stack: make sure it allows kms:CreateGrant, kms:Decrypt, ' +
        'kms:DescribeKey, kms:Encrypt and kms:GenerateDataKey through DynamoDB (kms:ViaService dynamodb.<region>.amazonaws.com), or table creation fails.');
    }

    const newTable = (tableId: string, tableName: string, partitionKey: string) => {
      const table = new dynamodb.Table(this, tableId, {
        tableName,
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
        deletionProtection: props.deletionProtection ?? true,
        encryption: this.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
        encryptionKey: this.encryptionKey,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      for (const [key, value] of Object.entries(props.tags ?? {})) Tags.of(table).add(key, value);
      acknowledgeFindings(table, {
        id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
        reason: 'Point-in-time recovery keeps continuous backups for 35 days, and KCL metadata (leases, checkpoints, worker state) is only ' +
          'worth restoring to a recent point; add the table to an AWS Backup plan of your own for longer retention.',
      });
      return table;
    };

    this.leaseTableName = props.applicationName;
    this.leaseTable = newTable('LeaseTable', this.leaseTableName, LEASE_KEY);
    if (v3) {
      this.leaseTable.addGlobalSecondaryIndex({
        indexName: LEASE_OWNER_INDEX,
        partitionKey: { name: LEASE_OWNER, type: dynamodb.AttributeType.STRING },
        sortKey: { name: LEASE_KEY, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
      this.workerMetricsTableName = `${props.applicationName}${WORKER_METRICS_SUFFIX}`;
      this.workerMetricsTable = newTable('WorkerMetricsTable', this.workerMetricsTableName, WORKER_ID);
      this.coordinatorStateTableName = `${props.applicationName}${COORDINATOR_STATE_SUFFIX}`;
      this.coordinatorStateTable = newTable('CoordinatorStateTable', this.coordinatorStateTableName, COORDINATOR_KEY);
    }

    if (fanOut) {
      const consumerName = props.applicationName;
      const consumer = props.stream instanceof KinesisStream
        ? props.stream.addConsumer(consumerName, { id: props.consumerId })
        : new kinesis.StreamConsumer(this, 'Consumer', { streamConsumerName: consumerName, stream: props.stream });
      this.consumer = consumer;
      this.consumerArn = consumer.streamConsumerArn;
    } else if (props.stream instanceof KinesisStream) {
      props.stream._addSharedReader(this);
    }

    this.workerPolicy = new iam.ManagedPolicy(this, 'WorkerPolicy', {
      description: `What a KCL worker of ${this.node.path} needs: its tables, the stream, ${fanOut ? 'its consumer' : 'polling'}, the keys and its metrics`,
      statements: this.workerStatements(fanOut),
    });
    acknowledgeFindings(this.workerPolicy, {
      id: 'AwsSolutions-IAM5',
      appliesTo: ['Resource::*'],
      reason: 'cloudwatch:PutMetricData accepts no resource narrower than "*"; the statement is limited to the application\'s ' +
        'namespace by the cloudwatch:namespace condition. Every other statement names its table, index, stream, consumer or key.',
    });

    if (props.createAlarms ?? true) {
      const alarmActions = alarmActionsOf(props);
      this.lagAlarm = this.createLagAlarm(props.lagThreshold ?? Duration.minutes(1));
      this.leaseTableThrottlingAlarm = this.createThrottlingAlarm();
      // The composite alarm lives with the stream: from another stack, joining it would make the two stacks depend
      // on each other (this one already uses the stream's ARN and key).
      const composite = props.stream instanceof KinesisStream && Stack.of(props.stream) === Stack.of(this) ? props.stream.alarms : undefined;
      if (props.stream instanceof KinesisStream && props.stream.alarms?.unhealthy && !composite) {
        Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:kclCompositeAlarm',
          'The stream is in another stack, so this application\'s alarms do not join its composite alarm (that would make the stacks depend on each other); give them alarmTopic or alarmActions.');
      }
      for (const alarm of [this.lagAlarm, this.leaseTableThrottlingAlarm]) {
        alarm.addAlarmAction(...alarmActions);
        composite?.addToCompositeAlarm(alarm);
      }
    }
  }

  /**
   * Attaches the worker policy to the grantee's role (or user or group): the tables and index, the stream, the
   * consumer or polling, `kms:Decrypt` on the stream's key and data keys of the tables' key, and
   * `cloudwatch:PutMetricData` limited to KCL's namespace. No `CreateTable`, no wildcard action.
   *
   * @returns the policy that was attached
   */
  public grant(grantee: iam.IGrantable): iam.IManagedPolicy {
    const principal: unknown = grantee.grantPrincipal;
    if (isRole(principal)) {
      this.workerPolicy.attachToRole(principal);
    } else if (isUser(principal)) {
      this.workerPolicy.attachToUser(principal);
    } else if (isGroup(principal)) {
      this.workerPolicy.attachToGroup(principal);
    } else {
      throw new Error(`grant() needs an IAM role, user or group to attach the worker policy to, received ${String(grantee.grantPrincipal)}`);
    }
    return this.workerPolicy;
  }

  /**
   * KCL's own `MillisBehindLatest` (Maximum over all shards), which every worker's ProcessTask publishes into
   * {@link metricsNamespace} at metrics level SUMMARY or above (KCL's default is DETAILED).
   *
   * A CloudWatch Metrics Insights query, because KCL adds `ShardId` (and `StreamId` for multi-stream applications)
   * dimensions by default, and the shards change with every resize. Read in KCL's
   * `lifecycle/ProcessTask.java`, `call()`: operation `ProcessTask`, metric `MillisBehindLatest`; recent versions
   * also publish it without `ShardId` under the operation `ApplicationTracker`, which older ones lack.
   */
  public metricMillisBehindLatest(period?: Duration): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      label: `${this.applicationName} MillisBehindLatest`,
      expression: `SELECT MAX(MillisBehindLatest) FROM "${this.metricsNamespace}" WHERE Operation = 'ProcessTask'`,
      usingMetrics: {},
      period: period ?? Duration.minutes(1),
    });
  }

  private workerStatements(fanOut: boolean): iam.PolicyStatement[] {
    const statement = (actionList: string[], resources: string[], conditions?: Record<string, Record<string, string>>) =>
      new iam.PolicyStatement({ actions: actionList, resources, conditions });
    const tables = [this.leaseTable, this.workerMetricsTable, this.coordinatorStateTable].filter((t): t is dynamodb.Table => t !== undefined);
    const statements = [
      statement(STREAM_ACTIONS.concat(fanOut ? [] : POLLING_ACTIONS).sort(), [this.stream.streamArn]),
      statement(TABLE_ACTIONS, tables.map((t) => t.tableArn)),
      statement(['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': this.metricsNamespace } }),
    ];
    if (this.kclVersion === KclVersion.V3) statements.push(statement(INDEX_ACTIONS, [`${this.leaseTable.tableArn}/index/${LEASE_OWNER_INDEX}`]));
    if (this.consumerArn) statements.push(statement(FAN_OUT_ACTIONS, [this.consumerArn]));

    const streamKey = this.stream.encryptionKey;
    const tableKey = this.encryptionKey;
    if (streamKey && tableKey && streamKey.keyArn === tableKey.keyArn) {
      statements.push(statement(TABLE_KEY_ACTIONS, [tableKey.keyArn]));
    } else {
      if (streamKey) statements.push(statement(STREAM_KEY_ACTIONS, [streamKey.keyArn]));
      if (tableKey) statements.push(statement(TABLE_KEY_ACTIONS, [tableKey.keyArn]));
    }
    return statements;
  }

  private createLagAlarm(threshold: Duration): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'Lag', {
      metric: this.metricMillisBehindLatest(),
      threshold: threshold.toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      // Silence is an idle or stopped application; the stream's iterator-age alarms watch for records expiring unread.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription: `KCL application ${this.applicationName}: its workers have been more than ${describeThreshold(threshold)} ` +
        'behind the tip of the stream for 15 minutes (KCL\'s MillisBehindLatest). ' +
        'First: check the workers\' errors and processing time per batch, and that every shard has a lease holder; add workers if they keep up on fewer shards.',
    });
  }

  private createThrottlingAlarm(): cloudwatch.Alarm {
    const sum = (metricName: string) => this.leaseTable.metric(metricName, { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) });
    return new cloudwatch.Alarm(this, 'LeaseTableThrottling', {
      metric: new cloudwatch.MathExpression({
        label: 'lease table throttle events',
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        usingMetrics: { reads: sum('ReadThrottleEvents'), writes: sum('WriteThrottleEvents') },
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `KCL application ${this.applicationName}: its lease table throttled requests in 3 of the last 5 minutes; workers that cannot renew leases lose them and shards stall. ` +
        'First: check the table\'s capacity mode and consumed capacity, and whether too many workers or a short failoverTimeMillis renew leases too often.',
    });
  }
}

function describeThreshold(threshold: Duration): string {
  const ms = threshold.toMilliseconds();
  return ms % MINUTE_MS === 0 ? `${ms / MINUTE_MS} minute(s)` : `${ms} ms`;
}

function validateProps(props: KclApplicationProps): void {
  const name = props.applicationName;
  const v3 = (props.kclVersion ?? KclVersion.V3) === KclVersion.V3;
  if (!Token.isUnresolved(name)) {
    const max = v3 ? MAX_TABLE_NAME - WORKER_METRICS_SUFFIX.length : MAX_TABLE_NAME;
    if (!TABLE_NAME.test(name) || name.length > max) {
      throw new Error(`applicationName must be 3 to ${max} characters from [a-zA-Z0-9_.-] (it names KCL's DynamoDB tables${v3 ? ', the longest with "-WorkerMetricStats" appended' : ''}), received ${describeValue(name)}`);
    }
    if (props.enhancedFanOut && name.length > 128) {
      throw new Error(`applicationName names the enhanced fan-out consumer, so with enhancedFanOut it must be at most 128 characters, received ${name.length}`);
    }
  } else if (props.enhancedFanOut && props.consumerId === undefined && props.stream instanceof KinesisStream) {
    throw new Error('applicationName is a token, so it gives the consumer no stable construct id; pass consumerId');
  }
  const namespace = props.metricsNamespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace) && (namespace.length === 0 || namespace.length > 255 || namespace.startsWith('AWS/'))) {
    throw new Error(`metricsNamespace must be 1 to 255 characters and must not start with "AWS/", received ${describeValue(namespace)}`);
  }
  if (props.lagThreshold !== undefined && !props.lagThreshold.isUnresolved() && props.lagThreshold.toMilliseconds() <= 0) {
    throw new Error(`lagThreshold must be more than zero, received ${props.lagThreshold.toMilliseconds()} ms`);
  }
}

function isRole(principal: unknown): principal is iam.IRole {
  return typeof principal === 'object' && principal !== null && 'roleName' in principal && 'roleArn' in principal;
}

function isUser(principal: unknown): principal is iam.IUser {
  return typeof principal === 'object' && principal !== null && 'userName' in principal && 'userArn' in principal;
}

function isGroup(principal: unknown): principal is iam.IGroup {
  return typeof principal === 'object' && principal !== null && 'groupName' in principal && 'groupArn' in principal;
}
