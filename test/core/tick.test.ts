import {
  CALL_RECORD_MARGIN_MS, EMPTY_MEMORY, MIB, Memory, MinuteMetrics, PolicySettings, resolveSettings, tick, TickInput, uniformShards,
  updateShardCountCallsInWindow,
} from '../../src/core';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0, 500);
const MINUTE = 60_000;
// Behaviour specs pin their own numbers, so retuning a preset on the benchmark never rewrites them.
const settings: PolicySettings = { ...resolveSettings({ minShards: 1, maxShards: 64, preset: 'balanced' }), targetUtilization: 0.65, scaleOutUtilization: 0.8 };

function minutes(count: number, mibPerSecond: number): MinuteMetrics[] {
  const bytes = mibPerSecond * MIB * 60;
  return Array.from({ length: count }, () => ({ incomingBytes: bytes, incomingRecords: bytes / 2048, throttledRecords: 0, iteratorAgeMs: 0 }));
}

function input(shards: number, mibPerSecond: number, memory: Memory = EMPTY_MEMORY, extra: Partial<TickInput> = {}): TickInput {
  return {
    observation: { minutes: minutes(60, mibPerSecond) },
    memory,
    shards: uniformShards(shards),
    status: 'ACTIVE',
    mode: 'PROVISIONED',
    settings,
    now: NOW,
    ...extra,
  };
}

test('a step comes with the memory that records it, later than the call and rounded up to the second', () => {
  const out = tick(input(2, 3.5));

  expect(out.step).toEqual({ kind: 'UpdateShardCount', targetShardCount: 4 });
  const recorded = Math.ceil((NOW + CALL_RECORD_MARGIN_MS) / 1000) * 1000;
  expect(out.memory.updateShardCountCalls).toEqual([recorded]);
  expect(out.memory.lastScalingAt).toBe(recorded);
  expect(recorded).toBeGreaterThan(NOW);
  expect(recorded % 1000).toBe(0);
  // Recorded ahead of time, it counts against the budget from now on, not only once that time has come.
  expect(updateShardCountCallsInWindow({ now: NOW, updateShardCountCalls: out.memory.updateShardCountCalls })).toBe(1);
});

test('one step per tick: only the first operation towards the target', () => {
  // 3.5 MiB/s needs 6 shards; from 2 that is two UpdateShardCount calls, but a tick starts only the first.
  expect(tick(input(2, 3.5)).decision.targetShards).toBe(6);
  expect(tick(input(2, 3.5)).step).toEqual({ kind: 'UpdateShardCount', targetShardCount: 4 });
});

test('a split or merge records the scaling time but not an UpdateShardCount call', () => {
  const spent: Memory = { ...EMPTY_MEMORY, updateShardCountCalls: Array.from({ length: 10 }, (_, i) => NOW - (i + 1) * MINUTE) };
  const out = tick(input(2, 3.5, spent));

  expect(out.step?.kind).toBe('SplitShard');
  expect(out.memory.updateShardCountCalls).toEqual(spent.updateShardCountCalls);
  expect(out.memory.lastScalingAt).toBeGreaterThan(NOW);
});

test('nothing to do leaves the memory as it was', () => {
  const memory: Memory = { ...EMPTY_MEMORY, lastScalingAt: NOW - 5 * MINUTE, activeSince: NOW - 4 * MINUTE };
  const out = tick(input(4, 1.5, memory));
  expect(out).toEqual({ decision: expect.objectContaining({ action: 'none' }), memory });
});

test('the first tick that sees the stream ACTIVE after a scaling call records when', () => {
  const memory: Memory = { ...EMPTY_MEMORY, lastScalingAt: NOW - 5 * MINUTE, activeSince: NOW - 60 * MINUTE };
  expect(tick(input(4, 1.5, memory, { status: 'UPDATING' })).memory.activeSince).toBe(NOW - 60 * MINUTE);
  expect(tick(input(4, 1.5, memory)).memory.activeSince).toBe(NOW);
});

test('dry run decides but returns no step and no new memory', () => {
  const out = tick(input(2, 3.5, EMPTY_MEMORY, { settings: { ...settings, dryRun: true } }));
  expect(out.decision.action).toBe('scale-out');
  expect(out.step).toBeUndefined();
  expect(out.memory).toBe(EMPTY_MEMORY);
});

test('a reconcile in flight holds every operation until its marker expires', () => {
  const memory: Memory = { ...EMPTY_MEMORY, reconcilingUntil: NOW + 5 * MINUTE };
  expect(tick(input(2, 3.5, memory))).toMatchObject({ decision: { action: 'none', reason: 'a deploy-time reconcile is in flight' } });
  expect(tick(input(2, 3.5, memory, { now: NOW + 6 * MINUTE })).step).toBeDefined();
});

test('while UpdateShardCount is blocked, a scale-out splits', () => {
  const memory: Memory = { ...EMPTY_MEMORY, updateShardCountBlockedUntil: NOW + 10 * MINUTE };
  expect(tick(input(2, 3.5, memory)).step?.kind).toBe('SplitShard');
});

test.each([
  ['the kill switch', { paused: true }],
  ['a recent scaling action (cooldown)', { lastScalingAt: NOW - MINUTE }],
  ['a spent budget', { updateShardCountCalls: Array.from({ length: 10 }, (_, i) => NOW - (i + 1) * MINUTE) }],
  ['a reconcile in flight', { reconcilingUntil: NOW + MINUTE }],
] as Array<[string, Partial<Memory>]>)('memory only ever holds back: with %s, no action where the empty memory has none', (_, extra) => {
  // Why the handler need not read a stream's tags when the empty memory already says "nothing to do".
  for (const [shards, load] of [[4, 1.5], [8, 0.4], [2, 3.5], [64, 60]]) {
    const unknown = tick(input(shards, load)).decision.action;
    const known = tick(input(shards, load, { ...EMPTY_MEMORY, ...extra })).decision.action;
    if (unknown === 'none') expect(known).toBe('none');
  }
});

describe('a headroom probe judged key-bound', () => {
  // 8 shards throttled 50 records/s at 2.4 MiB/s; the probe added 2 and the share of writes refused did not halve.
  const throttled = (count: number): MinuteMetrics[] =>
    minutes(count, 2.4).map((m) => ({ ...m, incomingRecords: 2.4 * 1024 * 60, throttledRecords: 50 * 60 }));
  const probed: Memory = {
    ...EMPTY_MEMORY,
    lastScalingAt: NOW - 10 * MINUTE,
    activeSince: NOW - 9 * MINUTE,
    throttledAt: { shards: 8, at: NOW - 11 * MINUTE },
    headroomSteps: [NOW - 10 * MINUTE],
    headroomProbe: { at: NOW - 10 * MINUTE, shards: 8, throttleRatio: 50 / (2.4 * 1024 + 50) },
  };
  const judged = (memory: Memory) => tick(input(10, 2.4, memory, { observation: { minutes: throttled(60), newestMinuteAt: NOW - 2 * MINUTE } }));

  test('drops the throttle floor recorded at the probe\'s count: that throttling was the key\'s, not the shards\'', () => {
    const out = judged(probed);
    expect(out.decision.keyBound).toBe(true);
    expect(out.memory.throttledAt).toBeUndefined();
    expect(out.memory.keyBound).toBeDefined();
  });

  test('keeps a floor above the probe\'s count, which capacity-bound throttling set at more shards', () => {
    const out = judged({ ...probed, throttledAt: { shards: 9, at: NOW - 11 * MINUTE } });
    expect(out.decision.keyBound).toBe(true);
    expect(out.memory.throttledAt).toEqual({ shards: 9, at: NOW - 11 * MINUTE });
  });
});
