import {
  decide, EMPTY_MEMORY, effectiveShards, midpoint, HEADROOM_STEPS_PER_DAY, KEY_BOUND_HOLD_MS, MAX_HASH_KEY, Memory, MIB, MinuteMetrics, Observation,
  PolicyMemory, PolicySettings, resolveSettings, ShardRange, StreamState, tick, TickInput, uniformShards,
} from '../../src/core';

/** The scaling core v2: why writes were throttled, what it remembers, and how it judges capacity (issue 10). */
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Behaviour specs pin their own numbers, so retuning a preset on the benchmark never rewrites them.
const settings: PolicySettings = {
  ...resolveSettings({ minShards: 1, maxShards: 64, preset: 'balanced' }),
  targetUtilization: 0.5,
  scaleOutUtilization: 0.65,
  scaleInMinutes: 30,
  scaleInCooldownMinutes: 15,
  throttleMemoryMinutes: 60,
  seasonalLookaheadMinutes: 120,
};

function steady(count: number, mibPerSecond: number, throttledPerSecond = 0): MinuteMetrics[] {
  const bytes = mibPerSecond * MIB * 60;
  return Array.from({ length: count }, () => ({ incomingBytes: bytes, incomingRecords: bytes / 2048, throttledRecords: throttledPerSecond * 60 }));
}

function state(shards: number | readonly ShardRange[], extra: Partial<StreamState & PolicyMemory> = {}): StreamState & PolicyMemory {
  const map = typeof shards === 'number' ? uniformShards(shards) : shards;
  return { shards: map, status: 'ACTIVE', mode: 'PROVISIONED', now: NOW, updateShardCountCalls: [], ...extra };
}

/** Minutes placed in time: the newest starts `lagMinutes` before NOW. */
function placed(minutes: MinuteMetrics[], extra: Partial<Observation> = {}, lagMinutes = 2): Observation {
  return { minutes, newestMinuteAt: NOW - lagMinutes * MINUTE, ...extra };
}

describe('attribution: a headroom step for throttling is a probe', () => {
  test('throttling measured on the current shards adds a quarter and records the probe', () => {
    // 2 MiB/s on 8 shards is 25 % utilization: only a probe can tell bursts from a hot key.
    const decision = decide(placed(steady(40, 2, 50)), state(8), settings);
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 10, keyBound: false });
    expect(decision.learnt?.headroomProbe).toEqual({ shards: 8, throttleRatio: expect.closeTo(50 / (50 + 1024), 6) });
  });

  test('a probe whose shards did not halve the refused share makes throttling key-bound: no growth, reported', () => {
    const probe = { at: NOW - 20 * MINUTE, shards: 8, throttleRatio: 0.05 };
    const measured = { headroomProbe: probe, lastScalingAt: NOW - 20 * MINUTE, activeSince: NOW - 15 * MINUTE };
    const decision = decide(placed(steady(40, 2, 50)), state(10, measured), settings);
    expect(decision.action).not.toBe('scale-out');
    expect(decision.keyBound).toBe(true);
    expect(decision.learnt).toMatchObject({ probeJudged: true, keyBound: { until: NOW + KEY_BOUND_HOLD_MS } });
  });

  test('a probe that halved the refused share is capacity-bound: judged, nothing key-bound', () => {
    const probe = { at: NOW - 20 * MINUTE, shards: 8, throttleRatio: 0.2 };
    const measured = { headroomProbe: probe, lastScalingAt: NOW - 20 * MINUTE, activeSince: NOW - 15 * MINUTE };
    const decision = decide(placed(steady(40, 2, 5)), state(10, measured), settings);
    expect(decision.keyBound).toBe(false);
    expect(decision.learnt).toMatchObject({ probeJudged: true });
    expect(decision.learnt?.keyBound).toBeUndefined();
  });

  test('key-bound throttling never blocks a scale-in: it sizes for the accepted traffic', () => {
    const judged = { keyBound: { until: NOW + HOUR } };
    const decision = decide(placed(steady(60, 1, 50)), state(10, judged), settings);
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 2, keyBound: true });
  });

  test('past its hold, a judgement lingers while throttling goes on at low utilization: no new probe', () => {
    const expired = { keyBound: { until: NOW - MINUTE } };
    expect(decide(placed(steady(40, 2, 50)), state(8, expired), settings)).toMatchObject({ keyBound: true });
    expect(decide(placed(steady(40, 2, 50)), state(8, expired), settings).action).not.toBe('scale-out');
  });

  test('past its hold, the first quiet tick forgets the judgement', () => {
    const expired = { keyBound: { until: NOW - MINUTE } };
    expect(decide(placed(steady(40, 2)), state(8, expired), settings).learnt).toMatchObject({ forgetKeyBound: true });
  });

  test(`at most ${HEADROOM_STEPS_PER_DAY} headroom steps a day: then throttling sizes by demand alone`, () => {
    const spent = { headroomSteps: Array.from({ length: HEADROOM_STEPS_PER_DAY }, (_, i) => NOW - (i + 1) * HOUR) };
    const decision = decide(placed(steady(40, 2, 50)), state(8, spent), settings);
    expect(decision.action).toBe('none');
    expect(decision.learnt?.headroomProbe).toBeUndefined();
  });
});

describe('settling: evidence counts from ACTIVE plus the metric lag, not from the call', () => {
  const scaled = { lastScalingAt: NOW - 15 * MINUTE };

  test('throttled minutes that started before the stream was ACTIVE again add no headroom', () => {
    // The resize took 14 minutes: ACTIVE a minute ago, while the newest visible minute started 2 minutes ago.
    const decision = decide(placed(steady(40, 2, 50)), state(10, { ...scaled, activeSince: NOW - MINUTE }), settings);
    expect(decision.action).toBe('none');
  });

  test('once minutes measured on the new shards still throttle, headroom is added', () => {
    const decision = decide(placed(steady(40, 2, 50)), state(10, { ...scaled, activeSince: NOW - 8 * MINUTE }), settings);
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 13 });
  });
});

describe('floors: scale-in remembers', () => {
  test('never down to a count that throttled for capacity within the throttle memory', () => {
    const throttledAt = { shards: 6, at: NOW - 30 * MINUTE };
    expect(decide(placed(steady(60, 1)), state(16, { throttledAt }), settings)).toMatchObject({ action: 'scale-in', targetShards: 7 });
  });

  test('the throttle memory ends', () => {
    const throttledAt = { shards: 6, at: NOW - 61 * MINUTE };
    expect(decide(placed(steady(60, 1)), state(16, { throttledAt }), settings)).toMatchObject({ action: 'scale-in', targetShards: 2 });
  });

  test('never below what the same stretch of yesterday needed at the target', () => {
    const yesterday = [...steady(60, 1), ...steady(61, 4)];
    const decision = decide(placed(steady(60, 1), { sameTimeYesterday: yesterday }), state(16), settings);
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 8 });
    expect(decision.reason).toContain('the same time yesterday needed 8 shards');
  });

  test('with throttling judged key-bound, the seasonal floor counts only what yesterday accepted', () => {
    // 2.4 MiB/s accepted and 200 records/s refused, today and yesterday: accepted alone needs 5 shards at the 50 % target,
    // with the refused share added back 6.
    const hot = steady(121, 2.4, 200);
    const judged = { keyBound: { until: NOW + HOUR }, lastScalingAt: NOW - 2 * HOUR };
    const decision = decide(placed(steady(40, 2.4, 200), { sameTimeYesterday: hot }), state(10, judged), settings);
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 5, keyBound: true });
  });

  test('capacity-bound throttling on the current shards is learnt as the count that throttled', () => {
    expect(decide(placed(steady(40, 3.5, 100)), state(4), settings).learnt).toMatchObject({ throttledAtShards: 4 });
  });
});

describe('capacity is the widest shard', () => {
  const halfAndQuarters: ShardRange[] = [
    { shardId: 'half', startingHashKey: 0n, endingHashKey: MAX_HASH_KEY / 2n },
    { shardId: 'q3', startingHashKey: MAX_HASH_KEY / 2n + 1n, endingHashKey: (MAX_HASH_KEY / 4n) * 3n },
    { shardId: 'q4', startingHashKey: (MAX_HASH_KEY / 4n) * 3n + 1n, endingHashKey: MAX_HASH_KEY },
  ];

  test('three shards whose widest holds half the keys are worth two', () => {
    expect(effectiveShards(halfAndQuarters)).toBeCloseTo(2, 9);
  });

  test('utilization is measured against the effective shards: 1.4 MiB/s on that map scales out', () => {
    expect(decide(placed(steady(40, 1.4)), state(halfAndQuarters), settings).action).toBe('scale-out');
  });
});

describe('the bounds hold before any metric exists', () => {
  test('a new stream below minShards is scaled to it with no metrics at all', () => {
    const withMin = { ...settings, minShards: 8 };
    const decision = decide({ minutes: [] }, state(1), withMin);
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 8 });
  });
});

describe('hot shards split only while splitting helps', () => {
  const shards = uniformShards(4);
  const loads = (hot: number) => Object.fromEntries(shards.map((s, i) => [s.shardId, steady(60, i === 1 ? hot : 0.2)]));

  test('a shard hot for fewer than five minutes is not split', () => {
    const shardMinutes = { ...loads(0.2), [shards[1].shardId]: [...steady(56, 0.2), ...steady(4, 0.9)] };
    expect(decide(placed(steady(60, 1.5), { shardMinutes }), state(4), settings).action).not.toBe('split-hot-shards');
  });

  test('one split per twenty minutes', () => {
    const hotSplit = { at: NOW - 10 * MINUTE, start: 0n, end: 1n, load: 0.9 };
    expect(decide(placed(steady(60, 1.5), { shardMinutes: loads(0.9) }), state(4, { hotSplit }), settings).action).not.toBe('split-hot-shards');
    const older = { ...hotSplit, at: NOW - 21 * MINUTE };
    expect(decide(placed(steady(60, 1.5), { shardMinutes: loads(0.9) }), state(4, { hotSplit: older }), settings).action).toBe('split-hot-shards');
  });

  test('a split that did not halve the load stops splits in that range and the decision falls through', () => {
    // The last split's parent carried 0.9; its busier child still carries 0.85: a hot key.
    const parent = shards[1];
    const hotSplit = { at: NOW - 30 * MINUTE, start: parent.startingHashKey, end: parent.endingHashKey, load: 0.9 };
    const children: ShardRange[] = [
      shards[0],
      { shardId: 'low', startingHashKey: parent.startingHashKey, endingHashKey: parent.startingHashKey + (parent.endingHashKey - parent.startingHashKey) / 2n },
      { shardId: 'high', startingHashKey: parent.startingHashKey + (parent.endingHashKey - parent.startingHashKey) / 2n + 1n, endingHashKey: parent.endingHashKey },
      shards[2], shards[3],
    ];
    const shardMinutes = Object.fromEntries(children.map((s) => [s.shardId, steady(60, s.shardId === 'high' ? 0.85 : 0.1)]));
    const decision = decide(placed(steady(60, 1.4), { shardMinutes }), state(children, { hotSplit }), settings);
    expect(decision.action).not.toBe('split-hot-shards');
    expect(decision.learnt?.keyBound).toMatchObject({ start: children[2].startingHashKey, end: children[2].endingHashKey });
  });
});

describe('the tick keeps what the decision learnt', () => {
  function input(memory: Memory, minutes: MinuteMetrics[], shards = 8): TickInput {
    return { observation: placed(minutes), memory, shards: uniformShards(shards), status: 'ACTIVE', mode: 'PROVISIONED', settings, now: NOW };
  }

  test('a probe step records the probe and the headroom step, with the call', () => {
    const out = tick(input(EMPTY_MEMORY, steady(40, 2, 50)));
    expect(out.step).toEqual({ kind: 'UpdateShardCount', targetShardCount: 10 });
    expect(out.memory.headroomProbe).toMatchObject({ shards: 8 });
    expect(out.memory.headroomSteps).toHaveLength(1);
  });

  test('a key-bound judgement is kept, and forgotten on the first quiet tick past its hold', () => {
    const judged: Memory = { ...EMPTY_MEMORY, keyBound: { until: NOW - MINUTE } };
    expect(tick(input(judged, steady(40, 2, 50))).memory.keyBound).toEqual({ until: NOW - MINUTE });
    expect(tick(input(judged, steady(40, 2))).memory.keyBound).toBeUndefined();
  });

  test('the count that throttled is kept at its highest within the throttle memory', () => {
    const memory: Memory = { ...EMPTY_MEMORY, throttledAt: { shards: 6, at: NOW - 10 * MINUTE } };
    expect(tick(input(memory, steady(40, 3.5, 100), 4)).memory.throttledAt).toEqual({ shards: 6, at: NOW });
  });
});

describe('a scale-in that a scale-out undoes doubles the cooldown before the next', () => {
  function input(memory: Memory, minutes: MinuteMetrics[], shards: number): TickInput {
    return { observation: placed(minutes), memory, shards: uniformShards(shards), status: 'ACTIVE', mode: 'PROVISIONED', settings, now: NOW };
  }
  const settledAgo = (minutes: number): Memory =>
    ({ ...EMPTY_MEMORY, lastScalingAt: NOW - minutes * MINUTE, activeSince: NOW - (minutes - 1) * MINUTE });

  test('a scale-in step records when it started', () => {
    const out = tick(input(settledAgo(120), steady(40, 1), 8));
    expect(out.decision.action).toBe('scale-in');
    expect(out.memory.lastScaleIn).toEqual({ at: out.memory.lastScalingAt, resized: true });
  });

  test('a scale-out within the throttle memory of a scale-in records an undone scale-in', () => {
    const out = tick(input({ ...settledAgo(20), lastScaleIn: { at: NOW - 20 * MINUTE, resized: true } }, steady(40, 5), 4));
    expect(out.decision.action).toBe('scale-out');
    expect(out.memory.undoneScaleIns).toEqual([out.memory.lastScalingAt]);
    expect(out.memory.lastScaleIn).toBeUndefined();
  });

  test('a scale-out longer than the memory of undone scale-ins after a scale-in undoes nothing', () => {
    const out = tick(input({ ...settledAgo(300), lastScaleIn: { at: NOW - 300 * MINUTE, resized: true } }, steady(40, 5), 4));
    expect(out.decision.action).toBe('scale-out');
    expect(out.memory.undoneScaleIns).toBeUndefined();
  });

  test('two undone scale-ins make the cooldown four times the preset\'s', () => {
    const undone = [NOW - 3 * HOUR, NOW - 2 * HOUR];
    const decision = decide(placed(steady(40, 1)), state(8, { lastScalingAt: NOW - 40 * MINUTE, undoneScaleIns: undone }), settings);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/within the 60-minute cooldown .* \(doubled for each scale-in undone/);
  });

  test('undone scale-ins older than six hours no longer count', () => {
    const undone = [NOW - 7 * HOUR, NOW - 6.5 * HOUR];
    const decision = decide(placed(steady(40, 1)), state(8, { lastScalingAt: NOW - 40 * MINUTE, undoneScaleIns: undone }), settings);
    expect(decision.action).toBe('scale-in');
  });
});

describe('a headroom probe that helped does not count against the daily bound on headroom steps', () => {
  const probe = { at: NOW - 20 * MINUTE, shards: 8, throttleRatio: 0.1 };
  const memory: Memory = {
    ...EMPTY_MEMORY, headroomProbe: probe, headroomSteps: [NOW - 3 * HOUR, probe.at], lastScalingAt: probe.at, activeSince: NOW - 15 * MINUTE,
  };
  const input = (minutes: MinuteMetrics[]): TickInput =>
    ({ observation: placed(minutes), memory, shards: uniformShards(10), status: 'ACTIVE', mode: 'PROVISIONED', settings, now: NOW });

  test('the throttling stopped on the probe\'s shards: its step is given back', () => {
    expect(tick(input(steady(40, 2))).memory.headroomSteps).toEqual([NOW - 3 * HOUR]);
  });

  test('a step given back in the tick another leaves the day stays given back', () => {
    const aged = { ...memory, headroomSteps: [NOW - 25 * HOUR, NOW - 3 * HOUR, probe.at] };
    const out = tick({ ...input(steady(40, 2)), memory: aged });
    expect(out.memory.headroomSteps).toEqual([NOW - 3 * HOUR]);
  });

  test('the throttling went on at the same share: the step still counts', () => {
    const out = tick(input(steady(40, 2, 2 * 512 * 0.11)));
    expect(out.decision.keyBound).toBe(true);
    expect(out.memory.headroomSteps).toEqual([NOW - 3 * HOUR, probe.at]);
  });
});

describe('producers stop: no write datapoint for the whole observation', () => {
  const silent = placed(Array.from({ length: 40 }, (): MinuteMetrics => ({})));

  test('a stream the autoscaler never scaled is left as deployed: it may be new', () => {
    expect(decide(silent, state(8), settings).action).toBe('none');
  });

  test('within the throttle memory of the last scaling action, nothing changes', () => {
    expect(decide(silent, state(8, { lastScalingAt: NOW - 30 * MINUTE }), settings).action).toBe('none');
  });

  const silentYesterday = Array.from({ length: 121 }, (): MinuteMetrics => ({}));

  test('past it, with the same stretch of yesterday silent too, the stream scales in to minShards', () => {
    const observation = { ...silent, sameTimeYesterday: silentYesterday };
    const decision = decide(observation, state(8, { lastScalingAt: NOW - 2 * HOUR }), { ...settings, minShards: 2 });
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 2 });
    expect(decision.reason).toMatch(/no write datapoint for 40 minutes, nor at this time yesterday/);
  });

  test('traffic at this time yesterday makes the silence an outage, not idleness: nothing changes', () => {
    const decision = decide({ ...silent, sameTimeYesterday: steady(121, 3) }, state(8, { lastScalingAt: NOW - 2 * HOUR }), settings);
    expect(decision.action).toBe('none');
  });

  test('without yesterday, silence is not known to be idleness: nothing changes', () => {
    expect(decide(silent, state(8, { lastScalingAt: NOW - 2 * HOUR }), settings).action).toBe('none');
  });
});

describe('a scale-in by merges goes on pair by pair without a new cooldown', () => {
  const quiet = placed(steady(40, 1));
  const afterStep = (resized: boolean, extra: Partial<PolicyMemory> = {}) =>
    state(8, { lastScalingAt: NOW - 5 * MINUTE, lastScaleIn: { at: NOW - 5 * MINUTE, resized }, ...extra });

  test('an UpdateShardCount halving waits out the cooldown before the next: two at once would quarter the stream', () => {
    expect(decide(quiet, afterStep(true), settings).reason).toMatch(/within the 15-minute cooldown/);
  });

  test('the next merge follows a merge at once', () => {
    expect(decide(quiet, afterStep(false), settings).action).toBe('scale-in');
  });

  test('once a scale-in was undone lately, each merge waits out the cooldown: no storm of operations', () => {
    const decision = decide(quiet, afterStep(false, { undoneScaleIns: [NOW - HOUR] }), settings);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/cooldown/);
  });

  test('a scale-out is still followed by the cooldown', () => {
    expect(decide(quiet, state(8, { lastScalingAt: NOW - 5 * MINUTE }), settings).reason).toMatch(/within the 15-minute cooldown/);
  });
});

describe('throttling measured on the shards before the last resize was answered by it', () => {
  // Of the two newest minutes (starting 3 and 2 minutes ago) the older was throttled, at 50 % utilization: sized on it
  // with the refused writes added back, demand wants 9 shards at the 50 % target.
  const minutes = placed([...steady(38, 4), ...steady(1, 4, 50), ...steady(1, 4)]);

  test('throttling on the old shards only is no reason to grow again', () => {
    // ACTIVE again 150 s ago: the throttled minute was measured on the old shards.
    expect(decide(minutes, state(8, { lastScalingAt: NOW - 10 * MINUTE, activeSince: NOW - 150_000 }), settings).action).toBe('none');
  });

  test('throttling on the current shards is', () => {
    expect(decide(minutes, state(8, { lastScalingAt: NOW - 10 * MINUTE, activeSince: NOW - 5 * MINUTE }), settings).action).toBe('scale-out');
  });
});

describe('a headroom probe is judged on the capacity it added, not on the shards', () => {
  // One shard of 16 even ones split: 17 shards, still worth 16 (the other 15 are as wide as before).
  const even = uniformShards(16);
  const [first, ...rest] = even;
  const split: ShardRange[] = [
    { shardId: 'low', startingHashKey: first.startingHashKey, endingHashKey: midpoint(first) - 1n },
    { shardId: 'high', startingHashKey: midpoint(first), endingHashKey: first.endingHashKey },
    ...rest,
  ];
  const probe = { at: NOW - 20 * MINUTE, shards: 16, throttleRatio: 0.01 };
  const memory = { headroomProbe: probe, lastScalingAt: probe.at, activeSince: NOW - 15 * MINUTE };

  test('a split that added no capacity leaves the probe unjudged, and the throttling is not called key-bound', () => {
    const decision = decide(placed(steady(40, 6, 2 * 512 * 0.01 * 6)), state(split, memory), settings);
    expect(effectiveShards(split)).toBeCloseTo(16, 9);
    expect(decision.learnt?.probeJudged).toBeUndefined();
    expect(decision.keyBound).toBe(false);
  });

  test('a probe is recorded at the capacity the map is worth', () => {
    expect(decide(placed(steady(40, 2, 50)), state(split), settings).learnt?.headroomProbe).toMatchObject({ shards: 16 });
  });
});

describe('a rise that came at the same time two days running is met before it arrives', () => {
  // 2 MiB/s on 8 shards now; on both earlier days, 9 MiB/s from 5 minutes on, for more than a scale-in window.
  const rise = [...steady(5, 2), ...steady(116, 9)];
  const flat = steady(121, 2);
  const observe = (yesterday: MinuteMetrics[] | undefined, dayBefore: MinuteMetrics[] | undefined) =>
    placed(steady(40, 2), { sameTimeYesterday: yesterday, sameTimeDayBefore: dayBefore });

  test('both days rose past the current capacity: the stream grows for it now', () => {
    const decision = decide(observe(rise, rise), state(8), settings);
    // 9 MiB/s at the 50 % target.
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 18 });
    expect(decision.reason).toMatch(/the same time on each of the last two days/);
  });

  test('a rise on one of the days only predicts nothing', () => {
    expect(decide(observe(rise, flat), state(8), settings).action).not.toBe('scale-out');
    expect(decide(observe(flat, rise), state(8), settings).action).not.toBe('scale-out');
  });

  test('without the day before, yesterday alone predicts nothing', () => {
    expect(decide(observe(rise, undefined), state(8), settings).action).not.toBe('scale-out');
  });

  test('a rise shorter than a scale-in window predicts nothing', () => {
    const spike = [...steady(5, 2), ...steady(10, 9), ...steady(106, 2)];
    expect(decide(observe(spike, spike), state(8), settings).action).not.toBe('scale-out');
  });

  test('a rise the current capacity carries is left to the scale-out when it comes', () => {
    const carried = [...steady(5, 2), ...steady(116, 7)];
    expect(decide(observe(carried, carried), state(8), settings).action).not.toBe('scale-out');
  });
});
