import { ProvisionedPolicy } from './engine';
import {
  EMPTY_MEMORY, MAX_SHARED_READERS, MAX_SHARDS_PER_STREAM, Memory, METRIC_LAG_MINUTES, MinuteMetrics, Observation, PresetName, readsCanBind,
  resolveSettings, SEASONAL_LOOKAHEAD_MINUTES, tick,
} from '../core';

const MINUTE_MS = 60_000;

/** A minute as the handler reads it without the read metrics. */
function writesOnly(minute: MinuteMetrics): MinuteMetrics {
  const { outgoingBytes: _bytes, getRecordsCalls: _calls, readThrottled: _refused, ...rest } = minute;
  return rest;
}

const DAY_MINUTES = 24 * 60;

/** Our policy, and what the handler would have published about it. */
export interface CorePolicy extends ProvisionedPolicy {
  /** Ticks at which the autoscaler would have published KeyBoundThrottling = 1. */
  readonly keyBoundMinutes: number;
}

/**
 * Our policy: the exact scaling core the Lambda handler runs, with one of its presets. It ticks every minute with the
 * stream's true status and keeps the whole memory the core returns for the next tick, as the handler does; so a
 * policy instance serves one simulation. `sharedReaders` is the count the construct writes into the settings (the
 * replay's `--readers`), so the core predicts read need as the handler would; the settings hold at most 20, and
 * beyond that the core still sees the reads in GetRecords.Bytes.
 */
export function corePolicy(
  preset: PresetName, shardLevelMetrics: boolean, maxShards = MAX_SHARDS_PER_STREAM, targetUtilization?: number, sharedReaders = 0,
): CorePolicy {
  const settings = resolveSettings({
    minShards: 1, maxShards, preset, targetUtilization, sharedReaders: Math.min(sharedReaders, MAX_SHARED_READERS),
  });
  const window = settings.scaleInMinutes + METRIC_LAG_MINUTES;
  // Each minute is read by every tick of its window (and by the next two days' look-ahead): it is taken (and, where the
  // handler would not read them, stripped of the read metrics) once, as it becomes visible, and stays the same object,
  // so the core's per-minute estimates are made once too.
  const seen: MinuteMetrics[] = [];
  const take = readsCanBind(settings.sharedReaders) ? (minute: MinuteMetrics) => minute : writesOnly;
  let memory: Memory = EMPTY_MEMORY;
  let keyBoundMinutes = 0;
  return {
    name: preset,
    shardLevelMetrics,
    get keyBoundMinutes() {
      return keyBoundMinutes;
    },
    plan(view) {
      // The handler requests read metrics only where reads can bind; the core must not see more than it would.
      for (let i = seen.length; i < view.visibleMinutes; i++) seen.push(take(view.between(i, i + 1)[0]));
      const first = Math.max(0, view.visibleMinutes - window);
      const minutes = seen.slice(first, view.visibleMinutes);
      const newest = view.visibleMinutes - 1;
      const shardMetric = view.shardMetric;
      // The same minute on an earlier day, with the look-ahead: only once that day's metrics exist.
      const sameStretch = (daysBack: number) => {
        const start = newest - daysBack * DAY_MINUTES;
        return start >= 0 ? seen.slice(start, Math.min(start + SEASONAL_LOOKAHEAD_MINUTES + 1, view.visibleMinutes)) : undefined;
      };
      const observation: Observation = {
        minutes,
        shardMinutes: shardMetric
          ? Object.fromEntries(view.shards.map((s) => [s.shardId, minutes.map((_, i) => shardMetric(s.shardId, first + i) ?? {})]))
          : undefined,
        newestMinuteAt: newest >= 0 ? newest * MINUTE_MS : undefined,
        sameTimeYesterday: sameStretch(1),
        sameTimeDayBefore: sameStretch(2),
      };
      // The handler's own tick: one step per stream per tick, so the planner yields that step once.
      const planned = tick({
        observation,
        memory,
        shards: view.shards,
        status: view.status,
        mode: 'PROVISIONED',
        settings,
        now: view.now,
      });
      memory = planned.memory;
      if (planned.decision.keyBound) keyBoundMinutes++;
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
