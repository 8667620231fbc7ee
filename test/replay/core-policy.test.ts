import { SEASONAL_LOOKAHEAD_MINUTES, TickInput, TickOutput } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { simulateProvisioned } from '../../src/replay/engine';
import { Demand, UNIFORM } from '../../src/replay/model';

/** Every tick the core was given, and what it returned; the core's own tick runs, its memory marked with the minute. */
const mockTicks: Array<{ input: TickInput; output: TickOutput }> = [];
jest.mock('../../src/core/tick', () => {
  const actual = jest.requireActual('../../src/core/tick');
  return {
    ...actual,
    tick: (input: TickInput) => {
      const output: TickOutput = actual.tick(input);
      // A field only the core would store: it must come back on the next tick as it was returned.
      const marked = { ...output, memory: { ...output.memory, activeSince: input.now } };
      mockTicks.push({ input, output: marked });
      return marked;
    },
  };
});

const MIB = 1024 * 1024;
const DAY = 1440;

/** Two days and a bit: quiet, a rise that makes `balanced` scale out, quiet again. */
function demand(): Demand[] {
  return Array.from({ length: 2 * DAY + 300 }, (_, m) => {
    const mib = m % DAY >= 600 && m % DAY < 700 ? 6 : 1;
    return { bytesPerSecond: mib * MIB, recordsPerSecond: mib * 128 };
  });
}

beforeAll(() => {
  mockTicks.length = 0;
  simulateProvisioned(corePolicy('balanced', false), { demand: demand(), keys: UNIFORM, metricLagMinutes: 2, conditions: { burstiness: 1, readers: 1 } });
});

test('the core ticks every minute, UPDATING while a resize runs, so it can see a resize through', () => {
  expect(mockTicks.map((t) => t.input.now)).toEqual(demand().map((_, m) => m * 60_000));
  const started = mockTicks.findIndex((t) => t.output.step?.kind === 'UpdateShardCount');
  expect(started).toBeGreaterThan(0);
  expect(mockTicks[started + 1].input.status).toBe('UPDATING');
  expect(mockTicks.filter((t) => t.input.status === 'UPDATING').every((t) => t.output.step === undefined)).toBe(true);
  expect(mockTicks[0].input.status).toBe('ACTIVE');
});

test('the whole memory the core returns comes back on the next tick', () => {
  for (let i = 1; i < mockTicks.length; i++) expect(mockTicks[i].input.memory).toBe(mockTicks[i - 1].output.memory);
  expect(mockTicks[1].input.memory.activeSince).toBe(0);
});

test('the newest minute is placed in time, without read metrics for one reader (reads cannot bind: the handler reads none)', () => {
  const t = mockTicks[100];
  const minutes = t.input.observation.minutes;
  // Metrics lag 2 minutes: at minute 100 the newest visible minute is 98.
  expect(t.input.observation.newestMinuteAt).toBe(98 * 60_000);
  expect(minutes[minutes.length - 1]).toEqual({
    incomingBytes: expect.any(Number), incomingRecords: expect.any(Number), throttledRecords: 0, iteratorAgeMs: 0,
  });
  expect(mockTicks[0].input.observation.newestMinuteAt).toBeUndefined();
});

test('yesterday\'s minutes start 24 hours before the newest and reach the look-ahead past it; none on the first day', () => {
  const newest = (i: number) => mockTicks[i].input.observation.minutes[mockTicks[i].input.observation.minutes.length - 1];
  expect(mockTicks[DAY + 1].input.observation.sameTimeYesterday).toBeUndefined();
  const i = DAY + 500;
  const yesterday = mockTicks[i].input.observation.sameTimeYesterday!;
  expect(yesterday).toHaveLength(SEASONAL_LOOKAHEAD_MINUTES + 1);
  // The tick a day earlier saw that same minute as its newest, and the look-ahead's last minute 120 ticks after that.
  expect(yesterday[0]).toBe(newest(i - DAY));
  expect(yesterday[SEASONAL_LOOKAHEAD_MINUTES]).toBe(newest(i - DAY + SEASONAL_LOOKAHEAD_MINUTES));
});
