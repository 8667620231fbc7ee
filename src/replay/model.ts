import {
  MAX_SHARDS_PER_STREAM, MIB, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, shardsAtFullLoad, ShardRange, keySpaceShare,
  MAX_HASH_KEY, uniformShards,
} from '../core';

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
 * What a minute's outcome depends on in a shard map: how many shards hold each key-space share, and the share of the
 * shard that holds the hot key. Shards of equal share fare alike, so a minute costs one step per distinct share, not
 * per shard: a 10,000-shard stream replays as fast as a small one.
 */
export interface MapShape {
  readonly shardCount: number;
  /** Shards by key-space share, largest share first. */
  readonly groups: ShareGroups;
  /** Key-space share of the shard holding `hotKeyHash`. */
  readonly hotShardShare: number;
}

/** How many shards hold each key-space share, largest share first: a map's layout in a few numbers. */
export type ShareGroups = ReadonlyArray<{ readonly share: number; readonly count: number }>;

const shapes = new WeakMap<readonly ShardRange[], MapShape>();
const shares = new WeakMap<ShardRange, number>();

/** The shard under another id, keeping its computed share. */
export function renamed(shard: ShardRange, shardId: string): ShardRange {
  const copy = { ...shard, shardId };
  const share = shares.get(shard);
  if (share !== undefined) shares.set(copy, share);
  return copy;
}

const evenMaps = new Map<number, ShardRange[]>();

/** N even shards as UpdateShardCount lays them out; the few latest layouts are kept, with their shares. */
export function evenShards(n: number): ShardRange[] {
  let map = evenMaps.get(n);
  if (!map) {
    if (evenMaps.size >= 16) evenMaps.delete(evenMaps.keys().next().value!);
    evenMaps.set(n, map = uniformShards(n));
  }
  return map;
}

/** A shard's key-space share, computed once per shard (a split leaves the other shards, and their shares, as they were). */
function shareOf(shard: ShardRange): number {
  let share = shares.get(shard);
  if (share === undefined) shares.set(shard, share = keySpaceShare(shard));
  return share;
}

/** The shape of a map (cached per map; `hotKeyHash` is the same for a whole replay). */
export function shapeOf(shards: readonly ShardRange[], hotKeyHash: bigint): MapShape {
  let shape = shapes.get(shards);
  if (!shape) {
    const mapShares = shards.map(shareOf);
    const hot = shards.findIndex((s) => s.startingHashKey <= hotKeyHash && hotKeyHash <= s.endingHashKey);
    const counts = new Map<number, number>();
    for (const share of mapShares) counts.set(share, (counts.get(share) ?? 0) + 1);
    const groups = [...counts].map(([share, count]) => ({ share, count })).sort((a, b) => b.share - a.share);
    shape = { shardCount: shards.length, groups, hotShardShare: hot >= 0 ? mapShares[hot] : 0 };
    shapes.set(shards, shape);
  }
  return shape;
}

/** The shape of `n` even shards (UpdateShardCount's layout), without building the map. */
export function uniformShape(n: number): MapShape {
  return { shardCount: n, groups: [{ share: 1 / n, count: n }], hotShardShare: 1 / n };
}

/** Every shard's share, largest first. */
export function expandShares(groups: ShareGroups): number[] {
  return groups.flatMap((g) => new Array<number>(g.count).fill(g.share));
}

/**
 * One minute of `demand` on `shards`: each shard accepts up to 1 MiB/s and 1,000 records/s of its share, the rest is
 * throttled (counted, not replayed). Per-shard figures are computed only when read.
 */
export function runMinute(demand: Demand, shards: readonly ShardRange[], keys: KeyDistribution): MinuteOutcome {
  const outcome = runMinuteOnShape(demand, shapeOf(shards, keys.hotKeyHash), keys);
  let perShard: MinuteOutcome['perShard'] | undefined;
  return {
    ...outcome,
    get perShard() {
      if (!perShard) {
        perShard = shards.map((shard) => {
          const share = trafficShares([shard], keys)[0];
          const accepted = shardAccepted(demand, share);
          const kept = share * accepted * 60;
          return { shardId: shard.shardId, bytes: demand.bytesPerSecond * kept, records: demand.recordsPerSecond * kept };
        });
      }
      return perShard;
    },
  };
}

function shardAccepted(demand: Demand, share: number): number {
  return acceptedFraction({ bytesPerSecond: demand.bytesPerSecond * share, recordsPerSecond: demand.recordsPerSecond * share },
    SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND);
}

/** One minute on a map's shape: accepted and throttled totals, without per-shard figures. */
export function runMinuteOnShape(demand: Demand, shape: MapShape, keys: KeyDistribution): Omit<MinuteOutcome, 'perShard'> {
  let acceptedBytes = 0;
  let acceptedRecords = 0;
  // Throttling is summed per shard (never demand minus accepted), so a shard under its limits contributes exactly 0.
  let throttledBytes = 0;
  let throttledRecords = 0;
  const add = (share: number, count: number) => {
    const accepted = shardAccepted(demand, share);
    const bytes = demand.bytesPerSecond * share * 60 * count;
    const records = demand.recordsPerSecond * share * 60 * count;
    acceptedBytes += bytes * accepted;
    acceptedRecords += records * accepted;
    throttledBytes += bytes * (1 - accepted);
    throttledRecords += records * (1 - accepted);
  };
  const uniformPart = 1 - keys.hotKeyShare;
  for (const g of shape.groups) add(uniformPart * g.share, g.count);
  if (keys.hotKeyShare > 0) {
    // The hot shard was counted above with its uniform part only: take that out, add it back with the hot key.
    add(uniformPart * shape.hotShardShare, -1);
    add(uniformPart * shape.hotShardShare + keys.hotKeyShare, 1);
  }
  return { acceptedBytes, acceptedRecords, throttledBytes, throttledRecords };
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
  return Math.min(n, MAX_SHARDS_PER_STREAM);
}
