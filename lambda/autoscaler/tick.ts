import { createHash } from 'crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { fetchObservations, fetchPublishedOpenShards, ObservedStream, withoutUnpublishedTail } from './cloudwatch-port';
import { withYesterday, YesterdayCache } from './yesterday';
import {
  AUTOSCALER_DIMENSION, AUTOSCALER_EVENT_DETAIL_TYPE, AUTOSCALER_EVENT_SOURCE, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE,
  changedRememberedTags, Decision, EMPTY_MEMORY, hasData, ManagedStream, Memory, METRIC_LAG_MINUTES, MinuteMetrics, Observation, parseInput,
  readsCanBind, readState, RememberedState, ShardRange, stateTags, Step, tick, TickInput, uniformShards, UPDATE_SHARD_COUNT_CALLS_PER_DAY,
  updateShardCountCallsInWindow,
} from '../../src/core';
import { AUTOSCALER_TAG } from '../../src/core/settings-store';
import { errorName, isThrottle, limitKind } from '../shared/kinesis-errors';
import { KinesisPort, StreamSummary } from '../shared/kinesis-port';
import { RateLimiter, realSleep } from '../shared/rate-limiter';

/** One log line: the handler writes JSON only, so CloudWatch Logs Insights can query every field. */
export type Log = (entry: Record<string, unknown>) => void;

/** What the function remembers of one stream between warm invocations. */
export interface CachedStream extends YesterdayCache {
  summary?: StreamSummary;
  /** Open shard ids, kept only for streams with shard-level metrics (their queries name each shard). */
  shardIds?: readonly string[];
  summaryReadAt?: number;
  /** The core's memory as of its last tick: what the tags hold, plus what is cache-only or not written yet. */
  memory?: Memory;
  memoryReadAt?: number;
  /** What the state tags hold, as last read or written; undefined until they have been read. */
  tagged?: Memory;
  /** The tag naming another autoscaler, when the stream carries one: such a stream is never written. */
  foreignOwner?: string;
  /** An operation was started: read the status again at the next tick. */
  operationStarted?: boolean;
  /**
   * The summary is not Kinesis's answer but a cold start's guess from the OpenShards metric a previous container
   * published: good enough to decide that nothing needs doing, never to act on (act reads the stream first).
   */
  provisional?: boolean;
}

/** Per stream name. A new, empty cache is a cold start. */
export type StreamCache = Map<string, CachedStream>;

export interface TickDependencies {
  readonly kinesis: KinesisClient;
  readonly cloudwatch: CloudWatchClient;
  readonly events: EventBridgeClient;
  readonly log: Log;
  readonly now: () => number;
  /** Epoch milliseconds after which no new read or operation starts. */
  readonly deadline: number;
  /** How the rate limiter and read retries wait (real time, whatever `now` says). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Kept by the caller between invocations (the Lambda keeps it in module scope); absent means a cold start. */
  readonly cache?: StreamCache;
  /**
   * Paces every Kinesis call; keep one between invocations (as the cache) so back-to-back ticks stay within the rates.
   * @default a new limiter at DEFAULT_RATE_SHARE of each account rate
   */
  readonly limiter?: RateLimiter;
  /**
   * The autoscaler this function is: a stream tagged for another one is never acted on, whatever the settings say.
   * @default - no check (settings given in the event itself)
   */
  readonly autoscalerName?: string;
}

export type StreamStatus = 'scaled' | 'in-progress' | 'unchanged' | 'dry-run' | 'skipped' | 'deferred' | 'not-found' | 'error';

export interface StreamOutcome {
  readonly streamName: string;
  readonly status: StreamStatus;
  readonly message?: string;
  readonly decision?: Decision;
  /** The operation started this tick: at most one per stream. */
  readonly steps: readonly Step[];
  readonly openShards?: number;
}

export interface TickResult {
  readonly outcomes: readonly StreamOutcome[];
  readonly getMetricDataCalls: number;
  /** Kinesis calls sent, by API. */
  readonly kinesisCalls: Readonly<Record<string, number>>;
  /** Our own Kinesis calls refused for call rate, by API. */
  readonly throttled: Readonly<Record<string, number>>;
}

/** Streams read at once; the rate limiter, not this, sets the pace. */
const READ_CONCURRENCY = 16;
/**
 * The longest the state tags may wait between their read and the write that records a step; the reconciler's settle
 * (10 s after it marks a stream) is longer, so its marker is always seen.
 */
const STATE_MAX_AGE_MS = 5_000;
/** Time a tick must have left for another DescribeLimits attempt after one failed. */
const HEADROOM_RETRY_MIN_MS = 20_000;
/** Streams acted on at once: AddTagsToStream, SplitShard and MergeShards allow 5 calls per second per account. */
const ACT_CONCURRENCY = 5;
/** After AWS refuses UpdateShardCount for its daily limit, split and merge for this long before trying it again. */
const UPDATE_SHARD_COUNT_BACKOFF_MS = 60 * 60_000;
/** A stream's status and shard count are read again this often (someone else may reshard it), spread per stream. */
const SUMMARY_REFRESH_MS = 15 * 60_000;
/**
 * A cold start's provisional count (see CachedStream.provisional) is confirmed by a real read within this, spread per
 * stream; until then a stream with shard-level metrics is decided without them (no hot-shard split).
 */
const PROVISIONAL_CONFIRM_MS = 5 * 60_000;
/** Its state tags (a person may set the kill switch) this often, when nothing else made us read them. */
const MEMORY_REFRESH_MS = 60 * 60_000;
/** The share of the time before the deadline that reading may take, so deciding and acting keep the rest. */
const READ_SHARE_OF_TIME = 0.6;

/**
 * One scheduled run over every managed stream, one step per stream and no waiting: read what the cache does not know,
 * read all metrics in as few GetMetricData calls as the API allows, decide with what is known, and only for a stream
 * that needs an operation read its state, record the operation and start it. The next tick continues.
 */
export async function runTick(event: unknown, deps: TickDependencies): Promise<TickResult> {
  const sleep = deps.sleep ?? realSleep;
  const port = new KinesisPort(deps.kinesis, { limiter: deps.limiter ?? new RateLimiter(Date.now, sleep), now: deps.now, sleep });
  const cache = deps.cache ?? new Map<string, CachedStream>();
  const started = deps.now();
  const readDeadline = started + (deps.deadline - started) * READ_SHARE_OF_TIME;
  const input = parseInput(event);
  const outcomes: StreamOutcome[] = input.errors.map((error) => {
    deps.log({ level: 'error', message: 'invalid-settings', stream: error.streamName, error: error.message });
    return { streamName: error.streamName ?? '(unnamed)', status: 'error', message: error.message, steps: [] };
  });
  let getMetricDataCalls = await guessUnknownShardCounts(input.streams.map((s) => s.streamName), cache, deps);
  const finish = (): TickResult => ({
    outcomes: outcomes.sort((a, b) => a.streamName.localeCompare(b.streamName)),
    getMetricDataCalls,
    kinesisCalls: port.stats.calls,
    throttled: port.stats.throttled,
  });

  // 1. Read only what the cache does not know, or knows from too long ago.
  const known: ManagedStream[] = [];
  const deferred: string[] = [];
  await mapWithConcurrency(input.streams, READ_CONCURRENCY, async (stream) => {
    const entry = cacheEntry(cache, stream.streamName);
    try {
      if (deps.now() < readDeadline) await refresh(port, stream.streamName, entry, deps);
    } catch (e) {
      if (!isThrottle(e)) {
        outcomes.push(failed(stream.streamName, e, deps));
        return;
      }
    }
    if (entry.summary) known.push(stream);
    else deferred.push(stream.streamName);
  });
  for (const streamName of deferred) outcomes.push({ streamName, status: 'deferred', message: 'not read yet: the next tick continues', steps: [] });
  if (deferred.length > 0) {
    deps.log({ level: 'warn', message: 'streams-deferred', count: deferred.length, streams: deferred.slice(0, 20), reason: 'the read budget of this tick ran out' });
  }

  // 2. All metrics, in as few calls as the 500-query limit allows.
  const minutes = Math.max(0, ...known.map((s) => s.settings.scaleInMinutes)) + METRIC_LAG_MINUTES;
  let observations: Observation[];
  try {
    const observed: ObservedStream[] = known.map((s) => ({
      streamName: s.streamName, shardIds: cache.get(s.streamName)!.shardIds, readMetrics: readsCanBind(s.settings.sharedReaders),
    }));
    const fetched = await fetchObservations(deps.cloudwatch, observed, new Date(deps.now()), minutes);
    observations = fetched.observations.map(withoutUnpublishedTail);
    getMetricDataCalls += fetched.calls;
  } catch (e) {
    // Without metrics nothing is known about any stream, and nothing is known is a reason to change nothing.
    for (const s of known) outcomes.push(failed(s.streamName, e, deps, 'CloudWatch GetMetricData failed'));
    return finish();
  }
  const seasonal = await withYesterday(deps.cloudwatch,
    known.map((s, i) => ({ streamName: s.streamName, cache: cache.get(s.streamName)!, observation: observations[i] })), deps.now(), deps.log);
  observations = seasonal.observations;
  getMetricDataCalls += seasonal.calls;

  // 3. Decide with what is known. A stream the memory in the cache (or the empty one) leaves alone needs no tags read:
  // only one that wants an operation is read in full. A cached kill switch or reconcile marker may be stale, so it is
  // left out here: a person's "resume" is seen at the next tick. What the core remembers (when the stream turned
  // ACTIVE, what throttled) is kept in the cache whatever it decides, and persisted at the end of the tick.
  const headroom = new AccountHeadroom(port, deps);
  const toAct: Array<{ stream: ManagedStream; observation: Observation; decision: Decision }> = [];
  known.forEach((stream, i) => {
    const entry = cache.get(stream.streamName)!;
    const summary = entry.summary!;
    const out = tick({
      observation: observations[i],
      memory: entry.memory ? { ...entry.memory, paused: false, reconcilingUntil: undefined } : EMPTY_MEMORY,
      shards: knownShards(summary.openShardCount, entry.shardIds),
      status: summary.status,
      mode: summary.mode,
      settings: stream.settings,
      now: deps.now(),
    });
    const { decision } = out;
    // A step's memory (a recorded call) is only ever kept once written, in act(); without a step, the memory is the
    // core's judgement of what it saw, kept as is.
    if (!out.step) entry.memory = { ...out.memory, paused: entry.memory?.paused ?? false, reconcilingUntil: entry.memory?.reconcilingUntil };
    if (decision.action === 'none' || summary.status !== 'ACTIVE') {
      const status: StreamStatus = summary.status === 'UPDATING' ? 'in-progress' : 'unchanged';
      const openShards = summary.openShardCount;
      outcomes.push(report(deps, stream, { status, decision, openShards, memory: entry.memory, observation: observations[i] }));
    } else {
      toAct.push({ stream, observation: observations[i], decision });
    }
  });

  // 4. Act: scale-outs first, since throttled writes cost the most.
  const priority = (d: Decision) => (d.action === 'scale-out' ? 0 : d.action === 'split-hot-shards' ? 1 : 2);
  toAct.sort((a, b) => priority(a.decision) - priority(b.decision));
  await mapWithConcurrency(toAct, ACT_CONCURRENCY, async ({ stream, observation, decision }) => {
    if (deps.now() >= deps.deadline) {
      outcomes.push({ streamName: stream.streamName, status: 'deferred', message: 'no time left in this tick', decision, steps: [] });
      return;
    }
    try {
      outcomes.push(await act(port, stream, cache.get(stream.streamName)!, observation, deps, headroom, started));
    } catch (e) {
      outcomes.push(failed(stream.streamName, e, deps));
    }
  });

  // 5. Keep what the core remembers across a cold start, with the time left: only what changed, never while a step's
  // own write (which carries it) was made, and never a reason for any stream's failure.
  const outcomeOf = new Map(outcomes.map((o) => [o.streamName, o]));
  await mapWithConcurrency(known, ACT_CONCURRENCY, async (stream) => {
    const status = outcomeOf.get(stream.streamName)?.status;
    // A dry run changes nothing on the stream, its tags included: its memory lives in the warm function only.
    if (status === 'error' || status === 'not-found' || status === 'skipped' || stream.settings.dryRun) return;
    await persistMemory(port, stream.streamName, cache.get(stream.streamName)!, deps);
  });
  return finish();
}

/**
 * Writes the fields of the cached memory that must survive a cold start, where they differ from what the tags hold.
 * Tags never read are read first (and the write waits for the next tick's decision, made with them). Tagging is
 * refused while a stream is UPDATING, so it waits for ACTIVE; a refused write is logged and tried again next tick.
 */
async function persistMemory(port: KinesisPort, streamName: string, entry: CachedStream, deps: TickDependencies): Promise<void> {
  if (!entry.memory || entry.summary?.status !== 'ACTIVE' || entry.provisional || deps.now() >= deps.deadline) return;
  const held: RememberedState = entry.tagged ?? EMPTY_MEMORY;
  if (Object.keys(changedRememberedTags(entry.memory, held, deps.now())).length === 0) return;
  try {
    if (!entry.tagged) {
      await readTags(port, streamName, entry, deps);
      return;
    }
    if (entry.foreignOwner !== undefined) return;
    const changed = changedRememberedTags(entry.memory, entry.tagged, deps.now());
    await port.writeTags(streamName, changed);
    entry.tagged = { ...entry.tagged, ...Object.fromEntries(REMEMBERED_FIELDS.map((field) => [field, entry.memory![field]])) };
    deps.log({ level: 'info', message: 'memory-persisted', stream: streamName, tags: changed });
  } catch (e) {
    deps.log({
      level: 'warn',
      message: 'memory-not-persisted',
      stream: streamName,
      error: (e as Error).message ?? String(e),
      errorName: errorName(e),
      detail: 'kept in this function; the next tick tries again',
    });
  }
}

/**
 * Reads the state tags into the cache. They are authoritative for what they hold; a field they hold nothing for keeps
 * the cached value (a change not written yet), and `activeSince`, which is never written, is kept while it belongs to
 * the same scaling. Returns the tags and what they hold.
 */
async function readTags(
  port: KinesisPort, streamName: string, entry: CachedStream, deps: Pick<TickDependencies, 'now' | 'autoscalerName'>,
): Promise<{ tags: Record<string, string>; held: Memory }> {
  const tags = await port.tags(streamName);
  const held = readState(tags);
  const cached = entry.memory;
  const merged: Record<string, unknown> = { ...held };
  if (cached) {
    for (const field of REMEMBERED_FIELDS) if (held[field] === undefined) merged[field] = cached[field];
    if (cached.activeSince !== undefined && cached.lastScalingAt === held.lastScalingAt) merged.activeSince = cached.activeSince;
  }
  entry.memory = merged as unknown as Memory;
  entry.tagged = held;
  entry.memoryReadAt = deps.now();
  const owner = tags[AUTOSCALER_TAG];
  entry.foreignOwner = owner !== undefined && deps.autoscalerName !== undefined && owner !== deps.autoscalerName ? owner : undefined;
  return { tags, held };
}

const REMEMBERED_FIELDS: ReadonlyArray<keyof RememberedState> = [
  'throttledAt', 'headroomSteps', 'headroomProbe', 'hotSplit', 'keyBound', 'lastScaleIn', 'undoneScaleIns',
];

/**
 * A cold start asks CloudWatch, not Kinesis, for the shard count of each stream the cache does not know: the OpenShards
 * the autoscaler published within the last minutes. A stream with a datapoint gets a provisional summary (ACTIVE,
 * provisioned, no shard-level metrics) and its first real read falls due within the next minutes, spread per stream,
 * not all at once; one without (new, or the autoscaler was off) is read from Kinesis as before. Warm streams cost no query.
 */
async function guessUnknownShardCounts(streamNames: readonly string[], cache: StreamCache, deps: TickDependencies): Promise<number> {
  const unknown = streamNames.filter((name) => !cache.get(name)?.summary);
  if (unknown.length === 0) return 0;
  try {
    const { openShards, calls } = await fetchPublishedOpenShards(deps.cloudwatch, unknown, new Date(deps.now()));
    let guessed = 0;
    unknown.forEach((name, i) => {
      const count = openShards[i];
      if (count === undefined) return;
      const entry = cacheEntry(cache, name);
      entry.summary = { status: 'ACTIVE', mode: 'PROVISIONED', openShardCount: count, shardLevelMetrics: [] };
      entry.summaryReadAt = deps.now();
      entry.provisional = true;
      guessed++;
    });
    deps.log({ level: 'info', message: 'shard-counts-from-metrics', unknown: unknown.length, fromOpenShards: guessed });
    return calls;
  } catch (e) {
    // Only a shortcut failed: every unknown stream is read from Kinesis, as without it.
    deps.log({ level: 'warn', message: 'open-shards-not-read', error: (e as Error).message ?? String(e), errorName: errorName(e) });
    return 1;
  }
}

function cacheEntry(cache: StreamCache, streamName: string): CachedStream {
  let entry = cache.get(streamName);
  if (!entry) cache.set(streamName, entry = {});
  return entry;
}

/**
 * A fraction in [0, 1) fixed per stream, so a fleet read at one cold start does not fall due at once. A digest, not a
 * running sum: names that differ only in a last digit (orders-001, orders-002) land far apart.
 */
export function spread(streamName: string): number {
  return createHash('sha256').update(streamName).digest().readUInt32BE(0) / 2 ** 32;
}

function due(readAt: number | undefined, periodMs: number, streamName: string, now: number): boolean {
  return readAt === undefined || now >= readAt + periodMs * (0.75 + 0.5 * spread(streamName));
}

function summaryDue(entry: CachedStream, streamName: string, now: number): boolean {
  if (entry.provisional) return now >= entry.summaryReadAt! + PROVISIONAL_CONFIRM_MS * spread(streamName);
  return due(entry.summaryReadAt, SUMMARY_REFRESH_MS, streamName, now);
}

async function refresh(port: KinesisPort, streamName: string, entry: CachedStream, deps: TickDependencies): Promise<void> {
  const now = deps.now();
  if (!entry.summary || entry.operationStarted || entry.summary.status !== 'ACTIVE' || summaryDue(entry, streamName, now)) {
    const summary = await port.status(streamName);
    entry.shardIds = hasShardLevelMetrics(summary) ? (await port.openShards(streamName)).map((s) => s.shardId) : undefined;
    entry.summary = summary;
    entry.summaryReadAt = now;
    entry.provisional = false;
    if (summary.status === 'ACTIVE') entry.operationStarted = false;
  }
  // Only tags read before are read again: a memory the core built from nothing is read in when it has something to keep.
  if (entry.memoryReadAt !== undefined && due(entry.memoryReadAt, MEMORY_REFRESH_MS, streamName, now)) await readTags(port, streamName, entry, deps);
}

/** Whether two readings of the state tags hold the same (hash keys are bigints, which JSON cannot compare). */
function sameState(a: Memory, b: Memory, now: number): boolean {
  const key = (m: Memory) => JSON.stringify({ ...stateTags(m, now), paused: m.paused, reconcilingUntil: m.reconcilingUntil });
  return key(a) === key(b);
}

function hasShardLevelMetrics(summary: StreamSummary): boolean {
  return summary.shardLevelMetrics.some((m) => m === 'IncomingBytes' || m === 'IncomingRecords' || m === 'ALL');
}

/** Placeholder ranges for a decision made from the count alone; real ranges are read before any operation. */
function knownShards(count: number, ids: readonly string[] | undefined): ShardRange[] {
  const shards = uniformShards(count);
  return ids && ids.length === count ? shards.map((s, i) => ({ ...s, shardId: ids[i] })) : shards;
}

/**
 * The open shards an account may still add, asked once per tick (DescribeLimits allows one call per second) and
 * shared by every stream. Plans that add shards are made one at a time, each reserving what it adds before the next
 * is made, so two streams never spend the same headroom. A failed read is not kept: the next stream asks again.
 */
class AccountHeadroom {
  private value?: number;
  private failedOnce = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly port: KinesisPort, private readonly deps: TickDependencies) {}

  /** Runs `plan` with the headroom left, and reserves what its result adds. */
  public plan<T>(plan: (available: number) => T, adds: (result: T) => number): Promise<T> {
    const run = this.queue.then(async () => {
      // After a failed DescribeLimits (1 call/s per account, retried with growing waits), another stream tries again
      // only while the tick has time for it; otherwise it grows nothing this tick rather than outlast the function.
      if (this.value === undefined && this.failedOnce && this.deps.now() > this.deps.deadline - HEADROOM_RETRY_MIN_MS) return plan(0);
      try {
        this.value ??= await this.port.shardHeadroom();
      } catch (e) {
        this.failedOnce = true;
        throw e;
      }
      const result = plan(this.value);
      this.value = Math.max(0, this.value - adds(result));
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Gives back a reservation whose operation was not started. */
  public release(shards: number): void {
    if (this.value !== undefined) this.value += shards;
  }

  /** AWS refused for the quota: whatever DescribeLimits said, nothing more fits this tick. */
  public exhausted(): void {
    this.value = 0;
  }
}

function growth(step: Step): number {
  if (step.kind === 'UpdateShardCount') return step.targetShardCount;
  return step.kind === 'SplitShard' ? 1 : 0;
}

/**
 * A stream that wants an operation: read it in full, decide again with its real state, persist the memory that
 * records the operation, and only then start it. A write that fails means no operation; an operation that fails
 * after the write costs a recorded slot of the budget but never an unrecorded call.
 */
async function act(
  port: KinesisPort, stream: ManagedStream, entry: CachedStream, observation: Observation, deps: TickDependencies, headroom: AccountHeadroom,
  tickStarted: number,
): Promise<StreamOutcome> {
  const { streamName, settings } = stream;
  // A status read from Kinesis earlier in this same tick is fresh enough: the operation itself is refused if the stream
  // changed. A provisional one never is: the decision below is made again from what Kinesis says now.
  const readThisTick = !entry.provisional && entry.summaryReadAt !== undefined && entry.summaryReadAt >= tickStarted;
  const fresh = readThisTick ? entry.summary : undefined;
  const [summary, shards, { tags, held }] = await Promise.all([
    fresh ?? port.status(streamName), port.openShards(streamName), readTags(port, streamName, entry, deps),
  ]);
  const now = deps.now();
  entry.summary = summary;
  entry.summaryReadAt = now;
  entry.provisional = false;
  entry.shardIds = hasShardLevelMetrics(summary) ? shards.map((s) => s.shardId) : undefined;
  const memory = entry.memory!;

  const owner = tags[AUTOSCALER_TAG];
  if (deps.autoscalerName !== undefined && owner !== undefined && owner !== deps.autoscalerName) {
    // Two autoscalers on one stream would spend its budget against each other; IAM allows this only through an ARN grant.
    const decision: Decision = { action: 'none', currentShards: shards.length, targetShards: shards.length, reason: 'another autoscaler owns the stream', hotShards: [], pinnedAtMax: false };
    return report(deps, stream, {
      openShards: shards.length,
      observation,
      status: 'skipped',
      decision,
      memory,
      message: `the stream is tagged ${AUTOSCALER_TAG}=${owner}, not ${deps.autoscalerName}: remove it from one of the two autoscalers`,
    });
  }

  const input: TickInput = { observation, memory, shards, status: summary.status, mode: summary.mode, settings, now };
  let out = tick(input);
  if (out.step && growth(out.step) > 0) {
    out = await headroom.plan((available) => tick({ ...input, accountShardHeadroom: available }), (o) => (o.step ? growth(o.step) : 0));
  }
  const base = { openShards: shards.length, observation };
  if (!out.step) {
    entry.memory = out.memory;
    const status: StreamStatus = settings.dryRun && out.decision.action !== 'none' ? 'dry-run' : summary.status === 'UPDATING' ? 'in-progress' : 'unchanged';
    const outcome = report(deps, stream, { ...base, status, decision: out.decision, memory });
    if (status === 'dry-run') await publishEvent(deps, streamName, out.decision, [], shards.length, true);
    return outcome;
  }

  const step = out.step;
  // Waits since the tags were read (account headroom, pacing) may have let another writer in: a reconcile, a person's
  // kill switch, a call recorded elsewhere. Past a few seconds, read them again and leave the step to the next tick if
  // they changed, so this write never replaces what someone else recorded. The reconciler waits longer than this.
  if (deps.now() - now > STATE_MAX_AGE_MS) {
    const latest = (await readTags(port, streamName, entry, deps)).held;
    if (!sameState(latest, held, now)) {
      headroom.release(growth(step));
      return report(deps, stream, {
        ...base,
        status: 'skipped',
        decision: out.decision,
        memory: entry.memory,
        message: 'the state tags changed while this tick waited, so the step was not started; the next tick decides again',
      });
    }
  }
  if (deps.now() > deps.deadline) {
    headroom.release(growth(step));
    return report(deps, stream, { ...base, status: 'deferred', decision: out.decision, memory, message: 'no time left in this tick' });
  }
  try {
    await port.writeTags(streamName, stateTags(out.memory, now));
    entry.tagged = out.memory;
  } catch (e) {
    headroom.release(growth(step));
    const message = `the state write before ${step.kind} failed, so the operation was not started: ${(e as Error).message ?? String(e)}`;
    const outcome = report(deps, stream, { ...base, status: 'error', decision: out.decision, memory, message, errorName: errorName(e) });
    await publishEvent(deps, streamName, out.decision, [], shards.length, false, message);
    return outcome;
  }
  entry.memory = out.memory;

  try {
    await port.apply(streamName, step);
  } catch (e) {
    headroom.release(growth(step));
    return refused(port, stream, entry, step, e, out.decision, base, deps, headroom);
  }
  entry.operationStarted = true;
  const outcome = report(deps, stream, { ...base, status: 'scaled', decision: out.decision, memory: out.memory, step });
  await publishEvent(deps, streamName, out.decision, [step], shards.length, false);
  return outcome;
}

/** An operation Kinesis refused after its state was recorded. */
async function refused(
  port: KinesisPort, stream: ManagedStream, entry: CachedStream, step: Step, e: unknown, decision: Decision,
  base: { openShards: number; observation: Observation }, deps: TickDependencies, headroom: AccountHeadroom,
): Promise<StreamOutcome> {
  const name = errorName(e);
  const text = `${step.kind} failed: ${(e as Error).message ?? String(e)}`;
  const kind = limitKind(e);
  let memory = entry.memory ?? EMPTY_MEMORY;
  if (kind === 'daily-budget' && step.kind === 'UpdateShardCount') {
    // AWS counts UpdateShardCount calls we did not make (a deployment's own resize, a person): split and merge instead.
    memory = { ...memory, updateShardCountBlockedUntil: deps.now() + UPDATE_SHARD_COUNT_BACKOFF_MS };
    try {
      await port.writeTags(stream.streamName, stateTags(memory, deps.now()));
      entry.memory = memory;
      entry.tagged = memory;
    } catch (writeError) {
      const message = `${text}; recording the back-off failed: ${(writeError as Error).message}`;
      await publishEvent(deps, stream.streamName, decision, [], base.openShards, false, message);
      return report(deps, stream, { ...base, status: 'error', decision, memory, message, errorName: errorName(writeError) });
    }
  }
  if (kind === 'shard-quota') headroom.exhausted();
  if (name === 'ResourceNotFoundException') return failed(stream.streamName, e, deps);
  if (kind || name === 'ResourceInUseException') {
    const why = kind === 'daily-budget' ? 'backing off from UpdateShardCount for an hour'
      : kind === 'shard-quota' ? 'the account shard quota is full'
        : kind === 'rate' ? 'the account call rate was exceeded; the next tick tries again'
          : 'the stream was not ACTIVE; the next tick continues';
    return report(deps, stream, { ...base, status: 'skipped', decision, memory, message: `${why}: ${text}`, errorName: name });
  }
  return report(deps, stream, { ...base, status: 'error', decision, memory, message: text, errorName: name });
}

interface ReportInput {
  readonly status: StreamStatus;
  readonly decision: Decision;
  readonly openShards: number;
  readonly memory?: Memory;
  readonly observation: Observation;
  readonly step?: Step;
  readonly message?: string;
  readonly errorName?: string;
}

/** The decision log line and the stream's metrics. */
function report(deps: TickDependencies, stream: ManagedStream, r: ReportInput): StreamOutcome {
  const { streamName, settings } = stream;
  const callsLeft = r.memory
    ? UPDATE_SHARD_COUNT_CALLS_PER_DAY - updateShardCountCallsInWindow({ now: deps.now(), updateShardCountCalls: r.memory.updateShardCountCalls })
    : undefined;
  const level = r.status === 'error' ? 'error' : r.status === 'skipped' ? 'warn' : 'info';
  deps.log({
    level,
    message: 'decision',
    stream: streamName,
    action: r.decision.action,
    reason: r.decision.reason,
    status: r.status,
    dryRun: settings.dryRun,
    currentShards: r.decision.currentShards,
    targetShards: r.decision.targetShards,
    openShards: r.openShards,
    demand: r.decision.demand,
    observed: latestObserved(r.observation),
    pinnedAtMax: r.decision.pinnedAtMax,
    keyBound: r.decision.keyBound ?? false,
    hotShards: r.decision.hotShards,
    steps: r.step ? [describeStep(r.step)] : [],
    ...(callsLeft !== undefined ? { updateShardCountCallsRemaining: callsLeft } : {}),
    ...(r.message ? { detail: r.message } : {}),
    ...(r.errorName ? { errorName: r.errorName } : {}),
  });
  deps.log(metrics(streamName, deps.now(), {
    [AUTOSCALER_METRICS.openShards]: r.openShards,
    [AUTOSCALER_METRICS.targetShards]: r.decision.targetShards,
    [AUTOSCALER_METRICS.pinnedAtMax]: r.decision.pinnedAtMax ? 1 : 0,
    [AUTOSCALER_METRICS.keyBoundThrottling]: r.decision.keyBound ? 1 : 0,
    ...(callsLeft !== undefined ? { [AUTOSCALER_METRICS.updateShardCountCallsRemaining]: callsLeft } : {}),
    [AUTOSCALER_METRICS.scalingOperations]: r.step ? 1 : 0,
    [AUTOSCALER_METRICS.errors]: r.status === 'error' ? 1 : 0,
  }));
  return { streamName, status: r.status, message: r.message, decision: r.decision, steps: r.step ? [r.step] : [], openShards: r.openShards };
}

/** One stream's failure, logged and counted; Kinesis errors that mean "not this tick" are warnings, not errors. */
function failed(streamName: string, e: unknown, { log, now }: Pick<TickDependencies, 'log' | 'now'>, context?: string): StreamOutcome {
  const name = errorName(e);
  const text = `${context ? `${context}: ` : ''}${(e as Error)?.message ?? String(e)}`;
  let status: StreamStatus = 'error';
  if (name === 'ResourceNotFoundException') status = 'not-found';
  else if (name === 'ResourceInUseException') status = 'skipped';
  else if (isThrottle(e) && !context) status = 'deferred';
  const message = status === 'not-found' ? `the stream does not exist (deleted?): ${text}` : text;
  log({ level: status === 'error' ? 'error' : 'warn', message: status === 'error' ? 'stream-failed' : `stream-${status}`, stream: streamName, error: message, errorName: name });
  log(metrics(streamName, now(), { [AUTOSCALER_METRICS.errors]: status === 'error' ? 1 : 0 }));
  return { streamName, status, message, steps: [] };
}

async function publishEvent(
  deps: TickDependencies, streamName: string, decision: Decision, steps: readonly Step[], openShards: number, dryRun: boolean, error?: string,
) {
  try {
    const result = await deps.events.send(new PutEventsCommand({
      Entries: [{
        Source: AUTOSCALER_EVENT_SOURCE,
        DetailType: AUTOSCALER_EVENT_DETAIL_TYPE,
        Detail: JSON.stringify({
          streamName,
          action: decision.action,
          reason: decision.reason,
          dryRun,
          fromShards: decision.currentShards,
          targetShards: decision.targetShards,
          openShards,
          steps: steps.map(describeStep),
          ...(error ? { error } : {}),
        }),
      }],
    }));
    if (result.FailedEntryCount) throw new Error(result.Entries?.[0]?.ErrorMessage ?? 'PutEvents rejected the entry');
  } catch (e) {
    // The scaling already happened; a lost notification must not turn it into a failure.
    deps.log({ level: 'error', message: 'event-not-published', stream: streamName, error: (e as Error).message });
  }
}

/** A CloudWatch embedded-metric-format line: Lambda's log pipeline turns it into metrics without an API call. */
function metrics(streamName: string, timestamp: number, values: Record<string, number>): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: AUTOSCALER_NAMESPACE,
        Dimensions: [[AUTOSCALER_DIMENSION]],
        Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
      }],
    },
    [AUTOSCALER_DIMENSION]: streamName,
    ...values,
  };
}

function latestObserved(observation: Observation): MinuteMetrics | undefined {
  return [...observation.minutes].reverse().find(hasData);
}

function describeStep(step: Step): Record<string, string | number> {
  return step.kind === 'SplitShard' ? { ...step, newStartingHashKey: step.newStartingHashKey.toString() } : { ...step };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapWithConcurrency<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
