import { Usage } from './costs';
import {
  acceptedFraction, Demand, evenShards, fewestShards, KeyDistribution, MapShape, MODEL, renamed, runMinute, runMinuteOnShape, shapeOf, ShareGroups,
  shardsNeeded, uniformShape,
} from './model';
import { BILLING } from './prices';
import {
  Decision, EMPTY_MEMORY, MAX_SHARDS_PER_STREAM, Memory, METRIC_LAG_MINUTES, MinuteMetrics, nextStep, Observation, PresetName, resolveSettings,
  SEASONAL_LOOKAHEAD_MINUTES, shardsAtFullLoad, ShardMinuteMetrics, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, ShardRange, Step,
  tick, UPDATE_SHARD_COUNT_CALLS_PER_DAY, updateShardCountCallsInWindow,
} from '../core';

export interface SimulationInput {
  readonly demand: readonly Demand[];
  readonly keys: KeyDistribution;
  /** Minutes after which a minute's metrics are visible to a policy. */
  readonly metricLagMinutes: number;
}

/** What a policy did over the trace, before it is priced. */
export interface PolicyOutcome {
  readonly policy: string;
  readonly throttledBytesPct: number;
  readonly throttledMinutes: number;
  readonly shardHours: number;
  readonly scalingActions: number;
  readonly updateShardCountCalls: number;
}

export interface TimelineRow {
  readonly minute: number;
  readonly demandBytesPerSecond: number;
  readonly demandRecordsPerSecond: number;
  /** Open shards (for On-Demand, the shard-equivalents of its capacity). */
  readonly openShards: number;
  readonly throttledBytes: number;
  /** The open shards' hash-range fractions, largest first, as counts per share (expandShares lists them). */
  readonly shareGroups: ShareGroups;
  /** Write capacity in bytes/s, for charts. */
  readonly capacityBytesPerSecond: number;
}

export interface Simulation {
  readonly outcome: PolicyOutcome;
  readonly usage: Usage;
  readonly timeline: readonly TimelineRow[];
}

/** What a provisioned policy sees each minute: only what CloudWatch and the Kinesis API would tell it. */
export interface PolicyView {
  readonly minute: number;
  readonly now: number;
  readonly shards: readonly ShardRange[];
  /** How many minutes of metrics are visible (minutes 0 .. visibleMinutes - 1). */
  readonly visibleMinutes: number;
  /** One shard's visible shard-level metrics for a minute; only for policies that enable them. */
  readonly shardMetric?: (shardId: string, minute: number) => ShardMinuteMetrics | undefined;
  readonly updateShardCountCalls: readonly number[];
  readonly lastScalingAt?: number;
  /** The last `count` visible minutes of stream-level metrics, oldest first. */
  recent(count: number): MinuteMetrics[];
  /** The visible stream-level metrics of minutes `from` (inclusive) to `to` (exclusive), oldest first. */
  metricsBetween(from: number, to: number): MinuteMetrics[];
}

/** A provisioned policy: each minute while the stream is ACTIVE, maybe a planner that yields operations. */
export interface ProvisionedPolicy {
  readonly name: string;
  readonly shardLevelMetrics: boolean;
  plan(view: PolicyView): ((shards: readonly ShardRange[], callsInWindow: number) => Step | undefined) | undefined;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;
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

  for (let m = 0; m < input.demand.length; m++) {
    const now = m * MINUTE_MS;
    if (pending && pending.until <= m) {
      shards = pending.shards;
      pending = undefined;
    }
    // A minute's metrics become visible metricLag minutes after it ends.
    const visibleUpTo = m - input.metricLagMinutes;
    let operations = 0;
    if (!pending) {
      const visibleMinutes = Math.max(0, visibleUpTo + 1);
      const planner = policy.plan({
        minute: m,
        now,
        shards,
        visibleMinutes,
        recent: (count) => metrics.slice(Math.max(0, visibleMinutes - count), visibleMinutes),
        metricsBetween: (from, to) => metrics.slice(Math.max(0, from), Math.min(to, visibleMinutes)),
        shardMetric: policy.shardLevelMetrics
          ? (shardId, minute) => (minute <= visibleUpTo ? shardMetrics.get(shardId)?.[minute] : undefined)
          : undefined,
        updateShardCountCalls: calls,
        lastScalingAt,
      });
      let working = shards;
      while (planner && operations < MODEL.reshardOperationsPerMinute) {
        const step = planner(working, updateShardCountCallsInWindow({ now, updateShardCountCalls: calls }));
        if (!step) break;
        const applied = applyStep(step, working, now, calls);
        if (!applied) break;
        operations++;
        lastScalingAt = now;
        if (step.kind === 'UpdateShardCount') {
          pending = { until: m + MODEL.updateShardCountMinutes, shards: newIds(applied, true) };
          break;
        }
        working = newIds(applied, false);
        pending = { until: m + 1, shards: working };
      }
    }
    acc.scalingActions += operations;

    const outcome = runMinute(input.demand[m], shards, input.keys);
    metrics.push({
      incomingBytes: outcome.acceptedBytes,
      incomingRecords: outcome.acceptedRecords,
      throttledRecords: outcome.throttledRecords,
      iteratorAgeMs: 0,
    });
    if (policy.shardLevelMetrics) {
      for (const s of outcome.perShard) {
        let series = shardMetrics.get(s.shardId);
        if (!series) shardMetrics.set(s.shardId, series = []);
        series[m] = { incomingBytes: s.bytes, incomingRecords: s.records };
      }
    }
    acc.minute(m, outcome.throttledBytes, outcome.acceptedRecords, outcome.acceptedBytes, shards.length);
    timeline.push(row(m, input.demand[m], shapeOf(shards, input.keys.hotKeyHash), outcome.throttledBytes));
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

/** Our policy: the exact scaling core the Lambda handler runs, with one of its presets. */
export function corePolicy(
  preset: PresetName, shardLevelMetrics: boolean, maxShards = MAX_SHARDS_PER_STREAM, targetUtilization?: number,
): ProvisionedPolicy {
  const settings = resolveSettings({ minShards: 1, maxShards, preset, targetUtilization });
  const window = settings.scaleInMinutes + METRIC_LAG_MINUTES;
  // The handler keeps the core's memory between ticks; so does the simulator, for the whole replay.
  let memory: Memory = EMPTY_MEMORY;
  return {
    name: preset,
    shardLevelMetrics,
    plan(view) {
      const minutes = view.recent(window);
      const first = view.visibleMinutes - minutes.length;
      const shardMetric = view.shardMetric;
      const yesterdayAt = view.visibleMinutes - 1 - DAY_MINUTES;
      const observation: Observation = {
        minutes,
        shardMinutes: shardMetric
          ? Object.fromEntries(view.shards.map((s) => [s.shardId, minutes.map((_, i) => shardMetric(s.shardId, first + i) ?? {})]))
          : undefined,
        newestMinuteAt: (view.visibleMinutes - 1) * MINUTE_MS,
        sameTimeYesterday: yesterdayAt >= 0 ? view.metricsBetween(yesterdayAt, yesterdayAt + SEASONAL_LOOKAHEAD_MINUTES + 1) : undefined,
      };
      // The handler's own tick: one step per stream per tick, so the planner yields that step once.
      const planned = tick({
        observation,
        memory: { ...memory, updateShardCountCalls: view.updateShardCountCalls, lastScalingAt: view.lastScalingAt },
        shards: view.shards,
        status: 'ACTIVE',
        mode: 'PROVISIONED',
        settings,
        now: view.now,
      });
      memory = planned.memory;
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

/** Usage of the current shards by one minute's accepted traffic (both limits), as the baselines compute it. */
function usage(metric: MinuteMetrics | undefined, shards: number, seconds = 60): number {
  if (!metric) return 0; // The baselines count missing minutes as low.
  return shardsAtFullLoad((metric.incomingBytes ?? 0) / seconds, (metric.incomingRecords ?? 0) / seconds) / shards;
}

const resize = (target: number) => (shards: readonly ShardRange[]) =>
  target !== shards.length ? { kind: 'UpdateShardCount' as const, targetShardCount: target } : undefined;

/**
 * aws-samples/kinesis-auto-scaling: 5-minute usage against the current shard count; out x2 at >= 0.75 in 5 of 5
 * periods, in /2 at < 0.25 in 57 of 60; alarms fire on a state change and are reset after each action.
 */
export function awsSamplePolicy(): ProvisionedPolicy {
  let outInAlarm = false;
  let inInAlarm = false;
  return {
    name: 'aws-sample',
    shardLevelMetrics: false,
    plan(view) {
      if (view.minute % 5 !== 0) return undefined;
      const n = view.shards.length;
      const periods: number[] = [];
      const history = view.recent(300);
      for (let end = history.length; end - 5 >= 0 && periods.length < 60; end -= 5) {
        const five = history.slice(end - 5, end);
        periods.push(usage({
          incomingBytes: five.reduce((a, m) => a + (m.incomingBytes ?? 0), 0),
          incomingRecords: five.reduce((a, m) => a + (m.incomingRecords ?? 0), 0),
        }, n, 300));
      }
      const out = periods.length >= 5 && periods.slice(0, 5).every((u) => u >= 0.75);
      const scaleIn = periods.length >= 60 && periods.filter((u) => u < 0.25).length >= 57;
      const fireOut = out && !outInAlarm;
      const fireIn = scaleIn && !inInAlarm;
      outInAlarm = out;
      inInAlarm = scaleIn;
      if (fireOut) {
        outInAlarm = inInAlarm = false;
        return resize(n * 2);
      }
      if (fireIn) {
        outInAlarm = inInAlarm = false;
        return resize(Math.max(1, Math.floor(n / 2)));
      }
      return undefined;
    },
  };
}

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

/** brexhq/substation autoscale: 1-minute usage >= 0.7 for 5 of 5 out, <= 0.35 for 60 of 60 in, by tier; cooldowns 3 and 30 minutes. */
export function substationPolicy(): ProvisionedPolicy {
  let outCoolUntil = 0;
  let inCoolUntil = 0;
  const tier = (n: number) => (n < 5 ? 2 : n < 13 ? 1.75 : n < 33 ? 1.5 : 1.25);
  return {
    name: 'substation',
    shardLevelMetrics: false,
    plan(view) {
      const n = view.shards.length;
      const last = (k: number) => view.recent(k).map((metric) => usage(metric, n));
      if (view.minute >= outCoolUntil && view.visibleMinutes >= 5 && last(5).every((u) => u >= 0.7)) {
        outCoolUntil = view.minute + 3;
        inCoolUntil = view.minute + 30;
        return resize(Math.min(n * 2, Math.ceil(n * tier(n))));
      }
      if (view.minute >= inCoolUntil && view.visibleMinutes >= 60 && last(60).every((u) => u <= 0.35) && n > 1) {
        inCoolUntil = view.minute + 30;
        return resize(Math.max(Math.ceil(n / 2), Math.floor(n / tier(n)), 1));
      }
      return undefined;
    },
  };
}

function planOnly(current: number, target: number): Decision {
  return {
    action: target > current ? 'scale-out' : 'scale-in', currentShards: current, targetShards: target, reason: 'baseline', hotShards: [], pinnedAtMax: false,
  };
}

/** A constant shard count sized for the trace's peak at 100 % of the limits. */
export function simulateFixedPeak(input: SimulationInput): Simulation {
  const uniform = { ...input.keys, hotKeyShare: 0 };
  const n = input.demand.reduce((most, d) => Math.max(most, fewestShards(d, uniform)), 1);
  return simulateSchedule('fixed-peak', input, () => n);
}

/** Perfect foresight and instant resharding: each minute, the fewest shards that throttle nothing. A lower bound on cost. */
export function simulateOracle(input: SimulationInput): Simulation {
  return simulateSchedule('oracle', input, (m) => fewestShards(input.demand[m], input.keys));
}

function simulateSchedule(name: string, input: SimulationInput, shardsAt: (minute: number) => number): Simulation {
  const acc = new Accumulator(input, name);
  const timeline: TimelineRow[] = [];
  let previous = -1;
  // Even layouts by count, never built as maps: the oracle may visit every count up to 10,000.
  let shape: MapShape = uniformShape(1);
  for (let m = 0; m < input.demand.length; m++) {
    const n = shardsAt(m);
    if (previous >= 0 && n !== previous) acc.scalingActions++;
    if (n !== previous) shape = uniformShape(n);
    previous = n;
    const outcome = runMinuteOnShape(input.demand[m], shape, input.keys);
    acc.minute(m, outcome.throttledBytes, outcome.acceptedRecords, outcome.acceptedBytes, n);
    timeline.push(row(m, input.demand[m], shape, outcome.throttledBytes));
  }
  return { ...acc.result(0), timeline };
}

/**
 * On-Demand Standard: capacity of max(4 MiB/s, twice the peak of the previous 30 days), adapting 15 minutes after a
 * new peak; it starts with capacity for twice the first 24 hours' peak.
 */
export function simulateOnDemand(input: SimulationInput): Simulation {
  const acc = new Accumulator(input, 'on-demand', 'on-demand');
  const timeline: TimelineRow[] = [];
  const firstDay = input.demand.slice(0, 24 * 60);
  const initial = {
    bytes: Math.max(...firstDay.map((d) => d.bytesPerSecond)),
    records: Math.max(...firstDay.map((d) => d.recordsPerSecond)),
  };
  // Peaks the service has seen, visible to its capacity once they are onDemandAdaptMinutes old.
  const peakBytes = new SlidingMax(MODEL.onDemandPeakWindowMinutes);
  const peakRecords = new SlidingMax(MODEL.onDemandPeakWindowMinutes);
  for (let m = 0; m < input.demand.length; m++) {
    const seen = m - MODEL.onDemandAdaptMinutes;
    if (seen >= 0) {
      peakBytes.push(seen, input.demand[seen].bytesPerSecond);
      peakRecords.push(seen, input.demand[seen].recordsPerSecond);
    }
    const capBytes = Math.max(MODEL.onDemandMinBytesPerSecond, 2 * Math.max(initial.bytes, peakBytes.max(seen)));
    const capRecords = Math.max(MODEL.onDemandMinRecordsPerSecond, 2 * Math.max(initial.records, peakRecords.max(seen)));
    const d = input.demand[m];
    const accepted = acceptedFraction(d, capBytes, capRecords);
    const throttledBytes = d.bytesPerSecond * 60 * (1 - accepted);
    acc.minute(m, throttledBytes, d.recordsPerSecond * 60 * accepted, d.bytesPerSecond * 60 * accepted, 0);
    timeline.push({
      minute: m,
      demandBytesPerSecond: d.bytesPerSecond,
      demandRecordsPerSecond: d.recordsPerSecond,
      openShards: shardsNeeded({ bytesPerSecond: capBytes, recordsPerSecond: capRecords }),
      throttledBytes,
      shareGroups: [],
      capacityBytesPerSecond: capacityInBytes(capBytes, capRecords, d),
    });
  }
  return { ...acc.result(0), timeline };
}

/** Maximum over a sliding window of minutes, amortised O(1). */
class SlidingMax {
  private readonly deque: Array<{ minute: number; value: number }> = [];
  constructor(private readonly window: number) {}
  public push(minute: number, value: number): void {
    while (this.deque.length && this.deque[this.deque.length - 1].value <= value) this.deque.pop();
    this.deque.push({ minute, value });
  }
  public max(now: number): number {
    while (this.deque.length && this.deque[0].minute <= now - this.window) this.deque.shift();
    return this.deque.length ? this.deque[0].value : 0;
  }
}

class Accumulator {
  public scalingActions = 0;
  private acceptedRecords = 0;
  private acceptedBytes = 0;
  private putPayloadUnits = 0;
  private onDemandBilledBytes = 0;
  private demandBytes = 0;
  private throttledBytes = 0;
  private throttledMinutes = 0;
  private shardMinutes = 0;
  constructor(private readonly input: SimulationInput, private readonly name: string, private readonly mode: Usage['mode'] = 'provisioned') {}

  public minute(m: number, throttledBytes: number, acceptedRecords: number, acceptedBytes: number, shards: number): void {
    const demand = this.input.demand[m];
    this.demandBytes += demand.bytesPerSecond * 60;
    this.throttledBytes += throttledBytes;
    // A millionth of the minute's demand is floating-point noise, not throttling.
    if (throttledBytes > 1e-6 * demand.bytesPerSecond * 60) this.throttledMinutes++;
    this.acceptedRecords += acceptedRecords;
    this.acceptedBytes += acceptedBytes;
    this.shardMinutes += shards;
    // Records are billed by size, each minute at that minute's average record size.
    const recordBytes = demand.recordsPerSecond > 0 ? demand.bytesPerSecond / demand.recordsPerSecond : 0;
    this.putPayloadUnits += acceptedRecords * Math.max(1, Math.ceil(recordBytes / BILLING.putPayloadUnitBytes - 1e-9));
    this.onDemandBilledBytes += acceptedRecords
      * Math.max(1, Math.ceil(recordBytes / BILLING.onDemandRecordRoundingBytes - 1e-9)) * BILLING.onDemandRecordRoundingBytes;
  }

  public result(updateShardCountCalls: number): { outcome: PolicyOutcome; usage: Usage } {
    return {
      outcome: {
        policy: this.name,
        throttledBytesPct: round(this.demandBytes > 0 ? (100 * this.throttledBytes) / this.demandBytes : 0, 4),
        throttledMinutes: this.throttledMinutes,
        shardHours: round(this.shardMinutes / 60, 2),
        scalingActions: this.scalingActions,
        updateShardCountCalls,
      },
      usage: {
        mode: this.mode,
        minutes: this.input.demand.length,
        shardHours: this.mode === 'provisioned' ? this.shardMinutes / 60 : 0,
        acceptedBytes: this.acceptedBytes,
        acceptedRecords: this.acceptedRecords,
        putPayloadUnits: this.putPayloadUnits,
        onDemandBilledBytes: this.onDemandBilledBytes,
      },
    };
  }
}

function row(m: number, d: Demand, shape: MapShape, throttledBytes: number): TimelineRow {
  return {
    minute: m,
    demandBytesPerSecond: d.bytesPerSecond,
    demandRecordsPerSecond: d.recordsPerSecond,
    openShards: shape.shardCount,
    throttledBytes,
    shareGroups: shape.groups,
    capacityBytesPerSecond: capacityInBytes(shape.shardCount * SHARD_WRITE_BYTES_PER_SECOND, shape.shardCount * SHARD_WRITE_RECORDS_PER_SECOND, d),
  };
}

/** Capacity as the bytes/s it accepts at this minute's record size, whichever limit binds first (for charts). */
function capacityInBytes(bytesPerSecond: number, recordsPerSecond: number, demand: Demand): number {
  const recordBytes = demand.recordsPerSecond > 0 ? demand.bytesPerSecond / demand.recordsPerSecond : Number.POSITIVE_INFINITY;
  return Math.min(bytesPerSecond, recordsPerSecond * recordBytes);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

