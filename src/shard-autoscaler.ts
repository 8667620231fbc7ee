import { Arn, ArnFormat, CustomResource, Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { AutoscalerInput, ManagedStreamInput } from './core/config';
import { AUTOSCALER_DIMENSION, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE } from './core/telemetry';
import { AutoscalerFunction } from './private/autoscaler-function';
import { validateAutoscaling } from './private/autoscaling-settings';
import { acknowledgeFindings } from './private/nag';
import { ReconcilerFunction } from './private/reconciler-function';

/** A named trade-off between cost and headroom. */
export enum ScalingPreset {
  /** Sizes shards to 80 % of their write limit and scales in after an hour: the lowest cost. */
  ECONOMY = 'economy',
  /** Sizes shards to 65 % and scales in after 45 minutes of low traffic. */
  BALANCED = 'balanced',
  /** Keeps half of every shard free and waits two hours before a scale-in. */
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
   * @default - the preset's: 80 (ECONOMY), 65 (BALANCED), 50 (SAFE)
   */
  readonly targetUtilizationPercent?: number;

  /**
   * How long after any scaling action the autoscaler waits before it removes shards, in whole minutes up to 24 hours.
   *
   * @default - the preset's: 60 minutes (ECONOMY), 30 minutes (BALANCED), 60 minutes (SAFE)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * Decide and report (logs, metrics, EventBridge events with `dryRun: true`) without changing the stream.
   *
   * @default false
   */
  readonly dryRun?: boolean;

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
}

/** EventBridge accepts at most 8,192 characters of constant input per target. */
const MAX_TARGET_INPUT_CHARS = 8192;
/** A stream name is at most 128 characters; an unresolved one is counted at that length. */
const MAX_STREAM_NAME_CHARS = 128;
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
const RECONCILER_ACTIONS = KINESIS_ACTIONS.filter((action) => !['kinesis:SplitShard', 'kinesis:MergeShards'].includes(action));

/**
 * The shard autoscaler of one stack: one Lambda function, run on a schedule, that scales every stream added to it
 * against its CloudWatch metrics. Settings live in the schedule's payload, never on the stream, so changing them
 * never makes CloudFormation touch the stream.
 *
 * Get the stack's autoscaler with `ShardAutoscaler.of(scope)`; create it yourself (directly in the stack) only to
 * set its props.
 */
export class ShardAutoscaler extends Construct {
  /** The stack's autoscaler, created with default props on first use. */
  public static of(scope: IConstruct): ShardAutoscaler {
    const stack = Stack.of(scope);
    const existing = stack.node.children.find((child): child is ShardAutoscaler => child instanceof ShardAutoscaler);
    return existing ?? new ShardAutoscaler(stack, 'ShardAutoscaler');
  }

  /** The function that scales the streams. */
  public readonly function: lambda.IFunction;
  /** The schedule that runs it. */
  public readonly rule: events.Rule;
  /** Where every decision is logged, one JSON line each. */
  public readonly logGroup: logs.ILogGroup;

  private readonly entries: ManagedStreamInput[] = [];
  private readonly streamStatement = new iam.PolicyStatement({ actions: KINESIS_ACTIONS });
  private readonly role: iam.Role;
  private readonly logRetention: logs.RetentionDays;
  private reconciler?: { fn: lambda.Function; statement: iam.PolicyStatement };

  constructor(scope: Construct, id: string, props: ShardAutoscalerProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    if (scope !== stack) {
      throw new Error(`ShardAutoscaler must be created directly in a Stack (one per stack), not in ${scope.node.path}; use ShardAutoscaler.of(this)`);
    }
    const others = stack.node.children.filter((child) => child instanceof ShardAutoscaler && child !== this);
    if (others.length > 0) {
      throw new Error(`stack ${stack.stackName} already has a ShardAutoscaler (${others[0].node.id}); one function manages all of a stack's streams, so use ShardAutoscaler.of(this)`);
    }
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
      appliesTo: ['Resource::*'],
      reason: 'cloudwatch:GetMetricData and kinesis:DescribeLimits act on the account and accept no resource narrower than "*"; every Kinesis stream action is scoped to the managed streams\' ARNs',
    });
    const notRetried = 'It runs on a schedule, and a failed tick is deliberately not retried (the next tick, a minute later, reads fresher metrics and repeats the decision), so there is no event worth keeping in a dead-letter queue.';
    acknowledgeServiceFunction(fn, this.role, this.logGroup, notRetried);
    acknowledgeFindings(fn, { id: 'Serverless-LambdaAsyncFailureDestination', reason: notRetried });

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the Kinesis shard autoscaler',
      schedule: props.schedule ?? events.Schedule.rate(Duration.minutes(1)),
    });
    this.rule.addTarget(new targets.LambdaFunction(fn, {
      // Rendered at synth, once every stream has been added.
      event: events.RuleTargetInput.fromObject(Lazy.any({ produce: (): AutoscalerInput => ({ streams: this.entries }) })),
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    }));
    acknowledgeFindings(this.rule, { id: 'Serverless-EventBusDLQ', reason: notRetried });

    this.node.addValidation({ validate: () => this.validate() });
  }

  /**
   * Scales `stream` with these options. The stream may be any `IStream` of this stack's account and region,
   * including one imported by ARN; its template shard count is never changed.
   */
  public addStream(stream: kinesis.IStream, options: AutoscalingOptions): void {
    const settings = validateAutoscaling(options);
    this.assertSameEnvironment(stream);
    if (this.entries.some((entry) => !Token.isUnresolved(stream.streamName) && entry.streamName === stream.streamName)) {
      throw new Error(`stream ${stream.streamName} is already managed by this ShardAutoscaler; add each stream once`);
    }
    this.entries.push({ streamName: stream.streamName, ...settings });
    this.streamStatement.addResources(stream.streamArn);
    if (this.entries.length === 1) this.role.addToPrincipalPolicy(this.streamStatement);

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

  /**
   * The open shard count the autoscaler publishes each run: divide per-shard capacity by it in alarms and graphs.
   * Published in the `KinesisAutoscaler` namespace with a `StreamName` dimension.
   */
  public metricOpenShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.openShards, stream, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** The shard count the policy wants for `stream`. */
  public metricTargetShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.targetShards, stream, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** 1 for each run in which demand on `stream` wanted more than maxShards. */
  public metricPinnedAtMaxShards(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.pinnedAtMax, stream, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** UpdateShardCount calls left for `stream` in the rolling 24 hours. */
  public metricUpdateShardCountCallsRemaining(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.updateShardCountCallsRemaining, stream, { statistic: cloudwatch.Stats.MINIMUM, ...props });
  }

  /** Resharding operations (UpdateShardCount, SplitShard, MergeShards) started on `stream`. */
  public metricScalingOperations(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.scalingOperations, stream, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Runs in which scaling `stream` failed. */
  public metricErrors(stream: kinesis.IStream, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTOSCALER_METRICS.errors, stream, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  private metric(metricName: string, stream: kinesis.IStream, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: AUTOSCALER_NAMESPACE,
      metricName,
      dimensionsMap: { [AUTOSCALER_DIMENSION]: stream.streamName },
      period: Duration.minutes(1),
      ...props,
    });
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

  private assertSameEnvironment(stream: kinesis.IStream): void {
    const stack = Stack.of(this);
    const arn = Arn.split(stream.streamArn, ArnFormat.SLASH_RESOURCE_NAME);
    const differs = (theirs: string | undefined, ours: string) =>
      theirs !== undefined && !Token.isUnresolved(theirs) && !Token.isUnresolved(ours) && theirs !== ours;
    if (differs(arn.region, stack.region) || differs(arn.account, stack.account)) {
      const where = (account: string | undefined, region: string | undefined) =>
        `account ${readable(account, 'the deploying account')} and region ${readable(region, 'the deploying region')}`;
      throw new Error(`stream ${readable(arn.resourceName, 'with a deploy-time name')} is in ${where(arn.account, arn.region)}, but the autoscaler of ` +
        `stack ${stack.stackName} runs in ${where(stack.account, stack.region)}; scale a stream from a stack in its own account and region`);
    }
  }

  private validate(): string[] {
    if (this.entries.length === 0) {
      return ['ShardAutoscaler manages no streams: add one with addStream() or the KinesisStream autoscaling prop'];
    }
    const estimated = JSON.stringify({
      streams: this.entries.map((entry) => ({
        ...entry,
        streamName: Token.isUnresolved(entry.streamName) ? 'x'.repeat(MAX_STREAM_NAME_CHARS) : entry.streamName,
      })),
    }).length;
    if (estimated > MAX_TARGET_INPUT_CHARS) {
      return [`the settings of ${this.entries.length} streams need up to ${estimated} characters, more than the ${MAX_TARGET_INPUT_CHARS} EventBridge allows in one schedule's payload; manage some of these streams from another stack`];
    }
    return [];
  }
}

/** A value for a message: tokens read as what they stand for, never as `${Token[...]}`. */
function readable(value: string | undefined, unresolved: string): string {
  return value === undefined || Token.isUnresolved(value) ? `(${unresolved})` : value;
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
