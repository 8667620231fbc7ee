import { converge } from '../../lambda/autoscaler/executor';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { Decision, PlanContext, Step, coverageProblem, rangeSize } from '../../src/core';
import { decision } from '../core/fixtures';
import { createActiveStream, kinesisClient } from '../emulator/kinesis-emulator';

jest.setTimeout(60_000);

const client = kinesisClient();
const port = new KinesisPort(client);
const fresh: PlanContext = { updateShardCountCallsInWindow: 0, updateShardCountReserve: 3 };
const budgetSpent: PlanContext = { updateShardCountCallsInWindow: 10, updateShardCountReserve: 3 };

// Keep-alive sockets would otherwise hold jest open after the run.
afterAll(() => client.destroy());


async function run(streamName: string, d: Decision, context: PlanContext) {
  return converge(port, streamName, d, context, { deadline: Date.now() + 50_000, pollMs: 25 });
}

/** The emulator's real shard map: open shards and whether they cover 0..2^128-1 exactly once. */
async function shardMap(streamName: string) {
  const shards = await port.openShards(streamName);
  return { open: shards.length, coverage: coverageProblem(shards) ?? 'contiguous, whole key space' };
}

const kinds = (steps: Step[]) => steps.map((s) => s.kind);

test('scale-out with the daily budget spent splits one shard at a time to the target', async () => {
  const stream = await createActiveStream(client, 2);
  const result = await run(stream, decision('scale-out', 2, 5), budgetSpent);
  expect(kinds(result.steps)).toEqual(['SplitShard', 'SplitShard', 'SplitShard']);
  expect(result.stoppedBecause).toBe('at-target');
  expect(await shardMap(stream)).toEqual({ open: 5, coverage: 'contiguous, whole key space' });
});

test('scale-in with the budget down to its reserve merges adjacent shards to the target', async () => {
  const stream = await createActiveStream(client, 6);
  const result = await run(stream, decision('scale-in', 6, 3), { ...fresh, updateShardCountCallsInWindow: 7 });
  expect(kinds(result.steps)).toEqual(['MergeShards', 'MergeShards', 'MergeShards']);
  expect(await shardMap(stream)).toEqual({ open: 3, coverage: 'contiguous, whole key space' });
});

test('scale-out with budget uses UpdateShardCount, doubling at most per call', async () => {
  const stream = await createActiveStream(client, 2);
  const result = await run(stream, decision('scale-out', 2, 7), fresh);
  expect(result.steps).toEqual([
    { kind: 'UpdateShardCount', targetShardCount: 4 },
    { kind: 'UpdateShardCount', targetShardCount: 7 },
  ]);
  expect(await shardMap(stream)).toEqual({ open: 7, coverage: 'contiguous, whole key space' });
});

test('scale-in with budget halves at most per call', async () => {
  const stream = await createActiveStream(client, 8);
  const result = await run(stream, decision('scale-in', 8, 2), fresh);
  expect(result.steps).toEqual([
    { kind: 'UpdateShardCount', targetShardCount: 4 },
    { kind: 'UpdateShardCount', targetShardCount: 2 },
  ]);
  expect(await shardMap(stream)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
});

test('a hot shard is split at the midpoint of its hash range', async () => {
  const stream = await createActiveStream(client, 4);
  const before = await port.openShards(stream);
  const hot = before[1];
  const result = await run(stream, decision('split-hot-shards', 4, 5, [hot.shardId]), fresh);
  expect(kinds(result.steps)).toEqual(['SplitShard']);
  const after = await port.openShards(stream);
  expect(after.map((s) => s.shardId)).not.toContain(hot.shardId);
  const children = after.filter((s) => s.startingHashKey >= hot.startingHashKey && s.endingHashKey <= hot.endingHashKey);
  expect(children.map(rangeSize)).toEqual([rangeSize(hot) / 2n, rangeSize(hot) - rangeSize(hot) / 2n]);
  expect(await shardMap(stream)).toEqual({ open: 5, coverage: 'contiguous, whole key space' });
});

test('nothing starts after the deadline', async () => {
  const stream = await createActiveStream(client, 2);
  const result = await converge(port, stream, decision('scale-out', 2, 4), fresh, { deadline: Date.now() - 1 });
  expect(result).toEqual({ steps: [], openShards: 2, stoppedBecause: 'deadline' });
});
