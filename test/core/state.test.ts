import { CALL_RECORD_MARGIN_MS, formatTimestamp, readState, recordedCallTime, STATE_TAGS, stateTags } from '../../src/core';

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
