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
    // A uniform resize creates all of its children while the parents still count, so it needs the whole target free.
    const resizeFits = context.accountShardHeadroom === undefined || context.accountShardHeadroom >= target;
    if (callsUsed < UPDATE_SHARD_COUNT_CALLS_PER_DAY && resizeFits) {
      return { kind: 'UpdateShardCount', targetShardCount: Math.min(target, current * 2) };
    }
    const widest = [...shards].filter(canSplit).sort((a, b) => byLoadThenShare(b, a, context))[0];
    return widest ? split(widest) : undefined;
  }

  if (target < current) {
    if (callsUsed < UPDATE_SHARD_COUNT_CALLS_PER_DAY - context.updateShardCountReserve) {
      return { kind: 'UpdateShardCount', targetShardCount: Math.max(target, Math.ceil(current / 2)) };
    }
    const coldest = adjacentPairs(shards).sort((a, b) => pairWeight(a, context) - pairWeight(b, context))[0];
    return coldest ? { kind: 'MergeShards', shardToMerge: coldest[0].shardId, adjacentShardToMerge: coldest[1].shardId } : undefined;
  }
  return undefined;
}

function split(shard: ShardRange): Step {
  return { kind: 'SplitShard', shardToSplit: shard.shardId, newStartingHashKey: midpoint(shard) };
}

/** With shard-level metrics the busiest shard is split first; without, the widest (which uniform traffic loads most). */
function byLoadThenShare(a: ShardRange, b: ShardRange, context: PlanContext): number {
  const load = (context.shardLoads?.[a.shardId] ?? 0) - (context.shardLoads?.[b.shardId] ?? 0);
  return load !== 0 ? load : keySpaceShare(a) - keySpaceShare(b);
}

function pairWeight([a, b]: [ShardRange, ShardRange], context: PlanContext): number {
  if (context.shardLoads) return (context.shardLoads[a.shardId] ?? 0) + (context.shardLoads[b.shardId] ?? 0);
  return keySpaceShare(a) + keySpaceShare(b);
}
