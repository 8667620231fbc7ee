import { MAX_HASH_KEY, MIB } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { simulateProvisioned } from '../../src/replay/engine';
import { Demand, UNIFORM } from '../../src/replay/model';

/**
 * Adversarial review of the scaling core v2 (issue 10): traffic the scenario table does not cover, replayed for a day
 * through the exact core the handler runs. `test.failing` rows are open findings: each states what it observed.
 */
const DAY = 24 * 60;

function replay(mib: (minute: number) => number, options: { burstiness?: number; minutes?: number } = {}) {
  const demand: Demand[] = Array.from({ length: options.minutes ?? DAY }, (_, m) => ({
    bytesPerSecond: mib(m) * MIB, recordsPerSecond: mib(m) * 512,
  }));
  const policy = corePolicy('balanced', false);
  const simulation = simulateProvisioned(policy, {
    demand,
    keys: { ...UNIFORM, hotKeyHash: MAX_HASH_KEY / 3n },
    metricLagMinutes: 2,
    conditions: { burstiness: options.burstiness ?? 1, readers: 0 },
  });
  const throttledMinutes = simulation.timeline.filter((r) => r.minute >= 180 && r.throttledBytes > 0).length;
  return { simulation, keyBoundMinutes: policy.keyBoundMinutes, throttledMinutes, operations: simulation.outcome.scalingActions };
}

describe('bursts (2x the minute average) on a one-hour ramp from 2 to 8 MiB/s, no hot key', () => {
  const outcome = replay((m) => Math.min(8, 2 + Math.max(0, m - 60) / 10), { burstiness: 2 });

  // Was: a headroom probe taken as the ramp began (0.1 % refused) did not halve the refused share, since demand rose
  // meanwhile, so the bursts were judged key-bound; past the 6 h hold the judgement lingered because throttling never
  // stopped, and the stream sat at 12 shards throttling 6.3 % of all bytes with KeyBoundThrottling raised all day.
  test('is not reported key-bound long enough to alarm', () => {
    expect(outcome.keyBoundMinutes).toBeLessThan(10);
  });

  // Was: the four headroom steps of the day were spent on the ramp (each probe is also a demand step), then throttling
  // sized by demand alone: 15 shards for 8 MiB/s, whose 16 MiB/s peaks throttled in all 1,260 minutes after the ramp.
  // A probe that helped no longer counts against the daily bound: 19 shards, no throttled minute after the ramp.
  test('throttles in less than an hour of the day once the ramp is over', () => {
    expect(outcome.throttledMinutes).toBeLessThan(60);
  });
});

describe('churn on the first day, before the seasonal floor exists', () => {
  // Was: 127 operations. Scale-in merges (the UpdateShardCount calls left for scale-ins were spent by minute 50)
  // started a halving 30 -> 15 at one merge per 11 minutes; the next spike arrived with 4 pairs merged, the map was
  // worth 15 shards and 16 MiB/s throttled, and the cycle repeated every hour. Now each scale-in a scale-out undoes
  // doubles the cooldown before the next (for the preset's 4 hours), and merges wait it out: 34 operations, and no
  // throttled minute after the third hour.
  test('a 2-minute spike to 16 MiB/s every hour over 3 MiB/s: at most 36 resharding operations (1.5 an hour)', () => {
    const outcome = replay((m) => (m % 60 < 2 ? 16 : 3));
    expect(outcome.operations).toBeLessThanOrEqual(36);
    expect(outcome.throttledMinutes).toBe(0);
  });

  // Was: 46 operations; UpdateShardCount 15 -> 8 at minute 51 and 8 -> 15 at 62, every hour until the budget was
  // spent, then a merge and a split every hour (17 <-> 18) for the rest of the day. Now 34: what is left is one merge
  // and the split that undoes it every two hours or so, once the calls are spent.
  test('30 minutes at 8 MiB/s, 30 at 2 MiB/s: at most 36 resharding operations (1.5 an hour)', () => {
    expect(replay((m) => (Math.floor(m / 30) % 2 === 0 ? 8 : 2)).operations).toBeLessThanOrEqual(36);
  });

  // The 24 the review asked for is not met: a longer memory of undone scale-ins gets there (18 and 16 operations with a
  // day's), but costs more on the shared traces (docs/preset-sweep.md has the candidates). Open.
  test.failing('either pattern: at most 24 resharding operations', () => {
    expect(replay((m) => (m % 60 < 2 ? 16 : 3)).operations).toBeLessThanOrEqual(24);
  });
});

describe('a steep rise: 1 MiB/s doubling every 45 minutes up to 200 MiB/s', () => {
  // Observed: 458 operations. Each scale-out resizes to demand / target from the scale-out threshold (about +30 %), so
  // the 10 UpdateShardCount calls are spent by minute 232 at 64 shards; the remaining ~450 shards come one SplitShard
  // per tick, and throttling (1.46 % of bytes) comes from the split rate. Sizing each scale-out for the rise's rate
  // (tried: 355 operations) still spent calls on the way and cost more on the shared traces. Open.
  test.failing('at most 50 resharding operations in the day', () => {
    expect(replay((m) => Math.min(200, 2 ** (m / 45))).operations).toBeLessThanOrEqual(50);
  });
});
