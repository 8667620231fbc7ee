import { MIB, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, shardsAtFullLoad, ShardRange, keySpaceShare, MAX_HASH_KEY } from '../core';

/**
 * The replay model's assumptions, each with its source (see ../shared/kinesis-facts.md and docs/benchmarks.md).
 */
export const MODEL = {
  /** UpdateShardCount completes a few minutes after the call; the old shards serve traffic until then. */
  updateShardCountMinutes: 3,
  /** SplitShard and MergeShards take about 30 s each, one at a time: two per minute, effective the next minute. */
  reshardOperationsPerMinute: 2,
  /** On-Demand Standard: at least 4 MiB/s (and 4,000 records/s), and twice the previous 30 days' peak. */
  onDemandMinBytesPerSecond: 4 * MIB,
  onDemandMinRecordsPerSecond: 4000,
  /** Traffic above On-Demand's capacity is throttled for about 15 minutes while it adapts. */
  onDemandAdaptMinutes: 15,
  onDemandPeakWindowMinutes: 30 * 24 * 60,
} as const;

/** Prices in USD, us-east-1, from the AWS price list (kinesis-facts.md). GB = 2^30 bytes. */
export const PRICES = {
  shardHour: 0.015,
  putPayloadUnitPerMillion: 0.014,
  putPayloadUnitBytes: 25 * 1024,
  onDemandStreamHour: 0.04,
  onDemandWritePerGb: 0.08,
  onDemandReadPerGb: 0.04,
  onDemandRecordRoundingBytes: 1024,
  gb: 2 ** 30,
} as const;

/** One minute of write demand. */
export interface Demand {
  readonly bytesPerSecond: number;
  readonly recordsPerSecond: number;
}

/** How keys fall on the hash key space. */
export interface KeyDistribution {
  /** The share of traffic on one hot partition key (which no split can spread); the rest is uniform. 0 to 1. */
  readonly hotKeyShare: number;
  /** Where the hot key hashes to. */
  readonly hotKeyHash: bigint;
}

export const UNIFORM: KeyDistribution = { hotKeyShare: 0, hotKeyHash: MAX_HASH_KEY / 3n };

/** What one minute on a shard map did: accepted and throttled traffic, per shard too. */
export interface MinuteOutcome {
  readonly acceptedBytes: number;
  readonly acceptedRecords: number;
  readonly throttledBytes: number;
  readonly throttledRecords: number;
  /** Per open shard: accepted bytes and records in the minute. */
  readonly perShard: ReadonlyArray<{ readonly shardId: string; readonly bytes: number; readonly records: number }>;
}

/** The share of `demand` that a capacity of `bytesPerSecond` and `recordsPerSecond` accepts: both limits bind. */
export function acceptedFraction(demand: Demand, bytesPerSecond: number, recordsPerSecond: number): number {
  return Math.min(1,
    demand.bytesPerSecond > 0 ? bytesPerSecond / demand.bytesPerSecond : 1,
    demand.recordsPerSecond > 0 ? recordsPerSecond / demand.recordsPerSecond : 1);
}

/** Each shard's share of the traffic: its hash-range share of the uniform part, plus the hot key if it holds it. */
export function trafficShares(shards: readonly ShardRange[], keys: KeyDistribution): number[] {
  return shards.map((shard) => (1 - keys.hotKeyShare) * keySpaceShare(shard)
    + (shard.startingHashKey <= keys.hotKeyHash && keys.hotKeyHash <= shard.endingHashKey ? keys.hotKeyShare : 0));
}

/**
 * One minute of `demand` on `shards`: each shard accepts up to 1 MiB/s and 1,000 records/s of its share, the rest is
 * throttled (counted, not replayed).
 */
export function runMinute(demand: Demand, shards: readonly ShardRange[], keys: KeyDistribution): MinuteOutcome {
  const shares = trafficShares(shards, keys);
  let acceptedBytes = 0;
  let acceptedRecords = 0;
  // Throttling is summed per shard (never demand minus accepted), so a shard under its limits contributes exactly 0.
  let throttledBytes = 0;
  let throttledRecords = 0;
  const perShard = shards.map((shard, i) => {
    const bytes = demand.bytesPerSecond * shares[i];
    const records = demand.recordsPerSecond * shares[i];
    const shardDemand = { bytesPerSecond: bytes, recordsPerSecond: records };
    const accepted = acceptedFraction(shardDemand, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND);
    acceptedBytes += bytes * accepted * 60;
    acceptedRecords += records * accepted * 60;
    throttledBytes += bytes * (1 - accepted) * 60;
    throttledRecords += records * (1 - accepted) * 60;
    return { shardId: shard.shardId, bytes: bytes * accepted * 60, records: records * accepted * 60 };
  });
  return { acceptedBytes, acceptedRecords, throttledBytes, throttledRecords, perShard };
}

/** Whole shards a write rate needs at 100 % of the limits, never fewer than 1 (rounding noise is not a shard). */
export function shardsNeeded(demand: Demand): number {
  return Math.max(1, Math.ceil(shardsAtFullLoad(demand.bytesPerSecond, demand.recordsPerSecond) - 1e-9));
}

/** The fewest uniform shards that throttle nothing of `demand` (a hot key above one shard's limit cannot be helped). */
export function fewestShards(demand: Demand, keys: KeyDistribution): number {
  const uniform = shardsNeeded(demand);
  if (keys.hotKeyShare === 0) return uniform;
  // The hot key's shard carries the hot share plus 1/n of the rest: n >= (1 - F) D / (limit - F D), per limit.
  const need = (load: number, limit: number) => {
    const hot = keys.hotKeyShare * load;
    // A key over a shard's limit throttles on any map; size the rest of the traffic only.
    if (hot >= limit) return Math.ceil(((1 - keys.hotKeyShare) * load) / limit - 1e-9);
    return Math.ceil(((1 - keys.hotKeyShare) * load) / (limit - hot) - 1e-9);
  };
  const n = Math.max(uniform,
    need(demand.bytesPerSecond, SHARD_WRITE_BYTES_PER_SECOND), need(demand.recordsPerSecond, SHARD_WRITE_RECORDS_PER_SECOND));
  return Math.min(n, 10000);
}
