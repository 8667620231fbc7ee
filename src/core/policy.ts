import { DAY_MS, SHARD_READ_BYTES_PER_SECOND, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from './limits';
import { PolicySettings } from './settings';
import { keySpaceShare, ShardRange } from './shard-map';
import { PersistedState } from './state';

/**
 * One minute of a stream's CloudWatch metrics, as GetMetricData returns them. A missing field is unknown, never
 * zero: CloudWatch omits a datapoint when it has none yet, and that must not read as "no traffic".
 */

/**
 * CloudWatch publishes a minute's Kinesis metrics up to this many minutes late: the metric window reads this many
 * minutes beyond the longest scale-in window, and scale-out evidence older than this (plus scaleOutMinutes) is stale.
 */
export const METRIC_LAG_MINUTES = 5;
export interface MinuteMetrics {
  /** IncomingBytes, Sum: bytes accepted (throttled writes are not counted). */
  readonly incomingBytes?: number;
  /** IncomingRecords, Sum: records accepted. */
  readonly incomingRecords?: number;
  /** Records refused for throughput: the larger of WriteProvisionedThroughputExceeded and PutRecords.ThrottledRecords, Sum. */
  readonly throttledRecords?: number;
  /** GetRecords.IteratorAgeMilliseconds, Maximum: how far behind shared-throughput readers are. */
  readonly iteratorAgeMs?: number;
  /** GetRecords.Bytes, Sum: bytes read by shared-throughput readers (enhanced fan-out is not counted here). */
  readonly outgoingBytes?: number;
  /** GetRecords.Success, Sum: GetRecords calls that succeeded. */
  readonly getRecordsCalls?: number;
  /** ReadProvisionedThroughputExceeded, Sum: GetRecords calls refused for the shared read limits. */
  readonly readThrottled?: number;
}

/** One minute of one shard's shard-level metrics. */
export interface ShardMinuteMetrics {
  readonly incomingBytes?: number;
  readonly incomingRecords?: number;
}

/** What the policy sees of a stream's traffic. Time comes in as a value; the core has no clock. */
export interface Observation {
  /** The newest minutes, oldest first, one entry per minute (missing minutes are entries with no fields). */
  readonly minutes: readonly MinuteMetrics[];
  /** Per open shard, aligned with `minutes`, when shard-level metrics are enabled. */
  readonly shardMinutes?: Readonly<Record<string, readonly ShardMinuteMetrics[]>>;
  /**
   * When the newest entry of `minutes` starts, epoch milliseconds. It places evidence against the moment a resize
   * finished: a minute that started before the stream was ACTIVE again was measured on the old shards.
   * @default - unknown: settling is then measured from the last scaling call
   */
  readonly newestMinuteAt?: number;
  /**
   * The same stretch of yesterday, for the seasonal floor: the minutes from exactly 24 hours before the newest entry of
   * `minutes` up to SEASONAL_LOOKAHEAD_MINUTES after it, oldest first (missing minutes are entries with no fields).
   * @default - no seasonal floor
   */
  readonly sameTimeYesterday?: readonly MinuteMetrics[];
  /** The same stretch the day before yesterday. @default - unknown */
  readonly sameTimeDayBefore?: readonly MinuteMetrics[];
}

/** What the policy knows of the stream itself. */
export interface StreamState {
  /** The open shards. */
  readonly shards: readonly ShardRange[];
  readonly status: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  /** Epoch milliseconds. */
  readonly now: number;
  /** When UpdateShardCount was called, epoch milliseconds (older ones are ignored). */
  readonly updateShardCountCalls: readonly number[];
  /** When the shard count last changed by the autoscaler's hand, epoch milliseconds. */
  readonly lastScalingAt?: number;
  /** The kill switch. */
  readonly paused?: boolean;
  /** Until when a deploy-time reconcile owns the stream, epoch milliseconds. */
  readonly reconcilingUntil?: number;
}

/** What the policy remembers beyond the call budget (see PersistedState); the tick passes it in and records what changed. */
export type PolicyMemory = Pick<PersistedState,
'activeSince' | 'throttledAt' | 'headroomSteps' | 'headroomProbe' | 'hotSplit' | 'keyBound' | 'lastScaleIn' | 'undoneScaleIns'>;

export type Action = 'none' | 'scale-out' | 'scale-in' | 'split-hot-shards';

/** Demand estimated for one minute: accepted plus refused traffic, per second. */
export interface Demand {
  readonly bytesPerSecond: number;
  readonly recordsPerSecond: number;
  /** Shards needed at 100 % of the limits: the writes', or the shared readers' when reads need more. */
  readonly shardsAtFullLoad: number;
}

export interface Decision {
  readonly action: Action;
  readonly currentShards: number;
  readonly targetShards: number;
  /** One sentence for the log and for people. */
  readonly reason: string;
  /** The peak demand the decision was based on, when there was data. */
  readonly demand?: Demand;
  /** Shards over their own write limit while the stream has headroom; split at their midpoint. */
  readonly hotShards: readonly string[];
  /** Demand wants more shards than maxShards allows. */
  readonly pinnedAtMax: boolean;
  /**
   * A scale-in must keep the map's layout (merges only): a recent hot-shard split, or a hot key's range, would be
   * undone by UpdateShardCount, which lays out even shards.
   */
  readonly keepLayout?: boolean;
  /**
   * Writes were throttled in a way more shards cannot fix (a hot partition key): the stream is not grown for it and
   * the autoscaler reports it (KeyBoundThrottling) so the user spreads the key.
   */
  readonly keyBound?: boolean;
  /** What this tick learnt that the memory must keep (the tick folds it into the new memory). */
  readonly learnt?: Learnt;
  /**
   * The stream is above maxShards: the scale-in enforces the user's ceiling, and the calls kept for scale-outs are
   * not kept from it (no scale-out can happen at the ceiling anyway).
   */
  readonly aboveMaxShards?: boolean;
}

/** Evidence from one tick for the memory: how the stream throttled, and judgements of earlier steps. */
export interface Learnt {
  /** Capacity-bound throttling measured on the current shards: the count that throttled. */
  readonly throttledAtShards?: number;
  /** This scale-out adds headroom for throttling: the probe to judge it by, once it has settled. */
  readonly headroomProbe?: { readonly shards: number; readonly throttleRatio: number };
  /** A probe was judged (helped or not), or expired unjudged: it is cleared. */
  readonly probeJudged?: boolean;
  /** The judged probe helped: the throttling was capacity's. */
  readonly probeHelped?: boolean;
  /** Throttling is key-bound until then; with a range, only there. */
  readonly keyBound?: { readonly until: number; readonly start?: bigint; readonly end?: bigint };
  /** A key-bound judgement past its hold no longer applies: forget it. */
  readonly forgetKeyBound?: boolean;
  /** The hot shard split this tick: its range and load, to judge whether the split halved it. */
  readonly hotSplit?: { readonly start: bigint; readonly end: bigint; readonly load: number };
}

/** Throttling at a minute average below the limit means bursts: a quarter more shards absorbs them. */
const BURST_HEADROOM = 1.25;
/** Headroom steps for throttling per rolling day: past this, throttling sizes the stream by demand alone. */
export const HEADROOM_STEPS_PER_DAY = 4;
/**
 * Without a known end of the last resize (a cold start, or a caller that does not place minutes in time), evidence
 * this soon after a scaling call was measured against the old shard count.
 */
const SETTLE_MS = 10 * 60_000;
/** Minutes an UpdateShardCount call takes, about: a doubling is several 25 % steps (the replay models 3 each). */
const RESIZE_LEAD_MINUTES = 5;
/** Scale-ins smaller than this share of the stream are not worth a reshard. */
const MIN_SCALE_IN_SHARE = 0.1;
/** Read throttling with reads under this share of the stream's read capacity is the call rate, which shards cannot fix. */
const CAPACITY_BOUND_UTILIZATION = 0.5;
/**
 * Added capacity also helped when the stream accepted more than its peak before the step by at least this share of
 * the capacity added (a quarter more shards: 12.5 % more accepted).
 */
const PROBE_CARRIED_SHARE = 0.5;
/** Added capacity helped when it at least halved the share of writes refused. */
const HELPED_THROTTLE_RATIO = 0.5;
/**
 * A headroom probe is judged on the first minutes measured on its shards, well within this (the slowest resize plus
 * the metric lag); one older than this was never carried out, and is dropped unjudged.
 */
const PROBE_MAX_AGE_MS = 2 * 60 * 60_000;
/** How long a key-bound judgement holds before added capacity is tried again. */
export const KEY_BOUND_HOLD_MS = 6 * 60 * 60_000;
/** A shard must be hot for this many known minutes in a row before it is split. */
const HOT_MINUTES = 5;
/** At most one hot-shard split per this interval: three an hour. */
const HOT_SPLIT_INTERVAL_MS = 20 * 60_000;
/** A shard's accepted load this close to its limit is saturated: what it refused is not in its metrics. */
const SATURATED_LOAD = 0.99;
/** A split helped when the busier child carries less than this share of the parent's load. */
const SPLIT_HALVED = 0.75;

/** Whether CloudWatch reported anything for the minute: a minute without a write datapoint is unknown. */
export function hasData(minute: MinuteMetrics | ShardMinuteMetrics): boolean {
  return minute.incomingBytes !== undefined || minute.incomingRecords !== undefined;
}

/**
 * Estimates one minute's demand. IncomingBytes and IncomingRecords count only what was accepted, so throttling is
 * added back. WriteProvisionedThroughputExceeded counts refused attempts, and producers retry: a record refused three
 * times counts three. So refused attempts are not added back as records; their share of all attempts (a ratio, below 1
 * however many retries) scales what was accepted: demand = accepted x (1 + refused share), at most twice the accepted
 * traffic, which is also the most one UpdateShardCount call can add. Retries then inflate the estimate by little
 * (3 attempts: 1.6x for a true 1.5x; 10 attempts: 1.8x), and the next tick sees whatever is still missing.
 * `addBack: false` sizes for accepted traffic only (key-bound throttling that shards cannot serve). `sharedReaders`
 * readers each read every accepted byte, against a shard's 2 MiB/s of shared reads. Undefined when the minute has no
 * data.
 */
export function estimateDemand(minute: MinuteMetrics, options: { addBack?: boolean; sharedReaders?: number } = {}): Demand | undefined {
  if (!hasData(minute)) return undefined;
  const slot = (options.addBack === false ? 1 : 0) + 2 * (options.sharedReaders ?? 0);
  const cacheable = Number.isInteger(slot) && slot < DEMAND_SLOTS;
  let cached = cacheable ? DEMANDS.get(minute) : undefined;
  if (cached?.[slot]) return cached[slot];
  const demand = computeDemand(minute, options);
  if (cacheable) {
    if (!cached) DEMANDS.set(minute, cached = []);
    cached[slot] = demand;
  }
  return demand;
}

/**
 * Each minute's demand, per way of counting it: a window is read again by every tick it stays in (and a replay ticks
 * every minute of months), so it is estimated once. The core never changes a minute it was given.
 */
const DEMANDS = new WeakMap<MinuteMetrics, Demand[]>();
/** Both ways of counting refused writes, for every count of shared readers the settings allow (0 to 20). */
const DEMAND_SLOTS = 2 * 21;

function computeDemand(minute: MinuteMetrics, options: { addBack?: boolean; sharedReaders?: number }): Demand {
  const acceptedBytes = minute.incomingBytes ?? 0;
  const acceptedRecords = minute.incomingRecords ?? 0;
  const attempts = options.addBack === false ? 0 : minute.throttledRecords ?? 0;
  const refusedShare = attempts > 0 ? attempts / (attempts + acceptedRecords) : 0;
  const bytesPerSecond = (acceptedBytes * (1 + refusedShare)) / 60;
  const recordsPerSecond = (acceptedRecords * (1 + refusedShare)) / 60;
  const readBytesPerSecond = Math.max(minute.outgoingBytes ?? 0, acceptedBytes * (options.sharedReaders ?? 0)) / 60;
  return {
    bytesPerSecond,
    recordsPerSecond,
    shardsAtFullLoad: Math.max(shardsAtFullLoad(bytesPerSecond, recordsPerSecond), readBytesPerSecond / SHARD_READ_BYTES_PER_SECOND),
  };
}

/** Shards a write rate fills completely: both limits bind, whichever is tighter. */
export function shardsAtFullLoad(bytesPerSecond: number, recordsPerSecond: number): number {
  return Math.max(bytesPerSecond / SHARD_WRITE_BYTES_PER_SECOND, recordsPerSecond / SHARD_WRITE_RECORDS_PER_SECOND);
}

/** UpdateShardCount calls made in the rolling 24 hours (AWS allows 10). */
export function updateShardCountCallsInWindow(state: Pick<StreamState, 'now' | 'updateShardCountCalls'>): number {
  // A call recorded ahead of time (the margin) counts from the moment it is recorded: never only once it is "past".
  return state.updateShardCountCalls.filter((at) => at > state.now - DAY_MS).length;
}

/**
 * The shards the stream is worth for uniformly spread keys: the widest shard fills first, so a map whose widest
 * shard holds 1/14 of the key space takes what 14 even shards take, however many shards it has.
 */
export function effectiveShards(shards: readonly ShardRange[]): number {
  let effective = EFFECTIVE_SHARDS.get(shards);
  if (effective === undefined) {
    effective = Math.min(shards.length, 1 / Math.max(...shards.map(keySpaceShare)));
    EFFECTIVE_SHARDS.set(shards, effective);
  }
  return effective;
}

/** A map's effective shards, per map: a replay asks for the same map every minute (128-bit arithmetic per shard). */
const EFFECTIVE_SHARDS = new WeakMap<readonly ShardRange[], number>();

/** Effective shards as a whole count, for the probe's record: capacity the map is worth, not the shards it has. */
function wholeEffective(shards: readonly ShardRange[]): number {
  return Math.floor(effectiveShards(shards) + 1e-9);
}

/** The minutes the policy reads, each with its demand and whether it was measured on the current shards. */
interface Evidence {
  readonly minute: MinuteMetrics;
  readonly demand: Demand;
  /** Measured after the last resize finished: the current shards, not the old ones. */
  readonly onCurrentShards: boolean;
}

/**
 * The scaling decision for one stream at one tick: pure, deterministic, shared by the Lambda handler and the
 * replay simulator. It chooses a target shard count; how to get there is `nextStep`'s job.
 */
export function decide(observation: Observation, state: StreamState & PolicyMemory, settings: PolicySettings): Decision {
  // A range judged by a hot-shard split lingers past its hold only while shard-level metrics show a hot shard in it.
  // Without them nothing can, and a range kept for ever would call all throttling at low utilization key-bound (no
  // headroom for bursts, ever) and keep every scale-in to merges.
  const staleRange = state.keyBound?.start !== undefined && state.keyBound.until <= state.now && !observation.shardMinutes;
  if (!staleRange) return decideWithMemory(observation, state, settings);
  const decision = decideWithMemory(observation, { ...state, keyBound: undefined }, settings);
  return { ...decision, learnt: { ...decision.learnt, forgetKeyBound: true } };
}

function decideWithMemory(observation: Observation, state: StreamState & PolicyMemory, settings: PolicySettings): Decision {
  const current = state.shards.length;
  const none = (reason: string, extra: Partial<Decision> = {}): Decision =>
    ({ action: 'none', currentShards: current, targetShards: current, reason, hotShards: [], pinnedAtMax: false, ...extra });

  if (state.mode === 'ON_DEMAND') return none('the stream is On-Demand, which scales itself');
  if (state.paused) return none('scaling is paused by the kill switch');
  if (state.reconcilingUntil !== undefined && state.reconcilingUntil > state.now) return none('a deploy-time reconcile is in flight');
  if (state.status !== 'ACTIVE') return none(`the stream is ${state.status}, not ACTIVE`);

  // The bounds hold whatever the traffic says, before any metric exists: a new stream below minShards would throttle.
  if (current < settings.minShards) {
    return { ...none(`${current} shards is below minShards`), action: 'scale-out', targetShards: settings.minShards };
  }
  if (current > settings.maxShards) {
    return { ...none(`${current} shards is above maxShards`), action: 'scale-in', targetShards: settings.maxShards, aboveMaxShards: true };
  }

  const demandOf = (minute: MinuteMetrics, addBack = true) => estimateDemand(minute, { addBack, sharedReaders: settings.sharedReaders });
  const demands = observation.minutes.map((m) => demandOf(m));
  if (!demands.some((d) => d !== undefined)) return decideIdle(observation, state, settings, none);

  const recent = lastKnown(observation, demands, settings.scaleOutMinutes, state);
  // Scale-in needs a whole window of data, so with no fresh minute there is nothing to act on.
  if (recent.length === 0) return none('no metrics for the latest minutes: stale data is no reason to act');

  const effective = effectiveShards(state.shards);
  const acceptedUtilization = peak(recent.map((r) => demandOf(r.minute, false)!)).shardsAtFullLoad / effective;
  const attribution = attribute(recent, state, acceptedUtilization, settings, acceptedBeforeLastCall(observation, state, settings));
  // A key range where a split did not halve the load holds a hot key: throttling with the stream below its scale-out
  // utilization is that key's.
  const hotKeyRange = state.keyBound?.start !== undefined;
  const keyBound = attribution.keyBound || (attribution.throttled && hotKeyRange && acceptedUtilization < settings.scaleOutUtilization);
  const sizing = keyBound ? recent.map((r) => ({ ...r, demand: demandOf(r.minute, false)! })) : recent;
  const recentPeak = peak(sizing.map((r) => r.demand));
  // Throttling measured on the shards before the last resize was answered by it: only the current shards' throttling
  // calls for more. (Acting on the old shards' minutes spent a call per tick of a rise on a shard or two each.)
  const capacityThrottled = attribution.throttledOnCurrent && !keyBound;
  const readThrottled = recent.some((r) => (r.minute.readThrottled ?? 0) > 0)
    && recentPeak.shardsAtFullLoad / effective >= CAPACITY_BOUND_UTILIZATION;
  const recentUtilization = recentPeak.shardsAtFullLoad / effective;
  const learnt: Learnt = {
    ...attribution.learnt,
    // A count that starved shared-throughput readers is remembered like one that throttled writes: no scale-in back to it.
    ...((capacityThrottled || readThrottled) && attribution.onCurrentShards ? { throttledAtShards: current } : {}),
  };
  const report = { demand: recentPeak, keyBound, learnt };

  // A rise that came at this time on each of the last two days, lasted a whole scale-in window and would throttle the
  // current capacity is met before it arrives: the stream would hold it anyway once it came, and by the time it shows
  // in metrics and a resize ends it has throttled. Short of the capacity, the scale-out meets it when it comes.
  const quiet = !keyBound && !capacityThrottled && !readThrottled && recentUtilization < settings.scaleOutUtilization;
  const soon = quiet ? sustainedSoon(observation, settings, effective) : undefined;
  const soonUtilization = soon ? soon.shardsAtFullLoad / effective : 0;
  const ahead = soon !== undefined;

  let held: Decision | undefined;
  if (capacityThrottled || readThrottled || recentUtilization >= settings.scaleOutUtilization || ahead) {
    let wanted = Math.ceil((ahead ? soon! : recentPeak).shardsAtFullLoad / settings.targetUtilization);
    const headroomLeft = (state.headroomSteps ?? []).filter((at) => at > state.now - DAY_MS).length < HEADROOM_STEPS_PER_DAY;
    const headroom = capacityThrottled && attribution.onCurrentShards && headroomLeft;
    if (headroom) wanted = Math.max(wanted, Math.ceil(current * BURST_HEADROOM));
    // An uneven map is worth its widest shard: when demand wants more than that, though fewer shards than it has, it
    // grows a shard (a split of the widest, or a resize that evens it). Utilization at the scale-out threshold always
    // wants more than the map is worth, since the threshold is above the target.
    if (wanted <= current && wanted > effective + 1e-9) wanted = current + 1;
    const target = Math.min(wanted, settings.maxShards);
    const pinnedAtMax = wanted > settings.maxShards;
    const why = capacityThrottled ? 'writes were throttled' : readThrottled ? 'shared-throughput reads were throttled'
      : ahead ? `the same time on each of the last two days held ${percent(soonUtilization)} of the current capacity for ${settings.scaleInMinutes}`
        + ` minutes, starting within ${leadMinutes(settings)}`
        : `utilization ${percent(recentUtilization)} reached ${percent(settings.scaleOutUtilization)}`;
    if (target <= current) {
      // More shards would not be used, but a hot shard may still be split below; nothing scales in meanwhile.
      held = none(pinnedAtMax ? `${why}, but the stream is at maxShards (${settings.maxShards})` : `${why}, already at the ${target} shards demand needs`,
        { ...report, pinnedAtMax });
    } else {
      return {
        ...report,
        action: 'scale-out',
        currentShards: current,
        targetShards: target,
        hotShards: [],
        pinnedAtMax,
        learnt: headroom ? { ...learnt, headroomProbe: { shards: wholeEffective(state.shards), throttleRatio: attribution.throttleRatio } } : learnt,
        reason: `${why}: demand needs ${wanted} shards at ${percent(settings.targetUtilization)} target utilization${pinnedAtMax ? `, capped at maxShards (${settings.maxShards})` : ''}`,
      };
    }
  }

  const hot = findHotShards(observation, state, settings);
  const hotLearnt: Learnt = { ...learnt, ...(hot.judged ? { keyBound: hot.judged } : {}), ...(hot.forget ? { forgetKeyBound: true } : {}) };
  if (hot.shards.length > 0) {
    const target = Math.min(current + 1, settings.maxShards);
    if (target > current) {
      const shard = hot.shards[0];
      return {
        ...report,
        action: 'split-hot-shards',
        currentShards: current,
        targetShards: target,
        hotShards: [shard.shardId],
        pinnedAtMax: false,
        learnt: { ...hotLearnt, hotSplit: { start: shard.startingHashKey, end: shard.endingHashKey, load: hot.loads[shard.shardId] } },
        reason: `shard ${shard.shardId} has been above ${percent(settings.scaleOutUtilization)} of its own limit for ${HOT_MINUTES} minutes while the stream is at ${percent(recentUtilization)}`,
      };
    }
  }

  const reported = { learnt: hotLearnt, keyBound: keyBound || (attribution.throttled && hot.keyBound !== undefined) };
  if (held) return { ...held, ...reported };
  return decideScaleIn(observation, demands, state, settings, { ...report, ...reported }, none);
}

/**
 * Why writes were throttled. Only added capacity can tell bursts (which it absorbs) from a hot partition key (which
 * it cannot help), whatever the utilization: so the first headroom step for throttling is a probe, judged once its
 * shards are measured. Throttling is key-bound while an earlier judgement holds (the probe did not halve the share
 * of writes refused) and, past its hold, while it lingers; capacity-bound otherwise.
 */
function attribute(
  recent: readonly Evidence[],
  state: StreamState & PolicyMemory,
  acceptedUtilization: number,
  settings: PolicySettings,
  acceptedBefore: number | undefined,
) {
  const throttled = recent.some((r) => (r.minute.throttledRecords ?? 0) > 0);
  const onCurrent = recent.filter((r) => r.onCurrentShards);
  const throttleRatio = ratioOf(onCurrent.length > 0 ? onCurrent : recent);
  let learnt: Learnt = {};
  const judged = state.keyBound !== undefined && state.keyBound.start === undefined ? state.keyBound : undefined;
  // Past its hold, a judgement lingers while the throttling it was about goes on at a utilization that does not call
  // for more shards: probing again then would only repeat the same growth. The first quiet tick forgets it.
  let keyBound = throttled && judged !== undefined && (judged.until > state.now || acceptedUtilization < settings.scaleOutUtilization);
  if (judged && judged.until <= state.now && !throttled) learnt = { forgetKeyBound: true };
  const probe = state.headroomProbe;
  if (probe && state.now - probe.at > PROBE_MAX_AGE_MS) {
    // Never judged (its step was refused, or the stream was resized by other hands): a ratio from other traffic
    // judges nothing, so it is dropped without a verdict.
    learnt = { ...learnt, probeJudged: true };
  } else if (probe && onCurrent.length > 0 && wholeEffective(state.shards) > probe.shards) {
    // Judged only once the probe's capacity is there: a split of one shard of an even map adds a shard but no capacity
    // (the widest shard still binds), and judging that would call bursts key-bound.
    // Rising demand can eat the added shards before they are measured: the refused share then does not halve, but the
    // stream accepts more than it ever did on the probe's shards. A hot key's shard accepts no more however many
    // shards are added, so that growth is capacity, not a key.
    const acceptedNow = acceptedUtilization * effectiveShards(state.shards);
    const carriedMore = acceptedBefore !== undefined
      && acceptedNow >= acceptedBefore * (1 + (wholeEffective(state.shards) / probe.shards - 1) * PROBE_CARRIED_SHARE);
    const helped = throttleRatio <= probe.throttleRatio * HELPED_THROTTLE_RATIO || carriedMore;
    learnt = { ...learnt, probeJudged: true, ...(helped ? { probeHelped: true } : { keyBound: { until: state.now + KEY_BOUND_HOLD_MS } }) };
    if (!helped && throttled) keyBound = true;
  }
  const throttledOnCurrent = onCurrent.some((r) => (r.minute.throttledRecords ?? 0) > 0);
  const onCurrentShards = onCurrent.length > 0 && onCurrent.length === recent.length;
  return { throttled, throttledOnCurrent, keyBound, throttleRatio, onCurrentShards, learnt };
}

/**
 * The peak accepted load (shards at full load) of the minutes in the observation that ended before the last scaling
 * call, measured on the shards before it; undefined when the observation does not place its minutes in time or holds
 * none of them.
 */
function acceptedBeforeLastCall(observation: Observation, state: StreamState & PolicyMemory, settings: PolicySettings): number | undefined {
  const { minutes, newestMinuteAt } = observation;
  if (newestMinuteAt === undefined || state.lastScalingAt === undefined) return undefined;
  let peakLoad: number | undefined;
  minutes.forEach((minute, i) => {
    const endsAt = newestMinuteAt - (minutes.length - 1 - i) * 60_000 + 60_000;
    const demand = endsAt <= state.lastScalingAt! ? estimateDemand(minute, { addBack: false, sharedReaders: settings.sharedReaders }) : undefined;
    if (demand) peakLoad = Math.max(peakLoad ?? 0, demand.shardsAtFullLoad);
  });
  return peakLoad;
}

/** The share of write attempts refused over `minutes`: refused over refused plus accepted records. */
function ratioOf(minutes: readonly Evidence[]): number {
  const refused = minutes.reduce((sum, r) => sum + (r.minute.throttledRecords ?? 0), 0);
  const accepted = minutes.reduce((sum, r) => sum + (r.minute.incomingRecords ?? 0), 0);
  return refused + accepted > 0 ? refused / (refused + accepted) : 0;
}

function decideScaleIn(
  observation: Observation,
  demands: ReadonlyArray<Demand | undefined>,
  state: StreamState & PolicyMemory,
  settings: PolicySettings,
  report: Pick<Decision, 'demand' | 'keyBound' | 'learnt'>,
  none: (reason: string, extra?: Partial<Decision>) => Decision,
): Decision {
  const current = state.shards.length;
  const recentPeak = report.demand!;
  if (current <= settings.minShards) return none(`at minShards (${settings.minShards}) with ${percent(recentPeak.shardsAtFullLoad / current)} utilization`, report);

  // A missing minute is unknown even between published ones: CloudWatch omits minutes without writes, but an outage or
  // a late datapoint looks the same from here, and reading a hidden spike as zero scales in under it.
  const window = demands.slice(-settings.scaleInMinutes);
  const minutes = observation.minutes.slice(-settings.scaleInMinutes);
  if (window.length < settings.scaleInMinutes || window.some((d) => d === undefined)) {
    return none(`a scale-in needs ${settings.scaleInMinutes} minutes of complete metrics; missing data is not low traffic`, report);
  }
  const cooldownMinutes = scaleInCooldownMinutes(state, settings);
  // Merges go on pair by pair, one per tick, without a new cooldown: every merge is decided on the whole window again,
  // and the cooldown is for what follows a scale-out; waiting it out between the merges of one halving kept a stream
  // large for hours after each spike once the day's calls for scale-ins were spent. Once a scale-in was undone lately,
  // they wait it out again: there, one merge per tick becomes a storm of operations that the next rise reverses. An
  // UpdateShardCount halving always waits: two chained halvings quarter the stream before the window can show demand
  // coming back, and spend two calls to undo.
  const undone = undoneScaleIns(state, settings) > 0;
  const continuing = state.lastScaleIn !== undefined && state.lastScaleIn.at === state.lastScalingAt && !state.lastScaleIn.resized && !undone;
  if (!continuing && state.lastScalingAt !== undefined && state.now - state.lastScalingAt < cooldownMinutes * 60_000) {
    const doubled = cooldownMinutes > settings.scaleInCooldownMinutes
      ? ` (doubled for each scale-in undone within the last ${settings.undoneScaleInMemoryMinutes} minutes)` : '';
    return none(`within the ${cooldownMinutes}-minute cooldown after the last scaling action${doubled}`, report);
  }
  // Key-bound throttling is no reason to keep shards: they did not help.
  if (!report.keyBound && minutes.some((m) => (m.throttledRecords ?? 0) > 0)) {
    return none('writes were throttled within the scale-in window', report);
  }
  if (minutes.some((m) => (m.readThrottled ?? 0) > 0)) {
    return none('shared-throughput reads were throttled within the scale-in window', report);
  }
  const oldestUnread = Math.max(0, ...minutes.map((m) => m.iteratorAgeMs ?? 0));
  if (oldestUnread > settings.maxIteratorAgeMsForScaleIn) {
    return none(`consumers are ${Math.round(oldestUnread / 1000)} s behind; no scale-in until they catch up`, report);
  }

  const sizing = report.keyBound
    ? minutes.map((m) => estimateDemand(m, { addBack: false, sharedReaders: settings.sharedReaders })!)
    : (window as Demand[]);
  const windowPeak = peak(sizing);
  const byDemand = Math.max(settings.minShards, Math.ceil(windowPeak.shardsAtFullLoad / settings.targetUtilization));
  const worthIt = (wanted: number) => current - wanted >= Math.max(1, Math.floor(current * MIN_SCALE_IN_SHARE));
  // The floors can only hold a scale-in back; with none to hold (most ticks), they are not worth reading yesterday for.
  if (!worthIt(byDemand)) {
    return none(`${current} shards fit the demand (peak ${percent(windowPeak.shardsAtFullLoad / current)} over ${settings.scaleInMinutes} minutes)`,
      { ...report, demand: windowPeak });
  }
  const floors = scaleInFloors(observation, state, settings, report.keyBound === true);
  const hotKey = hotKeyFloor(observation, state.shards);
  if (hotKey > floors.shards) Object.assign(floors, { shards: Math.min(hotKey, settings.maxShards), why: `a hot key needs ${hotKey} even shards to stay under its shard's limit` });
  const wanted = Math.max(byDemand, floors.shards);
  if (!worthIt(wanted)) {
    const held = floors.shards >= current ? `; ${floors.why} holds ${floors.shards}` : '';
    return none(`${current} shards fit the demand (peak ${percent(windowPeak.shardsAtFullLoad / current)} over ${settings.scaleInMinutes} minutes)${held}`,
      { ...report, demand: windowPeak });
  }
  return {
    ...report,
    action: 'scale-in',
    currentShards: current,
    targetShards: wanted,
    demand: windowPeak,
    hotShards: [],
    pinnedAtMax: false,
    keepLayout: keepsLayout(state),
    reason: `peak demand over ${settings.scaleInMinutes} minutes needs ${wanted} shards at ${percent(settings.targetUtilization)} target utilization`
      + (floors.shards === wanted ? ` (${floors.why})` : ''),
  };
}

/**
 * No write datapoint in the whole observation. CloudWatch publishes none for a minute without writes, so a stream
 * whose producers stopped looks exactly like one whose metrics have not arrived, or a CloudWatch outage. Once the
 * observation spans a whole scale-in window, the throttle memory has passed since the autoscaler last scaled it, and
 * the same stretch of yesterday was silent too, the silence is idleness: the stream scales in to minShards.
 */
function decideIdle(
  observation: Observation,
  state: StreamState & PolicyMemory,
  settings: PolicySettings,
  none: (reason: string, extra?: Partial<Decision>) => Decision,
): Decision {
  const current = state.shards.length;
  const spansWindow = observation.minutes.length >= settings.scaleInMinutes;
  // A stream never scaled may be new, with producers still to start: what its owner deployed stands.
  const settled = state.lastScalingAt !== undefined && state.now - state.lastScalingAt >= settings.throttleMemoryMinutes * 60_000;
  // A metrics outage looks the same as silence from inside the window. Producers that stopped a day ago also left the
  // same stretch of yesterday without a datapoint; an outage of hours, or traffic that stopped today, did not.
  const silentYesterday = observation.sameTimeYesterday !== undefined && observation.sameTimeYesterday.length > 0
    && !observation.sameTimeYesterday.some(hasData);
  if (!spansWindow || !settled || !silentYesterday) return none('no metrics for this stream yet: nothing is known, so nothing changes');
  const floors = scaleInFloors(observation, state, settings);
  const wanted = Math.max(settings.minShards, floors.shards);
  const silence = `no write datapoint for ${observation.minutes.length} minutes, nor at this time yesterday: producers stopped`;
  if (wanted >= current) return none(`${silence}${floors.shards >= current ? `, but ${floors.why}` : ''}`);
  return {
    ...none(silence),
    action: 'scale-in',
    targetShards: wanted,
    keepLayout: keepsLayout(state),
    reason: `${silence}; scale in to ${wanted} shards${floors.shards === wanted ? ` (${floors.why})` : ' (minShards)'}`,
  };
}

/** A recent hot-shard split, or a hot key's range, that a resize would lay out wide again: scale in by merges only. */
function keepsLayout(state: StreamState & PolicyMemory): boolean {
  return (state.hotSplit !== undefined && state.now - state.hotSplit.at < KEY_BOUND_HOLD_MS) || state.keyBound?.start !== undefined;
}

/**
 * The wait after a scaling action before a scale-in: the preset's cooldown, doubled for each scale-in that a scale-out
 * undid within the preset's undoneScaleInMemoryMinutes. Traffic that returns every hour (or every few) undoes each
 * scale-in; the waits grow until they outlast its period and the stream stays sized for it, after a handful of
 * reversals whatever the period, where a fixed window tuned for one period flaps at the next. Without reversals the
 * preset's cooldown returns.
 */
function scaleInCooldownMinutes(state: StreamState & PolicyMemory, settings: PolicySettings): number {
  return settings.scaleInCooldownMinutes * 2 ** undoneScaleIns(state, settings);
}

/** Scale-ins a scale-out undid within the preset's memory of them. */
function undoneScaleIns(state: StreamState & PolicyMemory, settings: PolicySettings): number {
  return (state.undoneScaleIns ?? []).filter((at) => at > state.now - settings.undoneScaleInMemoryMinutes * 60_000).length;
}

/** Minutes from a rise to the capacity for it: the metric lag, the scale-out window, and a resize. */
function leadMinutes(settings: PolicySettings): number {
  return METRIC_LAG_MINUTES + settings.scaleOutMinutes + RESIZE_LEAD_MINUTES;
}

/**
 * The demand both yesterday and the day before held for a whole scale-in window, in a window starting within the lead
 * time from the same minute: for each day the highest of those windows' lowest minutes, and the lower of the two days.
 * A rise on one day only (a one-off spike, a news event) predicts nothing; one that came back at the same time two days
 * running is the traffic's daily shape. Undefined unless both days are known that far and it reaches `atLeast` shards
 * at full load.
 */
function sustainedSoon(observation: Observation, settings: PolicySettings, atLeast: number): Demand | undefined {
  const yesterday = settings.seasonalLookaheadMinutes > 0 ? observation.sameTimeYesterday : undefined;
  const span = settings.scaleInMinutes;
  const lead = leadMinutes(settings);
  if (!yesterday || yesterday.length < lead + span) return undefined;
  const before = observation.sameTimeDayBefore;
  if (!before || before.length < lead + span) return undefined;
  const demandsOf = (day: readonly MinuteMetrics[]) => day.slice(0, lead + span)
    .map((m) => estimateDemand(m, { sharedReaders: settings.sharedReaders }));
  // A window's lowest minute is at most the day's highest: most ticks are settled by that alone (every tick asks).
  const reaches = (day: readonly MinuteMetrics[]) => {
    for (let i = 0; i < lead + span; i++) {
      if ((estimateDemand(day[i], { sharedReaders: settings.sharedReaders })?.shardsAtFullLoad ?? 0) >= atLeast) return true;
    }
    return false;
  };
  if (!reaches(yesterday) || !reaches(before)) return undefined;
  const one = sustainedPeak(demandsOf(yesterday), span, lead);
  const two = one && sustainedPeak(demandsOf(before), span, lead);
  if (!one || !two) return undefined;
  const lower = two.shardsAtFullLoad < one.shardsAtFullLoad ? two : one;
  return lower.shardsAtFullLoad >= atLeast ? lower : undefined;
}

/**
 * The highest demand held for `span` minutes in a row, in windows starting at 0 to `lastStart`: each window's lowest
 * minute, the highest of those. A window with an unknown minute does not count. Undefined when none counts.
 */
function sustainedPeak(demands: ReadonlyArray<Demand | undefined>, span: number, lastStart: number): Demand | undefined {
  let best: Demand | undefined;
  for (let start = 0; start <= lastStart && start + span <= demands.length; start++) {
    let low: Demand | undefined;
    for (let i = start; i < start + span; i++) {
      const d = demands[i];
      if (d === undefined) {
        low = undefined;
        break;
      }
      if (!low || d.shardsAtFullLoad < low.shardsAtFullLoad) low = d;
    }
    if (low && (!best || low.shardsAtFullLoad > best.shardsAtFullLoad)) best = low;
  }
  return best;
}

/**
 * The fewest shards a scale-in may leave: more than the count that throttled for capacity within the preset's
 * throttle memory, and what the same stretch of yesterday (the preset's lookahead) needed at the target utilization.
 */
function scaleInFloors(
  observation: Observation, state: StreamState & PolicyMemory, settings: PolicySettings, keyBound = false,
): { shards: number; why: string } {
  let shards = 0;
  let why = '';
  if (state.throttledAt && state.now - state.throttledAt.at < settings.throttleMemoryMinutes * 60_000) {
    shards = state.throttledAt.shards + 1;
    why = `${state.throttledAt.shards} shards throttled within the last ${settings.throttleMemoryMinutes} minutes`;
  }
  const lookahead = settings.seasonalLookaheadMinutes > 0 ? observation.sameTimeYesterday ?? [] : [];
  // Writes a hot key had refused yesterday are no more a need for shards than today's.
  const yesterday = lookahead.slice(0, settings.seasonalLookaheadMinutes + 1)
    .map((m) => estimateDemand(m, { addBack: !keyBound, sharedReaders: settings.sharedReaders }))
    .filter((d): d is Demand => d !== undefined);
  if (yesterday.length > 0) {
    const seasonal = Math.ceil(peak(yesterday).shardsAtFullLoad / settings.targetUtilization);
    if (seasonal > shards) {
      shards = seasonal;
      why = `the same time yesterday needed ${seasonal} shards`;
    }
  }
  return { shards: Math.min(shards, settings.maxShards), why };
}

/**
 * With shard-level metrics, the even shard count under which the busiest shard's key would throttle: a scale-in by
 * UpdateShardCount evens the map, and undoing a hot-shard split would put the key back with a wide range. The key's
 * load is the busiest shard's load less its share of the rest of the traffic, spread evenly; a key over a whole shard
 * is key-bound and sets no floor. 0 when unknown.
 */
function hotKeyFloor(observation: Observation, shards: readonly ShardRange[]): number {
  const loads = latestShardLoads(observation);
  if (!loads || shards.some((s) => loads[s.shardId] === undefined)) return 0;
  const total = shards.reduce((sum, s) => sum + loads[s.shardId], 0);
  let floor = 0;
  for (const shard of shards) {
    const share = keySpaceShare(shard);
    // A shard at its limit hides what was refused: its key may be over a whole shard, which no even count fixes.
    if (share >= 1 || loads[shard.shardId] >= SATURATED_LOAD) continue;
    const spread = (total - loads[shard.shardId]) / (1 - share);
    const key = loads[shard.shardId] - spread * share;
    if (key > 0 && key < 1) floor = Math.max(floor, Math.ceil(spread / (1 - key) - 1e-9));
  }
  return floor;
}

/**
 * Shards to split for their own load: above the scale-out utilization of one shard for HOT_MINUTES known minutes in
 * a row, busiest first, at most one split per HOT_SPLIT_INTERVAL_MS, and never inside a range where an earlier split
 * did not roughly halve the load (a hot key: splitting again cannot help). Also judges the last split, and says when a
 * range judgement past its hold can be forgotten (no shard in it is hot any more).
 */
function findHotShards(observation: Observation, state: StreamState & PolicyMemory, settings: PolicySettings) {
  const loads = latestShardLoads(observation) ?? {};
  let keyBound: Learnt['keyBound'];
  const last = state.hotSplit;
  if (last) {
    const children = state.shards.filter((s) => s.startingHashKey >= last.start && s.endingHashKey <= last.end);
    if (children.length >= 2 && children.every((c) => loads[c.shardId] !== undefined)) {
      const busiest = children.reduce((a, b) => (loads[b.shardId] > loads[a.shardId] ? b : a));
      if (loads[busiest.shardId] >= SPLIT_HALVED * last.load) {
        keyBound = { until: last.at + KEY_BOUND_HOLD_MS, start: busiest.startingHashKey, end: busiest.endingHashKey };
      }
    }
  }
  const bound = keyBound ?? (state.keyBound?.start !== undefined ? state.keyBound : undefined);
  const inBound = (s: ShardRange) => bound?.start !== undefined && bound.end !== undefined
    && s.startingHashKey >= bound.start && s.endingHashKey <= bound.end;
  const isHot = (s: ShardRange) => hotFor(observation.shardMinutes?.[s.shardId] ?? [], settings.scaleOutUtilization);
  // Past its hold, a range lingers while a shard in it stays hot: the key is still there, and splitting cannot help.
  const forget = bound !== undefined && bound.until <= state.now && observation.shardMinutes !== undefined
    && !state.shards.some((s) => inBound(s) && isHot(s));
  const tooSoon = last !== undefined && state.now - last.at < HOT_SPLIT_INTERVAL_MS;
  const shards = !observation.shardMinutes || tooSoon ? [] : state.shards
    .filter((shard) => !inBound(shard) && isHot(shard))
    .sort((a, b) => (loads[b.shardId] ?? 0) - (loads[a.shardId] ?? 0));
  return { shards, loads, judged: keyBound, keyBound: forget ? undefined : bound, forget };
}

/** Whether a shard's last HOT_MINUTES known minutes were all at or above `utilization` of its own limit. */
function hotFor(series: readonly ShardMinuteMetrics[], utilization: number): boolean {
  const known = series.filter(hasData).slice(-HOT_MINUTES);
  return known.length === HOT_MINUTES
    && known.every((m) => shardsAtFullLoad((m.incomingBytes ?? 0) / 60, (m.incomingRecords ?? 0) / 60) >= utilization);
}

/**
 * Each shard's latest known load as a fraction of one shard's write limit, from shard-level metrics; undefined
 * without them. A shard with no datapoint yet is left out (unknown, not idle).
 */
export function latestShardLoads(observation: Observation): Record<string, number> | undefined {
  if (!observation.shardMinutes) return undefined;
  const loads: Record<string, number> = {};
  for (const [shardId, series] of Object.entries(observation.shardMinutes)) {
    const latest = [...series].reverse().find(hasData);
    if (latest) loads[shardId] = shardsAtFullLoad((latest.incomingBytes ?? 0) / 60, (latest.incomingRecords ?? 0) / 60);
  }
  return loads;
}

/**
 * The latest `count` minutes with data, looking back no further than `count` plus CloudWatch's publishing lag: older
 * minutes say nothing about now, and a throttled one reused tick after tick would grow the stream without end.
 * Each says whether it was measured on the current shards: it started after the stream was ACTIVE again (when the
 * observation places its minutes in time), or, without that, the last scaling call is SETTLE_MS old.
 */
function lastKnown(
  observation: Observation, demands: ReadonlyArray<Demand | undefined>, count: number, state: StreamState & PolicyMemory,
): Evidence[] {
  const known: Evidence[] = [];
  const { minutes, newestMinuteAt } = observation;
  const oldest = Math.max(0, demands.length - count - METRIC_LAG_MINUTES);
  const settledByClock = state.lastScalingAt === undefined || state.now - state.lastScalingAt >= SETTLE_MS;
  const since = state.lastScalingAt === undefined ? undefined : Math.max(state.activeSince ?? Infinity, state.lastScalingAt);
  for (let i = demands.length - 1; i >= oldest && known.length < count; i--) {
    const demand = demands[i];
    if (!demand) continue;
    const startsAt = newestMinuteAt === undefined ? undefined : newestMinuteAt - (demands.length - 1 - i) * 60_000;
    const onCurrentShards = since === undefined ? true
      : startsAt !== undefined && state.activeSince !== undefined ? startsAt >= since : settledByClock;
    known.push({ minute: minutes[i], demand, onCurrentShards });
  }
  return known;
}

function peak(demands: readonly Demand[]): Demand {
  return demands.reduce((a, b) => (b.shardsAtFullLoad > a.shardsAtFullLoad ? b : a));
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}
