import { Annotations, Duration, Lazy, RemovalPolicy, Resource, Size, SizeRoundingBehavior, Stack, TagManager, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { MAX_SHARDS_PER_STREAM } from './core/limits';
import { AUTOSCALER_TAG } from './core/settings-store';
import { acknowledgeFindings } from './private/nag';
import { createStreamKey } from './private/stream-key';
import { assertIntegerInRange, describeValue } from './private/validation';
import { AutoscalingOptions, IShardAutoscaler, ShardAutoscaler } from './shard-autoscaler';
import { StreamAlarms, StreamAlarmsOptions } from './stream-alarms';

/**
 * A shard-level ("enhanced") CloudWatch metric. Each one is billed as a custom metric per shard.
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html#kinesis-metrics-shard
 */
export enum ShardLevelMetric {
  /** Bytes successfully put to the shard. */
  INCOMING_BYTES = 'IncomingBytes',
  /** Records successfully put to the shard. */
  INCOMING_RECORDS = 'IncomingRecords',
  /** Bytes retrieved from the shard. */
  OUTGOING_BYTES = 'OutgoingBytes',
  /** Records retrieved from the shard. */
  OUTGOING_RECORDS = 'OutgoingRecords',
  /** Writes rejected by the shard's write limit. */
  WRITE_PROVISIONED_THROUGHPUT_EXCEEDED = 'WriteProvisionedThroughputExceeded',
  /** Reads rejected by the shard's read limit. */
  READ_PROVISIONED_THROUGHPUT_EXCEEDED = 'ReadProvisionedThroughputExceeded',
  /** Age of the last record read from the shard. */
  ITERATOR_AGE_MILLISECONDS = 'IteratorAgeMilliseconds',
  /** Every shard-level metric. */
  ALL = 'ALL',
}

/** What a producer calls: the write API and the shard listing producers use to route by hash key. */
const WRITE_ACTIONS = ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'];

/** Limits from the Kinesis API reference and developer guide. */
const MAX_CONSUMERS = 20;
const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const MIN_RETENTION_HOURS = 24;
const MAX_RETENTION_HOURS = 8760;
const MIN_RECORD_KIB = 1024;
const MAX_RECORD_KIB = 10240;
const MAX_WARM_THROUGHPUT_MIBPS = 10240;
/** Readers beyond this share a shard's 2 MiB/s and 5 reads/s badly; enhanced fan-out gives each its own. */
const SHARED_READERS_BEFORE_WARNING = 2;

/**
 * A reference to a stream: its name and ARN. The same shape as `aws-kinesis.StreamReference` of newer aws-cdk-lib
 * releases, which their `IStream` requires as `streamRef`.
 */
export interface KinesisStreamReference {
  /** The stream's name. */
  readonly streamName: string;
  /** The stream's ARN. */
  readonly streamArn: string;
}

/** Properties of a {@link KinesisStream}. */
export interface KinesisStreamProps {
  /**
   * The name of the stream.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly streamName?: string;

  /**
   * The capacity mode: provisioned shards, or On-Demand.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
   * @default StreamMode.PROVISIONED
   */
  readonly streamMode?: kinesis.StreamMode;

  /**
   * The number of shards a provisioned stream is created with.
   *
   * Must not be set for an On-Demand stream. With autoscaling this is the initial count only: the autoscaler owns the
   * live count afterwards, and changing this value later makes CloudFormation call `UpdateShardCount`.
   *
   * @default 1 for a provisioned stream
   */
  readonly shardCount?: number;

  /**
   * Scale the shard count against traffic with the stack's {@link ShardAutoscaler}. Provisioned streams only.
   *
   * The template keeps `shardCount` as the initial count, whatever these settings are, so changing them never makes
   * CloudFormation touch the stream.
   *
   * @default - no autoscaling: the stream keeps `shardCount` shards
   */
  readonly autoscaling?: AutoscalingOptions;

  /**
   * How long records stay readable, from 24 hours to 8,760 hours (365 days), in whole hours.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;

  /**
   * Server-side encryption.
   *
   * `KMS` uses `encryptionKey`, or a customer-managed key created for this stream with rotation enabled and a
   * policy that allows use only through Kinesis. `MANAGED` uses the AWS-managed key `alias/aws/kinesis`.
   * `UNENCRYPTED` must be asked for explicitly and earns a warning.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/server-side-encryption.html
   * @default StreamEncryption.KMS
   */
  readonly encryption?: kinesis.StreamEncryption;

  /**
   * A KMS key of your own to encrypt the stream with. Only with `encryption: StreamEncryption.KMS`.
   *
   * @default - a new customer-managed key when `encryption` is `KMS`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the stream, and the key created for it, when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Shard-level CloudWatch metrics to enable. Billed per shard and metric; the autoscaler uses
   * `IncomingBytes` and `IncomingRecords` to find hot shards.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html#kinesis-metrics-shard
   * @default - none
   */
  readonly shardLevelMetrics?: ShardLevelMetric[];

  /**
   * The largest record the stream accepts, from 1 MiB to 10 MiB in whole KiB.
   *
   * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateMaxRecordSize.html
   * @default - 1 MiB, the service default
   */
  readonly maxRecordSize?: Size;

  /**
   * Write throughput an On-Demand stream keeps warm, in MiB/s (On-Demand Advantage). Only for On-Demand streams.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/understand-warm-throughput.html
   * @default - no warm throughput
   */
  readonly warmThroughputMiBps?: number;

  /**
   * Enhanced fan-out consumers to register, by name. More can be added with `addConsumer()`.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html
   * @default - none
   */
  readonly consumers?: string[];

  /**
   * Whether the enhanced fan-out consumers carry the stream's tags, including those from enclosing scopes such as
   * stack-wide tags.
   *
   * Changing a consumer's tags replaces the consumer: it gets a new ARN and its readers must resubscribe. Without
   * this, consumers carry no tags at all, whatever aws-cdk-lib's tag aspects would give them.
   *
   * @default false
   */
  readonly tagConsumers?: boolean;

  /**
   * Whether to create the recommended alarms ({@link StreamAlarms}) for the stream, its consumers, its Lambda
   * consumers and, with autoscaling, the autoscaler.
   *
   * @default true
   */
  readonly createAlarms?: boolean;

  /**
   * Actions, overrides and the composite alarm of the recommended alarms.
   *
   * @default - every alarm with its defaults, no actions
   */
  readonly alarms?: StreamAlarmsOptions;

  /**
   * Tags for the stream and the key created for it.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** Options for an enhanced fan-out consumer registered with `addConsumer()`. */
export interface ConsumerOptions {
  /**
   * The consumer's construct id, under the stream's `Consumers` scope. Its logical ID, and those of its alarms,
   * derive from it, so it must stay the same for the consumer's whole life.
   *
   * Required when the consumer name is a token, because a token has no stable text to derive an id from.
   *
   * @default - the consumer name
   */
  readonly id?: string;
}

/**
 * Options for a Lambda function that reads through its own enhanced fan-out consumer.
 *
 * The defaults stop a poison record from blocking a shard: failing batches are bisected, retried a bounded number
 * of times and then reported to an on-failure destination, and records too old to matter are skipped.
 */
export interface LambdaConsumerOptions extends ConsumerOptions {
  /**
   * Where the consumer starts reading when it is created.
   *
   * @default StartingPosition.TRIM_HORIZON (every record still retained, so none is missed)
   */
  readonly startingPosition?: lambda.StartingPosition;

  /**
   * The most records in one invocation, from 1 to 10,000.
   *
   * @default 100
   */
  readonly batchSize?: number;

  /**
   * How long to gather records before invoking, up to 5 minutes.
   *
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Whether a failing batch is split in two and retried.
   *
   * @default true
   */
  readonly bisectBatchOnError?: boolean;

  /**
   * Records older than this are sent to the on-failure destination instead of the function (60 seconds to 7 days).
   *
   * @default Duration.days(1)
   */
  readonly maxRecordAge?: Duration;

  /**
   * How many times a failing batch is retried before it goes to the on-failure destination (0 to 10,000).
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * Where metadata of batches that still fail after the retries is sent (shard and sequence numbers, from which the
   * records can be read again while the stream retains them).
   *
   * @default - a new SQS queue, encrypted, TLS-only, keeping messages for 14 days
   */
  readonly onFailure?: lambda.IEventSourceDlq;

  /**
   * Whether the function may report the individual records that failed, so only they are retried.
   *
   * @default true
   */
  readonly reportBatchItemFailures?: boolean;

  /**
   * Concurrent batches per shard, from 1 to 10. Above 1, records of one partition key still arrive in order.
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;

  /**
   * Whether the event source mapping is enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * An Amazon Kinesis Data Stream ready for production: encrypted with a customer-managed key by default, with
 * enhanced fan-out consumers registered safely, and grants that include exactly the key actions Kinesis needs.
 *
 * It is a `kinesis.IStream`, so it can be passed wherever aws-cdk-lib takes one (Lambda event sources, Firehose,
 * Pipes, the autoscaler and the dashboard). Every grant, including those that aws-cdk-lib's integrations make on it,
 * goes through this construct's least-privilege grants.
 */
export class KinesisStream extends Resource implements kinesis.IStream {
  /** The key the stream is encrypted with, when it is a customer-managed key. */
  public readonly encryptionKey?: kms.IKey;

  /** The stream's name. */
  public readonly streamName: string;

  /** The stream's ARN. */
  public readonly streamArn: string;

  /** The recommended alarms, unless `createAlarms` is false. */
  public readonly alarms?: StreamAlarms;

  /**
   * The stream's name and ARN. Newer aws-cdk-lib releases read this from every `IStream`; declaring it keeps a
   * `KinesisStream` an `IStream` for them while the floor's type has no such member.
   */
  public get streamRef(): KinesisStreamReference {
    return { streamName: this.streamName, streamArn: this.streamArn };
  }

  /** The autoscaler that scales the stream, when it is autoscaled: the stack's own, or the one the stack references. */
  public readonly autoscaler?: IShardAutoscaler;

  /** The aws-cdk-lib stream underneath; private so that no grant bypasses this construct's. */
  private readonly stream: kinesis.Stream;
  private readonly _consumers: kinesis.StreamConsumer[] = [];
  private consumerScope?: Construct;
  private readonly consumerNames = new Set<string>();
  private readonly tagConsumers: boolean;
  private readonly ownTagKeys: ReadonlySet<string>;
  private readonly sharedReaders = new Set<iam.IGrantable>();
  private readonly sharedReaderApps = new Set<IConstruct>();

  constructor(scope: Construct, id: string, props: KinesisStreamProps = {}) {
    super(scope, id);
    validateProps(props);

    const streamMode = props.streamMode ?? kinesis.StreamMode.PROVISIONED;
    const encryption = props.encryption ?? kinesis.StreamEncryption.KMS;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.tagConsumers = props.tagConsumers ?? false;
    this.ownTagKeys = new Set(Object.keys(props.tags ?? {}));

    if (encryption === kinesis.StreamEncryption.UNENCRYPTED) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:unencrypted',
        'encryption is UNENCRYPTED: records are stored in plain text. Use StreamEncryption.KMS (the default) unless this is deliberate.');
    }

    const encryptionKey = encryption === kinesis.StreamEncryption.KMS
      ? props.encryptionKey ?? createStreamKey(this, 'Key', { description: `Encrypts the Kinesis stream ${this.node.path}`, removalPolicy })
      : undefined;

    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      streamMode,
      shardCount: streamMode === kinesis.StreamMode.PROVISIONED ? props.shardCount ?? 1 : undefined,
      retentionPeriod: props.retentionPeriod ?? Duration.hours(MIN_RETENTION_HOURS),
      encryption,
      encryptionKey,
      removalPolicy,
    });
    if (encryptionKey) {
      acknowledgeFindings(this.stream, {
        id: 'AwsSolutions-KDS3',
        reason: 'A customer-managed key is the deliberate default: its policy limits use to Kinesis in this account, its use is ' +
          'audited and revocable per stream, and it can be granted to cross-account readers, which alias/aws/kinesis cannot. ' +
          'encryption: StreamEncryption.MANAGED trades that for no key cost.',
      });
    }
    this.encryptionKey = encryptionKey;
    this.streamName = this.stream.streamName;
    this.streamArn = this.stream.streamArn;

    // Newer CloudFormation properties than the aws-cdk-lib floor's L1 knows: set them on the template directly.
    const cfnStream = this.stream.node.defaultChild as kinesis.CfnStream;
    if (props.shardLevelMetrics?.length) {
      cfnStream.addPropertyOverride('DesiredShardLevelMetrics', [...new Set(props.shardLevelMetrics)]);
    }
    if (props.maxRecordSize !== undefined) {
      cfnStream.addPropertyOverride('MaxRecordSizeInKiB', props.maxRecordSize.toKibibytes());
    }
    if (props.warmThroughputMiBps !== undefined) {
      cfnStream.addPropertyOverride('WarmThroughputMiBps', props.warmThroughputMiBps);
    }

    for (const [key, value] of Object.entries(props.tags ?? {})) {
      Tags.of(this.stream).add(key, value);
      if (encryptionKey && !props.encryptionKey) Tags.of(encryptionKey).add(key, value);
    }

    if (props.autoscaling) {
      this.autoscaler = ShardAutoscaler.of(this);
      this.autoscaler.addStream(this, props.autoscaling);
      if (props.shardCount !== undefined) {
        Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:initialShardCount',
          `shardCount (${props.shardCount}) is only the count the stream is created with: after that the autoscaler owns the live ` +
          'count. Leave shardCount unchanged in later deploys: a changed value makes CloudFormation call UpdateShardCount, ' +
          'resetting what the autoscaler grew (or failing when the live count is more than twice or under half the new value).');
      }
    }

    if (props.createAlarms ?? true) {
      this.alarms = new StreamAlarms(this, 'Alarms', {
        ...props.alarms,
        stream: this.stream,
        retentionPeriod: props.retentionPeriod,
        autoscaler: this.autoscaler,
      });
    }
    for (const name of props.consumers ?? []) {
      if (Token.isUnresolved(name)) {
        throw new Error('consumers: a consumer name that is a token needs an explicit construct id; register it with addConsumer(name, { id })');
      }
      this.addConsumer(name);
    }

    this.node.addValidation({ validate: () => this.adviseAtSynth() });
  }

  /** The enhanced fan-out consumers registered so far. */
  public get consumers(): kinesis.StreamConsumer[] {
    return [...this._consumers];
  }

  /**
   * Registers an enhanced fan-out consumer, which reads with its own 2 MiB/s per shard.
   *
   * Each consumer's construct id is its name (or `options.id`), never its position, so removing one consumer leaves
   * every other consumer and its alarms where they are. Consumers are created one after another, because
   * CloudFormation fails when more than 5 consumers of an account are being created at once. Tags from enclosing
   * scopes do not reach them unless `tagConsumers` is set.
   *
   * @param consumerName 1 to 128 characters from `[a-zA-Z0-9_.-]`, unique on this stream
   */
  public addConsumer(consumerName: string, options: ConsumerOptions = {}): kinesis.StreamConsumer {
    validateConsumerName(consumerName, this.consumerNames);
    const id = consumerId(consumerName, options.id);
    if (this._consumers.length >= MAX_CONSUMERS) {
      throw new Error(`consumers: a stream has at most ${MAX_CONSUMERS} enhanced fan-out consumers, received a ${this._consumers.length + 1}th (${describeValue(consumerName)})`);
    }
    this.consumerScope ??= new Construct(this, 'Consumers');
    if (this.consumerScope.node.tryFindChild(id)) {
      throw new Error(`consumer id must be unique on the stream, received ${describeValue(id)} twice`);
    }

    // The consumer's own grantRead calls its stream's grantRead: give it the stream underneath, so a reader through
    // enhanced fan-out is not counted as a shared-throughput reader.
    const consumer = new kinesis.StreamConsumer(this.consumerScope, id, {
      streamConsumerName: consumerName,
      stream: this.stream,
    });
    const previous = this._consumers[this._consumers.length - 1];
    if (previous) consumer.node.addDependency(previous);
    // Whether the L1 is taggable depends on the user's aws-cdk-lib (2.180 is not); both cases end the same way.
    const cfnConsumer = consumer.node.defaultChild as kinesis.CfnStreamConsumer;
    if (this.tagConsumers) {
      cfnConsumer.addPropertyOverride('Tags', Lazy.any({ produce: () => renderTags(this.streamTags()) }));
    } else {
      cfnConsumer.addPropertyDeletionOverride('Tags');
    }

    this._consumers.push(consumer);
    this.alarms?.addConsumer(consumer);
    if (!Token.isUnresolved(consumerName)) this.consumerNames.add(consumerName);
    return consumer;
  }

  /**
   * Feeds a Lambda function from a new enhanced fan-out consumer, in one call: registers the consumer, grants the
   * function's role read access to it (and the key), and creates the event source mapping with safe defaults.
   *
   * @param consumerName name of the new consumer; see `addConsumer()`
   * @param handler the function that receives the records
   * @param options override the event source defaults
   */
  public addLambdaConsumer(consumerName: string, handler: lambda.IFunction, options: LambdaConsumerOptions = {}): sources.KinesisConsumerEventSource {
    assertIntegerInRange('batchSize', options.batchSize, 1, 10000);
    assertIntegerInRange('retryAttempts', options.retryAttempts, 0, 10000);
    assertIntegerInRange('parallelizationFactor', options.parallelizationFactor, 1, 10);

    const consumer = this.addConsumer(consumerName, { id: options.id });
    const source = new sources.KinesisConsumerEventSource(consumer, {
      startingPosition: options.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize: options.batchSize,
      maxBatchingWindow: options.maxBatchingWindow,
      bisectBatchOnError: options.bisectBatchOnError ?? true,
      maxRecordAge: options.maxRecordAge ?? Duration.days(1),
      retryAttempts: options.retryAttempts ?? 3,
      onFailure: options.onFailure ?? new sources.SqsDlq(this.createFailureQueue(consumer)),
      reportBatchItemFailures: options.reportBatchItemFailures ?? true,
      parallelizationFactor: options.parallelizationFactor,
      enabled: options.enabled,
    });
    handler.addEventSource(source);
    this.alarms?.addLambdaConsumer(handler);
    return source;
  }

  /**
   * Grants read access through shared throughput (GetRecords and the calls that find shards), including
   * `kms:Decrypt` on the stream's key. Across accounts, pass the other account's principal: the stream's resource
   * policy and the key policy are extended.
   *
   * Each grantee counts as a shared-throughput reader: more than two earn a synth warning (give each its own enhanced
   * fan-out consumer).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    this.sharedReaders.add(grantee);
    return this.stream.grantRead(grantee);
  }

  /**
   * Grants write access (PutRecord, PutRecords, ListShards), including `kms:GenerateDataKey` on the stream's key,
   * the one key action a Kinesis producer needs. Across accounts, pass the other account's principal.
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stream.grant(grantee, ...WRITE_ACTIONS);
    this.encryptionKey?.grant(grantee, 'kms:GenerateDataKey');
    return grant;
  }

  /** Grants both read and write access, including the stream's key. */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grantRead(grantee).combine(this.grantWrite(grantee));
  }

  /**
   * Grants the given Kinesis actions on the stream (and its consumers' ARNs are not included). The key is not
   * granted: use `grantRead` or `grantWrite` for a reader or a producer.
   */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return this.stream.grant(grantee, ...actions);
  }

  /**
   * @internal Counts a reader that polls with its own grants (a KCL application in polling mode) as one
   * shared-throughput reader, whichever roles it runs under.
   */
  public _addSharedReader(reader: IConstruct): void {
    this.sharedReaderApps.add(reader);
  }

  /** Adds a statement to the stream's resource policy, which a cross-account grant also extends. */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this.stream.addToResourcePolicy(statement);
  }

  /** Applies the removal policy to the stream and to the key created for it. */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.stream.applyRemovalPolicy(policy);
    if (this.encryptionKey && this.encryptionKey.node.scope === this) this.encryptionKey.applyRemovalPolicy(policy);
  }

  /** A metric of this stream (namespace `AWS/Kinesis`, dimension `StreamName`), one-minute Average by default. */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metric(metricName, props);
  }

  /** Bytes retrieved from the stream by GetRecords (Average over 5 minutes by default). */
  public metricGetRecordsBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricGetRecordsBytes(props);
  }

  /** Age of the last record read by GetRecords (Maximum over 5 minutes by default). */
  public metricGetRecordsIteratorAgeMilliseconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricGetRecordsIteratorAgeMilliseconds(props);
  }

  /** Time taken by each GetRecords call (Average over 5 minutes by default). */
  public metricGetRecordsLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricGetRecordsLatency(props);
  }

  /** Records returned by GetRecords (Average over 5 minutes by default). */
  public metricGetRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricGetRecords(props);
  }

  /** Successful GetRecords calls (Average over 5 minutes by default). */
  public metricGetRecordsSuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricGetRecordsSuccess(props);
  }

  /** Bytes successfully put to the stream (Average over 5 minutes by default). */
  public metricIncomingBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricIncomingBytes(props);
  }

  /** Records successfully put to the stream (Average over 5 minutes by default). */
  public metricIncomingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricIncomingRecords(props);
  }

  /** Bytes put with PutRecord (Average over 5 minutes by default). */
  public metricPutRecordBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordBytes(props);
  }

  /** Time taken by each PutRecord call (Average over 5 minutes by default). */
  public metricPutRecordLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordLatency(props);
  }

  /** Successful PutRecord calls (Average over 5 minutes by default). */
  public metricPutRecordSuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordSuccess(props);
  }

  /** Bytes put with PutRecords (Average over 5 minutes by default). */
  public metricPutRecordsBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsBytes(props);
  }

  /** Time taken by each PutRecords call (Average over 5 minutes by default). */
  public metricPutRecordsLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsLatency(props);
  }

  /** PutRecords calls with at least one record that succeeded (Average over 5 minutes by default). */
  public metricPutRecordsSuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsSuccess(props);
  }

  /** Records sent in PutRecords calls (Average over 5 minutes by default). */
  public metricPutRecordsTotalRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsTotalRecords(props);
  }

  /** Records that PutRecords calls put successfully (Average over 5 minutes by default). */
  public metricPutRecordsSuccessfulRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsSuccessfulRecords(props);
  }

  /** Records that PutRecords calls failed to put for an internal error (Average over 5 minutes by default). */
  public metricPutRecordsFailedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsFailedRecords(props);
  }

  /** Records that PutRecords calls failed to put for throughput (Average over 5 minutes by default). */
  public metricPutRecordsThrottledRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricPutRecordsThrottledRecords(props);
  }

  /** GetRecords calls refused for throughput (Average over 5 minutes by default). */
  public metricReadProvisionedThroughputExceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricReadProvisionedThroughputExceeded(props);
  }

  /** Writes refused for throughput (Average over 5 minutes by default). */
  public metricWriteProvisionedThroughputExceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stream.metricWriteProvisionedThroughputExceeded(props);
  }

  private createFailureQueue(consumer: kinesis.StreamConsumer): sqs.Queue {
    const queue = new sqs.Queue(consumer, 'OnFailure', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFindings(queue, {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the Lambda event source mapping; a queue behind it would only move the same messages.',
    });
    return queue;
  }

  /** Advice that depends on the whole app, so it is given once the tree is complete. */
  private adviseAtSynth(): string[] {
    this.adviseOnConsumerTags();
    this.adviseOnSharedReaders();
    return [];
  }

  /** The stream's tags, without the autoscaler's own: that one exists for IAM and never reaches the consumers. */
  private streamTags(): Record<string, string> {
    const { [AUTOSCALER_TAG]: _autoscaler, ...tags } = TagManager.of(this.stream.node.defaultChild)?.tagValues() ?? {};
    return tags;
  }

  private adviseOnConsumerTags(): void {
    if (this._consumers.length === 0) return;
    const keys = Object.keys(this.streamTags());
    if (this.tagConsumers && keys.length > 0) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:consumerTags',
        `The enhanced fan-out consumers carry the tags [${keys.join(', ')}] (tagConsumers: true). Changing any of them replaces every consumer: ARNs change and readers must resubscribe.`);
    }
    const inherited = keys.filter((key) => !this.ownTagKeys.has(key));
    if (!this.tagConsumers && inherited.length > 0) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:consumerTags',
        `Tags [${inherited.join(', ')}] from enclosing scopes are not applied to the enhanced fan-out consumers, because changing a consumer's tags replaces it. Set tagConsumers: true to apply them anyway.`);
    }
  }

  /**
   * @internal The shared-throughput readers this app gives the stream, resolved at synth: what the autoscaler's
   * settings carry as counted readers. Enhanced fan-out readers are not among them.
   */
  public _sharedReaderCount(): number {
    return this.sharedReaderCensus().total;
  }

  /**
   * Every shared-throughput reader the construct can see, each counted once: `grantRead` grantees, Lambda functions
   * polling through a `KinesisEventSource` on the stream (not on a consumer), and KCL applications in polling mode.
   */
  private sharedReaderCensus(): { lambdaPollers: string[]; kclApps: string[]; otherReaders: string[]; total: number } {
    const stack = Stack.of(this);
    const key = (value: unknown) => JSON.stringify(stack.resolve(value));
    const streamArn = key(this.streamArn);
    // A polling Lambda function is both a grantee (its event source calls grantRead) and a mapping: count it once.
    const lambdaPollers = new Map<string, string>();
    const otherReaders: string[] = [];
    for (const grantee of this.sharedReaders) {
      if (grantee instanceof lambda.FunctionBase) lambdaPollers.set(key(grantee.functionName), grantee.node.path);
      else otherReaders.push(describeGrantee(grantee));
    }
    stack.node.findAll()
      .filter((c: IConstruct): c is lambda.CfnEventSourceMapping => c instanceof lambda.CfnEventSourceMapping)
      .filter((mapping) => key(mapping.eventSourceArn) === streamArn)
      .forEach((mapping) => {
        const fn = key(mapping.functionName);
        if (!lambdaPollers.has(fn)) lambdaPollers.set(fn, mapping.node.path);
      });
    const kclApps = [...this.sharedReaderApps].map((app) => app.node.path);
    return { lambdaPollers: [...lambdaPollers.values()], kclApps, otherReaders, total: lambdaPollers.size + kclApps.length + otherReaders.length };
  }

  private adviseOnSharedReaders(): void {
    const { lambdaPollers, kclApps, otherReaders, total: readers } = this.sharedReaderCensus();
    if (readers <= SHARED_READERS_BEFORE_WARNING) return;

    const groups = [
      lambdaPollers.length > 0 ? `Lambda functions polling through KinesisEventSource [${lambdaPollers.join(', ')}]` : undefined,
      kclApps.length > 0 ? `KCL applications in polling mode [${kclApps.join(', ')}]` : undefined,
      otherReaders.length > 0 ? `grantRead grantees [${otherReaders.join(', ')}]` : undefined,
    ].filter((group): group is string => group !== undefined);
    const remedies = [
      lambdaPollers.length > 0 ? 'move each Lambda function to addLambdaConsumer(), which feeds it from its own consumer in one call' : undefined,
      kclApps.length > 0 ? 'set enhancedFanOut: true on each KclApplication' : undefined,
      otherReaders.length > 0 ? 'register a consumer for each other reader with addConsumer()' : undefined,
    ].filter((remedy): remedy is string => remedy !== undefined);
    const autoscaled = this.autoscaler
      ? `The autoscaler counts them (with any more that autoscaling.sharedReaders adds) and keeps the shards their reads need, ${readers / 2} times what writes need, billed as shard-hours. `
      : '';
    Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:sharedReaders',
      `${readers} readers share this stream's read throughput (2 MiB/s and 5 GetRecords calls/s per shard): ${groups.join('; ')}. ` +
      `Each shared-throughput reader reads every byte written, so reading needs ${readers} times the write throughput, while a shard ` +
      `reads only twice what it writes (2 MiB/s against 1 MiB/s): ${readers} readers need ${readers / 2} times the shards that writes ` +
      'need, and shards sized for writes throttle the readers (ReadProvisionedThroughputExceeded) until they fall behind. ' +
      autoscaled +
      `Give each reader its own 2 MiB/s per shard with enhanced fan-out: ${remedies.join('; ')}.`);
  }
}

/** A grantee as the warning names it: its construct path when it has one. */
function describeGrantee(grantee: iam.IGrantable): string {
  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(grantee)) return grantee.node.path;
  if (Construct.isConstruct(principal)) return principal.node.path;
  return principal.toString();
}

function validateProps(props: KinesisStreamProps): void {
  const onDemand = props.streamMode === kinesis.StreamMode.ON_DEMAND;
  if (onDemand && props.autoscaling) {
    throw new Error('autoscaling must not be set when streamMode is ON_DEMAND: On-Demand streams scale themselves');
  }
  if (onDemand && props.shardCount !== undefined) {
    throw new Error(`shardCount must not be set when streamMode is ON_DEMAND (received ${props.shardCount}): On-Demand streams manage their own shards`);
  }
  assertIntegerInRange('shardCount', props.shardCount, 1, MAX_SHARDS_PER_STREAM);

  if (props.retentionPeriod !== undefined && !props.retentionPeriod.isUnresolved()) {
    const hours = props.retentionPeriod.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
      throw new Error(`retentionPeriod must be whole hours from ${MIN_RETENTION_HOURS} to ${MAX_RETENTION_HOURS}, received ${hours} hours`);
    }
  }

  const encryption = props.encryption ?? kinesis.StreamEncryption.KMS;
  if (props.encryptionKey && encryption !== kinesis.StreamEncryption.KMS) {
    throw new Error(`encryptionKey can only be used with encryption KMS, received encryption ${encryption}${encryption === kinesis.StreamEncryption.MANAGED ? ' (the AWS-managed key alias/aws/kinesis)' : ''}`);
  }

  if (props.maxRecordSize !== undefined && !props.maxRecordSize.isUnresolved()) {
    const kib = props.maxRecordSize.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(kib) || kib < MIN_RECORD_KIB || kib > MAX_RECORD_KIB) {
      throw new Error(`maxRecordSize must be whole KiB from 1 MiB (${MIN_RECORD_KIB} KiB) to 10 MiB (${MAX_RECORD_KIB} KiB), received ${kib} KiB`);
    }
  }

  if (props.warmThroughputMiBps !== undefined && !onDemand) {
    throw new Error(`warmThroughputMiBps is only for On-Demand streams, received ${props.warmThroughputMiBps} with streamMode ${props.streamMode ?? kinesis.StreamMode.PROVISIONED}`);
  }
  assertIntegerInRange('warmThroughputMiBps', props.warmThroughputMiBps, 1, MAX_WARM_THROUGHPUT_MIBPS);

  const metrics = new Set(props.shardLevelMetrics ?? []);
  if (metrics.has(ShardLevelMetric.ALL) && metrics.size > 1) {
    throw new Error(`shardLevelMetrics must not combine ALL with other metrics (ALL already includes them), received [${[...metrics].join(', ')}]`);
  }

  const consumers = props.consumers ?? [];
  if (consumers.length > MAX_CONSUMERS) {
    throw new Error(`consumers: a stream has at most ${MAX_CONSUMERS} enhanced fan-out consumers, received ${consumers.length}`);
  }
}

/** CloudFormation's tag list, or nothing at all when there are no tags. */
function renderTags(tags: Record<string, string>): Array<{ Key: string; Value: string }> | undefined {
  const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return entries.length > 0 ? entries.map(([Key, Value]) => ({ Key, Value })) : undefined;
}

/** The consumer's construct id: its name, unless the caller names one (which a token name requires). */
function consumerId(consumerName: string, id: string | undefined): string {
  if (id !== undefined) {
    if (Token.isUnresolved(id) || id.length === 0 || id.includes('/')) {
      throw new Error(`consumer id must be a non-empty string without "/" known at synth time, received ${describeValue(id)}`);
    }
    return id;
  }
  if (Token.isUnresolved(consumerName)) {
    throw new Error('consumer name is a token, so it gives no stable construct id; pass one: addConsumer(name, { id: \'Billing\' })');
  }
  return consumerName;
}

function validateConsumerName(name: string, taken: ReadonlySet<string>): void {
  if (Token.isUnresolved(name)) return;
  if (!CONSUMER_NAME.test(name)) {
    throw new Error(`consumer name must be 1 to 128 characters from [a-zA-Z0-9_.-], received ${describeValue(name)}`);
  }
  if (taken.has(name)) {
    throw new Error(`consumer name must be unique on the stream, received ${describeValue(name)} twice`);
  }
}
