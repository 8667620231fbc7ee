import { Usage } from './costs';
import { Demand, KeyDistribution, MapShape, ShareGroups, StreamConditions } from './model';
import { BILLING } from './prices';
import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from '../core';

export interface SimulationInput {
  readonly demand: readonly Demand[];
  readonly keys: KeyDistribution;
  /** Minutes after which a minute's metrics are visible to a policy. */
  readonly metricLagMinutes: number;
  /**
   * Bursts inside the minute and shared-throughput readers.
   * @default STEADY: a steady rate, no readers
   */
  readonly conditions?: StreamConditions;
  /**
   * How many times a producer tries a refused record (1 to 20); CloudWatch counts every refused attempt.
   * @default 1
   */
  readonly producerAttempts?: number;
  /**
   * Minutes an UpdateShardCount to a multiple of 25 % of the current count takes (other targets take longer).
   * @default MODEL.updateShardCountMinutes
   */
  readonly resizeMinutes?: number;
}

/** What a policy did over the trace, before it is priced. */
export interface PolicyOutcome {
  readonly policy: string;
  readonly throttledBytesPct: number;
  readonly throttledMinutes: number;
  readonly shardHours: number;
  readonly scalingActions: number;
  readonly updateShardCountCalls: number;
  /** Minutes in which the shared read limits refused any GetRecords call (the reads were delayed, not lost). */
  readonly readThrottledMinutes: number;
}

export interface TimelineRow {
  readonly minute: number;
  readonly demandBytesPerSecond: number;
  readonly demandRecordsPerSecond: number;
  /** Open shards (for On-Demand, the shard-equivalents of its capacity). */
  readonly openShards: number;
  readonly throttledBytes: number;
  /** The open shards' hash-range fractions, largest first, as counts per share (expandShares lists them). */
  readonly shareGroups: ShareGroups;
  /** Write capacity in bytes/s, for charts. */
  readonly capacityBytesPerSecond: number;
  /** Set when the shared read limits refused GetRecords calls in the minute. */
  readonly readThrottled?: true;
}

export interface Simulation {
  readonly outcome: PolicyOutcome;
  readonly usage: Usage;
  readonly timeline: readonly TimelineRow[];
}


export class Accumulator {
  public scalingActions = 0;
  private acceptedRecords = 0;
  private acceptedBytes = 0;
  private putPayloadUnits = 0;
  private onDemandBilledBytes = 0;
  private demandBytes = 0;
  private throttledBytes = 0;
  private throttledMinutes = 0;
  private shardMinutes = 0;
  private readThrottledMinutes = 0;
  constructor(private readonly input: SimulationInput, private readonly name: string, private readonly mode: Usage['mode'] = 'provisioned') {}

  public minute(
    m: number, throttledBytes: number, acceptedRecords: number, acceptedBytes: number, shards: number,
    reads: { readonly getRecordsCalls: number; readonly readThrottledCalls: number } = { getRecordsCalls: 0, readThrottledCalls: 0 },
  ): void {
    const demand = this.input.demand[m];
    // As with writes, a billionth of the minute's calls is floating-point noise.
    if (readsThrottled(reads)) this.readThrottledMinutes++;
    this.demandBytes += demand.bytesPerSecond * 60;
    this.throttledBytes += throttledBytes;
    // A millionth of the minute's demand is floating-point noise, not throttling.
    if (throttledBytes > 1e-6 * demand.bytesPerSecond * 60) this.throttledMinutes++;
    this.acceptedRecords += acceptedRecords;
    this.acceptedBytes += acceptedBytes;
    this.shardMinutes += shards;
    // Records are billed by size, each minute at that minute's average record size.
    const recordBytes = demand.recordsPerSecond > 0 ? demand.bytesPerSecond / demand.recordsPerSecond : 0;
    this.putPayloadUnits += acceptedRecords * Math.max(1, Math.ceil(recordBytes / BILLING.putPayloadUnitBytes - 1e-9));
    this.onDemandBilledBytes += acceptedRecords
      * Math.max(1, Math.ceil(recordBytes / BILLING.onDemandRecordRoundingBytes - 1e-9)) * BILLING.onDemandRecordRoundingBytes;
  }

  public result(updateShardCountCalls: number): { outcome: PolicyOutcome; usage: Usage } {
    return {
      outcome: {
        policy: this.name,
        throttledBytesPct: round(this.demandBytes > 0 ? (100 * this.throttledBytes) / this.demandBytes : 0, 4),
        throttledMinutes: this.throttledMinutes,
        shardHours: round(this.shardMinutes / 60, 2),
        scalingActions: this.scalingActions,
        updateShardCountCalls,
        readThrottledMinutes: this.readThrottledMinutes,
      },
      usage: {
        mode: this.mode,
        minutes: this.input.demand.length,
        shardHours: this.mode === 'provisioned' ? this.shardMinutes / 60 : 0,
        acceptedBytes: this.acceptedBytes,
        acceptedRecords: this.acceptedRecords,
        putPayloadUnits: this.putPayloadUnits,
        onDemandBilledBytes: this.onDemandBilledBytes,
      },
    };
  }
}

/** Whether the shared read limits refused a share of the minute's GetRecords calls worth counting. */
export function readsThrottled(reads: { readonly getRecordsCalls: number; readonly readThrottledCalls: number }): boolean {
  return reads.readThrottledCalls > 1e-9 * reads.getRecordsCalls;
}

export function row(m: number, d: Demand, shape: MapShape, throttledBytes: number, readThrottled = false): TimelineRow {
  return {
    ...(readThrottled ? { readThrottled: true as const } : {}),
    minute: m,
    demandBytesPerSecond: d.bytesPerSecond,
    demandRecordsPerSecond: d.recordsPerSecond,
    openShards: shape.shardCount,
    throttledBytes,
    shareGroups: shape.groups,
    capacityBytesPerSecond: capacityInBytes(shape.shardCount * SHARD_WRITE_BYTES_PER_SECOND, shape.shardCount * SHARD_WRITE_RECORDS_PER_SECOND, d),
  };
}

/** Capacity as the bytes/s it accepts at this minute's record size, whichever limit binds first (for charts). */
export function capacityInBytes(bytesPerSecond: number, recordsPerSecond: number, demand: Demand): number {
  const recordBytes = demand.recordsPerSecond > 0 ? demand.bytesPerSecond / demand.recordsPerSecond : Number.POSITIVE_INFINITY;
  return Math.min(bytesPerSecond, recordsPerSecond * recordBytes);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

