import { MinuteMetrics, ShardRange, shardsAtFullLoad } from '../../core';
import { PolicyView } from '../engine';

/** Usage of the current shards by one minute's accepted traffic (both limits), as the baselines compute it. */
export function usage(metric: MinuteMetrics | undefined, shards: number, seconds = 60): number {
  if (!metric) return 0; // The baselines count missing minutes as low.
  return shardsAtFullLoad((metric.incomingBytes ?? 0) / seconds, (metric.incomingRecords ?? 0) / seconds) / shards;
}

export const resize = (target: number) => (shards: readonly ShardRange[]) =>
  target !== shards.length ? { kind: 'UpdateShardCount' as const, targetShardCount: target } : undefined;

/**
 * The baselines look at the stream only while it is ACTIVE: their resharding calls would be refused while it is
 * UPDATING, and their alarms and cooldowns are modelled as not evaluated until it is ACTIVE again.
 */
export function isActive(view: PolicyView): boolean {
  return view.status === 'ACTIVE';
}
