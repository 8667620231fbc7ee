import { Annotations, Duration, Lazy, Names, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConsumerMetrics } from './consumer-metrics';
import { assertIntegerInRange } from './private/validation';
import { ShardAutoscaler } from './shard-autoscaler';

/** Changes to one alarm's defaults. */
export interface AlarmOverride {
  /**
   * Whether the alarm is created.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The value the statistic is compared with, in the metric's unit.
   *
   * @default - the alarm's own threshold (see the README's alarm table)
   */
  readonly threshold?: number;

  /**
   * How many periods are evaluated, from 1 to 1,440.
   *
   * @default - the alarm's own (see the README's alarm table)
   */
  readonly evaluationPeriods?: number;

  /**
   * How many of the evaluated periods must breach, from 1 to evaluationPeriods.
   *
   * @default - the alarm's own (see the README's alarm table)
   */
  readonly datapointsToAlarm?: number;
}

/** Per-alarm overrides; each alarm not named keeps its defaults. */
export interface StreamAlarmOverrides {
  /** The oldest unread record is past half the retention period: records are about to expire unread. @default - enabled */
  readonly iteratorAge?: AlarmOverride;
  /** Shared-throughput readers have stayed more than a minute behind for 15 minutes. @default - enabled */
  readonly iteratorAgeWarning?: AlarmOverride;
  /** Writes are being refused for throughput. @default - enabled */
  readonly writeThrottling?: AlarmOverride;
  /** Reads are being refused for throughput. @default - enabled */
  readonly readThrottling?: AlarmOverride;
  /** PutRecords calls return records that failed for a reason other than throughput. @default - enabled */
  readonly putRecordsFailedRecords?: AlarmOverride;
  /** PutRecord calls are failing. @default - enabled */
  readonly putRecordSuccess?: AlarmOverride;
  /** PutRecords calls are failing. @default - enabled */
  readonly putRecordsSuccess?: AlarmOverride;
  /** GetRecords calls are failing. @default - enabled */
  readonly readSuccess?: AlarmOverride;
  /** An enhanced fan-out consumer has stayed more than a minute behind for 15 minutes (one alarm per consumer). @default - enabled */
  readonly consumerLag?: AlarmOverride;
  /** An enhanced fan-out consumer re-subscribes faster than once per second per shard (one alarm per consumer). @default - enabled */
  readonly consumerRateExceeded?: AlarmOverride;
  /** A Lambda consumer has stayed more than a minute behind for 15 minutes (one alarm per function). @default - enabled */
  readonly lambdaConsumerIteratorAge?: AlarmOverride;
  /** A Lambda consumer's invocations are failing (one alarm per function). @default - enabled */
  readonly lambdaConsumerErrors?: AlarmOverride;
  /** The autoscaler failed to scale this stream, or stopped reporting on it. @default - enabled when autoscaled */
  readonly autoscalerErrors?: AlarmOverride;
  /** Writes are throttled while the autoscaler is held at maxShards. @default - enabled when autoscaled */
  readonly autoscalerPinnedAtMax?: AlarmOverride;
  /** All 10 UpdateShardCount calls of the rolling 24 hours are spent. @default - enabled when autoscaled */
  readonly autoscalerBudgetExhausted?: AlarmOverride;
}

/** Alarm settings that do not depend on the stream. */
export interface StreamAlarmsOptions {
  /**
   * Actions for every alarm, the composite one included.
   *
   * @default - no actions besides `alarmTopic`
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * A topic every alarm (the composite one included) notifies.
   *
   * @default - no topic
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Changes to individual alarms.
   *
   * @default - every alarm with its defaults
   */
  readonly overrides?: StreamAlarmOverrides;

  /**
   * Whether to create the composite "stream unhealthy" alarm over every critical alarm.
   *
   * @default true
   */
  readonly compositeAlarm?: boolean;
}

/** Properties of {@link StreamAlarms}. */
export interface StreamAlarmsProps extends StreamAlarmsOptions {
  /** The stream to watch; an imported stream works too. */
  readonly stream: kinesis.IStream;

  /**
   * The stream's retention period, from which the iterator-age threshold (half of it) is derived.
   *
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;

  /**
   * Enhanced fan-out consumers to watch; more can be added with `addConsumer`.
   *
   * @default - none
   */
  readonly consumers?: kinesis.IStreamConsumer[];

  /**
   * The autoscaler that scales the stream, for its own alarms.
   *
   * @default - no autoscaler alarms
   */
  readonly autoscaler?: ShardAutoscaler;
}

type OverrideKey = keyof StreamAlarmOverrides;

interface AlarmSpec {
  readonly key: OverrideKey;
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** Critical alarms feed the composite alarm; warnings do not. */
  readonly critical: boolean;
  readonly description: string;
}

const MINUTE_MS = 60_000;
/** "More than a minute behind" is the AWS Streaming Data Solution's consumer threshold. */
const BEHIND_MS = MINUTE_MS;
const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const LTE = cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD;
const { IGNORE, NOT_BREACHING, BREACHING } = cloudwatch.TreatMissingData;

/**
 * The alarms AWS recommends for a Kinesis data stream, with thresholds, periods and missing-data treatment chosen
 * for each, and descriptions that tell the operator what is wrong and what to do first. Every metric carries the
 * stream's `StreamName` dimension (and `ConsumerName` for a consumer), so every alarm receives data.
 *
 * No alarm embeds a shard count: throttling is alarmed on its shard-independent Average, and the autoscaler's own
 * alarms read the metrics it publishes.
 */
export class StreamAlarms extends Construct {
  /** The composite "stream unhealthy" alarm, in ALARM when any critical alarm is. */
  public readonly unhealthy?: cloudwatch.CompositeAlarm;

  private readonly stream: kinesis.IStream;
  private readonly overrides: StreamAlarmOverrides;
  private readonly actions: cloudwatch.IAlarmAction[];
  private readonly created: cloudwatch.Alarm[] = [];
  private readonly byKey = new Map<OverrideKey, cloudwatch.Alarm[]>();
  private readonly critical: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: StreamAlarmsProps) {
    super(scope, id);
    this.overrides = props.overrides ?? {};
    validateOverrides(this.overrides);
    this.stream = props.stream;
    this.actions = [...(props.alarmActions ?? []), ...(props.alarmTopic ? [new actions.SnsAction(props.alarmTopic)] : [])];

    const retention = props.retentionPeriod ?? Duration.hours(24);
    const iteratorAgeOverride = this.overrides.iteratorAge?.threshold;
    if (retention.isUnresolved() && iteratorAgeOverride === undefined) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:iteratorAgeThreshold',
        'retentionPeriod is a token, so the iterator-age alarm uses half of the shortest retention (12 hours); set overrides.iteratorAge.threshold to half of the real one');
    }
    // A token retention can be anything from 24 hours: half the shortest alarms early rather than too late.
    const halfRetentionMs = (retention.isUnresolved() ? Duration.hours(24) : retention).toMilliseconds() / 2;

    // IStream.metric carries the AWS/Kinesis namespace and the StreamName dimension.
    const kinesisMetric = (metricName: string, statistic: string) => props.stream.metric(metricName, { statistic, period: Duration.minutes(1) });
    const name = this.streamLabel();

    this.addAlarm({
      key: 'iteratorAge',
      id: 'IteratorAge',
      critical: true,
      metric: kinesisMetric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM),
      threshold: halfRetentionMs,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: IGNORE,
      description: `${name}: the oldest unread record is older than half the retention period; records will expire unread (data loss). ` +
        'First: check that every shared-throughput reader is running and not failing on a record; scale the readers out or raise retention to buy time.',
    });
    this.addAlarm({
      key: 'iteratorAgeWarning',
      id: 'IteratorAgeWarning',
      critical: false,
      metric: kinesisMetric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM),
      threshold: BEHIND_MS,
      comparison: GTE,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: IGNORE,
      description: `${name}: shared-throughput readers have been more than a minute behind for 15 minutes. ` +
        'First: look for read throttling or a slow or failing reader, before the lag reaches the retention period.',
    });
    this.addAlarm({
      key: 'writeThrottling',
      id: 'WriteThrottling',
      critical: true,
      metric: kinesisMetric('WriteProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE),
      threshold: 0.01,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${name}: more than 1 % of writes are refused for throughput in 3 of the last 5 minutes; producers are retrying or dropping records. ` +
        'First: check the shard count against demand (and maxShards if autoscaled), then partition-key skew (a hot shard).',
    });
    this.addAlarm({
      key: 'readThrottling',
      id: 'ReadThrottling',
      critical: true,
      metric: kinesisMetric('ReadProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE),
      threshold: 0.01,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${name}: more than 1 % of GetRecords calls are refused in 3 of the last 5 minutes; shared-throughput readers exceed 5 reads/s or 2 MiB/s per shard. ` +
        'First: move a reader to its own enhanced fan-out consumer, or slow its polling.',
    });
    this.addAlarm({
      key: 'putRecordsFailedRecords',
      id: 'PutRecordsFailedRecords',
      critical: true,
      metric: kinesisMetric('PutRecords.FailedRecords', cloudwatch.Stats.SUM),
      threshold: 1,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${name}: PutRecords calls return records that failed for an internal error (not throttling) in 3 of the last 5 minutes. ` +
        'First: make sure producers retry the failed records of each response; if it persists, open an AWS support case.',
    });
    for (const [key, alarmId, api] of [['putRecordSuccess', 'PutRecordSuccess', 'PutRecord'], ['putRecordsSuccess', 'PutRecordsSuccess', 'PutRecords']] as const) {
      this.addAlarm({
        key,
        id: alarmId,
        critical: true,
        metric: kinesisMetric(`${api}.Success`, cloudwatch.Stats.AVERAGE),
        threshold: 0.95,
        comparison: LTE,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: NOT_BREACHING,
        description: `${name}: fewer than 95 % of ${api} calls succeed in 3 of the last 5 minutes. ` +
          'First: check the producers\' errors (throttling, KMS access to the stream\'s key, validation).',
      });
    }
    this.addAlarm({
      key: 'readSuccess',
      id: 'GetRecordsSuccess',
      critical: true,
      metric: kinesisMetric('GetRecords.Success', cloudwatch.Stats.AVERAGE),
      threshold: 0.98,
      comparison: LTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${name}: fewer than 98 % of GetRecords calls succeed in 3 of the last 5 minutes. ` +
        'First: check the readers\' errors (read throttling, expired iterators, KMS access to the stream\'s key).',
    });

    if (props.autoscaler) this.addAutoscalerAlarms(props.autoscaler, kinesisMetric('WriteProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE));
    for (const consumer of props.consumers ?? []) this.addConsumer(consumer);

    if (props.compositeAlarm ?? true) {
      const critical = this.critical;
      this.unhealthy = new cloudwatch.CompositeAlarm(this, 'Unhealthy', {
        alarmDescription: `${name} is unhealthy: at least one of its critical alarms is in ALARM; the member alarm's description says what to do first.`,
        // Consumers added later join too: the rule is rendered when the template is.
        alarmRule: { renderAlarmRule: () => Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...critical).renderAlarmRule() }) },
      });
      this.unhealthy.addAlarmAction(...this.actions);
    }
    this.node.addValidation({ validate: () => this.critical.length > 0 || !this.unhealthy ? [] : ['StreamAlarms: every critical alarm is disabled, so the composite alarm has nothing to watch; set compositeAlarm: false'] });
  }

  /** Every metric alarm created, in creation order. */
  public get alarms(): cloudwatch.Alarm[] {
    return [...this.created];
  }

  /**
   * Makes an alarm of your own (a consumer application's, say) a member of the composite "stream unhealthy" alarm.
   * Does nothing when `compositeAlarm` is false.
   */
  public addToCompositeAlarm(alarm: cloudwatch.IAlarm): void {
    this.critical.push(alarm);
  }

  /** Adds the lag and re-subscription alarms of an enhanced fan-out consumer. */
  public addConsumer(consumer: kinesis.IStreamConsumer): void {
    const id = Names.nodeUniqueId(consumer.node);
    const label = `${this.streamLabel()} consumer ${consumer.streamConsumerName}`;
    this.addAlarm({
      key: 'consumerLag',
      id: `ConsumerLag${id}`,
      critical: true,
      metric: ConsumerMetrics.millisBehindLatest(consumer),
      threshold: BEHIND_MS,
      comparison: GTE,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: IGNORE,
      description: `${label}: has been more than a minute behind the tip of the stream for 15 minutes. ` +
        'First: check the consumer application\'s errors and processing time per batch; add workers if it keeps up on fewer shards.',
    });
    this.addAlarm({
      key: 'consumerRateExceeded',
      id: `ConsumerRateExceeded${id}`,
      critical: true,
      metric: ConsumerMetrics.subscribeToShardRateExceeded(consumer),
      threshold: 1,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${label}: SubscribeToShard is called more than once per second per shard in 3 of the last 5 minutes. ` +
        'First: check that only one worker subscribes to each shard, and that it does not re-subscribe in a tight loop after errors.',
    });
  }

  /** Adds the iterator-age and error alarms of a Lambda function that reads the stream. */
  public addLambdaConsumer(fn: lambda.IFunction): void {
    const id = Names.nodeUniqueId(fn.node);
    const label = `${this.streamLabel()} Lambda consumer ${fn.functionName}`;
    this.addAlarm({
      key: 'lambdaConsumerIteratorAge',
      id: `LambdaIteratorAge${id}`,
      critical: true,
      metric: fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      threshold: BEHIND_MS,
      comparison: GTE,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: IGNORE,
      description: `${label}: the last record of its batches has been more than a minute old for 15 minutes. ` +
        'First: check the function\'s errors and duration; raise parallelizationFactor or batch size if it is simply too slow.',
    });
    this.addAlarm({
      key: 'lambdaConsumerErrors',
      id: `LambdaErrors${id}`,
      critical: true,
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
      threshold: 1,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${label}: invocations are failing in 3 of the last 5 minutes; failing batches are retried, blocking their shards. ` +
        'First: read the function\'s logs for the failing record; the on-failure destination holds batches that were given up on.',
    });
  }

  /** @internal The alarm for one override key (the first, for per-consumer keys), for the dashboard's annotations. */
  public _alarmFor(key: OverrideKey): cloudwatch.Alarm | undefined {
    return this.byKey.get(key)?.[0];
  }

  private addAutoscalerAlarms(autoscaler: ShardAutoscaler, writeThrottling: cloudwatch.IMetric): void {
    const name = this.streamLabel();
    const fiveMinutes = { period: Duration.minutes(5) };
    this.addAlarm({
      key: 'autoscalerErrors',
      id: 'AutoscalerErrors',
      critical: true,
      metric: autoscaler.metricErrors(this.stream, fiveMinutes),
      // The handler reports 0 errors for the stream every tick, so silence means it stopped running.
      threshold: 1,
      comparison: GTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: BREACHING,
      description: `${name}: the shard autoscaler failed to scale this stream, or has not reported on it, in 2 of the last 3 five-minute periods. ` +
        'First: read the autoscaler\'s log group for lines with "level":"error" and this stream; check that its schedule is enabled.',
    });
    this.addAlarm({
      key: 'autoscalerPinnedAtMax',
      id: 'AutoscalerPinnedAtMax',
      critical: true,
      metric: new cloudwatch.MathExpression({
        label: 'throttled while at maxShards',
        expression: 'IF(pinned >= 1 AND throttled > 0, 1, 0)',
        usingMetrics: { pinned: autoscaler.metricPinnedAtMaxShards(this.stream), throttled: writeThrottling },
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparison: GTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description: `${name}: writes are throttled while demand needs more shards than maxShards allows, in 3 of the last 5 minutes. ` +
        'First: raise maxShards (and the account shard quota if needed), or reduce what producers write.',
    });
    this.addAlarm({
      key: 'autoscalerBudgetExhausted',
      id: 'AutoscalerBudgetExhausted',
      critical: false,
      metric: autoscaler.metricUpdateShardCountCallsRemaining(this.stream, fiveMinutes),
      threshold: 0,
      comparison: LTE,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: NOT_BREACHING,
      description: `${name}: all 10 UpdateShardCount calls of the rolling 24 hours are spent; the autoscaler falls back to splitting and merging one shard at a time. ` +
        'First: look for a flapping workload or manual resizes; widen the scale-in cooldown if the autoscaler caused it.',
    });
  }

  private addAlarm(spec: AlarmSpec): void {
    const override = this.overrides[spec.key] ?? {};
    if (override.enabled === false) return;
    const evaluationPeriods = override.evaluationPeriods ?? spec.evaluationPeriods;
    if (override.datapointsToAlarm !== undefined && override.datapointsToAlarm > evaluationPeriods) {
      throw new Error(`overrides.${spec.key}.datapointsToAlarm (${override.datapointsToAlarm}) must not exceed evaluationPeriods (${evaluationPeriods})`);
    }
    const alarm = new cloudwatch.Alarm(this, spec.id, {
      metric: spec.metric,
      threshold: override.threshold ?? spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods,
      datapointsToAlarm: override.datapointsToAlarm ?? Math.min(spec.datapointsToAlarm, evaluationPeriods),
      treatMissingData: spec.treatMissingData,
      alarmDescription: spec.description,
    });
    alarm.addAlarmAction(...this.actions);
    this.created.push(alarm);
    this.byKey.set(spec.key, [...(this.byKey.get(spec.key) ?? []), alarm]);
    if (spec.critical) this.critical.push(alarm);
  }

  /** The stream's name as CloudFormation resolves it, so the description names the real stream. */
  private streamLabel(): string {
    return `Kinesis stream ${this.stream.streamName}`;
  }
}

function validateOverrides(overrides: StreamAlarmOverrides): void {
  for (const [key, override] of Object.entries(overrides) as Array<[string, AlarmOverride | undefined]>) {
    if (!override) continue;
    if (override.threshold !== undefined && !Token.isUnresolved(override.threshold) && !Number.isFinite(override.threshold)) {
      throw new Error(`overrides.${key}.threshold must be a finite number, received ${override.threshold}`);
    }
    assertIntegerInRange(`overrides.${key}.evaluationPeriods`, override.evaluationPeriods, 1, 1440);
    assertIntegerInRange(`overrides.${key}.datapointsToAlarm`, override.datapointsToAlarm, 1, override.evaluationPeriods ?? 1440);
  }
}
