import { MAX_HASH_KEY, MIB, MinuteMetrics } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { PolicyView, ProvisionedPolicy, simulateProvisioned } from '../../src/replay/engine';
import { Demand, UNIFORM } from '../../src/replay/model';

export const DAY = 24 * 60;

export interface Options {
  readonly burstiness?: number;
  readonly minutes?: number;
  /** CloudWatch publishes no datapoint for a minute without writes: zero-write minutes reach the core empty. */
  readonly silentZero?: boolean;
  /** Minutes whose metrics never arrive (traffic still flows). */
  readonly outage?: (minute: number) => boolean;
}

/**
 * The day-long replay the adversarial reviews share: traffic in MiB/s (2 KiB records) through the balanced preset's
 * exact core, with minutes CloudWatch leaves out (zero-write minutes, or an outage while producers keep writing)
 * blanked before the core sees them, as the handler would see them.
 */
export function replay(mib: (minute: number) => number, options: Options = {}) {
  const demand: Demand[] = Array.from({ length: options.minutes ?? DAY }, (_, m) => ({
    bytesPerSecond: mib(m) * MIB, recordsPerSecond: mib(m) * 512,
  }));
  const inner = corePolicy('balanced', false);
  const blanks = new WeakMap<MinuteMetrics, MinuteMetrics>();
  const missing = (index: number, m: MinuteMetrics) => (options.silentZero === true && (m.incomingBytes ?? 0) === 0)
    || (options.outage?.(index) ?? false);
  const seen = (index: number, m: MinuteMetrics): MinuteMetrics => {
    if (!missing(index, m)) return m;
    let blank = blanks.get(m);
    if (!blank) blanks.set(m, blank = {});
    return blank;
  };
  const steps: Array<{ minute: number; shards: number; kind: string; target?: number }> = [];
  const policy: ProvisionedPolicy = {
    name: 'balanced',
    shardLevelMetrics: false,
    plan(view: PolicyView) {
      const first = Math.max(0, view.visibleMinutes);
      const seenView: PolicyView = {
        ...view,
        recent: (count) => view.recent(count).map((m, i) => seen(Math.max(0, first - count) + i, m)),
        between: (start, end) => view.between(start, end).map((m, i) => seen(Math.max(0, start) + i, m)),
      };
      const planner = inner.plan(seenView);
      if (!planner) return undefined;
      return (shards, calls) => {
        const step = planner(shards, calls);
        if (step) {
          steps.push({
            minute: view.minute, shards: shards.length, kind: step.kind, target: step.kind === 'UpdateShardCount' ? step.targetShardCount : undefined,
          });
        }
        return step;
      };
    },
  };
  const simulation = simulateProvisioned(policy, {
    demand,
    keys: { ...UNIFORM, hotKeyHash: MAX_HASH_KEY / 3n },
    metricLagMinutes: 2,
    conditions: { burstiness: options.burstiness ?? 1, readers: 0 },
  });
  const throttledMinutes = (from: number, to: number) =>
    simulation.timeline.filter((r) => r.minute >= from && r.minute < to && r.throttledBytes > 0).length;
  const shardHours = (from: number, to: number) =>
    simulation.timeline.filter((r) => r.minute >= from && r.minute < to).reduce((sum, r) => sum + r.openShards, 0) / 60;
  return { simulation, steps, throttledMinutes, shardHours, outcome: simulation.outcome };
}
