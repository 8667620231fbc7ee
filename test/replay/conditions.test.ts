import { uniformShards } from '../../src/core';
import { simulateOracle } from '../../src/replay/baselines/schedules';
import { PolicyView, ProvisionedPolicy, simulateProvisioned } from '../../src/replay/engine';
import {
  acceptedFraction, burstExcess, Demand, MODEL, readRefusedShare, resizeMinutes, runMinute, runMinuteOnShape, shapeOf, STEADY, UNIFORM,
} from '../../src/replay/model';
import { SimulationInput } from '../../src/replay/outcome';

const MIB = 1024 * 1024;

/** A policy that never scales and remembers every view it was shown. */
function watcher(): ProvisionedPolicy & { views: PolicyView[] } {
  const views: PolicyView[] = [];
  return {
    name: 'watcher',
    shardLevelMetrics: false,
    views,
    plan(view) {
      views.push(view);
      return undefined;
    },
  };
}

/** A policy that asks once, at minute 5, for `target` shards with UpdateShardCount. */
function resizeTo(target: number): ProvisionedPolicy {
  return {
    name: 'resize',
    shardLevelMetrics: false,
    plan: (view) => (view.minute === 5 ? () => ({ kind: 'UpdateShardCount', targetShardCount: target }) : undefined),
  };
}

const steadyDemand = (minutes: number, bytesPerSecond: number, recordBytes = 1024): Demand[] =>
  Array.from({ length: minutes }, () => ({ bytesPerSecond, recordsPerSecond: bytesPerSecond / recordBytes }));

describe('--burstiness', () => {
  test('the mean excess over capacity follows the closed form for a uniform rate', () => {
    // Uniform on [0.2, 1.8]: above C = 1.4 the excess is (1.8 - 1.4)^2 / (2 * 1.6) = 0.05.
    expect(burstExcess(1, 1.4, 1.8)).toBeCloseTo(0.05, 12);
    expect(burstExcess(1, 2, 1.8)).toBe(0);
    expect(burstExcess(1, 0.1, 1.8)).toBeCloseTo(0.9, 12);
    // Against a numeric integral of max(0, x - C) over the uniform rate.
    const steps = 100_000;
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += Math.max(0, 0.2 + (1.6 * (i + 0.5)) / steps - 1.1);
    expect(burstExcess(1, 1.1, 1.8)).toBeCloseTo(sum / steps, 6);
  });

  test('1.8 at 70 % average utilization throttles, and the minute reports accepted bytes below capacity', () => {
    const shards = uniformShards(4);
    const demand: Demand = { bytesPerSecond: 0.7 * 4 * MIB, recordsPerSecond: 100 };
    const bursty = runMinute(demand, shards, UNIFORM, { burstiness: 1.8, readers: 0 });
    const steady = runMinute(demand, shards, UNIFORM, { burstiness: 1, readers: 0 });
    expect(steady.throttledBytes).toBe(0);
    expect(bursty.throttledBytes).toBeGreaterThan(0);
    expect(bursty.throttledRecords).toBeGreaterThan(0);
    expect(bursty.acceptedBytes).toBeLessThan(4 * MIB * 60);
    expect(bursty.acceptedBytes + bursty.throttledBytes).toBeCloseTo(demand.bytesPerSecond * 60, 3);
  });

  test('the limit with the higher average load binds, for bytes and records alike', () => {
    // Records at 70 % of 1,000/s bind; bytes at 10 % of 1 MiB/s do not.
    const demand: Demand = { bytesPerSecond: 0.1 * MIB, recordsPerSecond: 700 };
    const accepted = acceptedFraction(demand, MIB, 1000, 1.8);
    expect(accepted).toBeCloseTo(1 - burstExcess(0.7, 1, 1.8) / 0.7, 12);
    const outcome = runMinute(demand, uniformShards(1), UNIFORM, { burstiness: 1.8, readers: 0 });
    expect(outcome.throttledBytes / (demand.bytesPerSecond * 60)).toBeCloseTo(outcome.throttledRecords / (demand.recordsPerSecond * 60), 12);
  });

  test('the oracle sizes for the per-second peak and still throttles nothing', () => {
    const conditions = { burstiness: 1.5, readers: 0 };
    const input: SimulationInput = { demand: steadyDemand(120, 3.5 * MIB), keys: UNIFORM, metricLagMinutes: 2, conditions };
    const oracle = simulateOracle(input);
    expect(oracle.outcome.throttledBytesPct).toBe(0);
    expect(oracle.timeline[0].openShards).toBe(Math.ceil(3.5 * 1.5));
  });
});

describe('--retries', () => {
  test('3 attempts triple the throttled records policies see, and leave the lost bytes as they were', () => {
    const runWith = (producerAttempts: number) => {
      const policy = watcher();
      // 3 shards for 3 MiB/s, but a key with 60 % of the traffic puts 2.2 MiB/s on one: throttled every minute.
      const keys = { ...UNIFORM, hotKeyShare: 0.6 };
      const input: SimulationInput = { demand: steadyDemand(30, 3 * MIB, 8192), keys, metricLagMinutes: 0, producerAttempts };
      const simulation = simulateProvisioned(policy, input);
      return { simulation, last: policy.views[policy.views.length - 1].recent(1)[0] };
    };
    const once = runWith(1);
    const thrice = runWith(3);
    expect(once.last.throttledRecords).toBeGreaterThan(0);
    expect(thrice.last.throttledRecords).toBeCloseTo(3 * once.last.throttledRecords!, 6);
    expect(thrice.last.incomingRecords).toBe(once.last.incomingRecords);
    expect(thrice.simulation.outcome.throttledBytesPct).toBe(once.simulation.outcome.throttledBytesPct);
  });
});

describe('resize duration', () => {
  test('a target at a multiple of 25 % of the current count takes the resize minutes, any other twice as long', () => {
    expect(resizeMinutes(4, 8, 3)).toBe(3);
    expect(resizeMinutes(4, 5, 3)).toBe(3);
    expect(resizeMinutes(8, 6, 3)).toBe(3);
    expect(resizeMinutes(5, 8, 3)).toBe(3 * MODEL.otherTargetResizeFactor);
    expect(resizeMinutes(3, 4, 10)).toBe(20);
  });

  test('on the modelled stream, 5 to 8 shards opens later than 5 to 10, and --resize-minutes 10 is expressible', () => {
    const opened = (target: number, minutes?: number) => {
      // 5 MiB/s in the first hour: a warm start of 5 shards.
      const input: SimulationInput = { demand: steadyDemand(60, 5 * MIB, 8192), keys: UNIFORM, metricLagMinutes: 2, resizeMinutes: minutes };
      return simulateProvisioned(resizeTo(target), input).timeline.findIndex((row) => row.openShards === target);
    };
    expect(opened(10)).toBe(5 + MODEL.updateShardCountMinutes);
    expect(opened(8)).toBe(5 + MODEL.updateShardCountMinutes * MODEL.otherTargetResizeFactor);
    expect(opened(10, 10)).toBe(15);
    expect(opened(8, 10)).toBe(25);
  });
});

describe('--readers', () => {
  test('3 readers of 0.8 MiB/s per shard ask for 2.4 MiB/s and have a sixth of their calls refused', () => {
    const demand: Demand = { bytesPerSecond: 2 * 0.8 * MIB, recordsPerSecond: 800 };
    const outcome = runMinute(demand, uniformShards(2), UNIFORM, { burstiness: 1, readers: 3 });
    expect(outcome.getRecordsCalls).toBe(3 * 2 * 60);
    expect(outcome.readThrottledCalls).toBeCloseTo((3 * 2 * 60) / 6, 9);
    expect(runMinute(demand, uniformShards(2), UNIFORM, { burstiness: 1, readers: 2 }).readThrottledCalls).toBe(0);
  });

  test('more than 5 readers are refused the calls over 5 a second, however little they read', () => {
    expect(readRefusedShare(1000, 6)).toBeCloseTo(1 / 6, 12);
    expect(readRefusedShare(1000, 5)).toBe(0);
    expect(readRefusedShare(0, 0)).toBe(0);
  });

  test('policies see GetRecords bytes, successful calls and refusals, and the outcome counts read-throttled minutes', () => {
    const policy = watcher();
    // 1.6 MiB/s on 2 shards (warm start): 3 readers are throttled every minute.
    const conditions = { burstiness: 1, readers: 3 };
    const input: SimulationInput = { demand: steadyDemand(20, 1.6 * MIB), keys: UNIFORM, metricLagMinutes: 0, conditions };
    const simulation = simulateProvisioned(policy, input);
    const minute = policy.views[10].recent(1)[0];
    expect(minute.outgoingBytes).toBeCloseTo(3 * minute.incomingBytes!, 3);
    expect(minute.readThrottled).toBeCloseTo(60, 6);
    expect(minute.getRecordsCalls! + minute.readThrottled!).toBeCloseTo(3 * 2 * 60, 9);
    expect(simulation.outcome.readThrottledMinutes).toBe(20);
  });

  test('without readers there are no GetRecords metrics and no read throttling', () => {
    const policy = watcher();
    const input: SimulationInput = { demand: steadyDemand(10, 1.6 * MIB), keys: UNIFORM, metricLagMinutes: 0 };
    const simulation = simulateProvisioned(policy, input);
    expect(policy.views[5].recent(1)[0]).not.toHaveProperty('outgoingBytes');
    expect(simulation.outcome.readThrottledMinutes).toBe(0);
  });
});

describe('--hot-key-share', () => {
  test('a steady minute with one reader accepts and throttles exactly what the model without readers does', () => {
    const keys = { ...UNIFORM, hotKeyShare: 0.3 };
    const shards = uniformShards(6);
    const demand: Demand = { bytesPerSecond: 5 * MIB, recordsPerSecond: 5000 };
    const plain = runMinuteOnShape(demand, shapeOf(shards, keys.hotKeyHash), keys, STEADY);
    const read = runMinuteOnShape(demand, shapeOf(shards, keys.hotKeyHash), keys, { burstiness: 1, readers: 1 });
    expect(plain.throttledBytes).toBeGreaterThan(0);
    expect([read.acceptedBytes, read.acceptedRecords, read.throttledBytes, read.throttledRecords])
      .toEqual([plain.acceptedBytes, plain.acceptedRecords, plain.throttledBytes, plain.throttledRecords]);
  });

  test('bursts throttle the hot shard more than an even map', () => {
    const shards = uniformShards(6);
    const demand: Demand = { bytesPerSecond: 3 * MIB, recordsPerSecond: 3000 };
    const bursty = { burstiness: 1.5, readers: 0 };
    const hot = runMinute(demand, shards, { ...UNIFORM, hotKeyShare: 0.1 }, bursty);
    const even = runMinute(demand, shards, UNIFORM, bursty);
    expect(hot.throttledBytes).toBeGreaterThan(even.throttledBytes);
  });
});
