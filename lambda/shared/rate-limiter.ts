import { KINESIS_API_RATES } from '../../src/core';

/**
 * The share of each documented account rate one tick allows itself: the rest is left to every other tool, stack and
 * autoscaler in the account, which draw from the same per-account budgets.
 */
export const DEFAULT_RATE_SHARE = 0.8;

/**
 * Client-side rate limiting shared by everything one invocation sends: calls of one API are spaced evenly at the
 * share of the account's documented rate (KINESIS_API_RATES), so our own calls never burst into a LimitExceeded.
 */
export class RateLimiter {
  private readonly nextSlot = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly share = DEFAULT_RATE_SHARE,
  ) {}

  /** Waits until this call may start. */
  public async acquire(api: string, streamName?: string): Promise<void> {
    const rate = KINESIS_API_RATES[api];
    if (!rate) return;
    const key = rate.perStream ? `${api}:${streamName}` : api;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + 1000 / (rate.perSecond * this.share));
    if (slot > now) await this.sleep(slot - now);
  }

  /** How long a call of `api` queued now would wait, in milliseconds. */
  public delay(api: string): number {
    return Math.max(0, (this.nextSlot.get(api) ?? 0) - this.now());
  }
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
