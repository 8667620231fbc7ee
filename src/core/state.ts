import { DAY_MS } from './limits';

/**
 * What the autoscaler remembers between invocations, kept as tags on the stream itself so a cold start, a new
 * function version or a redeploy can never forget a call and exceed a limit. Values are ISO-8601 timestamps to the
 * second, which a person can read in the console and which fit the tag alphabet and its 256-character limit.
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
} as const;

export interface PersistedState {
  readonly updateShardCountCalls: readonly number[];
  readonly lastScalingAt?: number;
  readonly updateShardCountBlockedUntil?: number;
  readonly paused: boolean;
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
  };
}

/** The tags that record `state`, dropping calls older than the rolling day so the value stays short. */
export function stateTags(state: Omit<PersistedState, 'paused'>, now: number): Record<string, string> {
  const calls = state.updateShardCountCalls.filter((at) => at > now - DAY_MS).sort((a, b) => a - b);
  const tags: Record<string, string> = { [STATE_TAGS.updateShardCountCalls]: calls.map(formatTimestamp).join(' ') };
  if (state.lastScalingAt !== undefined) tags[STATE_TAGS.lastScalingAt] = formatTimestamp(state.lastScalingAt);
  if (state.updateShardCountBlockedUntil !== undefined) {
    tags[STATE_TAGS.updateShardCountBlockedUntil] = formatTimestamp(state.updateShardCountBlockedUntil);
  }
  return tags;
}

export function formatTimestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
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
