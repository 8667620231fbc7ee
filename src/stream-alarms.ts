import { Annotations, Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConsumerMetrics } from './consumer-metrics';
import { alarmActionsOf } from './private/alarm-actions';
import { watchTemplateBudget } from './private/template-budget';
import { assertIntegerInRange } from './private/validation';
import { IShardAutoscaler, ShardAutoscaler } from './shard-autoscaler';

/** Changes to one signal of a health alarm. */
export interface SignalOverride {
  /**
   * Whether the health alarm watches the signal.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The value the signal's statistic is compared with, in the metric's unit.
   *
   * @default - the signal's own (see the README's alarm table)
   */
  readonly threshold?: number;
}

/** Changes to how the health alarms are evaluated. */
export interface HealthAlarmOverride {
  /**
   * Whether the stream's health alarm is created. Consumer and Lambda consumer alarms follow their own signals.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * How many one-minute periods are evaluated, from 1 to 1,440.
   *
   * @default 5
   */
  readonly evaluationPeriods?: number;

  /**
   * How many of the evaluated periods must have a breaching signal, from 1 to evaluationPeriods.
   *
   * @default 3
   */
  readonly datapointsToAlarm?: number;
}

/** Changes to one opt-in warning alarm. */
export interface AlarmOverride {
  /**
   * Whether the alarm is created.
   *
   * @default false
   */
  readonly enabled?: boolean;

  /**
   * The value the statistic is compared with, in the metric's unit.
   *
   * @default - the alarm's own (see the README's alarm table)
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

/** Overrides per signal of the health alarms, for their evaluation, and for the opt-in warnings. */
export interface StreamAlarmOverrides {
  /** How the health alarms (the stream's, and those of consumers and Lambda consumers) are evaluated. @default - 3 of 5 minutes */
  readonly health?: HealthAlarmOverride;
  /** Writes refused for throughput (WriteProvisionedThroughputExceeded, Average). @default - enabled, 0.01 */
  readonly writeThrottling?: SignalOverride;
  /**
   * Records of PutRecords calls that failed for an internal error, not throughput (Sum): opt-in, since producers
   * retry them and AWS reports them as rare. @default - not watched; 1 when enabled
   */
  readonly putRecordsFailedRecords?: SignalOverride;
  /** The share of PutRecord calls that succeed (Average). @default - enabled, 0.95 */
  readonly putRecordSuccess?: SignalOverride;
  /** The share of PutRecords calls that succeed (Average). @default - enabled, 0.95 */
  readonly putRecordsSuccess?: SignalOverride;
  /**
   * GetRecords calls refused for throughput (ReadProvisionedThroughputExceeded, Average): opt-in, since a refused
   * call also lowers readSuccess. @default - not watched; 0.01 when enabled
   */
  readonly readThrottling?: SignalOverride;
  /** The share of GetRecords calls that succeed (Average). @default - enabled, 0.98 */
  readonly readSuccess?: SignalOverride;
  /** The age of the oldest unread record, in milliseconds (Maximum). @default - enabled, half the retention period */
  readonly iteratorAge?: SignalOverride;
  /** How far each enhanced fan-out consumer is behind, in milliseconds (Maximum). @default - enabled, 300,000 (5 minutes) */
  readonly consumerLag?: SignalOverride;
  /** Runs in which the autoscaler failed to scale the stream (Sum). @default - enabled when autoscaled, 1 */
  readonly autoscalerErrors?: SignalOverride;
  /** How old the last record of a Lambda consumer's batches is, in milliseconds (Maximum). @default - enabled, 300,000 */
  readonly lambdaConsumerIteratorAge?: SignalOverride;
  /** Failed invocations of a Lambda consumer (Sum). @default - enabled, 1 */
  readonly lambdaConsumerErrors?: SignalOverride;
  /** Warning: shared-throughput readers more than a minute behind for 15 minutes. @default - not created */
  readonly iteratorAgeWarning?: AlarmOverride;
  /** Warning: all 10 UpdateShardCount calls of the rolling 24 hours are spent. @default - not created */
  readonly autoscalerBudgetExhausted?: AlarmOverride;
  /**
   * Warning: the autoscaler judged writes throttled by a hot partition key, which more shards cannot fix, in 10 of 15
   * minutes. @default - not created
   */
  readonly autoscalerKeyBoundThrottling?: AlarmOverride;
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
   * Changes to signals, to the evaluation, and the opt-in warnings.
   *
   * @default - every signal with its defaults, no warnings
   */
  readonly overrides?: StreamAlarmOverrides;

  /**
   * Whether to create a composite "stream unhealthy" alarm over every critical alarm. With one critical alarm (the
   * usual case: the health alarm) that alarm is itself "stream unhealthy" and no composite is needed.
   *
   * @default - created once there is more than one critical alarm (a Lambda consumer, a consumer beyond what the
   * health alarm holds, or `addToCompositeAlarm`)
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
   * The autoscaler that scales the stream, for its errors signal.
   *
   * @default - no autoscaler signal
   */
  readonly autoscaler?: IShardAutoscaler;
}

type SignalKey = 'writeThrottling' | 'putRecordsFailedRecords' | 'putRecordSuccess' | 'putRecordsSuccess' | 'readThrottling' | 'readSuccess'
| 'iteratorAge' | 'consumerLag' | 'autoscalerErrors' | 'lambdaConsumerIteratorAge' | 'lambdaConsumerErrors';
type WarningKey = 'iteratorAgeWarning' | 'autoscalerBudgetExhausted' | 'autoscalerKeyBoundThrottling';
const SIGNAL_KEYS: readonly SignalKey[] = [
  'writeThrottling', 'putRecordsFailedRecords', 'putRecordSuccess', 'putRecordsSuccess', 'readThrottling', 'readSuccess',
  'iteratorAge', 'consumerLag', 'autoscalerErrors', 'lambdaConsumerIteratorAge', 'lambdaConsumerErrors',
];
const WARNING_KEYS: readonly WarningKey[] = ['iteratorAgeWarning', 'autoscalerBudgetExhausted', 'autoscalerKeyBoundThrottling'];
/** Keys of earlier releases, with where their concern went. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  consumerRateExceeded: 'a consumer that re-subscribes too fast falls behind, which the consumerLag signal watches',
  autoscalerPinnedAtMax: 'throttling while held at maxShards is write throttling, which the writeThrottling signal watches',
};

/** One metric of a health alarm and the condition under which it breaches. */
interface Signal {
  readonly key: SignalKey;
  readonly metric: cloudwatch.Metric;
  readonly threshold: number;
  /** `>=` breaches at or above the threshold; `<=` at or below. */
  readonly comparison: '>=' | '<=';
  /** The value a minute without data counts as: never a breach. */
  readonly missingAs: number;
}

/** CloudWatch alarms on metric math read at most 10 metrics (a hard limit). */
const MAX_METRICS_PER_ALARM = 10;
const MINUTE = Duration.minutes(1);
const DEFAULT_EVALUATION = { evaluationPeriods: 5, datapointsToAlarm: 3 };
const DEFAULT_THRESHOLDS: Readonly<Record<Exclude<SignalKey, 'iteratorAge'>, number>> = {
  writeThrottling: 0.01,
  putRecordsFailedRecords: 1,
  putRecordSuccess: 0.95,
  putRecordsSuccess: 0.95,
  readThrottling: 0.01,
  readSuccess: 0.98,
  consumerLag: 5 * 60_000,
  autoscalerErrors: 1,
  lambdaConsumerIteratorAge: 5 * 60_000,
  lambdaConsumerErrors: 1,
};

/**
 * The alarms AWS recommends for a Kinesis data stream, as one metric-math "health" alarm per stream: every signal
 * (write throttling, failed puts, read failures and throttling, records near expiry, consumer lag, autoscaler
 * errors) keeps its own metric and threshold, and the alarm fires when any of them breaches in 3 of the last 5
 * minutes. One alarm per stream is what lets a hundred streams fit in one stack; its description says what to do
 * first for each signal. Every metric carries the stream's `StreamName` dimension (and `ConsumerName` for a
 * consumer), so every signal receives data.
 *
 * No signal embeds a shard count: throttling is watched on its shard-independent Average.
 */
export class StreamAlarms extends Construct {
  /** The stream's health alarm, unless `overrides.health.enabled` is false. */
  public readonly health?: cloudwatch.Alarm;

  private readonly stream: kinesis.IStream;
  private readonly overrides: StreamAlarmOverrides;
  private readonly actions: cloudwatch.IAlarmAction[];
  private readonly evaluation: { evaluationPeriods: number; datapointsToAlarm: number };
  private readonly created: cloudwatch.Alarm[] = [];
  private readonly signals: Signal[] = [];
  private readonly critical: cloudwatch.IAlarm[] = [];
  private readonly compositeWanted?: boolean;
  private composite?: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: StreamAlarmsProps) {
    super(scope, id);
    this.overrides = props.overrides ?? {};
    validateOverrides(this.overrides);
    this.stream = props.stream;
    this.actions = alarmActionsOf(props);
    this.compositeWanted = props.compositeAlarm;
    this.evaluation = healthEvaluation(this.overrides.health);
    watchTemplateBudget(this);

    const retention = props.retentionPeriod ?? Duration.hours(24);
    if (retention.isUnresolved() && this.overrides.iteratorAge?.threshold === undefined) {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:iteratorAgeThreshold',
        'retentionPeriod is a token, so the iterator-age signal uses half of the shortest retention (12 hours); set overrides.iteratorAge.threshold to half of the real one');
    }
    // A token retention can be anything from 24 hours: half the shortest alarms early rather than too late.
    const halfRetentionMs = (retention.isUnresolved() ? Duration.hours(24) : retention).toMilliseconds() / 2;

    // IStream.metric carries the AWS/Kinesis namespace and the StreamName dimension.
    const kinesisMetric = (metricName: string, statistic: string) => props.stream.metric(metricName, { statistic, period: MINUTE });
    this.addSignal('writeThrottling', kinesisMetric('WriteProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE), '>=');
    if (this.overrides.putRecordsFailedRecords?.enabled === true) {
      this.addSignal('putRecordsFailedRecords', kinesisMetric('PutRecords.FailedRecords', cloudwatch.Stats.SUM), '>=');
    }
    this.addSignal('putRecordSuccess', kinesisMetric('PutRecord.Success', cloudwatch.Stats.AVERAGE), '<=');
    this.addSignal('putRecordsSuccess', kinesisMetric('PutRecords.Success', cloudwatch.Stats.AVERAGE), '<=');
    // Opt-in: a refused GetRecords call is also an unsuccessful one, which readSuccess watches.
    if (this.overrides.readThrottling?.enabled === true) {
      this.addSignal('readThrottling', kinesisMetric('ReadProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE), '>=');
    }
    this.addSignal('readSuccess', kinesisMetric('GetRecords.Success', cloudwatch.Stats.AVERAGE), '<=');
    this.addSignal('iteratorAge', kinesisMetric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM), '>=', halfRetentionMs);
    if (props.autoscaler) {
      this.addSignal('autoscalerErrors', props.autoscaler.metricErrors(this.stream), '>=');
      // The autoscaler's own "stopped" alarm (missing data breaching) notifies whoever this stream's alarms notify.
      if (props.autoscaler instanceof ShardAutoscaler && Stack.of(props.autoscaler) === Stack.of(this)) {
        props.autoscaler.addAlarmAction(...this.actions);
      }
    }

    if (this.overrides.health?.enabled !== false) {
      if (this.signals.length === 0) {
        throw new Error('every signal of the health alarm is disabled, so it has nothing to watch; set overrides.health.enabled to false');
      }
      this.health = this.addHealthAlarm('Health', this.stream.streamName, () => this.signals,
        `${this.streamLabel()}: a signal breached in ${this.evaluationText()} (its metrics show which). First: ` +
        'writes throttled or failing: shard count vs demand, maxShards, a hot key, KMS access; reads failing: reader errors; ' +
        'iterator age or lag: is the reader running or stuck; autoscaler errors: its log group.');
    }
    this.addWarnings(props.autoscaler, kinesisMetric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM));
    for (const consumer of props.consumers ?? []) this.addConsumer(consumer);
    if (this.compositeWanted === true) this.ensureComposite();

    this.node.addValidation({
      validate: () => this.composite && this.critical.length === 0
        ? ['StreamAlarms: every critical alarm is disabled, so the composite alarm has nothing to watch; set compositeAlarm: false']
        : [],
    });
  }

  /** Every metric alarm created, in creation order. */
  public get alarms(): cloudwatch.Alarm[] {
    return [...this.created];
  }

  /**
   * "Stream unhealthy": the composite alarm over every critical alarm when there is one, else the health alarm.
   */
  public get unhealthy(): cloudwatch.IAlarm | undefined {
    return this.composite ?? this.critical[0];
  }

  /**
   * Makes an alarm of your own (a consumer application's, say) a member of the composite "stream unhealthy" alarm,
   * creating the composite alarm if needed. Does nothing when `compositeAlarm` is false.
   */
  public addToCompositeAlarm(alarm: cloudwatch.IAlarm): void {
    this.addCritical(alarm);
    this.ensureComposite();
  }

  /**
   * Watches an enhanced fan-out consumer's lag: as a signal of the stream's health alarm while it has room (10
   * metrics at most), else as an alarm of the consumer's own, named after the consumer.
   */
  public addConsumer(consumer: kinesis.IStreamConsumer): void {
    if (this.overrides.consumerLag?.enabled === false) return;
    const signal = this.signal('consumerLag', ConsumerMetrics.millisBehindLatest(consumer), '>=');
    if (this.health && this.signals.length < MAX_METRICS_PER_ALARM) {
      this.signals.push(signal);
      return;
    }
    this.addHealthAlarm(`ConsumerLag${Names.nodeUniqueId(consumer.node)}`, `${this.stream.streamName}/${consumer.streamConsumerName}`, () => [signal],
      `${this.streamLabel()} consumer ${consumer.streamConsumerName}: more than ${minutes(signal.threshold)} behind the tip of the stream in ${this.evaluationText()}. ` +
      'First: check the consumer application\'s errors and processing time per batch, and that one worker reads each shard; add workers if it keeps up on fewer shards.');
  }

  /** Adds a health alarm for a Lambda function that reads the stream: its iterator age and its failed invocations. */
  public addLambdaConsumer(fn: lambda.IFunction): void {
    const signals = [
      this.signal('lambdaConsumerIteratorAge', fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: MINUTE }), '>='),
      this.signal('lambdaConsumerErrors', fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: MINUTE }), '>='),
    ].filter((s) => this.overrides[s.key]?.enabled !== false);
    if (signals.length === 0) return;
    this.addHealthAlarm(`LambdaConsumer${Names.nodeUniqueId(fn.node)}`, fn.functionName, () => signals,
      `${this.streamLabel()} Lambda consumer ${fn.functionName}: its batches are behind or its invocations fail in ${this.evaluationText()}; failing batches are retried, blocking their shards. ` +
      'First: read the function\'s logs for the failing record (the on-failure destination holds batches given up on); raise parallelizationFactor or batch size if it is simply too slow.');
  }

  private addWarnings(autoscaler: IShardAutoscaler | undefined, iteratorAge: cloudwatch.IMetric): void {
    this.addWarning('iteratorAgeWarning', 'IteratorAgeWarning', iteratorAge, 60_000, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      { evaluationPeriods: 15, datapointsToAlarm: 15 }, cloudwatch.TreatMissingData.IGNORE,
      `${this.streamLabel()}: shared-throughput readers have been more than a minute behind for 15 minutes. ` +
      'First: look for read throttling or a slow or failing reader, before the lag reaches the retention period.');
    if (!autoscaler) return;
    this.addWarning('autoscalerBudgetExhausted', 'AutoscalerBudgetExhausted',
      autoscaler.metricUpdateShardCountCallsRemaining(this.stream, { period: Duration.minutes(5) }), 0,
      cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD, { evaluationPeriods: 1, datapointsToAlarm: 1 },
      cloudwatch.TreatMissingData.NOT_BREACHING,
      `${this.streamLabel()}: all 10 UpdateShardCount calls of the rolling 24 hours are spent; the autoscaler falls back to splitting and merging one shard at a time. ` +
      'First: look for a flapping workload or manual resizes; widen the scale-in cooldown if the autoscaler caused it.');
    // Published once a minute. 10 of 15 minutes is a key that stays hot for a quarter of an hour, which only the
    // producers can fix; a burst of a few minutes, or a run or two the judgement skips, neither raises nor clears it.
    this.addWarning('autoscalerKeyBoundThrottling', 'AutoscalerKeyBoundThrottling', autoscaler.metricKeyBoundThrottling(this.stream), 1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, { evaluationPeriods: 15, datapointsToAlarm: 10 },
      cloudwatch.TreatMissingData.NOT_BREACHING,
      `${this.streamLabel()}: writes are throttled by a hot partition key (one key over a shard's 1 MiB/s or 1,000 records/s), which more shards cannot fix, so the autoscaler does not add them. ` +
      'First: spread the partition key (add a random suffix to hot keys and merge downstream, or set ExplicitHashKey to spread one key over several shards).');
  }

  private addWarning(key: WarningKey, id: string, metric: cloudwatch.IMetric, threshold: number, comparisonOperator: cloudwatch.ComparisonOperator,
    evaluation: { evaluationPeriods: number; datapointsToAlarm: number }, treatMissingData: cloudwatch.TreatMissingData, description: string): void {
    const override = this.overrides[key];
    if (override?.enabled !== true) return;
    const evaluationPeriods = override.evaluationPeriods ?? evaluation.evaluationPeriods;
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: override.threshold ?? threshold,
      comparisonOperator,
      evaluationPeriods,
      datapointsToAlarm: checkedDatapoints(key, override.datapointsToAlarm, evaluationPeriods, evaluation.datapointsToAlarm),
      treatMissingData,
      alarmDescription: description,
    });
    alarm.addAlarmAction(...this.actions);
    this.created.push(alarm);
  }

  /**
   * A metric-math alarm that is 1 in every minute where one of its signals breaches. A minute without data counts
   * as healthy for each signal, so one quiet metric never hides another. The signals are read when the template is
   * rendered, so consumers added later join the stream's alarm.
   */
  private addHealthAlarm(id: string, subject: string, signals: () => readonly Signal[], description: string): cloudwatch.Alarm {
    const first = signals()[0];
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: new cloudwatch.MathExpression({ expression: 's0', usingMetrics: { s0: first.metric }, period: MINUTE }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...this.evaluation,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
    cfn.addPropertyOverride('Metrics', Lazy.any({ produce: () => healthQueries(subject, signals()) }));
    alarm.addAlarmAction(...this.actions);
    this.created.push(alarm);
    this.addCritical(alarm);
    return alarm;
  }

  private addSignal(key: SignalKey, metric: cloudwatch.Metric, comparison: Signal['comparison'], defaultThreshold?: number): void {
    if (this.overrides[key]?.enabled === false) return;
    this.signals.push(this.signal(key, metric, comparison, defaultThreshold));
  }

  private signal(key: SignalKey, metric: cloudwatch.Metric, comparison: Signal['comparison'], defaultThreshold?: number): Signal {
    const threshold = this.overrides[key]?.threshold ?? defaultThreshold ?? DEFAULT_THRESHOLDS[key as keyof typeof DEFAULT_THRESHOLDS];
    // A success rate without calls is no failure; a count or an age without data is none.
    return { key, metric, threshold, comparison, missingAs: comparison === '<=' ? 1 : 0 };
  }

  private addCritical(alarm: cloudwatch.IAlarm): void {
    this.critical.push(alarm);
    if (this.critical.length > 1) this.ensureComposite();
  }

  private ensureComposite(): void {
    if (this.composite || this.compositeWanted === false) return;
    const critical = this.critical;
    this.composite = new cloudwatch.CompositeAlarm(this, 'Unhealthy', {
      alarmDescription: `${this.streamLabel()} is unhealthy: at least one of its critical alarms is in ALARM; the member alarm's description says what to do first.`,
      // Alarms added later join too: the rule is rendered when the template is.
      alarmRule: { renderAlarmRule: () => Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...critical).renderAlarmRule() }) },
    });
    this.composite.addAlarmAction(...this.actions);
  }

  private evaluationText(): string {
    return `${this.evaluation.datapointsToAlarm} of the last ${this.evaluation.evaluationPeriods} minutes`;
  }

  /** The stream's name as CloudFormation resolves it, so the description names the real stream. */
  private streamLabel(): string {
    return `Kinesis stream ${this.stream.streamName}`;
  }
}

/** The alarm's MetricDataQuery list: each signal's metric, and the expression that is 1 when any breaches. */
function healthQueries(subject: string, signals: readonly Signal[]): object[] {
  if (signals.length > MAX_METRICS_PER_ALARM) {
    throw new Error(`the health alarm of ${subject} would read ${signals.length} metrics, more than the ${MAX_METRICS_PER_ALARM} CloudWatch allows`);
  }
  // Ids name the signal (a consumer's by its place), so the console's graph of the alarm reads without labels.
  const ids = signals.map((s, i) => (s.key === 'consumerLag' ? `consumerLag${i}` : s.key));
  const conditions = signals.map((s, i) => `FILL(${ids[i]},${s.missingAs})${s.comparison}${s.threshold}`);
  return [
    ...signals.map((s, i) => {
      const stat = s.metric.toMetricConfig().metricStat!;
      return {
        Id: ids[i],
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: stat.namespace,
            MetricName: stat.metricName,
            Dimensions: (stat.dimensions ?? []).map((d) => ({ Name: d.name, Value: d.value })),
          },
          Period: stat.period.toSeconds(),
          Stat: stat.statistic,
        },
      };
    }),
    { Id: 'health', Expression: `IF(${conditions.join(' OR ')},1,0)`, ReturnData: true },
  ];
}

function healthEvaluation(override: HealthAlarmOverride | undefined): { evaluationPeriods: number; datapointsToAlarm: number } {
  const evaluationPeriods = override?.evaluationPeriods ?? DEFAULT_EVALUATION.evaluationPeriods;
  return {
    evaluationPeriods,
    datapointsToAlarm: checkedDatapoints('health', override?.datapointsToAlarm, evaluationPeriods, DEFAULT_EVALUATION.datapointsToAlarm),
  };
}

/** The datapoints to alarm: the override, checked against the periods, or the default lowered to fit them. */
function checkedDatapoints(key: string, datapoints: number | undefined, evaluationPeriods: number, defaultDatapoints: number): number {
  if (datapoints !== undefined && !Token.isUnresolved(datapoints) && !Token.isUnresolved(evaluationPeriods) && datapoints > evaluationPeriods) {
    throw new Error(`overrides.${key}.datapointsToAlarm (${datapoints}) must not exceed evaluationPeriods (${evaluationPeriods})`);
  }
  return datapoints ?? (Token.isUnresolved(evaluationPeriods) ? defaultDatapoints : Math.min(defaultDatapoints, evaluationPeriods));
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${ms} ms`;
}

function validateOverrides(overrides: StreamAlarmOverrides): void {
  for (const [key, override] of Object.entries(overrides) as Array<[string, (AlarmOverride & SignalOverride) | undefined]>) {
    if (RETIRED_KEYS[key]) throw new Error(`overrides.${key} no longer exists: ${RETIRED_KEYS[key]}`);
    const isSignal = (SIGNAL_KEYS as readonly string[]).includes(key);
    if (!isSignal && key !== 'health' && !(WARNING_KEYS as readonly string[]).includes(key)) {
      throw new Error(`overrides.${key} is not a signal or an alarm; use one of health, ${[...SIGNAL_KEYS, ...WARNING_KEYS].join(', ')}`);
    }
    if (!override) continue;
    if (isSignal && (override.evaluationPeriods !== undefined || override.datapointsToAlarm !== undefined)) {
      throw new Error(`overrides.${key} is a signal of the health alarm, which evaluates all its signals together: set evaluationPeriods and datapointsToAlarm on overrides.health`);
    }
    if (key === 'health' && override.threshold !== undefined) {
      throw new Error('overrides.health has no threshold: the health alarm is 1 when any signal breaches; set the threshold of a signal instead, for example overrides.writeThrottling.threshold');
    }
    if (override.threshold !== undefined && !Token.isUnresolved(override.threshold) && !Number.isFinite(override.threshold)) {
      throw new Error(`overrides.${key}.threshold must be a finite number, received ${override.threshold}`);
    }
    assertIntegerInRange(`overrides.${key}.evaluationPeriods`, override.evaluationPeriods, 1, 1440);
    assertIntegerInRange(`overrides.${key}.datapointsToAlarm`, override.datapointsToAlarm, 1, override.evaluationPeriods ?? 1440);
  }
}
