import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  AddTagsToStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, Shard,
} from '@aws-sdk/client-kinesis';
import { runTick, TickResult } from '../../lambda/autoscaler/tick';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { coverageProblem, formatTimestamp, STATE_TAGS, Step } from '../../src/core';
import { KinesisDouble } from '../emulator/kinesis-double';
import { createActiveStream, waitUntilActive } from '../emulator/kinesis-emulator';
import { answerFromTraffic, StreamTraffic } from '../lambda/fake-cloudwatch';
import { mockedAws } from '../lambda/mocked-aws';

jest.setTimeout(240_000);

const RECORDS = 20_000;
const KEYS = 500;
const MIB = 1024 * 1024;
const HOUR = 3_600_000;

// The handler's calls go through the limit-enforcing double; the producer, the readers and the test's own tags do not.
const double = new KinesisDouble();
const limited = double.client();
const kinesis = double.client({ limits: false });
const { cloudwatch, cloudwatchMock, events } = mockedAws();
afterAll(() => double.destroy());

/** Writes RECORDS records, one per key per batch so a retried failure can never reorder a key. */
async function produce(streamName: string, isDone: { value: boolean }): Promise<void> {
  const perKey = RECORDS / KEYS;
  for (let seq = 0; seq < perKey; seq++) {
    let pending = Array.from({ length: KEYS }, (_, k) => ({ PartitionKey: `key-${k}`, Data: Buffer.from(`key-${k}:${seq}`) }));
    while (pending.length > 0) {
      const result = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
      pending = pending.filter((_, i) => result.Records?.[i]?.ErrorCode !== undefined);
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  isDone.value = true;
}

/** Reads every shard to its end, each parent before its children, and returns the payloads in read order per key. */
async function readAll(client: KinesisClient, streamName: string): Promise<Map<string, number[]>> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  const done = new Set<string>();
  const byKey = new Map<string, number[]>();
  const ready = (s: Shard) => [s.ParentShardId, s.AdjacentParentShardId].every((p) => !p || done.has(p) || !shards.some((x) => x.ShardId === p));
  while (done.size < shards.length) {
    const next = shards.find((s) => !done.has(s.ShardId!) && ready(s));
    if (!next) throw new Error('shard lineage has a cycle or a missing parent');
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: next.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    const open = next.SequenceNumberRange?.EndingSequenceNumber === undefined;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        const [key, seq] = Buffer.from(record.Data!).toString('utf8').split(':');
        let list = byKey.get(key);
        if (!list) byKey.set(key, list = []);
        list.push(Number(seq));
      }
      // An open shard is read until it has nothing more; a closed one until Kinesis ends its iterator.
      if (open && (page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
    done.add(next.ShardId!);
  }
  return byKey;
}

test('resharding under load loses, duplicates and reorders nothing', async () => {
  const streamName = await createActiveStream(kinesis, 2);
  // The UpdateShardCount budget is spent, so every change is a split or a merge, one at a time.
  let fakeNow = Date.UTC(2026, 10, 28, 0, 0, 0);
  const spendBudget = () => kinesis.send(new AddTagsToStreamCommand({
    StreamName: streamName,
    Tags: { [STATE_TAGS.updateShardCountCalls]: Array.from({ length: 10 }, (_, i) => formatTimestamp(fakeNow - (i + 1) * 60_000)).join(' ') },
  }));
  let traffic: StreamTraffic = { bytesPerSecond: 0, recordsPerSecond: 0 };
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ [streamName]: traffic })));

  const produced = { value: false };
  const producer = produce(streamName, produced);
  // Busy, quiet, busier, quiet...: each tick is two hours later, past every cooldown and past the throttle memory, so
  // no scale-out counts as undoing the scale-in before it (which would double the cooldowns: the policy's anti-flap).
  const plan = [2.4, 0.3, 3.1, 0.3, 2.4, 0.3];
  const steps: Step[] = [];
  const shardCounts: number[] = [];
  for (let tick = 0; tick < plan.length || !produced.value; tick++) {
    fakeNow += 2 * HOUR;
    await spendBudget();
    const mib = plan[tick % plan.length];
    traffic = { bytesPerSecond: mib * MIB, recordsPerSecond: mib * 200 };
    const result: TickResult = await runTick({ streams: [{ streamName, minShards: 2, maxShards: 8, scaleInCooldownMinutes: 30 }] }, {
      kinesis: limited, cloudwatch, events, log: () => {}, now: () => fakeNow, deadline: fakeNow + 60_000,
    });
    await waitUntilActive(kinesis, streamName);
    expect(result.outcomes[0].status).not.toBe('error');
    steps.push(...result.outcomes[0].steps);
    shardCounts.push(result.outcomes[0].openShards ?? 0);
  }
  await producer;

  const open = await new KinesisPort(kinesis).openShards(streamName);
  expect(coverageProblem(open)).toBeUndefined();

  const byKey = await readAll(kinesis, streamName);
  let read = 0;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (let k = 0; k < KEYS; k++) {
    const seqs = byKey.get(`key-${k}`) ?? [];
    read += seqs.length;
    const unique = new Set(seqs);
    duplicated += seqs.length - unique.size;
    lost += RECORDS / KEYS - unique.size;
    for (let i = 1; i < seqs.length; i++) if (seqs[i] < seqs[i - 1]) outOfOrder++;
  }
  const splits = steps.filter((s) => s.kind === 'SplitShard').length;
  const merges = steps.filter((s) => s.kind === 'MergeShards').length;
  process.stdout.write(`data safety: ${read} records, ${splits} splits, ${merges} merges, ${lost} lost, ${duplicated} duplicated, ${outOfOrder} out of order\n`);

  expect({ read, lost, duplicated, outOfOrder }).toEqual({ read: RECORDS, lost: 0, duplicated: 0, outOfOrder: 0 });
  expect(splits).toBeGreaterThanOrEqual(3);
  expect(merges).toBeGreaterThanOrEqual(3);
  expect(Math.min(...shardCounts)).toBeGreaterThanOrEqual(2);
  expect(Math.max(...shardCounts)).toBeLessThanOrEqual(8);
});
