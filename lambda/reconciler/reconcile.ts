import { readState, reconcileStep, stateTags, updateShardCountCallsInWindow } from '../../src/core';
import { waitForActive } from '../shared/wait-for-active';
import { KinesisPort } from '../shared/kinesis-port';

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
}

export interface ReconcileResult {
  readonly openShards: number;
  /** The target of each UpdateShardCount call made. */
  readonly calls: readonly number[];
  /** Set when the count is still outside [min, max]; a deployment fails on it only in strict mode. */
  readonly warning?: string;
}

/**
 * Brings a live shard count that lies outside [min, max] inside it, by doubling or halving what is live, within the
 * daily UpdateShardCount budget the autoscaler also draws from (the calls are recorded in the same state tags).
 * A count already inside the range is never touched, so a deploy cannot undo what the autoscaler grew.
 */
export async function reconcile(port: KinesisPort, request: ReconcileRequest, options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const calls: number[] = [];
  for (;;) {
    const active = await waitForActive(port, request.streamName, options.deadline, options.pollMs ?? 2000, now, sleep);
    const openShards = (await port.openShards(request.streamName)).length;
    if (!active || now() >= options.deadline) {
      return finish(request, { openShards, calls, warning: `${openShards} open shards; ran out of time before reaching [${request.minShards}, ${request.maxShards}]; the autoscaler continues from here` });
    }
    const state = readState(await port.tags(request.streamName));
    const history = { now: now(), updateShardCountCalls: state.updateShardCountCalls };
    const step = reconcileStep(openShards, request.minShards, request.maxShards, updateShardCountCallsInWindow(history));
    if (step.kind === 'in-range') return { openShards, calls };
    if (step.kind === 'budget-spent') {
      return finish(request, {
        openShards,
        calls,
        warning: `${openShards} open shards is outside [${request.minShards}, ${request.maxShards}], and all 10 UpdateShardCount calls of the last 24 hours are spent; left unchanged`,
      });
    }
    await port.apply(request.streamName, step);
    calls.push(step.targetShardCount);
    const at = now();
    await port.writeTags(request.streamName, stateTags({
      updateShardCountCalls: [...state.updateShardCountCalls, at],
      lastScalingAt: at,
      updateShardCountBlockedUntil: state.updateShardCountBlockedUntil,
    }, at));
  }
}

function finish(request: ReconcileRequest, result: ReconcileResult): ReconcileResult {
  if (request.strict && result.warning) throw new Error(`stream ${request.streamName}: ${result.warning} (strict mode)`);
  return result;
}
