import { Demand, evenShards, MODEL, renamed, resizeMinutes, runMinute, shapeOf, shardsNeeded, STEADY } from './model';
import { Accumulator, readsThrottled, row, Simulation, SimulationInput, TimelineRow } from './outcome';
import {
  MinuteMetrics, ShardMinuteMetrics, ShardRange, Step, UPDATE_SHARD_COUNT_CALLS_PER_DAY, updateShardCountCallsInWindow,
} from '../core';

/** What a provisioned policy sees each minute: only what CloudWatch and the Kinesis API would tell it. */
export interface PolicyView {
  readonly minute: number;
  readonly now: number;
  /** What DescribeStreamSummary would say: UPDATING from a resharding call until the new shards are open. */
  readonly status: 'ACTIVE' | 'UPDATING';
  readonly shards: readonly ShardRange[];
  /** How many minutes of metrics are visible (minutes 0 .. visibleMinutes - 1). */
  readonly visibleMinutes: number;
  /** One shard's visible shard-level metrics for a minute; only for policies that enable them. */
  readonly shardMetric?: (shardId: string, minute: number) => ShardMinuteMetrics | undefined;
  readonly updateShardCountCalls: readonly number[];
  readonly lastScalingAt?: number;
  /** The last `count` visible minutes of stream-level metrics, oldest first. */
  recent(count: number): MinuteMetrics[];
  /** Visible stream-level minutes `start` (inclusive) to `end` (exclusive), oldest first; only those that exist. */
  between(start: number, end: number): MinuteMetrics[];
}

/**
 * A provisioned policy: each minute, whatever the stream's status, maybe a planner that yields operations. The
 * engine carries a planner's operations out only while the stream is ACTIVE, as Kinesis refuses them otherwise.
 */
export interface ProvisionedPolicy {
  readonly name: string;
  readonly shardLevelMetrics: boolean;
  plan(view: PolicyView): ((shards: readonly ShardRange[], callsInWindow: number) => Step | undefined) | undefined;
}

const MINUTE_MS = 60_000;
/** The id applyStep gives a child shard until the stream names it. */
const NEW = 'new';

/** The first hour's peak, at 100 % of the shard limits: the warm start every provisioned policy gets. */
export function warmStartShards(demand: readonly Demand[]): number {
  const firstHour = demand.slice(0, 60);
  return Math.max(1, ...firstHour.map(shardsNeeded));
}

/** Replays `input` through a provisioned policy on a modelled stream. */
export function simulateProvisioned(policy: ProvisionedPolicy, input: SimulationInput): Simulation {
  let nextShardId = 0;
  // Children of a split or merge get new ids and every other shard keeps its own, as in Kinesis; a resize renews all.
  const newIds = (shards: ShardRange[], all: boolean) => shards.map((s) => (all || s.shardId === NEW
    ? renamed(s, `shardId-${String(nextShardId++).padStart(12, '0')}`) : s));
  let shards: ShardRange[] = newIds(evenShards(warmStartShards(input.demand)), true);
  let pending: { until: number; shards: ShardRange[] } | undefined;
  const calls: number[] = [];
  let lastScalingAt: number | undefined;
  const metrics: MinuteMetrics[] = [];
  const shardMetrics = new Map<string, Array<ShardMinuteMetrics | undefined>>();
  const acc = new Accumulator(input, policy.name);
  const timeline: TimelineRow[] = [];
  const conditions = input.conditions ?? STEADY;
  const attempts = input.producerAttempts ?? 1;
  const resizeQuarter = input.resizeMinutes ?? MODEL.updateShardCountMinutes;

  for (let m = 0; m < input.demand.length; m++) {
    const now = m * MINUTE_MS;
    if (pending && pending.until <= m) {
      shards = pending.shards;
      pending = undefined;
    }
    // A minute's metrics become visible metricLag minutes after it ends.
    const visibleUpTo = m - input.metricLagMinutes;
    let operations = 0;
    const visibleMinutes = Math.max(0, visibleUpTo + 1);
    // Policies are asked every minute, as the handler ticks every minute: while a resize runs they see UPDATING.
    const planner = policy.plan({
      minute: m,
      now,
      status: pending ? 'UPDATING' : 'ACTIVE',
      shards,
      visibleMinutes,
      recent: (count) => metrics.slice(Math.max(0, visibleMinutes - count), visibleMinutes),
      between: (start, end) => metrics.slice(Math.max(0, start), Math.min(end, visibleMinutes)),
      shardMetric: policy.shardLevelMetrics
        ? (shardId, minute) => (minute <= visibleUpTo ? shardMetrics.get(shardId)?.[minute] : undefined)
        : undefined,
      updateShardCountCalls: calls,
      lastScalingAt,
    });
    if (!pending) {
      let working = shards;
      while (planner && operations < MODEL.reshardOperationsPerMinute) {
        const step = planner(working, updateShardCountCallsInWindow({ now, updateShardCountCalls: calls }));
        if (!step) break;
        const applied = applyStep(step, working, now, calls);
        if (!applied) break;
        operations++;
        lastScalingAt = now;
        if (step.kind === 'UpdateShardCount') {
          pending = { until: m + resizeMinutes(working.length, applied.length, resizeQuarter), shards: newIds(applied, true) };
          break;
        }
        working = newIds(applied, false);
        pending = { until: m + 1, shards: working };
      }
    }
    acc.scalingActions += operations;

    const outcome = runMinute(input.demand[m], shards, input.keys, conditions);
    metrics.push({
      incomingBytes: outcome.acceptedBytes,
      incomingRecords: outcome.acceptedRecords,
      // WriteProvisionedThroughputExceeded counts refused attempts: every attempt of a refused record is refused too,
      // as the shard stays saturated for the rest of the minute (a simplification: some retries would land).
      throttledRecords: outcome.throttledRecords * attempts,
      iteratorAgeMs: 0,
      // GetRecords metrics exist only when someone reads; each reader reads every accepted byte once.
      ...(conditions.readers > 0 ? {
        outgoingBytes: outcome.acceptedBytes * conditions.readers,
        getRecordsCalls: outcome.getRecordsCalls - outcome.readThrottledCalls,
        readThrottled: outcome.readThrottledCalls,
      } : {}),
    });
    if (policy.shardLevelMetrics) {
      for (const s of outcome.perShard) {
        let series = shardMetrics.get(s.shardId);
        if (!series) shardMetrics.set(s.shardId, series = []);
        series[m] = { incomingBytes: s.bytes, incomingRecords: s.records };
      }
    }
    acc.minute(m, outcome.throttledBytes, outcome.acceptedRecords, outcome.acceptedBytes, shards.length, outcome);
    timeline.push(row(m, input.demand[m], shapeOf(shards, input.keys.hotKeyHash), outcome.throttledBytes, readsThrottled(outcome)));
  }
  return { ...acc.result(calls.length), timeline };
}

/** Applies one operation the way Kinesis would accept it; undefined when Kinesis would refuse it. */
function applyStep(step: Step, shards: readonly ShardRange[], now: number, calls: number[]): ShardRange[] | undefined {
  switch (step.kind) {
    case 'UpdateShardCount': {
      const current = shards.length;
      if (updateShardCountCallsInWindow({ now, updateShardCountCalls: calls }) >= UPDATE_SHARD_COUNT_CALLS_PER_DAY) return undefined;
      const target = step.targetShardCount;
      if (target > current * 2 || target < Math.ceil(current / 2) || target === current) return undefined;
      calls.push(now);
      return evenShards(step.targetShardCount);
    }
    case 'SplitShard': {
      const index = shards.findIndex((s) => s.shardId === step.shardToSplit);
      if (index < 0) return undefined;
      const parent = shards[index];
      return [...shards.slice(0, index),
        { shardId: NEW, startingHashKey: parent.startingHashKey, endingHashKey: step.newStartingHashKey - 1n },
        { shardId: NEW, startingHashKey: step.newStartingHashKey, endingHashKey: parent.endingHashKey },
        ...shards.slice(index + 1)];
    }
    case 'MergeShards': {
      const a = shards.findIndex((s) => s.shardId === step.shardToMerge);
      const b = shards.findIndex((s) => s.shardId === step.adjacentShardToMerge);
      if (a < 0 || b < 0 || Math.abs(a - b) !== 1) return undefined;
      const [low, high] = a < b ? [shards[a], shards[b]] : [shards[b], shards[a]];
      const merged = { shardId: NEW, startingHashKey: low.startingHashKey, endingHashKey: high.endingHashKey };
      return [...shards.slice(0, Math.min(a, b)), merged, ...shards.slice(Math.max(a, b) + 1)];
    }
  }
}
