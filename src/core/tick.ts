import { nextStep, Step } from './plan';
import { decide, Decision, latestShardLoads, Observation, updateShardCountCallsInWindow } from './policy';
import { PolicySettings } from './settings';
import { ShardRange } from './shard-map';
import { PersistedState, recordedCallTime } from './state';

/** What the policy remembers of a stream between ticks (see PersistedState). */
export type Memory = PersistedState;

export interface TickInput {
  readonly observation: Observation;
  readonly memory: Memory;
  /** The open shards. */
  readonly shards: readonly ShardRange[];
  readonly status: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly settings: PolicySettings;
  /** Epoch milliseconds: the core has no clock. */
  readonly now: number;
  /** Open shards the account may still add (DescribeLimits); unknown when absent. */
  readonly accountShardHeadroom?: number;
}

export interface TickOutput {
  readonly decision: Decision;
  /** The one operation to start now, if any: the stream is then UPDATING and the next tick continues. */
  readonly step?: Step;
  /**
   * The memory after this tick. When there is a step it already records it (the call and the scaling time, rounded
   * up with a margin), and it must be persisted BEFORE the step is started: a step that fails then costs one slot
   * of the budget, and a lost state write can never let a call go uncounted.
   */
  readonly memory: Memory;
}

/**
 * One stream, one tick: decide, choose the single next operation and the memory that records it. The Lambda handler
 * and the replay simulator both run exactly this; neither carries out a plan of several steps or waits for ACTIVE.
 */
export function tick(input: TickInput): TickOutput {
  const { memory, now, settings, shards } = input;
  const decision = decide(input.observation, {
    shards,
    status: input.status,
    mode: input.mode,
    now,
    updateShardCountCalls: memory.updateShardCountCalls,
    lastScalingAt: memory.lastScalingAt,
    paused: memory.paused,
    reconcilingUntil: memory.reconcilingUntil,
  }, settings);
  if (decision.action === 'none' || settings.dryRun) return { decision, memory };

  const step = nextStep(decision, shards, {
    updateShardCountCallsInWindow: updateShardCountCallsInWindow({ now, updateShardCountCalls: memory.updateShardCountCalls }),
    updateShardCountReserve: settings.updateShardCountReserve,
    updateShardCountBlocked: memory.updateShardCountBlockedUntil !== undefined && memory.updateShardCountBlockedUntil > now,
    accountShardHeadroom: input.accountShardHeadroom,
    shardLoads: latestShardLoads(input.observation),
  });
  if (!step) return { decision, memory };
  const at = recordedCallTime(now);
  return {
    decision,
    step,
    memory: {
      ...memory,
      updateShardCountCalls: step.kind === 'UpdateShardCount' ? [...memory.updateShardCountCalls, at] : memory.updateShardCountCalls,
      lastScalingAt: at,
    },
  };
}
