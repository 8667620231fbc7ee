import { BILLING, PriceTable } from './prices';

/** What a replayed option used over the trace: everything a bill is computed from. */
export interface Usage {
  readonly mode: 'provisioned' | 'on-demand';
  readonly minutes: number;
  /** Provisioned shard-hours (0 for On-Demand). */
  readonly shardHours: number;
  readonly acceptedBytes: number;
  readonly acceptedRecords: number;
  /** 25 KB PUT payload units of the accepted records, each minute at that minute's record size. */
  readonly putPayloadUnits: number;
  /** Bytes On-Demand bills as written: each accepted record rounded up to 1 KB. */
  readonly onDemandBilledBytes: number;
}

/** Who reads the stream, and what runs the scaling. */
export interface CostOptions {
  readonly prices: PriceTable;
  /** Shared-throughput readers (GetRecords); On-Demand bills each one's reads. */
  readonly readers: number;
  /** Enhanced fan-out consumers. */
  readonly efoConsumers: number;
}

/** How our autoscaler runs, for its own bill: a Lambda function on a 1-minute schedule (ShardAutoscaler defaults). */
export const AUTOSCALER = {
  invocationsPerMinute: 1,
  lambdaMemoryGb: 0.25,
  /**
   * Billed seconds per invocation for one stream: an assumption, above docs/autoscaler-benchmark.md's 0.69 s for a
   * steady invocation over 50 streams on kinesis-local.
   */
  lambdaSecondsPerInvocation: 1,
  /** Stream-level metrics the handler requests per stream and tick (lambda/autoscaler/cloudwatch-port.ts). */
  streamMetricsPerTick: 5,
  /** Read metrics requested per stream and tick when the settings count shared-throughput readers. */
  readMetricsPerTick: 3,
  /** Shard-level metrics requested per open shard and tick, and enabled on the stream, when shard-level metrics are on. */
  shardMetricsPerShard: 2,
  /** Metrics requested per stream for the same stretch of yesterday and of the day before: 4 each (lambda/autoscaler/yesterday.ts). */
  seasonalMetricsPerFetch: 8,
  /** Minutes a warm function serves from one fetch of those days. */
  seasonalRefreshMinutes: 30,
} as const;

/** What a policy's scaling costs to run, when it is our autoscaler. */
export interface AutoscalerRun {
  readonly shardLevelMetrics: boolean;
  /** The settings count shared-throughput readers, so the handler also requests the read metrics. */
  readonly readMetrics?: boolean;
}

/** The bill of one option over the trace, in USD, item by item; items that do not apply are 0. */
export interface CostBreakdown {
  readonly shardHours: number;
  readonly putPayloadUnits: number;
  readonly onDemandStreamHours: number;
  readonly onDemandDataIn: number;
  readonly onDemandDataRetrieved: number;
  readonly efoConsumerShardHours: number;
  readonly efoDataRetrieved: number;
  readonly autoscalerGetMetricData: number;
  readonly shardLevelMetrics: number;
  readonly autoscalerLambda: number;
}

/** Bills `usage`; `autoscaler` adds our autoscaler's own running cost (CloudWatch and Lambda). */
export function costOf(usage: Usage, options: CostOptions, autoscaler?: AutoscalerRun): CostBreakdown {
  const p = options.prices;
  const hours = usage.minutes / 60;
  const gbAccepted = usage.acceptedBytes / BILLING.gb;
  const provisioned = usage.mode === 'provisioned';
  const shardMinutes = usage.shardHours * 60;
  const metricsRequested = autoscaler
    ? usage.minutes * AUTOSCALER.invocationsPerMinute * streamMetricsPerTick(autoscaler)
      + (usage.minutes / AUTOSCALER.seasonalRefreshMinutes) * AUTOSCALER.seasonalMetricsPerFetch
      + (autoscaler.shardLevelMetrics ? shardMinutes * AUTOSCALER.invocationsPerMinute * AUTOSCALER.shardMetricsPerShard : 0)
    : 0;
  const invocations = autoscaler ? usage.minutes * AUTOSCALER.invocationsPerMinute : 0;
  return {
    shardHours: provisioned ? usage.shardHours * p.shardHour : 0,
    putPayloadUnits: provisioned ? (usage.putPayloadUnits / 1e6) * p.putPayloadUnitPerMillion : 0,
    onDemandStreamHours: provisioned ? 0 : hours * p.onDemandStreamHour,
    onDemandDataIn: provisioned ? 0 : (usage.onDemandBilledBytes / BILLING.gb) * p.onDemandWritePerGb,
    onDemandDataRetrieved: provisioned ? 0 : gbAccepted * options.readers * p.onDemandReadPerGb,
    efoConsumerShardHours: provisioned ? options.efoConsumers * usage.shardHours * p.efoConsumerShardHour : 0,
    efoDataRetrieved: options.efoConsumers * gbAccepted * (provisioned ? p.efoPerGb : p.onDemandEfoPerGb),
    autoscalerGetMetricData: (metricsRequested / 1000) * p.getMetricDataPerThousandMetrics,
    // Enabled shard-level metrics bill like custom metrics, per shard and metric, prorated by the hour.
    shardLevelMetrics: autoscaler?.shardLevelMetrics
      ? usage.shardHours * AUTOSCALER.shardMetricsPerShard * (p.customMetricMonth / BILLING.hoursPerMonth)
      : 0,
    autoscalerLambda: invocations * (p.lambdaPerMillionRequests / 1e6
      + AUTOSCALER.lambdaMemoryGb * AUTOSCALER.lambdaSecondsPerInvocation * p.lambdaPerGbSecond),
  };
}

/** Stream-level metrics the handler requests per tick: the read metrics too when the settings count readers. */
function streamMetricsPerTick(autoscaler: AutoscalerRun): number {
  return AUTOSCALER.streamMetricsPerTick + (autoscaler.readMetrics ? AUTOSCALER.readMetricsPerTick : 0);
}

/** The sum of a breakdown. */
export function totalOf(breakdown: CostBreakdown): number {
  return Object.values(breakdown).reduce((a: number, b: number) => a + b, 0);
}

/** Scales a cost over `minutes` to AWS's 730-hour month. */
export function monthly(costUsd: number, minutes: number): number {
  return minutes > 0 ? (costUsd * BILLING.hoursPerMonth * 60) / minutes : 0;
}
