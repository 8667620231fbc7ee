import { AddTagsToStreamCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { reconcile, ReconcileRequest } from '../../lambda/reconciler/reconcile';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { RateLimiter, realSleep } from '../../lambda/shared/rate-limiter';
import { coverageProblem, formatTimestamp, readState, STATE_TAGS, UPDATE_SHARD_COUNT_CALLS_PER_DAY } from '../../src/core';
import { KinesisDouble } from '../emulator/kinesis-double';
import { createActiveStream, waitUntilActive } from '../emulator/kinesis-emulator';

jest.setTimeout(60_000);

// The reconciler's calls go through the limit-enforcing double; the test's own setup does not.
const double = new KinesisDouble();
const client = double.client({ limits: false });
const port = new KinesisPort(client);
const limited = new KinesisPort(double.client({ maxAttempts: 3 }), { limiter: new RateLimiter(double.now, realSleep) });
afterAll(() => double.destroy());

function run(request: Omit<ReconcileRequest, 'strict'> & { strict?: boolean }) {
  return reconcile(limited, { strict: false, ...request }, { deadline: double.now() + 40_000, pollMs: 25, settleMs: 50, now: double.now });
}

async function spendBudget(streamName: string): Promise<void> {
  const calls = Array.from({ length: 10 }, (_, i) => formatTimestamp(double.now() - (i + 1) * 60 * 60_000)).join(' ');
  await client.send(new AddTagsToStreamCommand({ StreamName: streamName, Tags: { [STATE_TAGS.updateShardCountCalls]: calls } }));
}

/** Resizes the tags do not know of (CloudFormation's own, a person's), which AWS counts: 1 -> 2 -> 1 ... ten times. */
async function spendBudgetBehindTheTags(streamName: string): Promise<void> {
  for (let i = 0; i < UPDATE_SHARD_COUNT_CALLS_PER_DAY; i++) {
    await client.send(new UpdateShardCountCommand({ StreamName: streamName, TargetShardCount: i % 2 === 0 ? 2 : 1, ScalingType: 'UNIFORM_SCALING' }));
    await waitUntilActive(client, streamName);
  }
}

async function shardMap(streamName: string) {
  const shards = await port.openShards(streamName);
  return { open: shards.length, coverage: coverageProblem(shards) ?? 'contiguous, whole key space' };
}

test('a live count below minShards is doubled up to it, each call recorded in the budget tags', async () => {
  const stream = await createActiveStream(client, 1);

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result).toEqual({ openShards: 4, calls: [2, 4] });
  expect(await shardMap(stream)).toEqual({ open: 4, coverage: 'contiguous, whole key space' });
  expect(readState(await port.tags(stream)).updateShardCountCalls).toHaveLength(2);
});

test('a live count above maxShards is halved down to it', async () => {
  const stream = await createActiveStream(client, 8);

  const result = await run({ streamName: stream, minShards: 1, maxShards: 3 });

  expect(result).toEqual({ openShards: 3, calls: [4, 3] });
  expect(await shardMap(stream)).toEqual({ open: 3, coverage: 'contiguous, whole key space' });
});

test('a live count inside [min, max] is left alone, whatever the template says', async () => {
  const stream = await createActiveStream(client, 3);

  const result = await run({ streamName: stream, minShards: 2, maxShards: 5 });

  expect(result).toEqual({ openShards: 3, calls: [] });
  expect(await port.tags(stream)).toEqual({});
});

test('the calls are recorded before they are made, and the reconcile marker is cleared at the end', async () => {
  const stream = await createActiveStream(client, 1);

  await run({ streamName: stream, minShards: 2, maxShards: 10 });

  const state = readState(await port.tags(stream));
  expect(state.updateShardCountCalls).toHaveLength(1);
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(1);
  expect(state.reconcilingUntil).toBeUndefined();
});

test('LimitExceededException for the daily limit (calls the tags do not know) ends in a warning, not a failed deployment', async () => {
  const stream = await createActiveStream(client, 1);
  await spendBudgetBehindTheTags(stream);

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result).toMatchObject({ openShards: 1, calls: [], warning: expect.stringContaining('AWS refused UpdateShardCount for its daily limit') });
  // The autoscaler is told too: it splits instead of trying UpdateShardCount again.
  expect(readState(await port.tags(stream)).updateShardCountBlockedUntil).toBeGreaterThan(double.now());
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(UPDATE_SHARD_COUNT_CALLS_PER_DAY);
});

test('a stream kept UPDATING by someone else (ResourceInUseException) is waited for, then reconciled', async () => {
  const stream = await createActiveStream(client, 1);
  double.slowResize(stream, 1500);
  await client.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
  double.slowResize(stream, 0);

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result).toEqual({ openShards: 4, calls: [4] });
  expect(await shardMap(stream)).toEqual({ open: 4, coverage: 'contiguous, whole key space' });
});

test('the kill switch is honoured: a warning, and nothing changes', async () => {
  const stream = await createActiveStream(client, 1);
  await client.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.paused]: 'true' } }));

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result).toEqual({ openShards: 1, calls: [], warning: `1 open shards is outside [4, 10], and the kill switch tag ${STATE_TAGS.paused} is on; left unchanged` });
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(0);
});

test('a blocked UpdateShardCount is honoured: a warning, and nothing changes', async () => {
  const stream = await createActiveStream(client, 1);
  const until = formatTimestamp(double.now() + 30 * 60_000);
  await client.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.updateShardCountBlockedUntil]: until } }));

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result.warning).toBe(`1 open shards is outside [4, 10], and UpdateShardCount is blocked until ${until} after AWS refused it; left unchanged`);
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(0);
});

test('with the daily budget spent it succeeds with a warning and changes nothing', async () => {
  const stream = await createActiveStream(client, 1);
  await spendBudget(stream);

  const result = await run({ streamName: stream, minShards: 4, maxShards: 10 });

  expect(result).toEqual({
    openShards: 1,
    calls: [],
    warning: '1 open shards is outside [4, 10], and all 10 UpdateShardCount calls of the last 24 hours are spent; left unchanged',
  });
  expect(await shardMap(stream)).toEqual({ open: 1, coverage: 'contiguous, whole key space' });
});

test('in strict mode a spent budget fails the deployment with the reason', async () => {
  const stream = await createActiveStream(client, 1);
  await spendBudget(stream);

  await expect(run({ streamName: stream, minShards: 4, maxShards: 10, strict: true })).rejects.toThrow(
    `stream ${stream}: 1 open shards is outside [4, 10], and all 10 UpdateShardCount calls of the last 24 hours are spent; left unchanged (strict mode)`);
});
