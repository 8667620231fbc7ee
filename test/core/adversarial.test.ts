import { decide, MAX_HASH_KEY, MIB, MinuteMetrics, PolicyMemory, PolicySettings, resolveSettings, StreamState, tick, EMPTY_MEMORY, uniformShards } from '../../src/core';

/** Stale or contradictory memory (issue 10 adversarial review): what the tags say must not outlive what it was about. */
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const settings: PolicySettings = { ...resolveSettings({ minShards: 1, maxShards: 64, preset: 'balanced' }) };

function steady(count: number, mibPerSecond: number, throttledPerSecond = 0): MinuteMetrics[] {
  const bytes = mibPerSecond * MIB * 60;
  return Array.from({ length: count }, () => ({ incomingBytes: bytes, incomingRecords: bytes / 2048, throttledRecords: throttledPerSecond * 60 }));
}

function state(shards: number, extra: Partial<StreamState & PolicyMemory> = {}): StreamState & PolicyMemory {
  return { shards: uniformShards(shards), status: 'ACTIVE', mode: 'PROVISIONED', now: NOW, updateShardCountCalls: [], ...extra };
}

describe('a key-bound range judged by a hot-shard split, long past its hold, without shard-level metrics now', () => {
  // Shard-level metrics were turned off (or another tool resized the stream): nothing can show the key is still there.
  const stale = { keyBound: { until: NOW - 2 * HOUR, start: 0n, end: MAX_HASH_KEY / 64n } };
  const observation = { minutes: steady(40, 4, 50), newestMinuteAt: NOW - 2 * MINUTE };

  test('throttling at low utilization is probed again, not judged key-bound for ever', () => {
    // 4 MiB/s on 10 shards is 40 %: the same evidence with no memory adds a headroom probe.
    const decision = decide(observation, state(10, stale), settings);
    expect(decision.keyBound).toBe(false);
    expect(decision.action).toBe('scale-out');
  });

  test('the tick forgets it', () => {
    const out = tick({ observation, memory: { ...EMPTY_MEMORY, ...stale }, shards: uniformShards(10), status: 'ACTIVE', mode: 'PROVISIONED', settings, now: NOW });
    expect(out.memory.keyBound).toBeUndefined();
  });

  test('a scale-in is free to even the map with UpdateShardCount', () => {
    const decision = decide({ minutes: steady(40, 1), newestMinuteAt: NOW - 2 * MINUTE }, state(10, stale), settings);
    expect(decision.action).toBe('scale-in');
    expect(decision.keepLayout).toBe(false);
  });
});

describe('a headroom probe that was never judged (its step was refused, or someone resized the stream)', () => {
  // Recorded a day ago at 20 shards with 0.1 % refused; the stream has been at 10 since, and now grows to 25 for demand.
  const stale = {
    headroomProbe: { at: NOW - 26 * HOUR, shards: 20, throttleRatio: 0.001 }, lastScalingAt: NOW - 20 * MINUTE, activeSince: NOW - 15 * MINUTE,
  };
  // 10 MiB/s on 25 shards is 40 %: throttling here is as likely bursts as a hot key, and nothing has probed it yet.
  const observation = { minutes: steady(40, 10, 20), newestMinuteAt: NOW - 2 * MINUTE };

  test('does not judge today\'s throttling key-bound against a ratio measured on other traffic', () => {
    const decision = decide(observation, state(25, stale), settings);
    expect(decision.keyBound).toBe(false);
    expect(decision.learnt?.keyBound).toBeUndefined();
  });

  test('is cleared', () => {
    const quiet = { minutes: steady(40, 1), newestMinuteAt: NOW - 2 * MINUTE };
    const out = tick({ observation: quiet, memory: { ...EMPTY_MEMORY, ...stale }, shards: uniformShards(10), status: 'ACTIVE', mode: 'PROVISIONED', settings, now: NOW });
    expect(out.memory.headroomProbe).toBeUndefined();
  });
});

describe('producers stop: CloudWatch publishes no IncomingBytes datapoint for a minute without writes', () => {
  // scaling-utils counts missing minutes as low for this reason (../shared/kinesis-facts.md); the replay engine always
  // publishes 0, so no replay shows it. Was: "no metrics for this stream yet", for ever: a stream left at 40 shards
  // cost 40 shard-hours an hour until someone noticed. Now it scales in once the same stretch of yesterday was silent
  // too (a metrics outage of hours is not idleness: test/replay/adversarial-v3.test.ts).
  const empty = (count: number) => Array.from({ length: count }, (): MinuteMetrics => ({}));
  const silent = { minutes: empty(25), newestMinuteAt: NOW - 2 * MINUTE, sameTimeYesterday: empty(121) };
  const quiet = { lastScalingAt: NOW - 6 * HOUR, throttledAt: undefined };

  test('six hours after the last scaling action, an idle stream above minShards scales in', () => {
    expect(decide(silent, state(40, quiet), settings).action).toBe('scale-in');
  });
});

describe('maxShards lowered below the open shards after five UpdateShardCount calls today', () => {
  const lowered = { ...settings, maxShards: 7 };
  const calls = Array.from({ length: 5 }, (_, i) => NOW - (i + 2) * HOUR);

  // Was: the decision is scale-in to 7, but scale-ins left the last 5 calls to scale-outs and no merge from 10 even
  // shards keeps the map worth 7, so no step: the stream stayed above the ceiling until a call left the window.
  test('a step towards maxShards is taken at once: the ceiling is a bound, not a preference', () => {
    const out = tick({
      observation: { minutes: steady(25, 2), newestMinuteAt: NOW - 2 * MINUTE },
      memory: { ...EMPTY_MEMORY, updateShardCountCalls: calls, lastScalingAt: NOW - 2 * HOUR },
      shards: uniformShards(10),
      status: 'ACTIVE',
      mode: 'PROVISIONED',
      settings: lowered,
      now: NOW,
    });
    expect(out.decision).toMatchObject({ action: 'scale-in', targetShards: 7 });
    expect(out.step).toEqual({ kind: 'UpdateShardCount', targetShardCount: 7 });
  });
});

describe('a headroom probe measured while demand rises', () => {
  // The probe went 8 -> 10 shards 20 minutes ago at 0.5 % refused. Before the call the stream accepted at most
  // 4 MiB/s; on the new shards it accepts 5.5 MiB/s and still refuses 0.5 %: the shards were used, by new demand.
  const probe = { at: NOW - 20 * MINUTE, shards: 8, throttleRatio: 0.005 };
  const memory = { headroomProbe: probe, lastScalingAt: NOW - 20 * MINUTE, activeSince: NOW - 15 * MINUTE };
  const minutes = [...steady(8, 4, 5), ...steady(17, 5.5, 7)];

  test('is judged helped: the added shards carried more than the stream ever accepted before', () => {
    const decision = decide({ minutes, newestMinuteAt: NOW - 2 * MINUTE }, state(10, memory), settings);
    expect(decision.keyBound).toBe(false);
    expect(decision.learnt).toMatchObject({ probeJudged: true });
    expect(decision.learnt?.keyBound).toBeUndefined();
  });

  test('the same refused share at the same accepted traffic is still key-bound', () => {
    const flat = [...steady(8, 4, 5), ...steady(17, 4, 7)];
    expect(decide({ minutes: flat, newestMinuteAt: NOW - 2 * MINUTE }, state(10, memory), settings).learnt?.keyBound).toBeDefined();
  });
});
