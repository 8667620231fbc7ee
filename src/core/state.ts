import { DAY_MS } from './limits';

/**
 * What the autoscaler remembers between invocations, kept as tags on the stream itself so a cold start, a new
 * function version or a redeploy can never forget a call and exceed a limit. Values are ISO-8601 timestamps to the
 * second, which a person can read in the console and which fit the tag alphabet and its 256-character limit. Every
 * timestamp is rounded UP to the second: a recorded call may only leave the rolling window later than AWS's count.
 */
export const STATE_TAG_PREFIX = 'kinesis-autoscaler:';
export const STATE_TAGS = {
  /** The UpdateShardCount calls of the rolling 24 hours, space-separated. */
  updateShardCountCalls: `${STATE_TAG_PREFIX}update-shard-count-calls`,
  /** When the autoscaler last changed the shard count. */
  lastScalingAt: `${STATE_TAG_PREFIX}last-scaling-at`,
  /** Until when UpdateShardCount is not tried again, after AWS refused it for a limit our tags did not see. */
  updateShardCountBlockedUntil: `${STATE_TAG_PREFIX}update-shard-count-blocked-until`,
  /** The kill switch: "true" pauses scaling of this stream, "false" (or no tag) lets it run. */
  paused: `${STATE_TAG_PREFIX}paused`,
  /** Until when a deploy-time reconcile owns the stream; the autoscaler starts no operation before then. */
  reconcilingUntil: `${STATE_TAG_PREFIX}reconciling-until`,
} as const;

/**
 * What the policy remembers of one stream: the one value the core reads and returns. The handler keeps it in memory
 * between warm invocations and as tags on the stream; the replay simulator keeps it in a variable.
 */
export interface PersistedState {
  readonly updateShardCountCalls: readonly number[];
  readonly lastScalingAt?: number;
  readonly updateShardCountBlockedUntil?: number;
  readonly paused: boolean;
  readonly reconcilingUntil?: number;
  /** The first moment the stream was seen ACTIVE after `lastScalingAt`: evidence counts from here plus the metric lag. */
  readonly activeSince?: number;
  /** The most (effective) shards at which writes were throttled for capacity, and when: scale-in stays above it for hours. */
  readonly throttledAt?: { readonly shards: number; readonly at: number };
  /** When headroom was added for throttling, in the rolling 24 hours: bounded per day. */
  readonly headroomSteps?: readonly number[];
  /** The last headroom step for throttling: its shard count and throttle ratio, to judge whether added shards helped. */
  readonly headroomProbe?: { readonly at: number; readonly shards: number; readonly throttleRatio: number };
  /** The last hot-shard split: the parent's range and load, to judge whether splitting it halved the load. */
  readonly hotSplit?: { readonly at: number; readonly start: bigint; readonly end: bigint; readonly load: number };
  /** Until when throttling is judged key-bound; with a range, only shards inside it are (no more splits there). */
  readonly keyBound?: { readonly until: number; readonly start?: bigint; readonly end?: bigint };
}

/** The memory of a stream nothing has been recorded for. */
export const EMPTY_MEMORY: PersistedState = { updateShardCountCalls: [], paused: false };

/**
 * How much later than the moment it is recorded a call is assumed to reach AWS: the state is written before the
 * call, and the call may be retried by the SDK or be delayed by clock skew between the function and AWS.
 */
export const CALL_RECORD_MARGIN_MS = 60_000;

/** The time recorded for an operation about to start at `now`: later than AWS can count it, to the second, rounded up. */
export function recordedCallTime(now: number): number {
  return Math.ceil((now + CALL_RECORD_MARGIN_MS) / 1000) * 1000;
}

/**
 * Reads the state tags. A tag that does not parse is an error, never a guess: the handler then leaves the stream
 * alone and logs the message, because a wrong budget or cooldown could exceed a limit or flap.
 */
export function readState(tags: Readonly<Record<string, string>>): PersistedState {
  const pausedValue = tags[STATE_TAGS.paused];
  if (pausedValue !== undefined && pausedValue !== 'true' && pausedValue !== 'false') {
    throw new Error(`tag ${STATE_TAGS.paused} must be "true" or "false", received ${JSON.stringify(pausedValue)}`);
  }
  const callsValue = tags[STATE_TAGS.updateShardCountCalls]?.trim();
  return {
    paused: pausedValue === 'true',
    updateShardCountCalls: callsValue ? callsValue.split(/\s+/).map((v) => parseTimestamp(STATE_TAGS.updateShardCountCalls, v)) : [],
    lastScalingAt: optionalTimestamp(tags, STATE_TAGS.lastScalingAt),
    updateShardCountBlockedUntil: optionalTimestamp(tags, STATE_TAGS.updateShardCountBlockedUntil),
    reconcilingUntil: optionalTimestamp(tags, STATE_TAGS.reconcilingUntil),
  };
}

/**
 * The tags that record `state`, dropping calls older than the rolling day so the value stays short. The kill switch
 * and the reconcile marker are never written here: people and the reconciler own them.
 */
export function stateTags(state: Omit<PersistedState, 'paused' | 'reconcilingUntil'>, now: number): Record<string, string> {
  const calls = state.updateShardCountCalls.filter((at) => at > now - DAY_MS).sort((a, b) => a - b);
  const tags: Record<string, string> = { [STATE_TAGS.updateShardCountCalls]: calls.map(formatTimestamp).join(' ') };
  if (state.lastScalingAt !== undefined) tags[STATE_TAGS.lastScalingAt] = formatTimestamp(state.lastScalingAt);
  if (state.updateShardCountBlockedUntil !== undefined) {
    tags[STATE_TAGS.updateShardCountBlockedUntil] = formatTimestamp(state.updateShardCountBlockedUntil);
  }
  return tags;
}

/** Rounded up to the second, never down: a call at 12:00:00.500 is recorded at 12:00:01. */
export function formatTimestamp(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function parseTimestamp(tag: string, value: string): number {
  const epochMs = ISO_SECOND.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(epochMs)) {
    throw new Error(`tag ${tag} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received ${JSON.stringify(value)}`);
  }
  return epochMs;
}

function optionalTimestamp(tags: Readonly<Record<string, string>>, tag: string): number | undefined {
  const value = tags[tag];
  return value === undefined || value === '' ? undefined : parseTimestamp(tag, value);
}
