import { KINESIS_API_RATES } from '../../src/core';

/**
 * The share of each documented account rate one tick allows itself: the rest is left to every other tool, stack and
 * autoscaler in the account, which draw from the same per-account budgets.
 */
export const DEFAULT_RATE_SHARE = 0.8;

/** A throttled API is paced at most this many times slower than its share. */
const MAX_SLOWDOWN = 8;
/** Each accepted call takes back this much of the slowdown, so the pace recovers over some dozens of calls. */
const RECOVERY = 0.9;

/**
 * Client-side rate limiting shared by everything the function sends: calls of one API are spaced evenly at the share
 * of the account's documented rate (KINESIS_API_RATES), so our own calls never burst into a LimitExceeded. When a call
 * is refused for rate anyway (other tools, or other autoscalers, spend the same account budget), that API's pace is
 * halved and recovers gradually: many functions in one account then share the budget instead of overrunning it.
 */
export class RateLimiter {
  private readonly nextSlot = new Map<string, number>();
  private readonly slowdown = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly share = DEFAULT_RATE_SHARE,
  ) {}

  /** Waits until this call may start. */
  public async acquire(api: string, streamName?: string): Promise<void> {
    const key = this.key(api, streamName);
    const rate = KINESIS_API_RATES[api];
    if (!key || !rate) return;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + (1000 / (rate.perSecond * this.share)) * (this.slowdown.get(key) ?? 1));
    if (slot > now) await this.sleep(slot - now);
  }

  /** AWS refused a call of `api` for rate: pace it at half the speed. */
  public throttled(api: string, streamName?: string): void {
    const key = this.key(api, streamName);
    if (key) this.slowdown.set(key, Math.min(MAX_SLOWDOWN, (this.slowdown.get(key) ?? 1) * 2));
  }

  /** AWS accepted a call of `api`: take back part of any slowdown. */
  public accepted(api: string, streamName?: string): void {
    const key = this.key(api, streamName);
    const slowdown = key ? this.slowdown.get(key) : undefined;
    if (!key || slowdown === undefined) return;
    if (slowdown * RECOVERY <= 1) this.slowdown.delete(key);
    else this.slowdown.set(key, slowdown * RECOVERY);
  }

  /** The current slowdown of `api` (1 when none). */
  public slowdownOf(api: string, streamName?: string): number {
    const key = this.key(api, streamName);
    return (key && this.slowdown.get(key)) || 1;
  }

  private key(api: string, streamName?: string): string | undefined {
    const rate = KINESIS_API_RATES[api];
    if (!rate) return undefined;
    return rate.perStream ? `${api}:${streamName}` : api;
  }

}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
