import { Decision } from '../../src/core';

/** A decision as `decide()` would return it, for tests of what carries decisions out. */
export function decision(action: Decision['action'], current: number, target: number, hotShards: string[] = []): Decision {
  return { action, currentShards: current, targetShards: target, reason: 'test', hotShards, pinnedAtMax: false };
}
