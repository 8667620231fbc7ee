import { DAY, replay } from './blanked-replay';

/**
 * Adversarial review v3 of commit 8fdb33e (chained scale-in, undone scale-ins, two-day ahead, throttling on current
 * shards, idle streams), replayed through the exact core the handler runs. `test.failing` rows are open findings; the
 * others were findings, fixed, and each says what it was.
 */

describe('idle streams: a metrics outage is not silence', () => {
  // 5 -> 20 MiB/s at minute 240; the scale-outs end at 30 shards (minute 245); then CloudWatch publishes nothing for
  // minutes 243-329 while the producers keep writing 20 MiB/s.
  const rise = (m: number) => (m < 240 ? 5 : 20);
  const outage = (m: number) => m >= 243 && m < 330;

  // Observed: 61 minutes after the last scale-out, decideIdle reads 25 empty minutes as "producers stopped" and calls
  // UpdateShardCount 30 -> 15 at minute 306 (traffic 20 MiB/s). Minutes 309-334 run on 15 shards, a quarter of all
  // writes refused, and nothing can see it until metrics return: 31 throttled minutes (5 without the gap), 0.71 % of the
  // day's bytes, 6 calls. The core cannot tell an outage from silence with a 25-minute observation: remember the last
  // minute with data (or its demand) and never idle below what the last known minutes needed.
  // Fixed: silence is idleness only when the same stretch of yesterday was silent too.
  test('an 87-minute metrics gap right after a scale-out does not halve a stream carrying 20 MiB/s', () => {
    const outcome = replay(rise, { outage });
    expect(outcome.steps.filter((s) => s.minute >= 250 && s.minute < 330 && (s.target ?? s.shards) < s.shards)).toEqual([]);
    expect(outcome.throttledMinutes(250, DAY)).toBe(0);
  });

  // Observed: steady 10 MiB/s on 20 shards with 1.5x bursts; 27 minutes without datapoints (300-326) on the first day
  // (no yesterday to floor it): 20 -> 10 at 326 and back 10 -> 20 at 329, two wasted calls, 8 throttled minutes (5 without).
  // Fixed as the one above.
  test('a 27-minute metrics gap on a steady bursty stream spends no UpdateShardCount call', () => {
    const outcome = replay(() => 10, { burstiness: 1.5, outage: (m) => m >= 300 && m < 327 });
    expect(outcome.outcome.updateShardCountCalls).toBe(1);
  });

  // Pinned: a gap shorter than the observation (20 of 25 minutes) is unknown, not idle: nothing changes.
  test('a 20-minute metrics gap on a steady stream changes nothing', () => {
    const outcome = replay(() => 10, { outage: (m) => m >= 300 && m < 320 });
    expect(outcome.steps.filter((s) => s.minute >= 300)).toEqual([]);
  });

  // Pinned: from the second day the seasonal floor (yesterday's datapoints) holds the same 27-minute gap.
  test('the same gap on the second day is held by yesterday', () => {
    const outcome = replay(() => 10, { minutes: 2 * DAY, burstiness: 1.5, outage: (m) => m >= DAY + 300 && m < DAY + 327 });
    expect(outcome.steps.filter((s) => s.minute >= DAY)).toEqual([]);
  });
});

describe('intermittent producers: a write datapoint one minute in five', () => {
  // A batch job writes 30 MiB/s in one minute of every five for two hours (the stream grows to 60 shards), then 3 MiB/s
  // one minute in five for the rest of the day. Missing minutes are zero-write minutes, which CloudWatch omits.
  // Observed: one call (30 -> 60 at minute 2) and nothing after: 60 shards all day (1,438 shard-hours) for bursts that
  // need 6. decideScaleIn wants a window with every minute known and decideIdle wants none known, so a stream with any
  // gap in every window never scales in. Count a missing minute as zero when the window holds datapoints around it.
  // Open. Counting a minute missing before a published one as zero fixed this, but read a CloudWatch outage over a
  // spike, or a late datapoint, as zero writes and scaled in under it (adversarial-v4 tests): from inside the window the
  // three look the same, and throttling is worse than shards kept. Knowing the stream's usual gaps would tell them apart.
  test.failing('scales in within the day once the bursts need a tenth of the shards', () => {
    const outcome = replay((m) => (m % 5 === 0 ? (m < 120 ? 30 : 3) : 0), { silentZero: true });
    expect(outcome.simulation.timeline[DAY - 1].openShards).toBeLessThanOrEqual(20);
  });
});

describe('the two-day ahead rule on a weekly pattern: weekdays 9-17 h at 20 MiB/s, otherwise 2 MiB/s (day 0 is a Monday)', () => {
  const week = (m: number) => {
    const day = Math.floor(m / DAY) % 7;
    const hour = (m % DAY) / 60;
    return day < 5 && hour >= 9 && hour < 17 ? 20 : 2;
  };
  const outcome = replay(week, { minutes: 7 * DAY });

  // Pinned: with two weekdays behind it, the rise is met ahead (4 -> 8 -> 16 -> 32 from 8.8 h): 4, 0, 0 throttled
  // minutes on Wednesday to Friday, where Monday and Tuesday throttle 17 each.
  test('Wednesday to Friday throttle at most 5 minutes each', () => {
    for (const day of [2, 3, 4]) expect(outcome.throttledMinutes(day * DAY, (day + 1) * DAY)).toBeLessThanOrEqual(5);
  });

  // Observed: on Saturday (2 MiB/s all day) Thursday and Friday both held 20 MiB/s, so `ahead` scales out 4 -> 8 -> 16
  // -> 32 at 8.8 h (3 calls), the seasonal floor (Friday) holds 32 shards until 17 h, and 23 merges and 2 calls bring
  // it back: 329 shard-hours against Sunday's 96, 26 operations for no traffic. Ahead should also ask that today so far
  // tracks the two days (e.g. the last scale-in window at least half of theirs), or look at the same weekday a week ago.
  test.failing('Saturday costs at most 1.5x the shard-hours of Sunday', () => {
    expect(outcome.shardHours(5 * DAY, 6 * DAY)).toBeLessThanOrEqual(1.5 * outcome.shardHours(6 * DAY, 7 * DAY));
  });
});

describe('chained scale-in on traffic that returns', () => {
  const halfHours = (m: number) => (Math.floor(m / 30) % 2 === 0 ? 8 : 2);

  // Still open after the fixes below (63 operations, 0.85 %): a gate that kept merges waiting whenever no call was left
  // met it (40, 0.61 %) but cost 1.57x the oracle on the shared traces against 1.48x. Observed at 8fdb33e:
  // 63 resharding operations and 0.85 % of bytes throttled over 90 minutes (commit 3a941d9: 39 and 0.22 %).
  // Once the last undone scale-in (minute 602) leaves the 4-hour memory, merges chain one per tick again: 26 -> 18 at
  // 843-851, 17 -> 6 at 891-901 while 8 MiB/s returns at 900; the calls are spent, so 12 splits, one a minute, bring
  // it back to 18 with throttling all the way. Merges with no UpdateShardCount call left for the way back should wait
  // out the cooldown (or remove no more shards than splits can restore within the lead time).
  test.failing('30 minutes at 8 MiB/s, 30 at 2 MiB/s, 2x bursts: at most 39 operations and 0.25 % of bytes throttled', () => {
    const outcome = replay(halfHours, { burstiness: 2 }).outcome;
    expect(outcome.scalingActions).toBeLessThanOrEqual(39);
    expect(outcome.throttledBytesPct).toBeLessThanOrEqual(0.25);
  });

  // Observed: UpdateShardCount 16 -> 8 at minute 51 and, chained, 8 -> 4 at 54: the stream is at a quarter six minutes
  // before 8 MiB/s returns at 60 (200 % of 4 shards), and 3 calls (4 -> 8 -> 12 -> 16) undo it. 0.28 % of bytes
  // throttled (commit 3a941d9, with the cooldown between steps: 0.0074 %).
  // Fixed: UpdateShardCount halvings wait out the cooldown again; only merges follow one per tick.
  test('same without bursts: at most 0.05 % of bytes throttled', () => {
    expect(replay(halfHours).outcome.throttledBytesPct).toBeLessThanOrEqual(0.05);
  });

  // Observed: 166 operations and 7.9 % of bytes throttled (commit 3a941d9: 75 and 2.2 %). A spike 111 minutes after the
  // last merge is past the throttle memory (60), so no scale-in is recorded undone and nothing learns the period: every
  // cycle merges 18 -> 9 one per tick (e.g. 602-609), then, with the day's calls spent, 8 -> 18 by 11 splits one a
  // minute (542-552) while the spike refuses about half its writes for all its 10 minutes. An undone scale-in should be
  // one the next scale-out reverses whenever it comes within the undone memory, and merges should not chain while no
  // UpdateShardCount call is left to come back.
  // Fixed: a scale-out within the preset's memory of undone scale-ins (4 hours), not only within the throttle memory,
  // undoes the scale-in before it; merges then wait out the doubled cooldown. Now 73 operations and 2.18 %.
  test('a 10-minute spike to 16 MiB/s every 3 hours over 3 MiB/s, 1.5x bursts: at most 80 operations, 3 % of bytes throttled', () => {
    const outcome = replay((m) => (m % 180 < 10 ? 16 : 3), { burstiness: 1.5 }).outcome;
    expect(outcome.scalingActions).toBeLessThanOrEqual(80);
    expect(outcome.throttledBytesPct).toBeLessThanOrEqual(3);
  });

  // Observed: a 45-minute dip from 40 to 2 MiB/s at 10 h on the first day: 80 -> 40 -> 20 -> 10 -> 5 within 9 minutes
  // (621-630), then 5 -> 10 -> 19 -> 35 -> 58 -> 79 from 647: all 10 calls of the day spent by minute 668, 23 throttled
  // minutes (commit 3a941d9: 8 calls, 19 minutes). The chain halves to the bottom of the dip before it can be over.
  // Fixed: UpdateShardCount halvings wait out the cooldown again. Now 8 calls.
  test('a 45-minute dip on the first day leaves at least 2 UpdateShardCount calls', () => {
    const outcome = replay((m) => (m >= 600 && m < 645 ? 2 : 40));
    expect(outcome.outcome.updateShardCountCalls).toBeLessThanOrEqual(8);
  });
});
