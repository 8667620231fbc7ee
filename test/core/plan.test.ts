import { decision } from './fixtures';
import { MAX_HASH_KEY, nextStep, PlanContext, ShardRange, uniformShards } from '../../src/core';


const fresh: PlanContext = { updateShardCountCallsInWindow: 0, updateShardCountReserve: 3 };

describe('scale-out', () => {
  test('uses UpdateShardCount while the budget lasts', () => {
    expect(nextStep(decision('scale-out', 4, 6), uniformShards(4), fresh)).toEqual({ kind: 'UpdateShardCount', targetShardCount: 6 });
  });

  test('never more than doubles in one call', () => {
    expect(nextStep(decision('scale-out', 4, 20), uniformShards(4), fresh)).toEqual({ kind: 'UpdateShardCount', targetShardCount: 8 });
  });

  test('may spend the reserve, which exists for scale-outs', () => {
    expect(nextStep(decision('scale-out', 4, 6), uniformShards(4), { ...fresh, updateShardCountCallsInWindow: 9 }))
      .toMatchObject({ kind: 'UpdateShardCount' });
  });

  test('splits the widest shard at its midpoint once the budget is spent', () => {
    const shards: ShardRange[] = [
      { shardId: 'a', startingHashKey: 0n, endingHashKey: MAX_HASH_KEY / 4n },
      { shardId: 'b', startingHashKey: MAX_HASH_KEY / 4n + 1n, endingHashKey: MAX_HASH_KEY },
    ];
    const step = nextStep(decision('scale-out', 2, 3), shards, { ...fresh, updateShardCountCallsInWindow: 10 });
    expect(step).toEqual({ kind: 'SplitShard', shardToSplit: 'b', newStartingHashKey: shards[1].startingHashKey + (MAX_HASH_KEY - shards[1].startingHashKey + 1n) / 2n });
  });

  test('with shard loads, splits the busiest shard first', () => {
    const shards = uniformShards(3);
    const step = nextStep(decision('scale-out', 3, 4), shards, {
      ...fresh, updateShardCountCallsInWindow: 10, shardLoads: { [shards[0].shardId]: 0.2, [shards[1].shardId]: 0.9, [shards[2].shardId]: 0.3 },
    });
    expect(step).toMatchObject({ kind: 'SplitShard', shardToSplit: shards[1].shardId });
  });

  test('stays within the account shard quota', () => {
    expect(nextStep(decision('scale-out', 4, 10), uniformShards(4), { ...fresh, accountShardHeadroom: 0 })).toBeUndefined();
  });

  test('splits instead of resizing when the quota cannot hold the transient shards of a resize', () => {
    expect(nextStep(decision('scale-out', 4, 6), uniformShards(4), { ...fresh, accountShardHeadroom: 3 })).toMatchObject({ kind: 'SplitShard' });
  });

  test('a resize needs its own count free, not the final target of a scale-out that takes several calls', () => {
    expect(nextStep(decision('scale-out', 4, 20), uniformShards(4), { ...fresh, accountShardHeadroom: 8 }))
      .toEqual({ kind: 'UpdateShardCount', targetShardCount: 8 });
  });
});

describe('scale-in', () => {
  test('uses UpdateShardCount while more than the reserve is left', () => {
    expect(nextStep(decision('scale-in', 8, 6), uniformShards(8), fresh)).toEqual({ kind: 'UpdateShardCount', targetShardCount: 6 });
  });

  test('never less than halves in one call', () => {
    expect(nextStep(decision('scale-in', 8, 1), uniformShards(8), fresh)).toEqual({ kind: 'UpdateShardCount', targetShardCount: 4 });
  });

  test('merges instead of touching the reserve', () => {
    expect(nextStep(decision('scale-in', 8, 4), uniformShards(8), { ...fresh, updateShardCountCallsInWindow: 7 })).toMatchObject({ kind: 'MergeShards' });
  });

  test('never merges part of the way to a target that is not a halving: the widest shard would bind', () => {
    // One merged pair of 8 even shards holds a quarter of the keys: the stream would take what 4 shards take, not 6.
    expect(nextStep(decision('scale-in', 8, 6), uniformShards(8), { ...fresh, updateShardCountCallsInWindow: 10 })).toBeUndefined();
  });

  test('completes a halving pair by pair: the narrowest pair first', () => {
    const halfway = [
      { shardId: 'merged', startingHashKey: 0n, endingHashKey: MAX_HASH_KEY / 2n },
      ...uniformShards(4).slice(2),
    ];
    expect(nextStep(decision('scale-in', 3, 2), halfway, { ...fresh, updateShardCountCallsInWindow: 10 }))
      .toEqual({ kind: 'MergeShards', shardToMerge: halfway[1].shardId, adjacentShardToMerge: halfway[2].shardId });
  });

  test('merges only adjacent shards, the narrowest pair first', () => {
    const shards: ShardRange[] = [
      { shardId: 'wide', startingHashKey: 0n, endingHashKey: MAX_HASH_KEY / 2n },
      { shardId: 'narrow1', startingHashKey: MAX_HASH_KEY / 2n + 1n, endingHashKey: (MAX_HASH_KEY / 4n) * 3n },
      { shardId: 'narrow2', startingHashKey: (MAX_HASH_KEY / 4n) * 3n + 1n, endingHashKey: MAX_HASH_KEY },
    ];
    expect(nextStep(decision('scale-in', 3, 2), [shards[2], shards[0], shards[1]], { ...fresh, updateShardCountCallsInWindow: 10 }))
      .toEqual({ kind: 'MergeShards', shardToMerge: 'narrow1', adjacentShardToMerge: 'narrow2' });
  });

  test('with shard loads, merges the coldest adjacent pair', () => {
    const shards = uniformShards(4);
    const loads = { [shards[0].shardId]: 0.5, [shards[1].shardId]: 0.4, [shards[2].shardId]: 0.1, [shards[3].shardId]: 0.1 };
    expect(nextStep(decision('scale-in', 4, 2), shards, { ...fresh, updateShardCountCallsInWindow: 10, shardLoads: loads }))
      .toEqual({ kind: 'MergeShards', shardToMerge: shards[2].shardId, adjacentShardToMerge: shards[3].shardId });
  });

  test('never merges a shard that has no load datapoint yet: a new shard is not idle', () => {
    const shards = uniformShards(4);
    const loads = { [shards[0].shardId]: 0.3, [shards[1].shardId]: 0.3 };
    expect(nextStep(decision('scale-in', 4, 2), shards, { ...fresh, updateShardCountCallsInWindow: 10, shardLoads: loads }))
      .toEqual({ kind: 'MergeShards', shardToMerge: shards[0].shardId, adjacentShardToMerge: shards[1].shardId });
  });
});

describe('hot shards and no-ops', () => {
  test('splits a hot shard at its midpoint', () => {
    const shards = uniformShards(2);
    expect(nextStep(decision('split-hot-shards', 2, 3, [shards[1].shardId]), shards, fresh))
      .toMatchObject({ kind: 'SplitShard', shardToSplit: shards[1].shardId });
  });

  test('a hot shard that is no longer open is not split', () => {
    expect(nextStep(decision('split-hot-shards', 2, 3, ['gone']), uniformShards(2), fresh)).toBeUndefined();
  });

  test('nothing to do at the target', () => {
    expect(nextStep(decision('none', 4, 4), uniformShards(4), fresh)).toBeUndefined();
    expect(nextStep(decision('scale-out', 2, 4), uniformShards(4), fresh)).toBeUndefined();
  });
});
