import { adjacentPairs, canSplit, coverageProblem, keySpaceShare, MAX_HASH_KEY, midpoint, ShardRange, uniformShards } from '../../src/core';

test.each([1, 2, 3, 7, 50, 500])('%i uniform shards cover the key space exactly once', (count) => {
  const shards = uniformShards(count);
  expect(coverageProblem(shards)).toBeUndefined();
  expect(shards.reduce((sum, s) => sum + keySpaceShare(s), 0)).toBeCloseTo(1, 6);
});

test('a gap is named', () => {
  const [a, b] = uniformShards(2);
  expect(coverageProblem([a, { ...b, startingHashKey: b.startingHashKey + 1n }])).toMatch(/belong to no open shard/);
});

test('an overlap is named', () => {
  const [a, b] = uniformShards(2);
  expect(coverageProblem([a, { ...b, startingHashKey: b.startingHashKey - 1n }])).toMatch(/overlaps/);
});

test('a missing top of the key space is named', () => {
  expect(coverageProblem(uniformShards(2).slice(0, 1))).toMatch(new RegExp(`${MAX_HASH_KEY}`));
});

test('no shards is a problem', () => {
  expect(coverageProblem([])).toBe('no open shards');
});

test('the midpoint is strictly inside the shard and halves it', () => {
  const shard: ShardRange = { shardId: 's', startingHashKey: 10n, endingHashKey: 19n };
  expect(midpoint(shard)).toBe(15n);
  const [whole] = uniformShards(1);
  expect(midpoint(whole)).toBe(2n ** 127n);
});

test('a one-key shard cannot be split', () => {
  expect(canSplit({ shardId: 's', startingHashKey: 5n, endingHashKey: 5n })).toBe(false);
  expect(canSplit({ shardId: 's', startingHashKey: 5n, endingHashKey: 6n })).toBe(true);
});

test('only touching shards are adjacent, in key order', () => {
  const [a, b, c] = uniformShards(3);
  expect(adjacentPairs([c, a, b]).map(([x, y]) => [x.shardId, y.shardId])).toEqual([[a.shardId, b.shardId], [b.shardId, c.shardId]]);
  expect(adjacentPairs([a, c])).toEqual([]);
});
