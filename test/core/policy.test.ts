import {
  decide, PolicySettings, estimateDemand, MIB, MinuteMetrics, Observation, resolveSettings, StreamState, uniformShards, updateShardCountCallsInWindow,
} from '../../src/core';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const MINUTE = 60_000;
// Behaviour specs pin their own numbers, so retuning a preset on the benchmark never rewrites them.
const settings: PolicySettings = {
  ...resolveSettings({ minShards: 1, maxShards: 64, preset: 'balanced' }),
  targetUtilization: 0.65,
  scaleOutUtilization: 0.8,
  scaleInMinutes: 45,
  scaleInCooldownMinutes: 30,
};

/** `count` minutes of uniform traffic at `mibPerSecond`, records of `recordBytes`. */
function steady(count: number, mibPerSecond: number, recordBytes = 2048, extra: Partial<MinuteMetrics> = {}): MinuteMetrics[] {
  const bytes = mibPerSecond * MIB * 60;
  return Array.from({ length: count }, () => ({ incomingBytes: bytes, incomingRecords: bytes / recordBytes, ...extra }));
}

function state(shards: number, extra: Partial<StreamState> = {}): StreamState {
  return { shards: uniformShards(shards), status: 'ACTIVE', mode: 'PROVISIONED', now: NOW, updateShardCountCalls: [], ...extra };
}

function observe(minutes: MinuteMetrics[], shardMinutes?: Observation['shardMinutes']): Observation {
  return { minutes, shardMinutes };
}

describe('demand estimate', () => {
  test('accepted traffic per second, bytes and records', () => {
    expect(estimateDemand({ incomingBytes: 60 * MIB, incomingRecords: 6000 }))
      .toEqual({ bytesPerSecond: MIB, recordsPerSecond: 100, shardsAtFullLoad: 1 });
  });

  test('throttling adds back the refused share of attempts: half refused reads as one and a half times the accepted', () => {
    const demand = estimateDemand({ incomingBytes: 60 * MIB, incomingRecords: 60_000, throttledRecords: 60_000 })!;
    expect(demand.recordsPerSecond).toBe(1500);
    expect(demand.bytesPerSecond).toBe(1.5 * MIB);
    expect(demand.shardsAtFullLoad).toBe(1.5);
  });

  test('retried attempts inflate the estimate by little, and never past twice the accepted traffic', () => {
    // 1 MiB/s accepted, 0.5 MiB/s refused, each refused record tried 10 times: 300,000 refused attempts a minute.
    const retried = estimateDemand({ incomingBytes: 60 * MIB, incomingRecords: 60_000, throttledRecords: 300_000 })!;
    expect(retried.shardsAtFullLoad).toBeCloseTo(1.833, 3);
    expect(estimateDemand({ incomingBytes: 60 * MIB, incomingRecords: 60_000, throttledRecords: 1e12 })!.shardsAtFullLoad).toBeLessThan(2);
  });

  test('records per second bind when records are small', () => {
    expect(estimateDemand({ incomingBytes: 60 * 256 * 3000, incomingRecords: 60 * 3000 })!.shardsAtFullLoad).toBe(3);
  });

  test('a minute with no datapoint is unknown, not zero', () => {
    expect(estimateDemand({})).toBeUndefined();
    expect(estimateDemand({ iteratorAgeMs: 5 })).toBeUndefined();
  });
});

describe('scenarios', () => {
  // Each row: the situation, the traffic, the stream, and what the policy must do.
  test.each<[string, MinuteMetrics[], StreamState, { action: string; target: number; pinned?: boolean }]>([
    ['steady traffic at the target changes nothing', steady(60, 2.6), state(4), { action: 'none', target: 4 }],
    ['a step up scales out on the first minute that shows it', [...steady(58, 2), ...steady(2, 3.5)], state(4), { action: 'scale-out', target: 6 }],
    ['a step up seen in one minute only still scales out', [...steady(59, 2), ...steady(1, 3.5)], state(4), { action: 'scale-out', target: 6 }],
    ['a spike with throttling sizes for accepted plus the refused share', [...steady(59, 1), { incomingBytes: 4 * MIB * 60, incomingRecords: 4 * 512 * 60, throttledRecords: 4 * 512 * 60 }], state(4), { action: 'scale-out', target: 10 }],
    ['throttling under a low minute average adds a quarter for bursts', [...steady(59, 1), ...steady(1, 1, 2048, { throttledRecords: 10 })], state(4), { action: 'scale-out', target: 5 }],
    ['a slow decline scales in once the whole window is low', steady(60, 1), state(8), { action: 'scale-in', target: 2 }],
    ['a decline shorter than the window scales in only as far as the window\'s peak allows', [...steady(30, 4), ...steady(30, 1)], state(8), { action: 'scale-in', target: 7 }],
    ['a decline within the last minutes does not scale in', [...steady(50, 4), ...steady(10, 1)], state(7), { action: 'none', target: 7 }],
    ['missing minutes in the window block a scale-in', [...steady(30, 1), {}, ...steady(29, 1)], state(8), { action: 'none', target: 8 }],
    ['the newest minutes missing block a scale-in: not yet published', [...steady(58, 1), {}, {}], state(8), { action: 'none', target: 8 }],
    ['missing latest minutes do not block a scale-out on the ones before', [...steady(57, 2), ...steady(1, 4), {}, {}], state(4), { action: 'scale-out', target: 7 }],
    ['no data at all changes nothing', Array.from({ length: 60 }, () => ({})), state(8), { action: 'none', target: 8 }],
    ['throttling followed by minutes without data is stale evidence, not a reason to grow', [
      ...steady(40, 1), ...steady(10, 4, 2048, { throttledRecords: 4 * 512 * 60 }), ...Array.from({ length: 10 }, () => ({})),
    ], state(4), { action: 'none', target: 4 }],
    ['at max, demand above it is reported as pinned', steady(60, 100), state(64), { action: 'none', target: 64, pinned: true }],
    ['near max, the target is capped and pinned', steady(60, 60), state(40), { action: 'scale-out', target: 64, pinned: true }],
    ['small changes are not worth a reshard', steady(60, 5.9), state(10), { action: 'none', target: 10 }],
  ])('%s', (_name, minutes, streamState, expected) => {
    const decision = decide(observe(minutes), streamState, settings);
    expect({ action: decision.action, target: decision.targetShards, pinned: decision.pinnedAtMax })
      .toEqual({ action: expected.action, target: expected.target, pinned: expected.pinned ?? false });
    expect(decision.reason).toEqual(expect.any(String));
  });

  test('below minShards is corrected to minShards', () => {
    const decision = decide(observe(steady(60, 0.01)), state(1), resolveSettings({ minShards: 3, maxShards: 8 }));
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 3 });
  });

  test('above maxShards is corrected to maxShards', () => {
    const decision = decide(observe(steady(60, 1)), state(12), resolveSettings({ minShards: 1, maxShards: 8 }));
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 8 });
  });

  test('a hot shard is split while the stream has headroom', () => {
    const shards = uniformShards(4);
    const cold = steady(60, 0.2);
    const hot = steady(60, 0.9);
    const decision = decide(
      observe(steady(60, 2.4), { [shards[0].shardId]: cold, [shards[1].shardId]: hot, [shards[2].shardId]: cold, [shards[3].shardId]: cold }),
      state(4), settings);
    expect(decision).toMatchObject({ action: 'split-hot-shards', targetShards: 5, hotShards: [shards[1].shardId] });
  });

  test('no hot shard without shard-level metrics', () => {
    expect(decide(observe(steady(60, 2.4)), state(4), settings).action).toBe('none');
  });
});

describe('guards', () => {
  test('scale-in waits for the cooldown after the last scaling action', () => {
    const decision = decide(observe(steady(60, 1)), state(8, { lastScalingAt: NOW - 10 * MINUTE }), settings);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/cooldown/);
  });

  test('scale-in goes ahead once the cooldown has passed', () => {
    expect(decide(observe(steady(60, 1)), state(8, { lastScalingAt: NOW - 31 * MINUTE }), settings).action).toBe('scale-in');
  });

  test('the cooldown never delays a scale-out', () => {
    expect(decide(observe([...steady(59, 2), ...steady(1, 8)]), state(4, { lastScalingAt: NOW - MINUTE }), settings).action).toBe('scale-out');
  });

  test('no scale-in while consumers are behind', () => {
    const decision = decide(observe(steady(60, 1, 2048, { iteratorAgeMs: 120_000 })), state(8), settings);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/behind/);
  });

  test('no scale-in with any throttling in the window', () => {
    const minutes = steady(60, 1);
    minutes[40] = { ...minutes[40], throttledRecords: 1 };
    expect(decide(observe(minutes), state(8), settings).action).toBe('none');
  });

  test.each([
    ['UPDATING', { status: 'UPDATING' }, /UPDATING/],
    ['On-Demand', { mode: 'ON_DEMAND' as const }, /On-Demand/],
    ['paused', { paused: true }, /kill switch/],
  ])('%s streams are left alone', (_name, extra, reason) => {
    const decision = decide(observe(steady(60, 30)), state(4, extra as Partial<StreamState>), settings);
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(reason);
  });
});

describe('shared-throughput readers', () => {
  // Writes alone (3.1 MiB/s at 80 % of 1 MiB/s per shard) fit 4 shards; three readers read 9.3 MiB/s, which 4 shards
  // (8 MiB/s of shared reads) cannot serve, and which needs 6 shards at the same 80 %.
  const readSettings: PolicySettings = { ...settings, targetUtilization: 0.8, scaleOutUtilization: 0.9, scaleInMinutes: 45 };
  const writes = () => steady(60, 3.1);

  test('writes alone would scale 8 shards in to 4', () => {
    expect(decide(observe(writes()), state(8), readSettings)).toMatchObject({ action: 'scale-in', targetShards: 4 });
  });

  test('a scale-in that would starve 3 readers is refused: it stops at the shards their reads need', () => {
    const decision = decide(observe(writes()), state(8), { ...readSettings, sharedReaders: 3 });
    expect(decision).toMatchObject({ action: 'scale-in', targetShards: 6 });
    expect(decision.targetShards * 2 * MIB).toBeGreaterThan(3 * 3.1 * MIB);
  });

  test('reads measured by GetRecords.Bytes hold the same shards as the counted readers predict', () => {
    const measured = steady(60, 3.1, 2048, { outgoingBytes: 3 * 3.1 * MIB * 60 });
    expect(decide(observe(measured), state(8), { ...readSettings, sharedReaders: 3 })).toMatchObject({ action: 'scale-in', targetShards: 6 });
  });

  test('no scale-in at all while reads were throttled in the window', () => {
    const minutes = steady(60, 3.1, 2048, { outgoingBytes: 3 * 3.1 * MIB * 60 });
    minutes[30] = { ...minutes[30], readThrottled: 5 };
    const decision = decide(observe(minutes), state(8), { ...readSettings, sharedReaders: 3 });
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/reads were throttled/);
  });

  test('a count that starved readers is remembered, so a later scale-in stays above it', () => {
    // 6 shards, reads throttled at 80 % of their read capacity: a scale-out, and 6 is remembered as throttled.
    const minutes = steady(60, 3.2, 2048, { outgoingBytes: 3 * 3.2 * MIB * 60 });
    minutes[59] = { ...minutes[59], readThrottled: 50 };
    const decision = decide(observe(minutes), state(6), { ...readSettings, sharedReaders: 3 });
    expect(decision.action).toBe('scale-out');
    expect(decision.learnt?.throttledAtShards).toBe(6);
  });
});

describe('presets', () => {
  test('safe keeps more headroom than balanced, and balanced more than economy', () => {
    const traffic = observe(steady(120, 3));
    const target = (preset: string) => decide(traffic, state(20), resolveSettings({ minShards: 1, maxShards: 64, preset })).targetShards;
    expect(target('economy')).toBeLessThan(target('balanced'));
    expect(target('balanced')).toBeLessThan(target('safe'));
  });

  test('no flapping: the stream a scale-in leaves does not scale out again on the same traffic', () => {
    for (const preset of ['economy', 'balanced', 'safe']) {
      const presetSettings = resolveSettings({ minShards: 1, maxShards: 64, preset });
      const traffic = observe(steady(150, 3.3));
      const scaledIn = decide(traffic, state(32), presetSettings);
      expect(scaledIn.action).toBe('scale-in');
      expect(decide(traffic, state(scaledIn.targetShards), presetSettings).action).toBe('none');
    }
  });
});

describe('UpdateShardCount budget window', () => {
  test('only calls in the last 24 hours count', () => {
    const calls = [NOW - 25 * 60 * MINUTE, NOW - 23 * 60 * MINUTE, NOW - MINUTE];
    expect(updateShardCountCallsInWindow({ now: NOW, updateShardCountCalls: calls })).toBe(2);
  });
});

describe('throttling measured before the last resize', () => {
  // The metrics of the minutes while a resize was under way show throttling against the old shard count.
  const throttledBeforeResize = [...steady(59, 1), ...steady(1, 1, 2048, { throttledRecords: 10 })];

  test('within ten minutes of a scaling action adds no burst headroom on top of the new count', () => {
    const decision = decide(observe(throttledBeforeResize), state(5, { lastScalingAt: NOW - 4 * MINUTE }), settings);
    expect(decision.action).toBe('none');
  });

  test('ten minutes after it, throttling adds burst headroom again', () => {
    const decision = decide(observe(throttledBeforeResize), state(5, { lastScalingAt: NOW - 10 * MINUTE }), settings);
    expect(decision).toMatchObject({ action: 'scale-out', targetShards: 7 });
  });
});
