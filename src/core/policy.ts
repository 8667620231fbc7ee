import { DAY_MS, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from './limits';
import { PolicySettings } from './settings';
import { ShardRange } from './shard-map';

/**
 * One minute of a stream's CloudWatch metrics, as GetMetricData returns them. A missing field is unknown, never
 * zero: CloudWatch omits a datapoint when it has none yet, and that must not read as "no traffic".
 */

/**
 * CloudWatch publishes a minute's Kinesis metrics up to this many minutes late: the metric window reads this many
 * minutes beyond the longest scale-in window, and scale-out evidence older than this (plus scaleOutMinutes) is stale.
 */
export const METRIC_LAG_MINUTES = 5;
/** How far past the same minute of yesterday `Observation.sameTimeYesterday` reaches, in minutes. */
export const SEASONAL_LOOKAHEAD_MINUTES = 120;
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

export type Action = 'none' | 'scale-out' | 'scale-in' | 'split-hot-shards';

/** Demand estimated for one minute: accepted plus refused traffic, per second. */
export interface Demand {
  readonly bytesPerSecond: number;
  readonly recordsPerSecond: number;
  /** Shards needed at 100 % of the write limit. */
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
   * Writes were throttled in a way more shards cannot fix (a hot partition key): the stream is not grown for it and
   * the autoscaler reports it (KeyBoundThrottling) so the user spreads the key.
   */
  readonly keyBound?: boolean;
}

/** Throttling at a minute average below the limit means bursts: a quarter more shards absorbs them. */
const BURST_HEADROOM = 1.25;
/**
 * Metrics lag behind by minutes and a resize takes minutes, so throttling seen this soon after a scaling action was
 * measured against the old, smaller shard count. Adding burst headroom on top of it again would compound into a
 * runaway; within this window only the demand estimate (accepted plus throttled) sizes the stream.
 */
const SETTLE_MS = 10 * 60_000;
/** Scale-ins smaller than this share of the stream are not worth a reshard. */
const MIN_SCALE_IN_SHARE = 0.1;

/** Whether CloudWatch reported anything for the minute: a minute without a write datapoint is unknown. */
export function hasData(minute: MinuteMetrics | ShardMinuteMetrics): boolean {
  return minute.incomingBytes !== undefined || minute.incomingRecords !== undefined;
}

/**
 * Estimates one minute's demand. Throttled records are added back at the minute's average record size, since
 * IncomingBytes and IncomingRecords count only what was accepted. Undefined when the minute has no data.
 */
export function estimateDemand(minute: MinuteMetrics): Demand | undefined {
  if (!hasData(minute)) return undefined;
  const acceptedBytes = minute.incomingBytes ?? 0;
  const acceptedRecords = minute.incomingRecords ?? 0;
  const throttled = minute.throttledRecords ?? 0;
  const averageRecordBytes = acceptedRecords > 0 ? acceptedBytes / acceptedRecords : 0;
  const bytesPerSecond = (acceptedBytes + throttled * averageRecordBytes) / 60;
  const recordsPerSecond = (acceptedRecords + throttled) / 60;
  return { bytesPerSecond, recordsPerSecond, shardsAtFullLoad: shardsAtFullLoad(bytesPerSecond, recordsPerSecond) };
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
 * The scaling decision for one stream at one tick: pure, deterministic, shared by the Lambda handler and the
 * replay simulator. It chooses a target shard count; how to get there is `nextStep`'s job.
 */
export function decide(observation: Observation, state: StreamState, settings: PolicySettings): Decision {
  const current = state.shards.length;
  const none = (reason: string, extra: Partial<Decision> = {}): Decision =>
    ({ action: 'none', currentShards: current, targetShards: current, reason, hotShards: [], pinnedAtMax: false, ...extra });

  if (state.mode === 'ON_DEMAND') return none('the stream is On-Demand, which scales itself');
  if (state.paused) return none('scaling is paused by the kill switch');
  if (state.reconcilingUntil !== undefined && state.reconcilingUntil > state.now) return none('a deploy-time reconcile is in flight');
  if (state.status !== 'ACTIVE') return none(`the stream is ${state.status}, not ACTIVE`);

  const demands = observation.minutes.map(estimateDemand);
  const known = demands.filter((d): d is Demand => d !== undefined);
  if (known.length === 0) return none('no metrics for this stream yet: nothing is known, so nothing changes');

  // Below the minimum is fixed first, whatever the traffic says.
  if (current < settings.minShards) {
    return { ...none(`${current} shards is below minShards`), action: 'scale-out', targetShards: settings.minShards };
  }
  if (current > settings.maxShards) {
    return { ...none(`${current} shards is above maxShards`), action: 'scale-in', targetShards: settings.maxShards };
  }

  const recent = lastKnown(observation.minutes, demands, settings.scaleOutMinutes);
  // Scale-in needs a whole window of data, so with no fresh minute there is nothing to act on.
  if (recent.length === 0) return none('no metrics for the latest minutes: stale data is no reason to act');
  const recentPeak = peak(recent.map((r) => r.demand));
  const throttledRecently = recent.some((r) => (r.minute.throttledRecords ?? 0) > 0);
  const recentUtilization = recentPeak.shardsAtFullLoad / current;

  if (throttledRecently || recentUtilization >= settings.scaleOutUtilization) {
    let wanted = Math.ceil(recentPeak.shardsAtFullLoad / settings.targetUtilization);
    const settled = state.lastScalingAt === undefined || state.now - state.lastScalingAt >= SETTLE_MS;
    if (throttledRecently && settled) wanted = Math.max(wanted, Math.ceil(current * BURST_HEADROOM));
    const target = Math.min(wanted, settings.maxShards);
    const pinnedAtMax = wanted > settings.maxShards;
    const why = throttledRecently ? 'writes were throttled' : `utilization ${percent(recentUtilization)} reached ${percent(settings.scaleOutUtilization)}`;
    if (target <= current) {
      return none(pinnedAtMax ? `${why}, but the stream is at maxShards (${settings.maxShards})` : `${why}, already at the ${target} shards demand needs`,
        { demand: recentPeak, pinnedAtMax });
    }
    return {
      action: 'scale-out',
      currentShards: current,
      targetShards: target,
      demand: recentPeak,
      hotShards: [],
      pinnedAtMax,
      reason: `${why}: demand needs ${wanted} shards at ${percent(settings.targetUtilization)} target utilization${pinnedAtMax ? `, capped at maxShards (${settings.maxShards})` : ''}`,
    };
  }

  const hotShards = findHotShards(observation, state.shards, settings);
  if (hotShards.length > 0) {
    const target = Math.min(current + hotShards.length, settings.maxShards);
    if (target > current) {
      return {
        action: 'split-hot-shards',
        currentShards: current,
        targetShards: target,
        demand: recentPeak,
        hotShards: hotShards.slice(0, target - current),
        pinnedAtMax: false,
        reason: `${hotShards.length} shard(s) above ${percent(settings.scaleOutUtilization)} of their own limit while the stream is at ${percent(recentUtilization)}`,
      };
    }
  }

  return decideScaleIn(observation, demands, state, settings, recentPeak, none);
}

function decideScaleIn(
  observation: Observation,
  demands: ReadonlyArray<Demand | undefined>,
  state: StreamState,
  settings: PolicySettings,
  recentPeak: Demand,
  none: (reason: string, extra?: Partial<Decision>) => Decision,
): Decision {
  const current = state.shards.length;
  if (current <= settings.minShards) return none(`at minShards (${settings.minShards}) with ${percent(recentPeak.shardsAtFullLoad / current)} utilization`, { demand: recentPeak });

  const window = demands.slice(-settings.scaleInMinutes);
  const minutes = observation.minutes.slice(-settings.scaleInMinutes);
  if (window.length < settings.scaleInMinutes || window.some((d) => d === undefined)) {
    return none(`a scale-in needs ${settings.scaleInMinutes} minutes of complete metrics; missing data is not low traffic`, { demand: recentPeak });
  }
  if (state.lastScalingAt !== undefined && state.now - state.lastScalingAt < settings.scaleInCooldownMinutes * 60_000) {
    return none(`within the ${settings.scaleInCooldownMinutes}-minute cooldown after the last scaling action`, { demand: recentPeak });
  }
  if (minutes.some((m) => (m.throttledRecords ?? 0) > 0)) {
    return none('writes were throttled within the scale-in window', { demand: recentPeak });
  }
  const oldestUnread = Math.max(0, ...minutes.map((m) => m.iteratorAgeMs ?? 0));
  if (oldestUnread > settings.maxIteratorAgeMsForScaleIn) {
    return none(`consumers are ${Math.round(oldestUnread / 1000)} s behind; no scale-in until they catch up`, { demand: recentPeak });
  }

  const windowPeak = peak(window as Demand[]);
  const wanted = Math.max(settings.minShards, Math.ceil(windowPeak.shardsAtFullLoad / settings.targetUtilization));
  if (current - wanted < Math.max(1, Math.floor(current * MIN_SCALE_IN_SHARE))) {
    return none(`${current} shards fit the demand (peak ${percent(windowPeak.shardsAtFullLoad / current)} over ${settings.scaleInMinutes} minutes)`, { demand: windowPeak });
  }
  return {
    action: 'scale-in',
    currentShards: current,
    targetShards: wanted,
    demand: windowPeak,
    hotShards: [],
    pinnedAtMax: false,
    reason: `peak demand over ${settings.scaleInMinutes} minutes needs ${wanted} shards at ${percent(settings.targetUtilization)} target utilization`,
  };
}

/** Shards whose own latest known load is at or above the scale-out utilization of one shard, busiest first. */
function findHotShards(observation: Observation, shards: readonly ShardRange[], settings: PolicySettings): string[] {
  const loads = latestShardLoads(observation);
  if (!loads) return [];
  return shards
    .filter((shard) => (loads[shard.shardId] ?? 0) >= settings.scaleOutUtilization)
    .sort((a, b) => loads[b.shardId] - loads[a.shardId])
    .map((shard) => shard.shardId);
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
 */
function lastKnown(minutes: readonly MinuteMetrics[], demands: ReadonlyArray<Demand | undefined>, count: number) {
  const known: Array<{ minute: MinuteMetrics; demand: Demand }> = [];
  const oldest = Math.max(0, demands.length - count - METRIC_LAG_MINUTES);
  for (let i = demands.length - 1; i >= oldest && known.length < count; i--) {
    const demand = demands[i];
    if (demand) known.push({ minute: minutes[i], demand });
  }
  return known;
}

function peak(demands: readonly Demand[]): Demand {
  return demands.reduce((a, b) => (b.shardsAtFullLoad > a.shardsAtFullLoad ? b : a));
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}
