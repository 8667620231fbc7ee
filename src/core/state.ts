import { DAY_MS, MAX_HASH_KEY } from './limits';

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
  /** The throttle floor: `shards=12 at=2026-01-31T12:00:00Z`. */
  throttledAt: `${STATE_TAG_PREFIX}throttled-at`,
  /** Headroom steps for throttling in the rolling 24 hours, space-separated timestamps (newest HEADROOM_STEPS_KEPT). */
  headroomSteps: `${STATE_TAG_PREFIX}headroom-steps`,
  /** The last headroom step: `at=2026-01-31T12:00:00Z shards=12 throttle-ratio=0.05`. */
  headroomProbe: `${STATE_TAG_PREFIX}headroom-probe`,
  /** The last hot-shard split: `at=2026-01-31T12:00:00Z start=0 end=170141183460469231731687303715884105727 load=0.93`. */
  hotSplit: `${STATE_TAG_PREFIX}hot-split`,
  /** Key-bound throttling: `until=2026-01-31T15:00:00Z`, with ` start=<hash key> end=<hash key>` when it is one range. */
  keyBound: `${STATE_TAG_PREFIX}key-bound`,
  /** The last scale-in step: `at=2026-01-31T12:00:00Z step=resize` (UpdateShardCount) or `step=merge`. */
  lastScaleIn: `${STATE_TAG_PREFIX}last-scale-in`,
  /** Scale-outs that undid a scale-in, within the preset's memory of them, space-separated timestamps (newest HEADROOM_STEPS_KEPT). */
  undoneScaleIns: `${STATE_TAG_PREFIX}undone-scale-ins`,
} as const;

/*
 * One tag per field rather than one packed tag: a hot split and a key-bound range each carry two 128-bit hash keys
 * (up to 39 digits each), so everything packed could pass the 256-character value limit, while one field per tag is
 * bounded on its own, reads in the console as it is, and parses with a message naming the field. All of them (the 3
 * the operation records plus these 7) still go in one AddTagsToStream call (10 tags per call), and with the kill switch,
 * the reconcile marker and the owner tag the library holds 13 of the 50 tags a stream allows. A field that is absent
 * is written as an empty value, because AddTagsToStream cannot remove a tag and a stale value must not survive a cold
 * start; an empty value reads back as absent.
 */

/** Headroom steps kept in their tag: 12 timestamps of 20 characters and their separators fit 256 (251). */
export const HEADROOM_STEPS_KEPT = 12;

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
  /** The last headroom step for throttling: its effective shards and throttle ratio, to judge whether added capacity helped. */
  readonly headroomProbe?: { readonly at: number; readonly shards: number; readonly throttleRatio: number };
  /** The last hot-shard split: the parent's range and load, to judge whether splitting it halved the load. */
  readonly hotSplit?: { readonly at: number; readonly start: bigint; readonly end: bigint; readonly load: number };
  /** Until when throttling is judged key-bound; with a range, only shards inside it are (no more splits there). */
  readonly keyBound?: { readonly until: number; readonly start?: bigint; readonly end?: bigint };
  /**
   * The last scale-in step: when it started (a scale-out soon after undoes it) and whether it was an UpdateShardCount
   * call (a merge is followed by the next merge without a cooldown; a halving is not).
   */
  readonly lastScaleIn?: { readonly at: number; readonly resized: boolean };
  /** Scale-outs that undid a scale-in, within the preset's undoneScaleInMemoryMinutes: each doubles the cooldown before a scale-in. */
  readonly undoneScaleIns?: readonly number[];
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
    ...readRememberedTags(tags),
  };
}

/** The fields the policy must still know after a cold start (activeSince is not one: lastScalingAt stands in for it). */
export type RememberedState = Pick<PersistedState,
'throttledAt' | 'headroomSteps' | 'headroomProbe' | 'hotSplit' | 'keyBound' | 'lastScaleIn' | 'undoneScaleIns'>;

function readRememberedTags(tags: Readonly<Record<string, string>>): RememberedState {
  const steps = tags[STATE_TAGS.headroomSteps]?.trim();
  const undone = tags[STATE_TAGS.undoneScaleIns]?.trim();
  const throttledAt = fields(tags, STATE_TAGS.throttledAt, ['shards', 'at'], [], 'shards=12 at=2026-01-31T12:00:00Z');
  const probe = fields(tags, STATE_TAGS.headroomProbe, ['at', 'shards', 'throttle-ratio'], [], 'at=2026-01-31T12:00:00Z shards=12 throttle-ratio=0.05');
  const split = fields(tags, STATE_TAGS.hotSplit, ['at', 'start', 'end', 'load'], [], 'at=2026-01-31T12:00:00Z start=0 end=1000 load=0.9');
  const bound = fields(tags, STATE_TAGS.keyBound, ['until'], ['start', 'end'], 'until=2026-01-31T12:00:00Z start=0 end=1000');
  const scaleIn = fields(tags, STATE_TAGS.lastScaleIn, ['at', 'step'], [], 'at=2026-01-31T12:00:00Z step=resize');
  return {
    throttledAt: throttledAt && { shards: throttledAt.whole('shards'), at: throttledAt.time('at') },
    headroomSteps: steps ? steps.split(/\s+/).map((v) => parseTimestamp(STATE_TAGS.headroomSteps, v)) : undefined,
    headroomProbe: probe && { at: probe.time('at'), shards: probe.whole('shards'), throttleRatio: probe.number('throttle-ratio') },
    hotSplit: split && { at: split.time('at'), start: split.hashKey('start'), end: split.hashKey('end'), load: split.number('load') },
    keyBound: bound && {
      until: bound.time('until'),
      ...(bound.has('start') ? { start: bound.hashKey('start'), end: bound.hashKey('end') } : {}),
    },
    lastScaleIn: scaleIn && { at: scaleIn.time('at'), resized: scaleIn.oneOf('step', SCALE_IN_STEPS) === 'resize' },
    undoneScaleIns: undone ? undone.split(/\s+/).map((v) => parseTimestamp(STATE_TAGS.undoneScaleIns, v)) : undefined,
  };
}

/**
 * The tags of the fields that must survive a cold start, every one of them (empty when absent), dropping headroom
 * steps older than the rolling day and all but the newest HEADROOM_STEPS_KEPT.
 */
export function rememberedTags(state: RememberedState, now: number): Record<string, string> {
  const { throttledAt: t, headroomProbe: p, hotSplit: h, keyBound: k } = state;
  const lastDay = (times: readonly number[] | undefined) => (times ?? [])
    .filter((at) => at > now - DAY_MS).sort((a, b) => a - b).slice(-HEADROOM_STEPS_KEPT);
  const steps = lastDay(state.headroomSteps);
  return {
    [STATE_TAGS.throttledAt]: t ? `shards=${whole('throttledAt.shards', t.shards)} at=${formatTimestamp(t.at)}` : '',
    [STATE_TAGS.headroomSteps]: steps.map(formatTimestamp).join(' '),
    [STATE_TAGS.headroomProbe]: p
      ? `at=${formatTimestamp(p.at)} shards=${whole('headroomProbe.shards', p.shards)} throttle-ratio=${amount('headroomProbe.throttleRatio', p.throttleRatio)}`
      : '',
    [STATE_TAGS.hotSplit]: h
      ? `at=${formatTimestamp(h.at)} start=${hashKey('hotSplit.start', h.start)} end=${hashKey('hotSplit.end', h.end)} load=${amount('hotSplit.load', h.load)}`
      : '',
    [STATE_TAGS.keyBound]: k
      ? `until=${formatTimestamp(k.until)}${k.start !== undefined && k.end !== undefined ? ` start=${hashKey('keyBound.start', k.start)} end=${hashKey('keyBound.end', k.end)}` : ''}`
      : '',
    [STATE_TAGS.lastScaleIn]: state.lastScaleIn ? `at=${formatTimestamp(state.lastScaleIn.at)} step=${state.lastScaleIn.resized ? 'resize' : 'merge'}` : '',
    [STATE_TAGS.undoneScaleIns]: lastDay(state.undoneScaleIns).map(formatTimestamp).join(' '),
  };
}

/** The remembered tags whose value for `state` differs from their value for `tagged` (what the stream holds), at `now`. */
export function changedRememberedTags(state: RememberedState, tagged: RememberedState, now: number): Record<string, string> {
  const wanted = rememberedTags(state, now);
  const held = rememberedTags(tagged, now);
  return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => held[key] !== value));
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
  return { ...tags, ...rememberedTags(state, now) };
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

const WHOLE = /^\d{1,9}$/;
const SCALE_IN_STEPS = ['resize', 'merge'] as const;
const AMOUNT = /^\d+(\.\d+)?(e[-+]?\d+)?$/;
const HASH_KEY = /^\d{1,39}$/;

/** A tag of `key=value` pairs, exactly `required` and optionally all of `optional`; undefined when absent or empty. */
function fields(tags: Readonly<Record<string, string>>, tag: string, required: readonly string[], optional: readonly string[], example: string) {
  const value = tags[tag]?.trim();
  if (value === undefined || value === '') return undefined;
  const bad = (): never => {
    throw new Error(`tag ${tag} must look like "${example}", received ${JSON.stringify(value)}`);
  };
  const pairs = new Map<string, string>();
  for (const part of value.split(/\s+/)) {
    const match = /^([a-z-]+)=(\S+)$/.exec(part);
    if (!match || pairs.has(match[1]) || ![...required, ...optional].includes(match[1])) bad();
    pairs.set(match![1], match![2]);
  }
  if (required.some((key) => !pairs.has(key))) bad();
  if (optional.length > 0 && optional.some((key) => pairs.has(key)) && !optional.every((key) => pairs.has(key))) bad();
  const raw = (key: string, pattern: RegExp) => {
    const v = pairs.get(key)!;
    return pattern.test(v) ? v : bad();
  };
  return {
    has: (key: string) => pairs.has(key),
    time: (key: string) => {
      const epochMs = Date.parse(raw(key, ISO_SECOND));
      return Number.isNaN(epochMs) ? bad() : epochMs;
    },
    whole: (key: string) => Number(raw(key, WHOLE)),
    oneOf: <T extends string>(key: string, allowed: readonly T[]): T => {
      const v = pairs.get(key)!;
      return (allowed as readonly string[]).includes(v) ? v as T : bad();
    },
    number: (key: string) => {
      const n = Number(raw(key, AMOUNT));
      return Number.isFinite(n) ? n : bad();
    },
    hashKey: (key: string) => {
      const n = BigInt(raw(key, HASH_KEY));
      return n <= MAX_HASH_KEY ? n : bad();
    },
  };
}

// The core's memory is trusted, but a value that could not be read back would stop the stream at its next cold start:
// refuse to write it instead, loudly.
function whole(field: string, value: number): string {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${field} must be a whole number to be recorded, received ${value}`);
  return String(value);
}

function amount(field: string, value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${field} must be a finite number of at least 0 to be recorded, received ${value}`);
  return String(value);
}

function hashKey(field: string, value: bigint): string {
  if (value < 0n || value > MAX_HASH_KEY) throw new Error(`${field} must be a hash key from 0 to 2^128 - 1 to be recorded, received ${value}`);
  return value.toString();
}
