import { CALL_RECORD_MARGIN_MS, changedRememberedTags, formatTimestamp, HEADROOM_STEPS_KEPT, readState, recordedCallTime, STATE_TAGS, stateTags } from '../../src/core';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const HOUR = 3_600_000;

test('no tags is a fresh state: no calls, no cooldown, not paused', () => {
  expect(readState({})).toEqual({
    paused: false, updateShardCountCalls: [], lastScalingAt: undefined, updateShardCountBlockedUntil: undefined, reconcilingUntil: undefined,
  });
});

test('timestamps are rounded up to the second, never down', () => {
  expect(formatTimestamp(Date.UTC(2026, 10, 28, 12, 0, 0, 500))).toBe('2026-11-28T12:00:01Z');
  expect(formatTimestamp(Date.UTC(2026, 10, 28, 12, 0, 0, 0))).toBe('2026-11-28T12:00:00Z');
});

test('a recorded call lies at least the margin after the moment it was recorded', () => {
  const at = Date.UTC(2026, 10, 28, 12, 0, 0, 1);
  expect(recordedCallTime(at) - at).toBeGreaterThanOrEqual(CALL_RECORD_MARGIN_MS);
  expect(recordedCallTime(at) % 1000).toBe(0);
});

test('the reconcile marker reads back as a time', () => {
  expect(readState({ [STATE_TAGS.reconcilingUntil]: '2026-11-28T12:05:00Z' }).reconcilingUntil).toBe(Date.UTC(2026, 10, 28, 12, 5, 0));
});

test('state written as tags reads back the same, without calls older than a day', () => {
  const tags = stateTags({ updateShardCountCalls: [NOW - 25 * HOUR, NOW - 2 * HOUR, NOW - HOUR], lastScalingAt: NOW - HOUR }, NOW);

  expect(tags[STATE_TAGS.updateShardCountCalls]).toBe('2026-11-28T10:00:00Z 2026-11-28T11:00:00Z');
  expect(readState(tags)).toEqual({
    paused: false,
    updateShardCountCalls: [NOW - 2 * HOUR, NOW - HOUR],
    lastScalingAt: NOW - HOUR,
    updateShardCountBlockedUntil: undefined,
    reconcilingUntil: undefined,
  });
});

test('ten calls fit the 256-character tag value limit', () => {
  const tags = stateTags({ updateShardCountCalls: Array.from({ length: 10 }, (_, i) => NOW - i * HOUR) }, NOW);
  expect(tags[STATE_TAGS.updateShardCountCalls].length).toBeLessThanOrEqual(256);
});

test.each(['true', 'false'])('the kill switch tag reads %s', (value) => {
  expect(readState({ [STATE_TAGS.paused]: value }).paused).toBe(value === 'true');
});

test.each([
  [STATE_TAGS.paused, 'yes', `tag ${STATE_TAGS.paused} must be "true" or "false", received "yes"`],
  [STATE_TAGS.updateShardCountCalls, '1732800000', `tag ${STATE_TAGS.updateShardCountCalls} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "1732800000"`],
  [STATE_TAGS.lastScalingAt, '2026-13-40T99:00:00Z', `tag ${STATE_TAGS.lastScalingAt} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "2026-13-40T99:00:00Z"`],
])('a corrupted %s tag (%s) is an error that names it', (tag, value, message) => {
  expect(() => readState({ [tag]: value })).toThrow(message);
});

describe('the memory that must survive a cold start', () => {
  const AT = Date.UTC(2026, 10, 28, 11, 30, 0);
  const MAX = 2n ** 128n - 1n;

  test('throttledAt reads back from its tag', () => {
    const tags = stateTags({ updateShardCountCalls: [], throttledAt: { shards: 12, at: AT } }, NOW);
    expect(tags[STATE_TAGS.throttledAt]).toBe('shards=12 at=2026-11-28T11:30:00Z');
    expect(readState(tags).throttledAt).toEqual({ shards: 12, at: AT });
  });

  test('headroomSteps read back without those older than a day', () => {
    const tags = stateTags({ updateShardCountCalls: [], headroomSteps: [NOW - 25 * HOUR, AT, NOW - 2 * HOUR] }, NOW);
    expect(tags[STATE_TAGS.headroomSteps]).toBe('2026-11-28T10:00:00Z 2026-11-28T11:30:00Z');
    expect(readState(tags).headroomSteps).toEqual([NOW - 2 * HOUR, AT]);
  });

  test('headroomProbe reads back from its tag, ratio exact', () => {
    const probe = { at: AT, shards: 8, throttleRatio: 0.012345678901234567 };
    const tags = stateTags({ updateShardCountCalls: [], headroomProbe: probe }, NOW);
    expect(tags[STATE_TAGS.headroomProbe]).toBe(`at=2026-11-28T11:30:00Z shards=8 throttle-ratio=${String(probe.throttleRatio)}`);
    expect(readState(tags).headroomProbe).toEqual(probe);
  });

  test('hotSplit reads back with its hash keys in decimal', () => {
    const split = { at: AT, start: 2n ** 127n, end: MAX, load: 0.93 };
    const tags = stateTags({ updateShardCountCalls: [], hotSplit: split }, NOW);
    expect(tags[STATE_TAGS.hotSplit]).toBe(`at=2026-11-28T11:30:00Z start=${2n ** 127n} end=${MAX} load=0.93`);
    expect(readState(tags).hotSplit).toEqual(split);
  });

  test('keyBound reads back with and without a range', () => {
    const whole = stateTags({ updateShardCountCalls: [], keyBound: { until: NOW + HOUR } }, NOW);
    const ranged = stateTags({ updateShardCountCalls: [], keyBound: { until: NOW + HOUR, start: 0n, end: 5n } }, NOW);
    expect(whole[STATE_TAGS.keyBound]).toBe('until=2026-11-28T13:00:00Z');
    expect(readState(whole).keyBound).toEqual({ until: NOW + HOUR });
    expect(readState(ranged).keyBound).toEqual({ until: NOW + HOUR, start: 0n, end: 5n });
  });

  test('an absent field is written empty, so a stale value is cleared, and reads back absent', () => {
    const tags = stateTags({ updateShardCountCalls: [] }, NOW);
    for (const tag of [STATE_TAGS.throttledAt, STATE_TAGS.headroomSteps, STATE_TAGS.headroomProbe, STATE_TAGS.hotSplit, STATE_TAGS.keyBound]) {
      expect(tags[tag]).toBe('');
    }
    expect(readState(tags)).toMatchObject({ throttledAt: undefined, headroomSteps: undefined, hotSplit: undefined, keyBound: undefined });
  });

  test('timestamps of the memory are rounded up to the second', () => {
    const tags = stateTags({ updateShardCountCalls: [], throttledAt: { shards: 3, at: AT + 1 } }, NOW);
    expect(readState(tags).throttledAt).toEqual({ shards: 3, at: AT + 1000 });
  });

  test('only the newest headroom steps that fit are kept', () => {
    const steps = Array.from({ length: 20 }, (_, i) => NOW - i * 60_000);
    const tags = stateTags({ updateShardCountCalls: [], headroomSteps: steps }, NOW);
    expect(readState(tags).headroomSteps).toEqual(steps.slice(0, HEADROOM_STEPS_KEPT).reverse());
  });

  test('the longest possible values fit 256 characters in the tag alphabet', () => {
    const FAR = Date.UTC(9999, 11, 31, 23, 59, 59);
    const tags = stateTags({
      updateShardCountCalls: Array.from({ length: 10 }, (_, i) => NOW - i * HOUR),
      lastScalingAt: FAR,
      updateShardCountBlockedUntil: FAR,
      throttledAt: { shards: 999_999_999, at: FAR },
      headroomSteps: Array.from({ length: 100 }, (_, i) => NOW - i * 60_000),
      headroomProbe: { at: FAR, shards: 999_999_999, throttleRatio: 1.2345678901234567e-300 },
      hotSplit: { at: FAR, start: MAX, end: MAX, load: Number.MAX_VALUE },
      keyBound: { until: FAR, start: MAX, end: MAX },
    }, NOW);
    for (const [key, value] of Object.entries(tags)) {
      expect({ key, fits: value.length <= 256 }).toEqual({ key, fits: true });
      expect(value).toMatch(/^[\p{L}\p{N} _.:/=+\-@]*$/u);
    }
    expect(Object.keys(tags).length).toBeLessThanOrEqual(10);
  });

  test('a field the core left out is not a change; a changed one is', () => {
    const held = { throttledAt: { shards: 4, at: AT } };
    expect(changedRememberedTags({ throttledAt: { shards: 4, at: AT - 1 } }, held, NOW)).toEqual({});
    expect(changedRememberedTags({ throttledAt: { shards: 5, at: AT } }, held, NOW)).toEqual({ [STATE_TAGS.throttledAt]: 'shards=5 at=2026-11-28T11:30:00Z' });
  });

  test('a headroom step ageing out of the day is not a change', () => {
    expect(changedRememberedTags({ headroomSteps: [NOW - 2 * HOUR] }, { headroomSteps: [NOW - 25 * HOUR, NOW - 2 * HOUR] }, NOW)).toEqual({});
  });

  test.each([
    [STATE_TAGS.throttledAt, '12@2026-11-28T11:30:00Z', 'shards=12 at=2026-01-31T12:00:00Z'],
    [STATE_TAGS.throttledAt, 'shards=1.5 at=2026-11-28T11:30:00Z', 'shards=12 at=2026-01-31T12:00:00Z'],
    [STATE_TAGS.throttledAt, 'shards=12', 'shards=12 at=2026-01-31T12:00:00Z'],
    [STATE_TAGS.throttledAt, 'shards=12 at=2026-13-40T99:00:00Z', 'shards=12 at=2026-01-31T12:00:00Z'],
    [STATE_TAGS.headroomProbe, 'at=2026-11-28T11:30:00Z shards=8 throttle-ratio=NaN', 'at=2026-01-31T12:00:00Z shards=12 throttle-ratio=0.05'],
    [STATE_TAGS.hotSplit, `at=2026-11-28T11:30:00Z start=0 end=${2n ** 128n} load=1`, 'at=2026-01-31T12:00:00Z start=0 end=1000 load=0.9'],
    [STATE_TAGS.hotSplit, 'at=2026-11-28T11:30:00Z start=0 end=1 load=1 extra=2', 'at=2026-01-31T12:00:00Z start=0 end=1000 load=0.9'],
    [STATE_TAGS.keyBound, 'until=2026-11-28T11:30:00Z start=0', 'until=2026-01-31T12:00:00Z start=0 end=1000'],
    [STATE_TAGS.keyBound, 'until=2026-11-28T11:30:00Z until=2026-11-28T11:30:00Z', 'until=2026-01-31T12:00:00Z start=0 end=1000'],
    [STATE_TAGS.lastScaleIn, 'at=2026-11-28T11:30:00Z step=split', 'at=2026-01-31T12:00:00Z step=resize'],
  ])('a corrupted %s tag (%s) is an error that names it and its value', (tag, value, example) => {
    expect(() => readState({ [tag]: value })).toThrow(`tag ${tag} must look like "${example}", received ${JSON.stringify(value)}`);
  });

  test('lastScaleIn and undoneScaleIns read back from their tags', () => {
    const tags = stateTags({ updateShardCountCalls: [], lastScaleIn: { at: AT, resized: true }, undoneScaleIns: [NOW - 2 * HOUR, AT] }, NOW);
    expect(tags[STATE_TAGS.lastScaleIn]).toBe('at=2026-11-28T11:30:00Z step=resize');
    expect(tags[STATE_TAGS.undoneScaleIns]).toBe('2026-11-28T10:00:00Z 2026-11-28T11:30:00Z');
    expect(readState(tags)).toMatchObject({ lastScaleIn: { at: AT, resized: true }, undoneScaleIns: [NOW - 2 * HOUR, AT] });
    const merged = stateTags({ updateShardCountCalls: [], lastScaleIn: { at: AT, resized: false } }, NOW);
    expect(readState(merged).lastScaleIn).toEqual({ at: AT, resized: false });
  });

  test('a corrupted undone-scale-ins tag is an error that names it', () => {
    expect(() => readState({ [STATE_TAGS.undoneScaleIns]: 'often' })).toThrow(
      `tag ${STATE_TAGS.undoneScaleIns} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "often"`);
  });

  test('a corrupted headroom-steps tag is an error that names it', () => {
    expect(() => readState({ [STATE_TAGS.headroomSteps]: 'yesterday' })).toThrow(
      `tag ${STATE_TAGS.headroomSteps} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "yesterday"`);
  });

  test('a value that could not be read back is refused before it is written', () => {
    expect(() => stateTags({ updateShardCountCalls: [], headroomProbe: { at: AT, shards: 2, throttleRatio: NaN } }, NOW))
      .toThrow('headroomProbe.throttleRatio must be a finite number of at least 0 to be recorded, received NaN');
  });
});
