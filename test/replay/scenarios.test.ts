import { MAX_HASH_KEY, MIB, PRESETS } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { simulateProvisioned } from '../../src/replay/engine';
import { Demand, UNIFORM } from '../../src/replay/model';
import { SimulationInput } from '../../src/replay/outcome';

/**
 * Adversarial scenarios from issue 10, each replayed for a day through the exact core the Lambda handler runs, on the
 * modelled stream (metric lag, resize time, bursts, retries, hot keys). The bounds are stated in each row:
 * - shards: never more than `factor` times what the traffic needs at the preset's target utilization;
 * - operations: splits, merges and UpdateShardCount calls per day;
 * - reversals: changes of direction once the first hour has passed. One is a correction (an overshoot on a step,
 *   trimmed once); a scale-out/scale-in cycle is two or more;
 * - key-bound: whether the autoscaler reports throttling that more shards cannot fix, long enough to raise its
 *   alarm (10 of 15 minutes); where it should not, it reports fewer than 10 minutes in the whole day.
 */
const DAY = 24 * 60;
const { targetUtilization } = PRESETS.balanced;
/** The KeyBoundThrottling alarm fires on 10 of 15 minutes. */
const KEY_BOUND_ALARM_MINUTES = 10;

interface Scenario {
  readonly name: string;
  /** Write demand per minute, MiB/s. */
  readonly mib: (minute: number) => number;
  readonly hotKeyShare?: number;
  readonly burstiness?: number;
  readonly producerAttempts?: number;
  readonly resizeMinutes?: number;
  /** Bounds. */
  readonly factor: number;
  readonly operationsPerDay: number;
  readonly cycles: number;
  readonly keyBound: boolean;
}

const steady = (mib: number) => () => mib;
/** Quiet for two hours, then a step to `mib`: the stream starts small and must grow while producers are refused. */
const stepTo = (mib: number) => (minute: number) => (minute < 120 ? 0.5 : mib);

const SCENARIOS: Scenario[] = [
  { name: '40 % of 3 MiB/s on one key', mib: steady(3), hotKeyShare: 0.4, factor: 2, operationsPerDay: 12, cycles: 1, keyBound: true },
  { name: 'one key at 0.8 MiB/s in 4 MiB/s', mib: steady(4), hotKeyShare: 0.2, factor: 2, operationsPerDay: 12, cycles: 1, keyBound: false },
  { name: 'bursts 1.8 times the minute average', mib: steady(4), burstiness: 1.8, factor: 2, operationsPerDay: 12, cycles: 1, keyBound: false },
  { name: 'producers retry 3 times', mib: stepTo(6), producerAttempts: 3, factor: 1.5, operationsPerDay: 12, cycles: 1, keyBound: false },
  { name: 'producers retry 10 times', mib: stepTo(6), producerAttempts: 10, factor: 1.5, operationsPerDay: 12, cycles: 1, keyBound: false },
  { name: 'resizes take 10 minutes', mib: stepTo(6), resizeMinutes: 10, factor: 1.5, operationsPerDay: 12, cycles: 1, keyBound: false },
];

function run(scenario: Scenario) {
  const demand: Demand[] = Array.from({ length: DAY }, (_, m) => ({
    bytesPerSecond: scenario.mib(m) * MIB, recordsPerSecond: scenario.mib(m) * 512,
  }));
  const input: SimulationInput = {
    demand,
    keys: { ...UNIFORM, hotKeyShare: scenario.hotKeyShare ?? 0, hotKeyHash: MAX_HASH_KEY / 3n },
    metricLagMinutes: 2,
    conditions: { burstiness: scenario.burstiness ?? 1, readers: 0 },
    producerAttempts: scenario.producerAttempts,
    resizeMinutes: scenario.resizeMinutes,
  };
  const policy = corePolicy('balanced', (scenario.hotKeyShare ?? 0) > 0);
  const simulation = simulateProvisioned(policy, input);
  const counts = simulation.timeline.map((r) => r.openShards);
  const peakMib = Math.max(...demand.map((d) => d.bytesPerSecond / MIB));
  return {
    needed: Math.ceil(peakMib / targetUtilization),
    maxShards: Math.max(...counts),
    operations: simulation.outcome.scalingActions,
    cycles: reversals(counts.slice(60)),
    keyBoundMinutes: policy.keyBoundMinutes,
  };
}

/** Direction changes of the shard count (up then down, or down then up), ignoring minutes without change. */
function reversals(counts: readonly number[]): number {
  let direction = 0;
  let changes = 0;
  for (let i = 1; i < counts.length; i++) {
    const step = Math.sign(counts[i] - counts[i - 1]);
    if (step === 0) continue;
    if (direction !== 0 && step !== direction) changes++;
    direction = step;
  }
  return changes;
}

describe.each(SCENARIOS)('$name, for a day', (scenario) => {
  const outcome = run(scenario);

  test(`never more than ${scenario.factor} times the shards the traffic needs`, () => {
    expect(outcome.maxShards).toBeLessThanOrEqual(Math.ceil(scenario.factor * outcome.needed));
  });

  test(`at most ${scenario.operationsPerDay} resharding operations`, () => {
    expect(outcome.operations).toBeLessThanOrEqual(scenario.operationsPerDay);
  });

  test(`no scale-out/scale-in cycle: at most ${scenario.cycles} reversal(s) after the first hour`, () => {
    expect(outcome.cycles).toBeLessThanOrEqual(scenario.cycles);
  });

  const keyBoundTitle = scenario.keyBound ? 'reports key-bound throttling long enough to alarm' : 'never reports key-bound throttling long enough to alarm';
  test(keyBoundTitle, () => {
    if (scenario.keyBound) expect(outcome.keyBoundMinutes).toBeGreaterThanOrEqual(KEY_BOUND_ALARM_MINUTES);
    else expect(outcome.keyBoundMinutes).toBeLessThan(KEY_BOUND_ALARM_MINUTES);
  });
});

describe.each([
  { factor: 4, withinMinutes: 8 },
  { factor: 2, withinMinutes: 5 },
])('a $factor x step at one-minute resolution', ({ factor, withinMinutes }) => {
  test(`capacity covers demand within ${withinMinutes} minutes (UpdateShardCount at most doubles per call)`, () => {
    const stepAt = 180;
    const mib = (m: number) => (m < stepAt ? 4 : 4 * factor);
    const demand: Demand[] = Array.from({ length: stepAt + 60 }, (_, m) => ({
      bytesPerSecond: mib(m) * MIB, recordsPerSecond: mib(m) * 512,
    }));
    const simulation = simulateProvisioned(corePolicy('balanced', false), { demand, keys: UNIFORM, metricLagMinutes: 2 });
    const uncovered = simulation.timeline.filter((r) => r.minute >= stepAt && r.capacityBytesPerSecond < r.demandBytesPerSecond);
    // Minutes from the step until capacity covers demand for good (0: the headroom covered it at once).
    const coveredAfter = uncovered.length > 0 ? Math.max(...uncovered.map((r) => r.minute)) - stepAt + 1 : 0;
    expect(coveredAfter).toBeLessThanOrEqual(withinMinutes);
  });
});
