import { UPDATE_SHARD_COUNT_CALLS_PER_DAY } from './limits';
import { Decision } from './policy';
import { adjacentPairs, canSplit, keySpaceShare, midpoint, ShardRange } from './shard-map';

/** One resharding operation, exactly as the Kinesis API takes it. */
export type Step =
  | { readonly kind: 'UpdateShardCount'; readonly targetShardCount: number }
  | { readonly kind: 'SplitShard'; readonly shardToSplit: string; readonly newStartingHashKey: bigint }
  | { readonly kind: 'MergeShards'; readonly shardToMerge: string; readonly adjacentShardToMerge: string };

export interface PlanContext {
  /** UpdateShardCount calls made in the rolling 24 hours. */
  readonly updateShardCountCallsInWindow: number;
  /** Calls a scale-in must leave unused, so a later scale-out can still double in one call. */
  readonly updateShardCountReserve: number;
  /** AWS refused UpdateShardCount recently for a limit the call history did not show: split and merge instead. */
  readonly updateShardCountBlocked?: boolean;
  /** Open shards the account may still add (DescribeLimits: ShardLimit - OpenShardCount); unknown when absent. */
  readonly accountShardHeadroom?: number;
  /** Each open shard's recent load as a fraction of one shard's write limit, with shard-level metrics. */
  readonly shardLoads?: Readonly<Record<string, number>>;
  /** With shard loads: a merged pair may carry at most this load (a fraction of one shard's limit). */
  readonly maxMergedLoad?: number;
  /** Each open shard's key-space share, by id, to estimate a new shard's load from the others'. */
  readonly shardShares?: Readonly<Record<string, number>>;
}

/**
 * The next operation towards the decision's target, from the live shard map. Only one resharding operation may
 * run at a time, so the executor (Lambda or simulator) runs this step, waits for ACTIVE, reads the shards again and
 * asks for the next one; nothing about a multi-step plan is kept, so a crash between steps loses nothing.
 * Undefined when the stream is where the decision wants it, or no allowed operation gets it closer.
 */
export function nextStep(decision: Decision, shards: readonly ShardRange[], context: PlanContext): Step | undefined {
  const current = shards.length;
  const callsUsed = context.updateShardCountBlocked ? UPDATE_SHARD_COUNT_CALLS_PER_DAY : context.updateShardCountCallsInWindow;

  if (decision.action === 'split-hot-shards') {
    const open = new Set(shards.map((s) => s.shardId));
    const hot = shards.find((s) => decision.hotShards.includes(s.shardId) && open.has(s.shardId) && canSplit(s));
    return current < decision.targetShards && hot ? split(hot) : undefined;
  }

  let target = decision.targetShards;
  if (target > current) {
    if (context.accountShardHeadroom !== undefined) target = Math.min(target, current + context.accountShardHeadroom);
    if (target <= current) return undefined;
    const resized = Math.min(target, current * 2);
    // A uniform resize creates all of its children while the parents still count, so it needs its whole count free.
    const resizeFits = context.accountShardHeadroom === undefined || context.accountShardHeadroom >= resized;
    if (callsUsed < UPDATE_SHARD_COUNT_CALLS_PER_DAY && resizeFits) {
      return { kind: 'UpdateShardCount', targetShardCount: resized };
    }
    const widest = [...shards].filter(canSplit).sort((a, b) => byLoadThenShare(b, a, context))[0];
    return widest ? split(widest) : undefined;
  }

  if (target < current) {
    const reserve = decision.aboveMaxShards ? 0 : context.updateShardCountReserve;
    if (!decision.keepLayout && callsUsed < UPDATE_SHARD_COUNT_CALLS_PER_DAY - reserve) {
      return { kind: 'UpdateShardCount', targetShardCount: Math.max(target, Math.ceil(current / 2)) };
    }
    const pair = evenMerge(shards, target, context);
    return pair ? { kind: 'MergeShards', shardToMerge: pair[0].shardId, adjacentShardToMerge: pair[1].shardId } : undefined;
  }
  return undefined;
}

/**
 * The merge that keeps ranges as even as merges can: the adjacent pair whose merged range is smallest (the coldest
 * of those, with shard-level metrics), and only while the widest shard still leaves the stream worth `target` even
 * shards. From 8 even shards towards 4 that is a full halving, pair by pair; towards 6 it is nothing, since one
 * merged pair would hold a quarter of the keys and the stream would take what 4 shards take. With shard loads, the
 * merged shard must stay under the target utilization (so a hot key's split is never merged back), and a shard
 * without a load datapoint yet (just created) is never merged: unknown is not idle.
 */
function evenMerge(shards: readonly ShardRange[], target: number, context: PlanContext): [ShardRange, ShardRange] | undefined {
  const widest = Math.max(...shards.map(keySpaceShare));
  const candidates = adjacentPairs(shards)
    .filter(([a, b]) => !context.shardLoads || (context.shardLoads[a.shardId] !== undefined && context.shardLoads[b.shardId] !== undefined))
    .map((pair) => ({ pair, share: keySpaceShare(pair[0]) + keySpaceShare(pair[1]), load: pairLoad(pair, context) }))
    .filter((c) => 1 / Math.max(widest, c.share) >= target - 1e-9)
    .filter((c) => context.maxMergedLoad === undefined || !context.shardLoads || c.load <= context.maxMergedLoad)
    .sort((a, b) => a.share - b.share || a.load - b.load);
  return candidates[0]?.pair;
}

function split(shard: ShardRange): Step {
  return { kind: 'SplitShard', shardToSplit: shard.shardId, newStartingHashKey: midpoint(shard) };
}

/** With shard-level metrics the busiest shard is split first; without, the widest (which uniform traffic loads most). */
function byLoadThenShare(a: ShardRange, b: ShardRange, context: PlanContext): number {
  const load = loadOf(a, context) - loadOf(b, context);
  return load !== 0 ? load : keySpaceShare(a) - keySpaceShare(b);
}

function pairLoad([a, b]: [ShardRange, ShardRange], context: PlanContext): number {
  return context.shardLoads ? loadOf(a, context) + loadOf(b, context) : 0;
}

/**
 * A shard's load from shard-level metrics. A shard created by the last operation has no datapoint yet: its load is
 * what its key range carries at the stream's known load per key-space share (its parents' load), never 0.
 */
function loadOf(shard: ShardRange, context: PlanContext): number {
  const loads = context.shardLoads;
  if (!loads) return 0;
  const known = loads[shard.shardId];
  if (known !== undefined) return known;
  const ids = Object.keys(loads);
  const knownShare = context.shardShares ? ids.reduce((sum, id) => sum + (context.shardShares![id] ?? 0), 0) : 0;
  const knownLoad = ids.reduce((sum, id) => sum + loads[id], 0);
  return knownShare > 0 ? (knownLoad / knownShare) * keySpaceShare(shard) : Number.POSITIVE_INFINITY;
}
