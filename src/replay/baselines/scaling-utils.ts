import { isActive, resize, usage } from './usage';
import { Decision, nextStep, ShardRange, UPDATE_SHARD_COUNT_CALLS_PER_DAY } from '../../core';
import { ProvisionedPolicy } from '../engine';

/**
 * amazon-kinesis-scaling-utils (README example): up at 75 % for 5 minutes by +100 %, cool-off 15 minutes; down at
 * 25 % for 15 minutes by -50 %, cool-off 60 minutes; split and merge when UpdateShardCount refuses.
 */
export function scalingUtilsPolicy(): ProvisionedPolicy {
  let coolUntil = 0;
  // A split or merge sequence runs to its end, across minutes, as the tool's own loop does.
  let inProgress: number | undefined;
  const planner = (target: number, current: number) => {
    const decision = planOnly(current, target);
    return (shards: readonly ShardRange[], callsInWindow: number) => callsInWindow < UPDATE_SHARD_COUNT_CALLS_PER_DAY
      ? resize(target)(shards)
      : nextStep(decision, shards, { updateShardCountCallsInWindow: callsInWindow, updateShardCountReserve: 0 });
  };
  return {
    name: 'scaling-utils',
    shardLevelMetrics: false,
    plan(view) {
      if (!isActive(view)) return undefined;
      const n = view.shards.length;
      if (inProgress !== undefined && inProgress !== n) return planner(inProgress, n);
      inProgress = undefined;
      if (view.minute < coolUntil) return undefined;
      const last = (k: number) => view.recent(k).map((metric) => usage(metric, n));
      let target: number | undefined;
      if (view.visibleMinutes >= 5 && last(5).every((u) => u > 0.75)) {
        target = n * 2;
        coolUntil = view.minute + 15;
      } else if (view.visibleMinutes >= 15 && last(15).every((u) => u < 0.25) && n > 1) {
        target = Math.max(1, Math.ceil(n / 2));
        coolUntil = view.minute + 60;
      }
      if (target === undefined) return undefined;
      inProgress = target;
      return planner(target, n);
    },
  };
}

function planOnly(current: number, target: number): Decision {
  return {
    action: target > current ? 'scale-out' : 'scale-in', currentShards: current, targetShards: target, reason: 'baseline', hotShards: [], pinnedAtMax: false,
  };
}
