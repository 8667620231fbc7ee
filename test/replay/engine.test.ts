import { uniformShards } from '../../src/core';
import { simulateOnDemand } from '../../src/replay/baselines/on-demand';
import { Demand, expandShares, runMinute, runMinuteOnShape, shapeOf, UNIFORM } from '../../src/replay/model';
import { SimulationInput } from '../../src/replay/outcome';
import { demandOf, POLICY_NAMES, replay, DEFAULT_OPTIONS } from '../../src/replay/replay';
import { Trace } from '../../src/replay/trace';

const MIB = 1024 * 1024;

/** Three days at 1-minute steps: a daily wave with a sharp burst each afternoon. */
function waveTrace(days = 3): Trace {
  const minutes = Array.from({ length: days * 1440 }, (_, m) => {
    const base = 100 + 80 * Math.sin((m / 1440) * 2 * Math.PI);
    return m % 1440 >= 900 && m % 1440 < 930 ? base * 2.5 : base;
  });
  return relative(minutes);
}

function relative(minutes: number[]): Trace {
  return { format: 'relative', startMs: Date.UTC(2024, 0, 1), minutes, peak: Math.max(...minutes) };
}

test('accepted plus throttled equals demand, on any shard map and key skew', () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 300; i++) {
    const shards = uniformShards(1 + Math.floor(random() * 40));
    const demand: Demand = { bytesPerSecond: random() * 60 * MIB, recordsPerSecond: random() * 60_000 };
    const outcome = runMinute(demand, shards, { ...UNIFORM, hotKeyShare: random() < 0.5 ? 0 : random() * 0.5 });
    // Hash-range shares are 128-bit fractions in doubles: equal to within floating-point precision.
    const error = (sum: number, whole: number) => Math.abs(sum - whole) / Math.max(1, whole);
    expect(error(outcome.acceptedBytes + outcome.throttledBytes, demand.bytesPerSecond * 60)).toBeLessThan(1e-12);
    expect(error(outcome.acceptedRecords + outcome.throttledRecords, demand.recordsPerSecond * 60)).toBeLessThan(1e-12);
    expect(outcome.throttledBytes).toBeGreaterThanOrEqual(0);
  }
});

test('a minute on a map equals the sum of its shards, whatever the layout and key skew', () => {
  let seed = 11;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 200; i++) {
    const shards = uniformShards(1 + Math.floor(random() * 12));
    const keys = { ...UNIFORM, hotKeyShare: random() < 0.5 ? 0 : random() * 0.6 };
    const demand: Demand = { bytesPerSecond: random() * 20 * MIB, recordsPerSecond: random() * 20_000 };
    const outcome = runMinute(demand, shards, keys);
    const perShard = outcome.perShard.reduce((a, s) => ({ bytes: a.bytes + s.bytes, records: a.records + s.records }), { bytes: 0, records: 0 });
    expect(outcome.acceptedBytes).toBeCloseTo(perShard.bytes, 3);
    expect(outcome.acceptedRecords).toBeCloseTo(perShard.records, 3);
    expect(runMinuteOnShape(demand, shapeOf(shards, keys.hotKeyHash), keys).throttledBytes).toBeCloseTo(outcome.throttledBytes, 3);
  }
});

test('no policy sees the future: changing the trace after minute k changes no decision before minute k + 1', () => {
  const k = 2000;
  const original = waveTrace();
  const changed: Trace = { ...original, minutes: original.minutes.map((v, m) => (m > k ? v * 7 : v)) };
  // fixed-peak is sized from the whole trace by definition, and is left out.
  const policies = POLICY_NAMES.filter((p) => p !== 'fixed-peak');
  const a = replay(original, { ...DEFAULT_OPTIONS, policies });
  const b = replay(changed, { ...DEFAULT_OPTIONS, policies });
  for (let i = 0; i < policies.length; i++) {
    // A decision at minute k shapes minute k + 1; the oracle decides each minute knowing that minute's demand.
    const decided = policies[i] === 'oracle' ? k + 1 : k + 2;
    const shardsA = a[i].timeline.slice(0, decided).map((r) => [r.openShards, expandShares(r.shareGroups).length]);
    const shardsB = b[i].timeline.slice(0, decided).map((r) => [r.openShards, expandShares(r.shareGroups).length]);
    expect([policies[i], shardsB]).toEqual([policies[i], shardsA]);
  }
  // The change is real: later minutes differ for the reactive policies.
  expect(b[1].timeline[k + 60].openShards).not.toBe(a[1].timeline[k + 60].openShards);
});

test('no policy is cheaper than the oracle without throttling', () => {
  for (const trace of [waveTrace(), relative(waveTrace().minutes.map((v, m) => (m % 97 < 3 ? v * 4 : v)))]) {
    const results = replay(trace, DEFAULT_OPTIONS).map((s) => s.result);
    const oracle = results.find((r) => r.policy === 'oracle')!;
    expect(oracle.throttledBytesPct).toBe(0);
    for (const r of results.filter((x) => x.throttledBytesPct === 0)) expect(r.costUsd).toBeGreaterThanOrEqual(oracle.costUsd);
  }
});

test('fixed-peak never throttles uniform keys, and the oracle needs fewer shard-hours', () => {
  const results = replay(waveTrace(), { ...DEFAULT_OPTIONS, policies: ['fixed-peak', 'oracle'] }).map((s) => s.result);
  expect(results[0].throttledBytesPct).toBe(0);
  expect(results[1].shardHours).toBeLessThan(results[0].shardHours);
});

test('On-Demand throttles a jump above twice its previous peak for about 15 minutes, then adapts', () => {
  // A day at 2 MiB/s (capacity: max(4 MiB/s, 2 x 2 MiB/s)), then 10 MiB/s.
  const mib = (m: number) => (m < 1440 ? 2 : 10);
  const demand: Demand[] = Array.from({ length: 1500 }, (_, m) => ({ bytesPerSecond: mib(m) * MIB, recordsPerSecond: mib(m) * 512 }));
  const input: SimulationInput = { demand, keys: UNIFORM, metricLagMinutes: 2 };
  const timeline = simulateOnDemand(input).timeline;
  const throttled = timeline.filter((r) => r.throttledBytes > 0).map((r) => r.minute);
  expect(throttled[0]).toBe(1440);
  expect(throttled.length).toBe(15);
  expect(timeline[1440 + 15].throttledBytes).toBe(0);
});

test('a hot key makes our policy split the hot shard, leaving unequal shard shares', () => {
  const trace = relative(Array.from({ length: 600 }, () => 1));
  const [balanced] = replay(trace, { ...DEFAULT_OPTIONS, peakMiBps: 4, hotKeyShare: 0.2, policies: ['balanced'] });
  const last = balanced.timeline[balanced.timeline.length - 1];
  expect(new Set(expandShares(last.shareGroups).map((s) => s.toFixed(6))).size).toBeGreaterThan(1);
  expect(balanced.result.throttledBytesPct).toBeLessThan(1);
});

test('demand scales the peak to --peak-mib and records to --record-bytes', () => {
  const demand = demandOf(relative([1, 2, 4]), { ...DEFAULT_OPTIONS, peakMiBps: 8, recordBytes: 256 });
  expect(demand.map((d) => d.bytesPerSecond / MIB)).toEqual([2, 4, 8]);
  expect(demand[2].recordsPerSecond).toBe((8 * MIB) / 256);
});
