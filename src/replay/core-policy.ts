import { ProvisionedPolicy } from './engine';
import { MAX_SHARDS_PER_STREAM, METRIC_LAG_MINUTES, Observation, PresetName, resolveSettings, tick } from '../core';

/** Our policy: the exact scaling core the Lambda handler runs, with one of its presets. */
export function corePolicy(
  preset: PresetName, shardLevelMetrics: boolean, maxShards = MAX_SHARDS_PER_STREAM, targetUtilization?: number,
): ProvisionedPolicy {
  const settings = resolveSettings({ minShards: 1, maxShards, preset, targetUtilization });
  const window = settings.scaleInMinutes + METRIC_LAG_MINUTES;
  return {
    name: preset,
    shardLevelMetrics,
    plan(view) {
      const minutes = view.recent(window);
      const first = view.visibleMinutes - minutes.length;
      const shardMetric = view.shardMetric;
      const observation: Observation = {
        minutes,
        shardMinutes: shardMetric
          ? Object.fromEntries(view.shards.map((s) => [s.shardId, minutes.map((_, i) => shardMetric(s.shardId, first + i) ?? {})]))
          : undefined,
      };
      // The handler's own tick: one step per stream per tick, so the planner yields that step once.
      const planned = tick({
        observation,
        memory: { updateShardCountCalls: view.updateShardCountCalls, lastScalingAt: view.lastScalingAt, paused: false },
        shards: view.shards,
        status: 'ACTIVE',
        mode: 'PROVISIONED',
        settings,
        now: view.now,
      });
      let step = planned.step;
      if (!step) return undefined;
      return () => {
        const next = step;
        step = undefined;
        return next;
      };
    },
  };
}
