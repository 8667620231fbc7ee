import { KinesisPort } from '../shared/kinesis-port';
import { waitForActive } from '../shared/wait-for-active';
import { Decision, nextStep, PlanContext, Step } from '../../src/core';

export interface ConvergeOptions {
  /** Epoch milliseconds after which no new operation starts (the Lambda's remaining time, less a margin). */
  readonly deadline: number;
  /** How often to poll for ACTIVE. */
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each operation is accepted, before waiting for it: where the caller records state. */
  readonly onStep?: (step: Step) => Promise<void>;
}

/** An operation Kinesis refused; carries the step so the caller can tell a budget problem from another. */
export class StepError extends Error {
  constructor(public readonly step: Step, public readonly failure: unknown) {
    super(`${step.kind} failed: ${(failure as Error)?.message ?? String(failure)}`);
    this.name = 'StepError';
  }
}

export interface ConvergeResult {
  readonly steps: Step[];
  /** Open shards after the last step finished (or when time ran out). */
  readonly openShards: number;
  /** Why it stopped. */
  readonly stoppedBecause: 'at-target' | 'no-allowed-step' | 'deadline' | 'not-active';
}

/**
 * Carries a decision out: one operation at a time, each only while the stream is ACTIVE, re-reading the live shard
 * map before every step so nothing from a previous step (or a crashed invocation) is trusted.
 */
export async function converge(
  port: KinesisPort, streamName: string, decision: Decision, context: PlanContext, options: ConvergeOptions,
): Promise<ConvergeResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const steps: Step[] = [];
  let calls = context.updateShardCountCallsInWindow;

  for (;;) {
    const shards = await port.openShards(streamName);
    if (now() >= options.deadline) return { steps, openShards: shards.length, stoppedBecause: 'deadline' };
    const step = nextStep(decision, shards, { ...context, updateShardCountCallsInWindow: calls });
    if (!step) {
      const atTarget = decision.action === 'split-hot-shards' ? shards.length >= decision.targetShards : shards.length === decision.targetShards;
      return { steps, openShards: shards.length, stoppedBecause: atTarget ? 'at-target' : 'no-allowed-step' };
    }
    try {
      await port.apply(streamName, step);
    } catch (e) {
      throw new StepError(step, e);
    }
    steps.push(step);
    if (step.kind === 'UpdateShardCount') calls++;
    await options.onStep?.(step);
    if (!(await waitForActive(port, streamName, options.deadline, options.pollMs ?? 1000, now, sleep))) {
      return { steps, openShards: (await port.openShards(streamName)).length, stoppedBecause: 'not-active' };
    }
  }
}
