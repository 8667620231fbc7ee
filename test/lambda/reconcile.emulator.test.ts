import { AddTagsToStreamCommand } from '@aws-sdk/client-kinesis';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { reconcile, ReconcileRequest } from '../../lambda/reconciler/reconcile';
import { coverageProblem, formatTimestamp, readState, STATE_TAGS } from '../../src/core';
import { createActiveStream, kinesisClient } from '../emulator/kinesis-emulator';

jest.setTimeout(60_000);

const client = kinesisClient();
const port = new KinesisPort(client);
afterAll(() => client.destroy());

function run(request: Omit<ReconcileRequest, 'strict'> & { strict?: boolean }) {
  return reconcile(port, { strict: false, ...request }, { deadline: Date.now() + 40_000, pollMs: 25 });
}

async function spendBudget(streamName: string): Promise<void> {
  const calls = Array.from({ length: 10 }, (_, i) => formatTimestamp(Date.now() - (i + 1) * 60 * 60_000)).join(' ');
  await client.send(new AddTagsToStreamCommand({ StreamName: streamName, Tags: { [STATE_TAGS.updateShardCountCalls]: calls } }));
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
