import {
  formatTimestamp, PersistedState, readState, recordedCallTime, reconcileStep, STATE_TAGS, stateTags, updateShardCountCallsInWindow,
} from '../../src/core';
import { errorName, isThrottle, limitKind } from '../shared/kinesis-errors';
import { KinesisPort } from '../shared/kinesis-port';
import { realSleep } from '../shared/rate-limiter';
import { waitForActive } from '../shared/wait-for-active';

export interface ReconcileRequest {
  readonly streamName: string;
  readonly minShards: number;
  readonly maxShards: number;
  /** Fail the deployment when the budget or the time runs out, instead of succeeding with a warning. */
  readonly strict: boolean;
}

export interface ReconcileOptions {
  /** Epoch milliseconds after which no new call starts (the custom resource must answer CloudFormation in time). */
  readonly deadline: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollMs?: number;
  /**
   * How long after placing its marker the reconciler waits before acting: longer than the autoscaler takes from
   * reading a stream's tags to starting an operation, so a tick that read the tags just before the marker has
   * started (and recorded) its operation by then, and no later tick starts one.
   */
  readonly settleMs?: number;
}

export interface ReconcileResult {
  readonly openShards: number;
  /** The target of each UpdateShardCount call made. */
  readonly calls: readonly number[];
  /** Set when the count is still outside [min, max]; a deployment fails on it only in strict mode. */
  readonly warning?: string;
}

const DEFAULT_SETTLE_MS = 10_000;
/** After AWS refuses UpdateShardCount for its daily limit, the autoscaler splits and merges for this long. */
const UPDATE_SHARD_COUNT_BACKOFF_MS = 60 * 60_000;

/**
 * Brings a live shard count that lies outside [min, max] inside it, by doubling or halving what is live, within the
 * daily UpdateShardCount budget the autoscaler also draws from (the calls are recorded in the same state tags, before
 * each call). A count already inside the range is never touched, so a deploy cannot undo what the autoscaler grew.
 * It honours the kill switch and a blocked UpdateShardCount, marks the stream while it works so the autoscaler starts
 * nothing meanwhile, and treats a busy stream or a refused call as something to wait out, never as a failed deployment.
 */
export async function reconcile(port: KinesisPort, request: ReconcileRequest, options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const pollMs = options.pollMs ?? 2000;
  const { streamName, minShards, maxShards } = request;
  const calls: number[] = [];
  let marked = false;
  let lastProblem: string | undefined;
  const range = `[${minShards}, ${maxShards}]`;
  const done = (openShards: number, warning?: string) => finish(request, { openShards, calls, ...(warning ? { warning } : {}) });

  try {
    for (;;) {
      const active = await waitForActive(port, streamName, options.deadline, pollMs, now, sleep);
      const openShards = (await port.openShards(streamName)).length;
      if (!active || now() >= options.deadline) {
        return done(openShards, `${openShards} open shards; ran out of time before reaching ${range}${lastProblem ? ` (last refusal: ${lastProblem})` : ''}; the autoscaler continues from here`);
      }
      const state: PersistedState = readState(await port.tags(streamName));
      const callsInWindow = updateShardCountCallsInWindow({ now: now(), updateShardCountCalls: state.updateShardCountCalls });
      const step = reconcileStep(openShards, minShards, maxShards, callsInWindow);
      if (step.kind === 'in-range') return done(openShards);
      const outside = `${openShards} open shards is outside ${range}`;
      if (state.paused) return done(openShards, `${outside}, and the kill switch tag ${STATE_TAGS.paused} is on; left unchanged`);
      if (step.kind === 'budget-spent') {
        return done(openShards, `${outside}, and all 10 UpdateShardCount calls of the last 24 hours are spent; left unchanged`);
      }
      if (state.updateShardCountBlockedUntil !== undefined && state.updateShardCountBlockedUntil > now()) {
        return done(openShards, `${outside}, and UpdateShardCount is blocked until ${formatTimestamp(state.updateShardCountBlockedUntil)} after AWS refused it; left unchanged`);
      }
      try {
        if (!marked) {
          await port.writeTags(streamName, { [STATE_TAGS.reconcilingUntil]: formatTimestamp(options.deadline) });
          marked = true;
          await sleep(options.settleMs ?? DEFAULT_SETTLE_MS);
          continue; // read again: a tick that raced the marker has recorded its operation by now
        }
        const at = recordedCallTime(now());
        await port.writeTags(streamName, stateTags({
          updateShardCountCalls: [...state.updateShardCountCalls, at],
          lastScalingAt: at,
          updateShardCountBlockedUntil: state.updateShardCountBlockedUntil,
        }, now()));
        await port.apply(streamName, step);
        calls.push(step.targetShardCount);
      } catch (e) {
        const kind = limitKind(e);
        const message = `${errorName(e)}: ${(e as Error).message}`;
        if (kind === 'shard-quota') return done(openShards, `${outside}, and the account shard quota has no room (${message}); left unchanged`);
        if (kind === 'daily-budget') {
          // AWS counts calls our tags do not know (CloudFormation's own resize, a person): tell the autoscaler too.
          const blocked = { ...state, updateShardCountBlockedUntil: now() + UPDATE_SHARD_COUNT_BACKOFF_MS };
          await port.writeTags(streamName, stateTags(blocked, now())).catch(() => undefined);
          return done(openShards, `${outside}, and AWS refused UpdateShardCount for its daily limit (${message}); left unchanged`);
        }
        if (!isThrottle(e) && errorName(e) !== 'ResourceInUseException') throw e;
        // Racing the autoscaler or another tool, or the account's call rate: wait for ACTIVE and try again.
        lastProblem = message;
        await sleep(pollMs);
      }
    }
  } finally {
    // Tagging needs ACTIVE; when the marker cannot be cleared it expires at the deadline it names.
    if (marked) await port.writeTags(streamName, { [STATE_TAGS.reconcilingUntil]: '' }).catch(() => undefined);
  }
}

function finish(request: ReconcileRequest, result: ReconcileResult): ReconcileResult {
  if (request.strict && result.warning) throw new Error(`stream ${request.streamName}: ${result.warning} (strict mode)`);
  return result;
}
