import { Annotations, Arn, ArnFormat, CustomResource, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { AUTOSCALER_NAME_PATTERN, AUTOSCALER_TAG, SettingsLocation, settingsPath } from './core/settings-store';
import { STATE_TAG_PREFIX } from './core/state';
import { AUTOSCALER_DIMENSION, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE } from './core/telemetry';
import { AutoscalerFunction } from './private/autoscaler-function';
import { validateAutoscaling } from './private/autoscaling-settings';
import { acknowledgeFindings, nagResourceName } from './private/nag';
import { ReconcilerFunction } from './private/reconciler-function';
import { StreamRegistration } from './private/stream-registration';
import { knownAndDifferent, readable } from './private/validation';

/** A named trade-off between cost and headroom. */
export enum ScalingPreset {
  /** Sizes shards to 70 % of their write limit, scales out at 80 % and in after 30 low minutes: the lowest cost. */
  ECONOMY = 'economy',
  /** Sizes shards to 50 %, scales out at 65 % and in after 20 low minutes, remembering yesterday's need. */
  BALANCED = 'balanced',
  /** Keeps more than half of every shard free (45 %, out at 55 %) and waits an hour of low traffic before a scale-in. */
  SAFE = 'safe',
}

/** What the deploy-time reconciler does when the live shard count lies outside [minShards, maxShards]. */
export enum ReconcileMode {
  /** No reconciler: the autoscaler moves the count into range once traffic is measured. */
  OFF = 'off',
  /** Step the live count into range at deploy time; when the daily UpdateShardCount budget is spent, succeed with a warning. */
  BEST_EFFORT = 'best-effort',
  /** As BEST_EFFORT, but fail the deployment when the count cannot be brought into range. */
  STRICT = 'strict',
}

/** How one stream is scaled. */
export interface AutoscalingOptions {
  /**
   * The fewest open shards the autoscaler leaves the stream with, from 1 to 10,000.
   */
  readonly minShards: number;

  /**
   * The most open shards the autoscaler gives the stream, from minShards to 10,000. Demand above it is throttled,
   * reported in the logs and the PinnedAtMaxShards metric.
   */
  readonly maxShards: number;

  /**
   * The trade-off between cost and headroom; targetUtilizationPercent and scaleInCooldown override parts of it.
   *
   * @default ScalingPreset.BALANCED
   */
  readonly preset?: ScalingPreset;

  /**
   * The share of each shard's write limit (1 MiB/s or 1,000 records/s) the stream is sized for, from 10 to 90 percent.
   *
   * @default - the preset's: 70 (ECONOMY), 50 (BALANCED), 45 (SAFE)
   */
  readonly targetUtilizationPercent?: number;

  /**
   * How long after a scale-out the autoscaler waits before it removes shards, in whole minutes up to 24 hours. Each
   * scale-in that a scale-out soon undid doubles it for a few hours (see the README's scaling policy).
   *
   * @default - the preset's: 15 minutes (ECONOMY), 10 minutes (BALANCED), 30 minutes (SAFE)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * Decide and report (logs, metrics, EventBridge events with `dryRun: true`) without changing the stream.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * Shared-throughput (GetRecords, not enhanced fan-out) readers of the whole stream that the construct cannot see,
   * such as applications in other stacks or accounts, from 0 to 20. The autoscaler sizes for these plus the readers a
   * `KinesisStream` counts on itself at synth: each `grantRead` grantee, each Lambda function with a
   * `KinesisEventSource` on the stream (not on a consumer) and each `KclApplication` in polling mode, counted once
   * each; enhanced fan-out readers never count. For any other `IStream` nothing is counted, so this is every reader.
   * With any reader, the autoscaler also reads the stream's GetRecords metrics (3 more CloudWatch metrics per stream
   * and run) and sizes for max(write need, read need); with none it sizes for writes only. Together at most 20.
   *
   * @default 0 - only the readers the construct counts
   * @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
   */
  readonly sharedReaders?: number;

  /**
   * Whether a deployment brings a live shard count outside [minShards, maxShards] into range, by doubling or
   * halving the live count (never by setting the template's count).
   *
   * @default ReconcileMode.OFF
   */
  readonly reconcile?: ReconcileMode;
}

/** Properties of a {@link ShardAutoscaler}. */
export interface ShardAutoscalerProps {
  /**
   * How often the autoscaler runs. Each run reads the last hour of one-minute metrics, so a slower schedule only
   * delays decisions.
   *
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly schedule?: events.Schedule;

  /**
   * How long the autoscaler's decision logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A name, unique in the account and region, by which stacks of this account find the autoscaler with
   * `ShardAutoscaler.fromAutoscalerName()` and register their streams with it: 1 to 64 characters from
   * `[a-zA-Z0-9_.-]`. It names the SSM parameters that hold the settings and the tag that lets the function act on a
   * stream, so changing it re-registers every stream.
   *
   * @default - a name derived from the stack and construct path: the autoscaler serves only streams added in this app
   */
  readonly autoscalerName?: string;

  /**
   * Actions for the alarm raised when the autoscaler stops running or its runs fail.
   *
   * @default - the actions of the alarms (`StreamAlarms`) of streams it scales in this stack
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/** A shard autoscaler: one defined in this stack, or one of another stack found by its name. */
export interface IShardAutoscaler extends IConstruct {
  /** The autoscaler's name, unique in its account and region. */
  readonly autoscalerName: string;

  /**
   * Scales `stream` with these options. The stream must be in the autoscaler's account and region.
   */
  addStream(stream: kinesis.IStream, options: AutoscalingOptions): void;

  /** The open shard count the autoscaler publishes each run (Maximum, one minute). */
  metricOpenShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** The shard count the policy wants for `stream` (Maximum, one minute). */
  metricTargetShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** 1 for each run in which demand on `stream` wanted more than maxShards (Maximum, one minute). */
  metricPinnedAtMaxShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** 1 for each run in which writes to `stream` were throttled by a hot partition key, which more shards cannot fix (Maximum, one minute). */
  metricKeyBoundThrottling(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** UpdateShardCount calls left for `stream` in the rolling 24 hours (Minimum, one minute). */
  metricUpdateShardCountCallsRemaining(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Resharding operations started on `stream` (Sum, one minute). */
  metricScalingOperations(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Runs in which scaling `stream` failed (Sum, one minute). */
  metricErrors(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

const KINESIS_ACTIONS = [
  'kinesis:DescribeStreamSummary',
  'kinesis:ListShards',
  'kinesis:ListTagsForStream',
  'kinesis:AddTagsToStream',
  'kinesis:UpdateShardCount',
  'kinesis:SplitShard',
  'kinesis:MergeShards',
];
/** The reconciler only reads and doubles or halves: no split, merge or limits. */
/** A tag write may name only the autoscaler's own state tags. */
const STATE_TAG_KEYS_ONLY = { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${STATE_TAG_PREFIX}*`] } };
const RECONCILER_ACTIONS = KINESIS_ACTIONS.filter((action) => !['kinesis:SplitShard', 'kinesis:MergeShards'].includes(action));

/** What every shard autoscaler has, defined here or referenced from another stack: its name and its metrics. */
export abstract class ShardAutoscalerBase extends Construct implements IShardAutoscaler {
  /** The autoscaler's name, unique in its account and region. */
  public abstract readonly autoscalerName: string;

  /** Scales `stream` with these options. */
  public abstract addStream(stream: kinesis.IStream, options: AutoscalingOptions): void;

  /**
   * The open shard count the autoscaler publishes each run: divide per-shard capacity by it in alarms and graphs.
   * Published in the `KinesisAutoscaler` namespace with a `StreamName` dimension.
   */
  public metricOpenShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.openShards, stream, cloudwatch.Stats.MAXIMUM, props);
  }

  /** The shard count the policy wants for `stream`. */
  public metricTargetShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.targetShards, stream, cloudwatch.Stats.MAXIMUM, props);
  }

  /** 1 for each run in which demand on `stream` wanted more than maxShards. */
  public metricPinnedAtMaxShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.pinnedAtMax, stream, cloudwatch.Stats.MAXIMUM, props);
  }

  /**
   * 1 for each run in which writes to `stream` were throttled in a way more shards cannot fix (a hot partition key):
   * the autoscaler then does not grow the stream for that throttling, and the fix is to spread the key.
   */
  public metricKeyBoundThrottling(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.keyBoundThrottling, stream, cloudwatch.Stats.MAXIMUM, props);
  }

  /** UpdateShardCount calls left for `stream` in the rolling 24 hours. */
  public metricUpdateShardCountCallsRemaining(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.updateShardCountCallsRemaining, stream, cloudwatch.Stats.MINIMUM, props);
  }

  /** Resharding operations (UpdateShardCount, SplitShard, MergeShards) started on `stream`. */
  public metricScalingOperations(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.scalingOperations, stream, cloudwatch.Stats.SUM, props);
  }

  /** Runs in which scaling `stream` failed. */
  public metricErrors(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return autoscalerMetric(AUTOSCALER_METRICS.errors, stream, cloudwatch.Stats.SUM, props);
  }
}

/**
 * The shard autoscaler: one Lambda function, run on a schedule, that scales every stream registered with it against
 * its CloudWatch metrics. Settings live in SSM parameters, one set per registering stack, never on the stream, so
 * changing them never makes CloudFormation touch the stream.
 *
 * By default each stack gets its own (`ShardAutoscaler.of(scope)`). For a fleet, define one per account and region
 * with an `autoscalerName`, and reference it from other stacks with `ShardAutoscaler.fromAutoscalerName()`.
 */
export class ShardAutoscaler extends ShardAutoscalerBase {
  /**
   * The autoscaler streams of `scope`'s stack use: the one defined or referenced directly in the stack, or a new one
   * with default props.
   */
  public static of(scope: IConstruct): IShardAutoscaler {
    const stack = Stack.of(scope);
    return stackAutoscaler(stack) ?? new ShardAutoscaler(stack, 'ShardAutoscaler');
  }

  /**
   * An autoscaler defined in another stack of this account and region, found by its name. Streams added to it are
   * registered by this stack (SSM parameters under the autoscaler's path, and a tag on each stream), with no
   * CloudFormation export between the stacks. Define it directly in the stack to make it what `ShardAutoscaler.of()`
   * and every autoscaled `KinesisStream` of the stack use.
   *
   * @param autoscalerName the `autoscalerName` of the autoscaler
   */
  public static fromAutoscalerName(scope: Construct, id: string, autoscalerName: string): IShardAutoscaler {
    return new ImportedShardAutoscaler(scope, id, autoscalerName);
  }

  /** The autoscaler's name, unique in its account and region. */
  public readonly autoscalerName: string;
  /** The function that scales the streams. */
  public readonly function: lambda.IFunction;
  /** The schedule that runs it. */
  public readonly rule: events.Rule;
  /** Where every decision is logged, one JSON line each. */
  public readonly logGroup: logs.ILogGroup;
  /** In ALARM when the function has not run, or its runs failed, in 2 of the last 3 periods: nothing is being scaled. */
  public readonly stoppedAlarm: cloudwatch.Alarm;

  private readonly registration: StreamRegistration;
  private readonly explicitName: boolean;
  private readonly streamStatement = new iam.PolicyStatement({ actions: KINESIS_ACTIONS.filter((action) => action !== 'kinesis:AddTagsToStream') });
  /** Streams imported by ARN: only tags of the autoscaler's own state may be written, as on tagged streams. */
  private readonly stateTagStatement = new iam.PolicyStatement({ actions: ['kinesis:AddTagsToStream'], conditions: STATE_TAG_KEYS_ONLY });
  private readonly role: iam.Role;
  private readonly logRetention: logs.RetentionDays;
  private readonly alarmActionArns = new Set<string>();
  private reconciler?: { fn: lambda.Function; statement: iam.PolicyStatement };

  constructor(scope: Construct, id: string, props: ShardAutoscalerProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    if (scope !== stack) {
      throw new Error(`ShardAutoscaler must be created directly in a Stack (one per stack), not in ${scope.node.path}; use ShardAutoscaler.of(this)`);
    }
    const others = stack.node.children.filter((child) => isAutoscaler(child) && child !== this);
    if (others.length > 0) {
      throw new Error(`stack ${stack.stackName} already has a ShardAutoscaler (${others[0].node.id}); one function manages all of a stack's streams, so use ShardAutoscaler.of(this)`);
    }
    validateAutoscalerName('autoscalerName', props.autoscalerName);
    this.explicitName = props.autoscalerName !== undefined;
    this.autoscalerName = props.autoscalerName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Kinesis shard autoscaler: scales only the streams it manages',
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: this.logRetention });
    this.logGroup.grantWrite(this.role);
    // Both actions act on the account, not on a resource: the APIs accept no narrower resource than "*".
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:GetMetricData', 'kinesis:DescribeLimits'],
      resources: ['*'],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    }));
    this.grantTaggedStreams(stack);
    const path = settingsPath(this.autoscalerName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParametersByPath'],
      resources: [path.slice(1, -1), `${path.slice(1)}*`].map((resourceName) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName })),
    }));
    const settingsParameters = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path.slice(1)}*` });
    const fn = new AutoscalerFunction(this, 'Function', {
      description: 'Scales Kinesis streams against their CloudWatch metrics (cdk-kinesis-autoscaling)',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A tick must end before the next one starts; the handler stops starting operations 15 s before this.
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      // Two ticks at once could both spend the daily UpdateShardCount budget.
      reservedConcurrentExecutions: 1,
      // A missed tick is not retried: the next one, a minute later, reads fresher metrics.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    this.function = fn;
    acknowledgeFindings(this.role.node.findChild('DefaultPolicy'), {
      id: 'AwsSolutions-IAM5',
      appliesTo: ['*', taggedStreamsArn(stack), settingsParameters].map((arn) => `Resource::${arn === '*' ? arn : nagResourceName(this, arn)}`),
      reason: 'cloudwatch:GetMetricData and kinesis:DescribeLimits act on the account and accept no resource narrower than "*"; ' +
        'stream actions are allowed only on streams tagged with this autoscaler\'s name (or listed by ARN), and reading settings only under its own SSM path',
    });
    const notRetried = 'It runs on a schedule, and a failed tick is deliberately not retried (the next tick, a minute later, reads fresher metrics and repeats the decision), so there is no event worth keeping in a dead-letter queue.';
    acknowledgeServiceFunction(fn, this.role, this.logGroup, notRetried);
    acknowledgeFindings(fn, { id: 'Serverless-LambdaAsyncFailureDestination', reason: notRetried });

    const schedule = props.schedule ?? events.Schedule.rate(Duration.minutes(1));
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the Kinesis shard autoscaler',
      schedule,
    });
    const location: SettingsLocation = { settingsPath: path };
    this.rule.addTarget(new targets.LambdaFunction(fn, {
      event: events.RuleTargetInput.fromObject(location),
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    }));
    acknowledgeFindings(this.rule, { id: 'Serverless-EventBusDLQ', reason: notRetried });
    // One autoscaler per name in an account and region: this parameter is named after it, so CloudFormation refuses a
    // second one of the same name, which would scale the same streams against the first.
    new ssm.CfnParameter(this, 'Name', {
      type: 'String',
      tier: 'Standard',
      name: path.slice(0, -1),
      value: fn.functionArn,
      description: `The function of the Kinesis shard autoscaler ${this.autoscalerName} (cdk-kinesis-autoscaling); its streams' settings are under ${path}`,
    });
    this.stoppedAlarm = this.createStoppedAlarm(fn, schedule);
    this.addAlarmAction(...props.alarmActions ?? []);

    this.registration = new StreamRegistration(this, 'Settings', this.autoscalerName);
    this.node.addValidation({ validate: () => this.validate() });
  }

  /**
   * Scales `stream` with these options. The stream may be any `IStream` of this autoscaler's account and region,
   * including one imported by ARN; its template shard count is never changed.
   */
  public addStream(stream: kinesis.IStream, options: AutoscalingOptions): void {
    const settings = validateAutoscaling(options);
    assertSameEnvironment(stream, Stack.of(this), `the autoscaler ${this.autoscalerName}`);
    if (this.registration.register(stream, settings) === 'arn') {
      this.streamStatement.addResources(stream.streamArn);
      this.stateTagStatement.addResources(stream.streamArn);
      if (this.streamStatement.resources.length === 1) {
        this.role.addToPrincipalPolicy(this.streamStatement);
        this.role.addToPrincipalPolicy(this.stateTagStatement);
      }
    }

    const reconcile = options.reconcile ?? ReconcileMode.OFF;
    if (reconcile !== ReconcileMode.OFF) {
      const reconciler = this.reconcilerFunction();
      reconciler.statement.addResources(stream.streamArn);
      new CustomResource(this, `Reconcile${Names.nodeUniqueId(stream.node)}`, {
        serviceToken: reconciler.fn.functionArn,
        resourceType: 'Custom::KinesisShardReconciler',
        properties: {
          StreamName: stream.streamName,
          MinShards: String(settings.minShards),
          MaxShards: String(settings.maxShards),
          Strict: String(reconcile === ReconcileMode.STRICT),
        },
      });
    }
  }

  /** Adds actions to the alarm raised when the autoscaler stops; an action already there is not added twice. */
  public addAlarmAction(...actions: cloudwatch.IAlarmAction[]): void {
    const stack = Stack.of(this);
    for (const action of actions) {
      const arn = JSON.stringify(stack.resolve(action.bind(this, this.stoppedAlarm).alarmActionArn));
      if (this.alarmActionArns.has(arn)) continue;
      this.alarmActionArns.add(arn);
      this.stoppedAlarm.addAlarmAction(action);
    }
  }

  /**
   * Stream actions on any stream of the account and region that carries this autoscaler's tag: one statement for a
   * thousand streams of many stacks, where listing their ARNs would pass IAM's 10,240-character inline policy limit.
   * Only tags of the autoscaler's own state may be written.
   */
  private grantTaggedStreams(stack: Stack): void {
    const streams = taggedStreamsArn(stack);
    const tagged = { StringEquals: { [`aws:ResourceTag/${AUTOSCALER_TAG}`]: this.autoscalerName } };
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: KINESIS_ACTIONS.filter((action) => action !== 'kinesis:AddTagsToStream'),
      resources: [streams],
      conditions: tagged,
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kinesis:AddTagsToStream'],
      resources: [streams],
      conditions: { ...tagged, ...STATE_TAG_KEYS_ONLY },
    }));
  }

  /**
   * The function's own health: runs counted per period (missing data is breaching, so a disabled schedule or a
   * deleted function alarms) and failed runs. The period covers at least one scheduled run.
   */
  private createStoppedAlarm(fn: lambda.Function, schedule: events.Schedule): cloudwatch.Alarm {
    const period = Duration.minutes(Math.max(5, scheduleMinutes(schedule)));
    const alarm = new cloudwatch.Alarm(this, 'Stopped', {
      metric: new cloudwatch.MathExpression({
        label: 'autoscaler stopped or failing',
        expression: 'IF(FILL(runs, 0) < 1 OR FILL(failures, 0) >= 1, 1, 0)',
        usingMetrics: {
          runs: fn.metricInvocations({ statistic: cloudwatch.Stats.SUM }),
          failures: fn.metricErrors({ statistic: cloudwatch.Stats.SUM }),
        },
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `The Kinesis shard autoscaler ${this.autoscalerName} has not run, or its runs failed, in 2 of the last 3 periods: none of its streams is being scaled. ` +
        'First: check that its schedule rule is enabled, then read its log group for the failure (settings in SSM, permissions, timeout).',
    });
    acknowledgeFindings(alarm, {
      id: 'NIST.800.53.R5-CloudWatchAlarmAction',
      reason: 'Its actions come from alarmActions and from the stream alarms of the same stack; without any, it still shows in the console.',
    });
    return alarm;
  }

  private reconcilerFunction(): { fn: lambda.Function; statement: iam.PolicyStatement } {
    if (this.reconciler) return this.reconciler;
    const role = new iam.Role(this, 'ReconcilerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Kinesis shard reconciler: brings managed streams into [min, max] at deploy time',
    });
    const logGroup = new logs.LogGroup(this, 'ReconcilerLogs', { retention: this.logRetention });
    logGroup.grantWrite(role);
    const statement = new iam.PolicyStatement({ actions: RECONCILER_ACTIONS });
    role.addToPrincipalPolicy(statement);
    const fn = new ReconcilerFunction(this, 'Reconciler', {
      description: 'Brings Kinesis shard counts into [min, max] at deploy time (cdk-kinesis-autoscaling)',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Several doublings, each waiting for ACTIVE; the handler answers CloudFormation 30 s before this.
      timeout: Duration.minutes(15),
      role,
      logGroup,
    });
    acknowledgeServiceFunction(fn, role, logGroup,
      'CloudFormation invokes it and waits for its answer, which it always sends (failures included), so there is no event to keep in a dead-letter queue.');
    acknowledgeFindings(fn, {
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason: 'Only CloudFormation invokes it, once per reconciled stream and deployment; reserving concurrency would only take capacity from the account.',
    });
    this.reconciler = { fn, statement };
    return this.reconciler;
  }

  private validate(): string[] {
    if (this.registration.size === 0 && !this.explicitName) {
      return ['ShardAutoscaler manages no streams: add one with addStream() or the KinesisStream autoscaling prop, or give it an autoscalerName for streams of other stacks'];
    }
    const twin = this.node.root.node.findAll().find((c): c is ShardAutoscaler =>
      c !== this && c instanceof ShardAutoscaler && c.autoscalerName === this.autoscalerName && sameEnvironment(Stack.of(c), Stack.of(this)));
    if (twin) {
      return [`autoscalerName ${this.autoscalerName} is also the name of ${twin.node.path}: one name serves one autoscaler per account and region; ` +
        'reference it from other stacks with ShardAutoscaler.fromAutoscalerName()'];
    }
    return [];
  }
}

/**
 * An autoscaler of another stack, referenced by name: streams added here are registered by this stack (its own SSM
 * documents under the autoscaler's path, and the autoscaler's tag on each stream). Nothing refers to the other
 * stack's resources, so either stack can be deployed or deleted on its own.
 */
class ImportedShardAutoscaler extends ShardAutoscalerBase {
  public readonly autoscalerName: string;
  private readonly registration: StreamRegistration;

  constructor(scope: Construct, id: string, autoscalerName: string) {
    super(scope, id);
    validateAutoscalerName('autoscalerName', autoscalerName);
    if (Token.isUnresolved(autoscalerName)) {
      throw new Error('autoscalerName must be known at synth time, received a token: it names SSM parameters and a tag');
    }
    const stack = Stack.of(this);
    const others = stack.node.children.filter((child) => child !== this && isAutoscaler(child));
    if (scope === stack && others.length > 0) {
      throw new Error(`stack ${stack.stackName} already has a ShardAutoscaler (${others[0].node.id}); a stack registers its streams with one autoscaler`);
    }
    this.autoscalerName = autoscalerName;
    this.registration = new StreamRegistration(this, 'Settings', autoscalerName);
  }

  public addStream(stream: kinesis.IStream, options: AutoscalingOptions): void {
    const settings = validateAutoscaling(options);
    if ((options.reconcile ?? ReconcileMode.OFF) !== ReconcileMode.OFF) {
      throw new Error(`reconcile must be ReconcileMode.OFF for an autoscaler of another stack (${this.autoscalerName}), received ${options.reconcile}; the deploy-time reconciler runs in the autoscaler's own stack`);
    }
    assertSameEnvironment(stream, Stack.of(this), `the autoscaler ${this.autoscalerName}`);
    if (this.registration.register(stream, settings) === 'arn') {
      Annotations.of(this).addWarningV2('cdk-kinesis-autoscaling:untaggedStream',
        `stream ${readable(stream.streamName, 'with a deploy-time name')} is not created by this app, so it cannot be tagged for the autoscaler ${this.autoscalerName}, ` +
        `which may act only on streams tagged ${AUTOSCALER_TAG}=${this.autoscalerName}. Tag it yourself, or its scaling fails with AccessDenied.`);
    }
  }
}

function isAutoscaler(construct: IConstruct): construct is ShardAutoscalerBase {
  return construct instanceof ShardAutoscalerBase;
}

/** The autoscaler defined or referenced directly in the stack, if any. */
function stackAutoscaler(stack: Stack): IShardAutoscaler | undefined {
  return stack.node.children.find(isAutoscaler);
}

function autoscalerMetric(metricName: string, stream: kinesis.IStream, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: AUTOSCALER_NAMESPACE,
    metricName,
    dimensionsMap: { [AUTOSCALER_DIMENSION]: stream.streamName },
    period: Duration.minutes(1),
    statistic,
    ...props,
  });
}

function validateAutoscalerName(prop: string, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!AUTOSCALER_NAME_PATTERN.test(name)) {
    throw new Error(`${prop} must be 1 to 64 characters from [a-zA-Z0-9_.-], received ${JSON.stringify(name)}`);
  }
}

/** Minutes between two runs of a `rate()` schedule; 60 for a cron schedule, whose gaps vary. */
function scheduleMinutes(schedule: events.Schedule): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!match) return 60;
  const unit = match[2].startsWith('minute') ? 1 : match[2].startsWith('hour') ? 60 : 24 * 60;
  return Number(match[1]) * unit;
}

function assertSameEnvironment(stream: kinesis.IStream, stack: Stack, who: string): void {
  const arn = Arn.split(stream.streamArn, ArnFormat.SLASH_RESOURCE_NAME);
  if (knownAndDifferent(arn.region, stack.region) || knownAndDifferent(arn.account, stack.account)) {
    const where = (account: string | undefined, region: string | undefined) =>
      `account ${readable(account, 'the deploying account')} and region ${readable(region, 'the deploying region')}`;
    throw new Error(`stream ${readable(arn.resourceName, 'with a deploy-time name')} is in ${where(arn.account, arn.region)}, but ${who} ` +
      `of stack ${stack.stackName} runs in ${where(stack.account, stack.region)}; scale a stream from a stack in its own account and region`);
  }
}

/** Whether two stacks may deploy to the same account and region (an environment-agnostic one may deploy anywhere). */
function sameEnvironment(a: Stack, b: Stack): boolean {
  return !knownAndDifferent(a.account, b.account) && !knownAndDifferent(a.region, b.region);
}

/** Every stream of the stack's account and region: the tag condition, not the ARN, picks the managed ones. */
function taggedStreamsArn(stack: Stack): string {
  return stack.formatArn({ service: 'kinesis', resource: 'stream', resourceName: '*' });
}

/** The findings every function of the library shares, each with the reason it is a deliberate choice. */
function acknowledgeServiceFunction(fn: lambda.Function, role: iam.Role, logGroup: logs.ILogGroup, noDeadLetterQueue: string): void {
  acknowledgeFindings(fn, {
    id: 'NIST.800.53.R5-LambdaDLQ', reason: noDeadLetterQueue,
  }, {
    id: 'Serverless-LambdaTracing',
    reason: 'Each invocation makes a few AWS API calls and logs its decisions and errors as JSON lines, and Lambda reports its duration; X-Ray would add a wildcard xray:PutTraceSegments grant and a cost per trace without telling more.',
  }, {
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason: 'It only calls AWS APIs (Kinesis, CloudWatch, EventBridge) and reaches no private resource; a VPC would add NAT or endpoint cost and a failure mode without reducing exposure.',
  });
  acknowledgeFindings(role.node.findChild('DefaultPolicy'), {
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason: 'The policy is written for this one role and scoped to the streams it manages; a managed policy would be the same document, shareable by roles that should not have it.',
  });
  acknowledgeFindings(logGroup, {
    id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    reason: 'The log holds scaling decisions (stream names, metric values, shard counts), never record data; CloudWatch Logs encrypts it at rest with its own key.',
  });
}
