import {
  MAX_SHARDS_PER_STREAM, MIB, SHARD_READ_BYTES_PER_SECOND, SHARD_READ_CALLS_PER_SECOND, SHARD_WRITE_BYTES_PER_SECOND,
  SHARD_WRITE_RECORDS_PER_SECOND, shardsAtFullLoad, ShardRange, keySpaceShare, MAX_HASH_KEY, uniformShards,
} from '../core';

/**
 * The replay model's assumptions, each with its source (see ../shared/kinesis-facts.md and docs/benchmarks.md).
 */
export const MODEL = {
  /**
   * UpdateShardCount completes a few minutes after the call; the old shards serve traffic until then. This is the time
   * for a target at a multiple of 25 % of the current count, which the API reference calls the fastest.
   */
  updateShardCountMinutes: 3,
  /**
   * Any other target takes this many times longer: the UpdateShardCount API reference says only that scaling to other
   * targets "takes longer" and gives no figure, so 2x is an assumption (docs/benchmarks.md shows how much it matters).
   */
  otherTargetResizeFactor: 2,
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

/** What a minute's traffic looks like inside the minute, and who reads it. */
export interface StreamConditions {
  /**
   * Per-second peak over the minute average, 1 to 2: each second's rate on a shard is uniform on
   * [(2 - F) * average, F * average]. 1 is a steady rate.
   */
  readonly burstiness: number;
  /** Shared-throughput readers, each reading every accepted byte once and polling every open shard once a second. */
  readonly readers: number;
}

/** A steady rate that nobody reads: the model without bursts or reads. */
export const STEADY: StreamConditions = { burstiness: 1, readers: 0 };

/** What one minute on a shard map did: accepted and throttled traffic, per shard too. */
export interface MinuteOutcome {
  readonly acceptedBytes: number;
  readonly acceptedRecords: number;
  /** Demand that was not accepted (each refused record counted once, however often its producer retried it). */
  readonly throttledBytes: number;
  readonly throttledRecords: number;
  /** GetRecords calls the readers made in the minute, and how many of them the shared read limits refused. */
  readonly getRecordsCalls: number;
  readonly readThrottledCalls: number;
  /** Per open shard: accepted bytes and records in the minute. */
  readonly perShard: ReadonlyArray<{ readonly shardId: string; readonly bytes: number; readonly records: number }>;
}

/**
 * The share of `demand` that a capacity of `bytesPerSecond` and `recordsPerSecond` accepts: both limits bind. With
 * `burstiness` F above 1, each second's rate is uniform on [(2 - F) * average, F * average] and the seconds above the
 * capacity lose their excess, so a minute whose average fits can still lose some.
 */
export function acceptedFraction(demand: Demand, bytesPerSecond: number, recordsPerSecond: number, burstiness = 1): number {
  if (burstiness === 1) {
    return Math.min(1,
      demand.bytesPerSecond > 0 ? bytesPerSecond / demand.bytesPerSecond : 1,
      demand.recordsPerSecond > 0 ? recordsPerSecond / demand.recordsPerSecond : 1);
  }
  // Bytes and records of a second rise and fall together (the minute's record size), so the limit with the higher
  // average load binds in every second: work in units of that limit (capacity 1, average `load`).
  const load = Math.max(demand.bytesPerSecond > 0 ? demand.bytesPerSecond / bytesPerSecond : 0,
    demand.recordsPerSecond > 0 ? demand.recordsPerSecond / recordsPerSecond : 0);
  if (load === 0) return 1;
  return 1 - burstExcess(load, 1, burstiness) / load;
}

/**
 * The mean rate above `capacity` when the rate is uniform on [(2 - F) * average, F * average]:
 * (b - C)^2 / (2 (b - a)) while C lies inside [a, b], all of average - C below it, nothing above it.
 */
export function burstExcess(average: number, capacity: number, burstiness: number): number {
  const low = (2 - burstiness) * average;
  const high = burstiness * average;
  if (capacity >= high) return 0;
  if (capacity <= low) return average - capacity;
  return (high - capacity) ** 2 / (2 * (high - low));
}

/**
 * The share of one shard's GetRecords calls the shared read limits refuse: `readers` each poll once a second and read
 * all of the shard's `bytesPerSecond`; a shard serves 2 MiB/s and 5 calls/s, and refuses the excess share of calls.
 */
export function readRefusedShare(bytesPerSecond: number, readers: number): number {
  if (readers === 0) return 0;
  const served = Math.min(1, SHARD_READ_CALLS_PER_SECOND / readers,
    bytesPerSecond > 0 ? SHARD_READ_BYTES_PER_SECOND / (readers * bytesPerSecond) : 1);
  return 1 - served;
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
export function runMinute(demand: Demand, shards: readonly ShardRange[], keys: KeyDistribution, conditions = STEADY): MinuteOutcome {
  const outcome = runMinuteOnShape(demand, shapeOf(shards, keys.hotKeyHash), keys, conditions);
  let perShard: MinuteOutcome['perShard'] | undefined;
  return {
    ...outcome,
    get perShard() {
      if (!perShard) {
        perShard = shards.map((shard) => {
          const share = trafficShares([shard], keys)[0];
          const accepted = shardAccepted(demand, share, conditions.burstiness);
          const kept = share * accepted * 60;
          return { shardId: shard.shardId, bytes: demand.bytesPerSecond * kept, records: demand.recordsPerSecond * kept };
        });
      }
      return perShard;
    },
  };
}

function shardAccepted(demand: Demand, share: number, burstiness: number): number {
  return acceptedFraction({ bytesPerSecond: demand.bytesPerSecond * share, recordsPerSecond: demand.recordsPerSecond * share },
    SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, burstiness);
}

/**
 * One minute on a map's shape: accepted and throttled totals, without per-shard figures. Readers read at the minute's
 * average (a refused call is retried later, so reads are delayed, never lost).
 */
export function runMinuteOnShape(demand: Demand, shape: MapShape, keys: KeyDistribution, conditions = STEADY): Omit<MinuteOutcome, 'perShard'> {
  let acceptedBytes = 0;
  let acceptedRecords = 0;
  // Throttling is summed per shard (never demand minus accepted), so a shard under its limits contributes exactly 0.
  let throttledBytes = 0;
  let throttledRecords = 0;
  let readThrottledCalls = 0;
  const callsPerShard = conditions.readers * 60;
  const add = (share: number, count: number) => {
    const accepted = shardAccepted(demand, share, conditions.burstiness);
    const bytes = demand.bytesPerSecond * share * 60 * count;
    const records = demand.recordsPerSecond * share * 60 * count;
    acceptedBytes += bytes * accepted;
    acceptedRecords += records * accepted;
    throttledBytes += bytes * (1 - accepted);
    throttledRecords += records * (1 - accepted);
    readThrottledCalls += callsPerShard * count * readRefusedShare(demand.bytesPerSecond * share * accepted, conditions.readers);
  };
  const uniformPart = 1 - keys.hotKeyShare;
  for (const g of shape.groups) add(uniformPart * g.share, g.count);
  if (keys.hotKeyShare > 0) {
    // The hot shard was counted above with its uniform part only: take that out, add it back with the hot key.
    add(uniformPart * shape.hotShardShare, -1);
    add(uniformPart * shape.hotShardShare + keys.hotKeyShare, 1);
  }
  return {
    acceptedBytes, acceptedRecords, throttledBytes, throttledRecords, getRecordsCalls: callsPerShard * shape.shardCount, readThrottledCalls,
  };
}

/**
 * Minutes UpdateShardCount takes from `current` to `target` shards: `quarterMinutes` for a target at a multiple of
 * 25 % of the current count, which the API reference calls the fastest, longer for any other.
 */
export function resizeMinutes(current: number, target: number, quarterMinutes: number): number {
  return (target * 4) % current === 0 ? quarterMinutes : quarterMinutes * MODEL.otherTargetResizeFactor;
}

/** A rate at its per-second peak: what a stream must take to throttle nothing in a bursty minute. */
export function burstPeak(demand: Demand, burstiness: number): Demand {
  return { bytesPerSecond: demand.bytesPerSecond * burstiness, recordsPerSecond: demand.recordsPerSecond * burstiness };
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
