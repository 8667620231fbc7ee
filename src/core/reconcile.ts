import { UPDATE_SHARD_COUNT_CALLS_PER_DAY } from './limits';

export type ReconcileStep =
  | { readonly kind: 'in-range' }
  | { readonly kind: 'UpdateShardCount'; readonly targetShardCount: number }
  | { readonly kind: 'budget-spent'; readonly wantedShardCount: number };

/**
 * The deploy-time reconciler's next move: nothing while the live count is inside [min, max]; otherwise one
 * UpdateShardCount towards the range, at most doubling or halving the live count, while the daily budget lasts. It
 * never sets a count that ignores the live one, so a deploy never undoes what the autoscaler grew.
 */
export function reconcileStep(openShards: number, minShards: number, maxShards: number, callsInWindow: number): ReconcileStep {
  let wanted: number;
  if (openShards < minShards) wanted = Math.min(minShards, openShards * 2);
  else if (openShards > maxShards) wanted = Math.max(maxShards, Math.ceil(openShards / 2));
  else return { kind: 'in-range' };
  if (callsInWindow >= UPDATE_SHARD_COUNT_CALLS_PER_DAY) return { kind: 'budget-spent', wantedShardCount: wanted };
  return { kind: 'UpdateShardCount', targetShardCount: wanted };
}
