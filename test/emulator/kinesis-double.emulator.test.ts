import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, DescribeLimitsCommand, DescribeStreamCommand, DescribeStreamSummaryCommand,
  KinesisClient, ListShardsCommand, ListStreamsCommand, ListTagsForStreamCommand, MergeShardsCommand, RemoveTagsFromStreamCommand,
  SplitShardCommand, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { KinesisDouble } from './kinesis-double';
import { createActiveStream, waitUntilActive } from './kinesis-emulator';
import { KINESIS_API_RATES } from '../../src/core';

/** The limit-enforcing double proves each limit it claims: every one of them fires, with AWS's exception name. */

jest.setTimeout(60_000);

const doubles: KinesisDouble[] = [];
afterAll(() => doubles.forEach((d) => d.destroy()));

function account(accountShardLimit = 500) {
  const double = new KinesisDouble({ accountShardLimit });
  doubles.push(double);
  return { double, kinesis: double.client(), setup: double.client({ limits: false }) };
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('the call was accepted');
}

const NO_STREAM = 'a-stream-that-does-not-exist';
/** One call of each rate-limited API; the stream does not exist, so kinesis-local answers whatever passes the double. */
const CALLS: Record<string, (kinesis: KinesisClient) => Promise<unknown>> = {
  AddTagsToStream: (k) => k.send(new AddTagsToStreamCommand({ StreamName: NO_STREAM, Tags: { a: 'b' } })),
  RemoveTagsFromStream: (k) => k.send(new RemoveTagsFromStreamCommand({ StreamName: NO_STREAM, TagKeys: ['a'] })),
  ListTagsForStream: (k) => k.send(new ListTagsForStreamCommand({ StreamName: NO_STREAM })),
  DescribeStreamSummary: (k) => k.send(new DescribeStreamSummaryCommand({ StreamName: NO_STREAM })),
  DescribeStream: (k) => k.send(new DescribeStreamCommand({ StreamName: NO_STREAM })),
  DescribeLimits: (k) => k.send(new DescribeLimitsCommand({})),
  ListStreams: (k) => k.send(new ListStreamsCommand({})),
  CreateStream: (k) => k.send(new CreateStreamCommand({ StreamName: NO_STREAM, ShardCount: 0 })),
  DeleteStream: (k) => k.send(new DeleteStreamCommand({ StreamName: NO_STREAM })),
  UpdateShardCount: (k) => k.send(new UpdateShardCountCommand({ StreamName: NO_STREAM, TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' })),
  SplitShard: (k) => k.send(new SplitShardCommand({ StreamName: NO_STREAM, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' })),
  MergeShards: (k) => k.send(new MergeShardsCommand({ StreamName: NO_STREAM, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' })),
  ListShards: (k) => k.send(new ListShardsCommand({ StreamName: NO_STREAM })),
};

test('every rate-limited API the handler and reconciler call has a call in this test', () => {
  expect(Object.keys(CALLS).sort()).toEqual(Object.keys(KINESIS_API_RATES).sort());
});

// ListShards (1,000 per stream) has its own test below, which also shows it is per stream.
test.each(Object.entries(KINESIS_API_RATES).filter(([api]) => api !== 'ListShards'))('%s: a burst over %p is refused with LimitExceededException', async (api, rate) => {
  const { double, kinesis } = account();
  const burst = Math.ceil(rate.perSecond) + 5;
  double.freeze();

  const results = await Promise.allSettled(Array.from({ length: burst }, () => CALLS[api](kinesis)));

  const refused = results.filter((r) => r.status === 'rejected' && (r.reason as Error).name === 'LimitExceededException'
    && (r.reason as Error).message.startsWith(`Rate exceeded for ${api}`));
  expect(refused.length).toBe(5);
  expect(double.stats.throttled[api]).toBe(5);
  // The bucket refills at the documented rate: a second later the call passes the double again.
  double.advance(1000);
  const after = await refusal(CALLS[api](kinesis)).catch(() => ({ name: 'accepted', message: '' }));
  expect(after.message).not.toMatch(/^Rate exceeded/);
});

test('ListShards: its bucket is per stream, so a burst on one stream leaves another served', async () => {
  // The documented rate (1,000 a second per stream) is enforced by the same buckets as every other rate above; this
  // shows the per-stream keying with a rate scaled down to 5, so the test does not send a thousand calls.
  const scaled = new KinesisDouble({ rates: { ...KINESIS_API_RATES, ListShards: { perSecond: 5, perStream: true } } });
  doubles.push(scaled);
  const [double, kinesis, setup] = [scaled, scaled.client(), scaled.client({ limits: false })];
  const [busy, other] = [await createActiveStream(setup, 1), await createActiveStream(setup, 1)];
  double.freeze();
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => kinesis.send(new ListShardsCommand({ StreamName: busy }))));
  expect(results.filter((r) => r.status === 'rejected' && (r.reason as Error).name === 'LimitExceededException')).toHaveLength(5);
  expect(double.stats.throttled.ListShards).toBe(5);
  await expect(kinesis.send(new ListShardsCommand({ StreamName: other }))).resolves.toBeDefined();
});

test('UpdateShardCount: the 11th call in a rolling 24 hours is refused; a day later it is accepted', async () => {
  const { double, kinesis, setup } = account();
  const stream = await createActiveStream(setup, 1);
  for (let i = 0; i < 10; i++) {
    await kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: i % 2 === 0 ? 2 : 1, ScalingType: 'UNIFORM_SCALING' }));
    await waitUntilActive(setup, stream);
    double.advance(60_000);
  }
  const eleventh = () => kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));

  expect(await refusal(eleventh())).toEqual({
    name: 'LimitExceededException',
    message: expect.stringContaining('already called 10 times in the rolling 24 hours'),
  });
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(10);
  double.advance(24 * 3_600_000 - 9 * 60_000);
  await expect(eleventh()).resolves.toBeDefined();
});

test('UpdateShardCount: more than double or less than half the open shards is refused', async () => {
  const { kinesis, setup } = account();
  const stream = await createActiveStream(setup, 4);
  const to = (target: number) => kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));

  expect(await refusal(to(9))).toMatchObject({ name: 'InvalidArgumentException', message: expect.stringContaining('between half and double') });
  expect(await refusal(to(1))).toMatchObject({ name: 'InvalidArgumentException' });
});

test('the account shard quota refuses a resize whose children do not fit beside their parents, and DescribeLimits reports it', async () => {
  const { double, kinesis, setup } = account(10);
  const stream = await createActiveStream(setup, 4);

  expect(await kinesis.send(new DescribeLimitsCommand({}))).toMatchObject({ ShardLimit: 10, OpenShardCount: 4 });
  const refused = await refusal(kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 8, ScalingType: 'UNIFORM_SCALING' })));
  expect(refused).toMatchObject({ name: 'LimitExceededException', message: expect.stringContaining('would exceed the shard limit for the account') });
  const [first] = (await setup.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
  const middle = (BigInt(first.HashKeyRange!.StartingHashKey!) + BigInt(first.HashKeyRange!.EndingHashKey!)) / 2n;
  double.advance(1000);
  await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: first.ShardId!, NewStartingHashKey: middle.toString() }));
  double.advance(1000);
  expect(await kinesis.send(new DescribeLimitsCommand({}))).toMatchObject({ OpenShardCount: 5 });
});

test('tagging a stream that is UPDATING is refused with ResourceInUseException until it is ACTIVE again', async () => {
  const { double, kinesis, setup } = account();
  const stream = await createActiveStream(setup, 2);
  double.slowResize(stream, 10 * 60_000);
  await kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
  const tag = () => kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { k: 'v' } }));

  expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus).toBe('UPDATING');
  expect(await refusal(tag())).toMatchObject({ name: 'ResourceInUseException', message: expect.stringContaining('not ACTIVE') });
  expect(await refusal(kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: stream, TagKeys: ['k'] })))).toMatchObject({ name: 'ResourceInUseException' });
  expect(await refusal(kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }))))
    .toMatchObject({ name: 'ResourceInUseException' });
  double.advance(10 * 60_000);
  await waitUntilActive(setup, stream);
  await expect(tag()).resolves.toBeDefined();
});

test('a stream holds at most 50 tags, each value at most 256 characters, at most 10 per call', async () => {
  const { kinesis, setup } = account();
  const stream = await createActiveStream(setup, 1);
  for (let i = 0; i < 5; i++) {
    await setup.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`t${i}-${k}`, 'x'])) }));
  }

  expect(await refusal(kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { one: 'more' } }))))
    .toMatchObject({ name: 'InvalidArgumentException', message: expect.stringContaining('at most 50 tags') });
  await expect(kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { 't0-0': 'overwriting is fine' } }))).resolves.toBeDefined();
  expect(await refusal(kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { 't0-1': 'x'.repeat(257) } }))))
    .toMatchObject({ name: 'InvalidArgumentException', message: expect.stringContaining('longer than 256') });
  const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, k) => [`t0-${k}`, 'y']));
  expect(await refusal(kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: eleven }))))
    .toMatchObject({ name: 'InvalidArgumentException', message: 'at most 10 tags per call' });
});

test('setup calls without limits are not throttled', async () => {
  const { double, setup } = account();
  await Promise.all(Array.from({ length: 30 }, () => setup.send(new ListStreamsCommand({}))));
  expect(double.stats.throttled).toEqual({});
});
