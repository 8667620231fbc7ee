import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { fetchYesterday, MAX_PUBLISH_LAG_MINUTES } from './cloudwatch-port';
import { DAY_MS, MinuteMetrics, Observation, SEASONAL_LOOKAHEAD_MINUTES } from '../../src/core';
import { errorName } from '../shared/kinesis-errors';

/**
 * How long a stream's copy of yesterday is used before it is fetched again. GetMetricData bills every metric requested,
 * and yesterday does not change: one fetch covers this many minutes of ticks.
 */
export const YESTERDAY_REFRESH_MINUTES = 30;
/** After a failed fetch, the streams go without a seasonal floor for this long before it is tried again. */
export const YESTERDAY_RETRY_MINUTES = 5;
/** Minutes of yesterday an observation carries: the minute 24 hours before its newest, and the lookahead after it. */
export const YESTERDAY_MINUTES = SEASONAL_LOOKAHEAD_MINUTES + 1;

const MINUTE_MS = 60_000;

/** One stream's copy of yesterday, starting at `startMinute` (epoch ms). */
export interface YesterdayWindow {
  readonly startMinute: number;
  readonly minutes: readonly MinuteMetrics[];
  readonly fetchedAt: number;
}

/** What a warm function keeps of yesterday (and the day before) for one stream (part of its cache entry). */
export interface YesterdayCache {
  yesterday?: YesterdayWindow;
  /** The same stretch the day before yesterday, fetched with it: a rise that came back two days running is predicted. */
  dayBefore?: YesterdayWindow;
  /** A fetch failed: not before this again. */
  yesterdayRetryAt?: number;
}

/**
 * The minutes of `window` that match an observation whose newest minute starts at `newestMinuteAt`, `daysBack` days
 * earlier (1: yesterday), if it holds them all.
 */
export function sliceYesterday(window: YesterdayWindow | undefined, newestMinuteAt: number, daysBack = 1): MinuteMetrics[] | undefined {
  if (!window) return undefined;
  const offset = (newestMinuteAt - daysBack * DAY_MS - window.startMinute) / MINUTE_MS;
  if (!Number.isInteger(offset) || offset < 0 || offset + YESTERDAY_MINUTES > window.minutes.length) return undefined;
  return window.minutes.slice(offset, offset + YESTERDAY_MINUTES);
}

export interface YesterdayTarget {
  readonly streamName: string;
  readonly cache: YesterdayCache;
  readonly observation: Observation;
}

/**
 * Each observation with `sameTimeYesterday` and `sameTimeDayBefore` filled in from the stream's cached copies, fetching (in as few calls as the
 * limits allow, for every stream that needs it at once) only copies that are older than YESTERDAY_REFRESH_MINUTES or
 * no longer cover the observation. The window fetched reaches the refresh period (and the publishing lag either side)
 * past what is needed now, so the next ticks are served from it. A failed fetch loses only the seasonal floor.
 */
export async function withYesterday(
  client: CloudWatchClient, targets: readonly YesterdayTarget[], now: number, log: (entry: Record<string, unknown>) => void,
): Promise<{ observations: Observation[]; calls: number }> {
  const due = targets.filter(({ cache, observation }) => observation.newestMinuteAt !== undefined
    && (cache.yesterdayRetryAt === undefined || now >= cache.yesterdayRetryAt)
    && (cache.yesterday === undefined || now >= cache.yesterday.fetchedAt + YESTERDAY_REFRESH_MINUTES * MINUTE_MS
      || sliceYesterday(cache.yesterday, observation.newestMinuteAt!) === undefined));
  let calls = 0;
  if (due.length > 0) {
    const newest = due.map((t) => t.observation.newestMinuteAt!);
    const startMinute = Math.min(...newest) - DAY_MS - MAX_PUBLISH_LAG_MINUTES * MINUTE_MS;
    const endMinute = Math.max(...newest) - DAY_MS + (YESTERDAY_MINUTES + YESTERDAY_REFRESH_MINUTES + MAX_PUBLISH_LAG_MINUTES) * MINUTE_MS;
    const minutes = (endMinute - startMinute) / MINUTE_MS;
    try {
      const streamNames = due.map((t) => t.streamName);
      const yesterday = await fetchYesterday(client, streamNames, startMinute, minutes);
      const dayBefore = await fetchYesterday(client, streamNames, startMinute - DAY_MS, minutes);
      calls = yesterday.calls + dayBefore.calls;
      due.forEach((t, i) => {
        t.cache.yesterday = { startMinute, minutes: yesterday.windows[i], fetchedAt: now };
        t.cache.dayBefore = { startMinute: startMinute - DAY_MS, minutes: dayBefore.windows[i], fetchedAt: now };
        t.cache.yesterdayRetryAt = undefined;
      });
    } catch (e) {
      // Without yesterday the core has no seasonal floor and sizes from today alone, as it did before there was one.
      calls = 1;
      for (const t of due) t.cache.yesterdayRetryAt = now + YESTERDAY_RETRY_MINUTES * MINUTE_MS;
      log({
        level: 'warn',
        message: 'yesterday-not-read',
        streams: due.length,
        error: (e as Error).message ?? String(e),
        errorName: errorName(e),
        detail: `no seasonal floor for these streams; tried again in ${YESTERDAY_RETRY_MINUTES} minutes`,
      });
    }
  }
  const observations = targets.map(({ cache, observation }) => {
    const at = observation.newestMinuteAt;
    const sameTimeYesterday = at === undefined ? undefined : sliceYesterday(cache.yesterday, at);
    const sameTimeDayBefore = at === undefined ? undefined : sliceYesterday(cache.dayBefore, at, 2);
    return {
      ...observation,
      ...(sameTimeYesterday ? { sameTimeYesterday } : {}),
      ...(sameTimeDayBefore ? { sameTimeDayBefore } : {}),
    };
  });
  return { observations, calls };
}
