import { DAY_MS } from './limits';
import { nextStep, Step } from './plan';
import { decide, Decision, KEY_BOUND_HOLD_MS, latestShardLoads, Observation, updateShardCountCallsInWindow } from './policy';
import { PolicySettings } from './settings';
import { keySpaceShare, ShardRange } from './shard-map';
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
  const { now, settings, shards } = input;
  const memory = withActiveSince(input.memory, input.status, now);
  const decision = decide(input.observation, { ...memory, shards, status: input.status, mode: input.mode, now }, settings);
  const undoneMemoryMs = settings.undoneScaleInMemoryMinutes * 60_000;
  const learnt = remember(memory, decision, now, settings.throttleMemoryMinutes * 60_000, undoneMemoryMs);
  if (decision.action === 'none' || settings.dryRun) return { decision, memory: learnt };

  const step = nextStep(decision, shards, {
    updateShardCountCallsInWindow: updateShardCountCallsInWindow({ now, updateShardCountCalls: memory.updateShardCountCalls }),
    updateShardCountReserve: settings.updateShardCountReserve,
    updateShardCountBlocked: memory.updateShardCountBlockedUntil !== undefined && memory.updateShardCountBlockedUntil > now,
    accountShardHeadroom: input.accountShardHeadroom,
    shardLoads: latestShardLoads(input.observation),
    maxMergedLoad: settings.targetUtilization,
    shardShares: input.observation.shardMinutes ? Object.fromEntries(shards.map((s) => [s.shardId, keySpaceShare(s)])) : undefined,
  });
  if (!step) return { decision, memory: learnt };
  const at = recordedCallTime(now);
  // A scale-out within the memory of undone scale-ins after a scale-in step undoes it: the traffic came back.
  const undoes = decision.action === 'scale-out' && memory.lastScaleIn !== undefined && now - memory.lastScaleIn.at < undoneMemoryMs;
  const probe = decision.learnt?.headroomProbe;
  const hotSplit = decision.learnt?.hotSplit;
  return {
    decision,
    step,
    memory: {
      ...learnt,
      updateShardCountCalls: step.kind === 'UpdateShardCount' ? [...memory.updateShardCountCalls, at] : memory.updateShardCountCalls,
      lastScalingAt: at,
      ...(probe ? { headroomProbe: { at, ...probe }, headroomSteps: [...recent(learnt.headroomSteps, now), at] } : {}),
      ...(hotSplit && step.kind === 'SplitShard' ? { hotSplit: { at, ...hotSplit } } : {}),
      ...(decision.action === 'scale-in' ? { lastScaleIn: { at, resized: step.kind === 'UpdateShardCount' } } : {}),
      ...(undoes ? { lastScaleIn: undefined, undoneScaleIns: [...recent(learnt.undoneScaleIns, now, undoneMemoryMs), at] } : {}),
    },
  };
}

/**
 * The first tick that sees the stream ACTIVE after a scaling call records when: evidence counts from then (plus the
 * metric lag, which the observation's minute times carry), not from the call, since a resize can take many minutes.
 */
function withActiveSince(memory: Memory, status: string, now: number): Memory {
  if (status !== 'ACTIVE' || memory.lastScalingAt === undefined) return memory;
  if (memory.activeSince !== undefined && memory.activeSince >= memory.lastScalingAt) return memory;
  return { ...memory, activeSince: Math.max(now, memory.lastScalingAt) };
}

/** The memory with what the decision learnt folded in; old evidence expires here so the memory stays small. */
function remember(memory: Memory, decision: Decision, now: number, throttleMemoryMs: number, undoneMemoryMs: number): Memory {
  const learnt = decision.learnt ?? {};
  let next: Memory = memory;
  if (learnt.throttledAtShards !== undefined) {
    const held = memory.throttledAt && now - memory.throttledAt.at < throttleMemoryMs ? memory.throttledAt.shards : 0;
    next = { ...next, throttledAt: { shards: Math.max(held, learnt.throttledAtShards), at: now } };
  } else if (memory.throttledAt && now - memory.throttledAt.at >= throttleMemoryMs) {
    next = { ...next, throttledAt: undefined };
  }
  if (learnt.probeJudged) next = { ...next, headroomProbe: undefined };
  // A probe that helped shows the throttling was capacity's: the daily bound on headroom steps is there for steps that
  // might be feeding a hot key, so a step that helped does not count against it (bursts keep getting headroom).
  const refunded = learnt.probeHelped ? memory.headroomProbe?.at : undefined;
  const steps = recent(memory.headroomSteps, now).filter((at) => at !== refunded);
  // The throttling the probe was added for turned out key-bound: a floor it set at or below the probe's count would
  // hold shards that did not help (and spend a call on a scale-in that stops there) for the whole throttle memory.
  if (learnt.probeJudged && learnt.keyBound && memory.headroomProbe && next.throttledAt && next.throttledAt.shards <= memory.headroomProbe.shards) {
    next = { ...next, throttledAt: undefined };
  }
  if (learnt.keyBound) next = { ...next, keyBound: learnt.keyBound };
  else if (learnt.forgetKeyBound) next = { ...next, keyBound: undefined };
  if (memory.hotSplit && now - memory.hotSplit.at >= KEY_BOUND_HOLD_MS) next = { ...next, hotSplit: undefined };
  if (memory.headroomSteps && steps.length !== memory.headroomSteps.length) next = { ...next, headroomSteps: steps };
  if (memory.undoneScaleIns && recent(memory.undoneScaleIns, now, undoneMemoryMs).length !== memory.undoneScaleIns.length) {
    next = { ...next, undoneScaleIns: recent(memory.undoneScaleIns, now, undoneMemoryMs) };
  }
  return next;
}

function recent(times: readonly number[] | undefined, now: number, memoryMs = DAY_MS): number[] {
  return (times ?? []).filter((at) => at > now - memoryMs);
}
