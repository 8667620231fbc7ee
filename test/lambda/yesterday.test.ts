import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { sliceYesterday, withYesterday, YESTERDAY_MINUTES, YESTERDAY_REFRESH_MINUTES, YesterdayCache } from '../../lambda/autoscaler/yesterday';
import { DAY_MS, Observation, SEASONAL_LOOKAHEAD_MINUTES } from '../../src/core';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({});
const MINUTE = 60_000;
const NEWEST = Date.UTC(2026, 10, 28, 11, 58, 0);
const NOW = NEWEST + 2 * MINUTE + 30_000;
let logs: Array<Record<string, unknown>> = [];

/** Yesterday's IncomingBytes of every minute is its minutes since the epoch, so a minute's value names the minute. */
function answerWithMinute() {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const timestamps: Date[] = [];
    for (let t = input.StartTime!.getTime(); t < input.EndTime!.getTime(); t += MINUTE) timestamps.push(new Date(t));
    return {
      MetricDataResults: input.MetricDataQueries!.map((q) => ({
        Id: q.Id, Timestamps: timestamps, Values: timestamps.map((t) => (q.Id!.endsWith('m0') ? t.getTime() / MINUTE : 0)),
      })),
    };
  });
}

const observation = (newestMinuteAt: number): Observation => ({ minutes: [{ incomingBytes: 1 }], newestMinuteAt });
const run = (cache: YesterdayCache, newestMinuteAt: number, now: number) =>
  withYesterday(client, [{ streamName: 'orders', cache, observation: observation(newestMinuteAt) }], now, (entry) => logs.push(entry));

beforeEach(() => {
  cloudwatch.reset();
  logs = [];
});

test('the observation carries yesterday from the same minute to the lookahead after it, oldest first', async () => {
  answerWithMinute();
  const { observations } = await run({}, NEWEST, NOW);
  const yesterday = observations[0].sameTimeYesterday!;
  expect(yesterday).toHaveLength(SEASONAL_LOOKAHEAD_MINUTES + 1);
  expect(yesterday[0].incomingBytes).toBe((NEWEST - DAY_MS) / MINUTE);
  expect(yesterday[yesterday.length - 1].incomingBytes).toBe((NEWEST - DAY_MS) / MINUTE + SEASONAL_LOOKAHEAD_MINUTES);
});

test('the observation carries the same stretch of the day before yesterday', async () => {
  answerWithMinute();
  const { observations } = await run({}, NEWEST, NOW);
  const dayBefore = observations[0].sameTimeDayBefore!;
  expect(dayBefore).toHaveLength(SEASONAL_LOOKAHEAD_MINUTES + 1);
  expect(dayBefore[0].incomingBytes).toBe((NEWEST - 2 * DAY_MS) / MINUTE);
});

test('one fetch serves the ticks of the next 30 minutes, then it is fetched again', async () => {
  answerWithMinute();
  const cache: YesterdayCache = {};
  let calls = 0;
  for (let minute = 0; minute < YESTERDAY_REFRESH_MINUTES; minute++) {
    const { observations, calls: made } = await run(cache, NEWEST + minute * MINUTE, NOW + minute * MINUTE);
    calls += made;
    expect(observations[0].sameTimeYesterday![0].incomingBytes).toBe((NEWEST + minute * MINUTE - DAY_MS) / MINUTE);
  }
  // One call for yesterday and one for the day before.
  expect(calls).toBe(2);
  await run(cache, NEWEST + YESTERDAY_REFRESH_MINUTES * MINUTE, NOW + YESTERDAY_REFRESH_MINUTES * MINUTE);
  expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(4);
});

test('streams due together are fetched in one call', async () => {
  answerWithMinute();
  const targets = ['a', 'b', 'c'].map((streamName) => ({ streamName, cache: {}, observation: observation(NEWEST) }));
  const { calls, observations } = await withYesterday(client, targets, NOW, () => {});
  expect(calls).toBe(2);
  expect(observations.every((o) => o.sameTimeYesterday?.length === YESTERDAY_MINUTES)).toBe(true);
  expect(observations.every((o) => o.sameTimeDayBefore?.length === YESTERDAY_MINUTES)).toBe(true);
});

test('a failed fetch loses only the seasonal floor, is logged, and is not retried at once', async () => {
  cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  const cache: YesterdayCache = {};
  const { observations } = await run(cache, NEWEST, NOW);
  expect(observations[0]).toEqual(observation(NEWEST));
  expect(logs).toEqual([expect.objectContaining({ level: 'warn', message: 'yesterday-not-read', errorName: 'ThrottlingException' })]);
  await run(cache, NEWEST + MINUTE, NOW + MINUTE);
  expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
});

test('a window that does not cover the observation gives nothing', () => {
  const window = { startMinute: NEWEST - DAY_MS, minutes: Array.from({ length: YESTERDAY_MINUTES }, () => ({})), fetchedAt: NOW };
  expect(sliceYesterday(window, NEWEST)).toHaveLength(YESTERDAY_MINUTES);
  expect(sliceYesterday(window, NEWEST + DAY_MS, 2)).toHaveLength(YESTERDAY_MINUTES);
  expect(sliceYesterday(window, NEWEST + MINUTE)).toBeUndefined();
  expect(sliceYesterday(window, NEWEST - MINUTE)).toBeUndefined();
});

test('an observation without a newest minute is not fetched for', async () => {
  const { calls, observations } = await withYesterday(client, [{ streamName: 'orders', cache: {}, observation: { minutes: [] } }], NOW, () => {});
  expect([calls, observations[0].sameTimeYesterday]).toEqual([0, undefined]);
});
