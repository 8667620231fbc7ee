import { MAX_HASH_KEY } from './limits';

/** An open shard and the part of the hash key space it owns (inclusive bounds). */
export interface ShardRange {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

const KEY_SPACE = MAX_HASH_KEY + 1n;

export function rangeSize(shard: ShardRange): bigint {
  return shard.endingHashKey - shard.startingHashKey + 1n;
}

/** The fraction of the key space, and so of uniformly spread traffic, that a shard receives. */
export function keySpaceShare(shard: ShardRange): number {
  // Doubles carry 2^128-scale integers to 53 significant bits: the share is exact to about 1e-16.
  return Number(rangeSize(shard)) / Number(KEY_SPACE);
}

export function sortByHashKey(shards: readonly ShardRange[]): ShardRange[] {
  return [...shards].sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : a.startingHashKey > b.startingHashKey ? 1 : 0));
}

/** Why the open shards do not cover 0 .. 2^128 - 1 exactly once, or undefined when they do. */
export function coverageProblem(shards: readonly ShardRange[]): string | undefined {
  if (shards.length === 0) return 'no open shards';
  const sorted = sortByHashKey(shards);
  let next = 0n;
  for (const shard of sorted) {
    if (shard.endingHashKey < shard.startingHashKey) return `${shard.shardId} ends before it starts`;
    if (shard.startingHashKey > next) return `hash keys ${next}..${shard.startingHashKey - 1n} belong to no open shard`;
    if (shard.startingHashKey < next) return `${shard.shardId} overlaps the shard before it`;
    next = shard.endingHashKey + 1n;
  }
  return next === KEY_SPACE ? undefined : `hash keys ${next}..${MAX_HASH_KEY} belong to no open shard`;
}

/** The starting hash key of the upper child when a shard is split in half; strictly inside the shard. */
export function midpoint(shard: ShardRange): bigint {
  return shard.startingHashKey + rangeSize(shard) / 2n;
}

/** A shard can be split only when its range has room for two children. */
export function canSplit(shard: ShardRange): boolean {
  return rangeSize(shard) >= 2n;
}

/** Pairs of open shards whose ranges touch, which are the only ones MergeShards accepts. */
export function adjacentPairs(shards: readonly ShardRange[]): Array<[ShardRange, ShardRange]> {
  const sorted = sortByHashKey(shards);
  const pairs: Array<[ShardRange, ShardRange]> = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1].endingHashKey + 1n === sorted[i].startingHashKey) pairs.push([sorted[i - 1], sorted[i]]);
  }
  return pairs;
}

/** N shards of (almost) equal ranges covering the key space, as CreateStream and UpdateShardCount lay them out. */
export function uniformShards(count: number, idPrefix = 'shardId-'): ShardRange[] {
  const n = BigInt(count);
  return Array.from({ length: count }, (_, i) => {
    const index = BigInt(i);
    return {
      shardId: `${idPrefix}${String(i).padStart(12, '0')}`,
      startingHashKey: (KEY_SPACE * index) / n,
      endingHashKey: (KEY_SPACE * (index + 1n)) / n - 1n,
    };
  });
}
