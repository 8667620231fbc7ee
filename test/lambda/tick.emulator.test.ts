import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand, PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  AddTagsToStreamCommand, EnableEnhancedMonitoringCommand, ListTagsForStreamCommand, MetricsName, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { emulatorHarness } from './emulator-harness';
import { answerFromTraffic, StreamTraffic } from './fake-cloudwatch';
import { StreamCache, TickResult } from '../../lambda/autoscaler/tick';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { coverageProblem, ManagedStreamInput, PRESETS, readState, STATE_TAGS } from '../../src/core';
import { createActiveStream, waitUntilActive } from '../emulator/kinesis-emulator';

jest.setTimeout(60_000);

const MIB = 1024 * 1024;
/** Shards 3.5 MiB/s needs at the balanced preset's target, whatever the benchmark tuned it to. */
const NEEDED = Math.ceil(3.5 / PRESETS.balanced.targetUtilization);
// kinesis-local behind the limit-enforcing double: the handler's client meets AWS's rates; setup bypasses them.
let traffic: Record<string, StreamTraffic> = {};
/** The OpenShards an earlier container published, by stream. */
let openShardsPublished: Record<string, number> = {};
const { double, cloudwatchMock, eventsMock, logs, tick } = emulatorHarness(answerFromTraffic(() => traffic, () => openShardsPublished));
const setup = double.client({ limits: false });
const port = new KinesisPort(setup);

beforeEach(() => {
  traffic = {};
  openShardsPublished = {};
});

/** Ticks a minute apart (waiting for each started operation to finish) until a tick starts nothing. */
async function untilSettled(streams: ManagedStreamInput[], cache: StreamCache = new Map(), minutesApart = 1): Promise<TickResult[]> {
  const results: TickResult[] = [];
  for (let i = 0; i < 12; i++) {
    const result = await tick(streams, cache);
    results.push(result);
    if (!result.outcomes.some((o) => o.status === 'scaled' || o.status === 'in-progress')) return results;
    for (const s of streams) await waitUntilActive(setup, s.streamName);
    double.advance(minutesApart * 60_000);
  }
  throw new Error('the ticks did not settle');
}

const stepsOf = (results: TickResult[], stream: string) => results.flatMap((r) => r.outcomes.find((o) => o.streamName === stream)?.steps ?? []);

/** The emulator's real shard map: open shards and whether they cover 0..2^128-1 exactly once. */
async function shardMap(streamName: string) {
  const shards = await port.openShards(streamName);
  return { open: shards.length, coverage: coverageProblem(shards) ?? 'contiguous, whole key space' };
}

async function tags(streamName: string): Promise<Record<string, string>> {
  const result = await setup.send(new ListTagsForStreamCommand({ StreamName: streamName }));
  return Object.fromEntries((result.Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

const decisions = () => logs.filter((l) => l.message === 'decision');
const emf = (stream: string) => logs.filter((l) => l._aws !== undefined && l.StreamName === stream);
const published = () => eventsMock.commandCalls(PutEventsCommand)
  .map((c) => JSON.parse((c.args[0].input as PutEventsCommandInput).Entries![0].Detail!));

test('a stream above its scale-out utilization grows to what demand needs, by UpdateShardCount', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  const results = await untilSettled([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  // 3.5 MiB/s at the balanced preset's target needs NEEDED shards (7 at 55 %): 2 -> 4 -> 7, one step per tick.
  expect(results[0].outcomes[0]).toMatchObject({ streamName: stream, status: 'scaled', openShards: 2 });
  expect(stepsOf(results, stream)).toEqual([
    { kind: 'UpdateShardCount', targetShardCount: 4 },
    { kind: 'UpdateShardCount', targetShardCount: NEEDED },
  ]);
  expect(results[results.length - 1].outcomes[0]).toMatchObject({ status: 'unchanged', openShards: NEEDED });
  expect(await shardMap(stream)).toEqual({ open: NEEDED, coverage: 'contiguous, whole key space' });
});

test('the UpdateShardCount calls and the scaling time are persisted in the stream tags', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  await untilSettled([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  const state = await tags(stream);
  expect(state[STATE_TAGS.updateShardCountCalls].split(' ')).toHaveLength(2);
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(2);
  expect(state[STATE_TAGS.lastScalingAt]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});

test('every decision is one JSON log line with the metrics, the demand, the shards and the reason', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  expect(decisions()).toHaveLength(1);
  expect(decisions()[0]).toMatchObject({
    level: 'info',
    stream,
    action: 'scale-out',
    status: 'scaled',
    currentShards: 2,
    targetShards: NEEDED,
    openShards: 2,
    steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }],
    observed: { incomingBytes: 3.5 * MIB * 60, incomingRecords: 60_000, throttledRecords: 0, iteratorAgeMs: 0 },
    demand: { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 },
    reason: expect.stringContaining(`demand needs ${NEEDED} shards`),
  });
  expect(() => JSON.stringify(decisions()[0])).not.toThrow();
});

test('open and target shards are published in embedded metric format', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  const [line] = emf(stream);
  expect(line).toMatchObject({
    _aws: { CloudWatchMetrics: [{ Namespace: 'KinesisAutoscaler', Dimensions: [['StreamName']] }] },
    OpenShards: 2,
    TargetShards: NEEDED,
    ScalingOperations: 1,
    Errors: 0,
    UpdateShardCountCallsRemaining: 9,
  });
});

test('a scaling action is published as an EventBridge event', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  expect(eventsMock.commandCalls(PutEventsCommand)[0].args[0].input).toMatchObject({
    Entries: [{ Source: 'cdk-kinesis-autoscaling', DetailType: 'Kinesis Stream Scaling Action' }],
  });
  expect(published()).toEqual([expect.objectContaining({
    streamName: stream, action: 'scale-out', fromShards: 2, openShards: 2, dryRun: false, steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }],
  })]);
});

test('a hot shard is split at the midpoint of its hash range while the stream has headroom', async () => {
  const stream = await createActiveStream(setup, 4);
  await setup.send(new EnableEnhancedMonitoringCommand({
    StreamName: stream, ShardLevelMetrics: [MetricsName.INCOMING_BYTES, MetricsName.INCOMING_RECORDS],
  }));
  await waitUntilActive(setup, stream);
  const [cold1, hot, cold2, cold3] = await port.openShards(stream);
  traffic[stream] = {
    bytesPerSecond: 1.3 * MIB,
    recordsPerSecond: 650,
    shardBytesPerSecond: { [hot.shardId]: 0.95 * MIB, [cold1.shardId]: 0.1 * MIB, [cold2.shardId]: 0.1 * MIB, [cold3.shardId]: 0.15 * MIB },
  };

  const result = await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  expect(result.outcomes[0].decision).toMatchObject({ action: 'split-hot-shards', hotShards: [hot.shardId] });
  await waitUntilActive(setup, stream);
  const after = await port.openShards(stream);
  expect(after.map((s) => s.shardId)).not.toContain(hot.shardId);
  const [left, right] = after.filter((s) => s.startingHashKey >= hot.startingHashKey && s.endingHashKey <= hot.endingHashKey);
  // Two children that meet in the middle of the parent's range: sizes equal to within one key.
  expect([left.startingHashKey, right.endingHashKey, right.startingHashKey - left.endingHashKey])
    .toEqual([hot.startingHashKey, hot.endingHashKey, 1n]);
  const size = (s: { startingHashKey: bigint; endingHashKey: bigint }) => s.endingHashKey - s.startingHashKey + 1n;
  expect(size(left) - size(right) <= 1n && size(right) - size(left) <= 1n).toBe(true);
  expect(await shardMap(stream)).toEqual({ open: 5, coverage: 'contiguous, whole key space' });
});

test('a quiet stream scales in after a full window of complete metrics', async () => {
  const stream = await createActiveStream(setup, 8);
  traffic[stream] = { bytesPerSecond: 0.4 * MIB, recordsPerSecond: 200 };

  // Each scale-in waits out the 30-minute cooldown of the one before.
  const results = await untilSettled([{ streamName: stream, minShards: 2, maxShards: 16 }], new Map(), 31);

  // 0.4 MiB/s needs 1 shard at 65 %; minShards keeps 2. The reserve leaves 7 calls, so halving is allowed: 8 -> 4 -> 2.
  expect(stepsOf(results, stream)).toEqual([{ kind: 'UpdateShardCount', targetShardCount: 4 }, { kind: 'UpdateShardCount', targetShardCount: 2 }]);
  expect(await shardMap(stream)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
});

test('a scale-in waits out the cooldown recorded in the tags', async () => {
  const stream = await createActiveStream(setup, 8);
  await setup.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.lastScalingAt]: new Date(double.now()).toISOString().replace(/\.\d+Z$/, 'Z') } }));
  traffic[stream] = { bytesPerSecond: 0.4 * MIB, recordsPerSecond: 200 };

  const result = await tick([{ streamName: stream, minShards: 2, maxShards: 16 }]);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 8 });
  expect(result.outcomes[0].decision!.reason).toContain('cooldown');
});

test('the kill switch tag pauses scaling without a deploy', async () => {
  const stream = await createActiveStream(setup, 2);
  await setup.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.paused]: 'true' } }));
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  const result = await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 2 });
  expect(result.outcomes[0].decision!.reason).toContain('kill switch');
  expect(await shardMap(stream)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
});

test('resuming from the kill switch is seen at the next tick, though the cache remembered the stream paused', async () => {
  const stream = await createActiveStream(setup, 2);
  await setup.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.paused]: 'true' } }));
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };
  const settings = [{ streamName: stream, minShards: 1, maxShards: 16 }];
  const cache: StreamCache = new Map();
  expect((await tick(settings, cache)).outcomes[0].decision!.reason).toContain('kill switch');

  await setup.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [STATE_TAGS.paused]: 'false' } }));
  const resumed = await tick(settings, cache);

  expect(resumed.outcomes[0]).toMatchObject({ status: 'scaled', steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }] });
});

test('dry run decides, logs and publishes, but changes nothing', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  const result = await tick([{ streamName: stream, minShards: 1, maxShards: 16, dryRun: true }]);

  expect(result.outcomes[0]).toMatchObject({ status: 'dry-run', steps: [] });
  expect(result.outcomes[0].decision).toMatchObject({ action: 'scale-out', targetShards: NEEDED });
  expect(published()).toEqual([expect.objectContaining({ streamName: stream, dryRun: true, targetShards: NEEDED })]);
  expect(await shardMap(stream)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
});

test('a stream with no metrics at all is left alone', async () => {
  const stream = await createActiveStream(setup, 3);

  const result = await tick([{ streamName: stream, minShards: 1, maxShards: 16 }]);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 3 });
  expect(result.outcomes[0].decision!.reason).toContain('no metrics');
});

test('a deleted stream is logged and the other streams still scale', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  const result = await tick([
    { streamName: 'deleted-stream-that-never-existed', minShards: 1, maxShards: 4 },
    { streamName: stream, minShards: 1, maxShards: 16 },
  ]);

  expect(result.outcomes.map((o) => [o.streamName, o.status])).toEqual([
    ['deleted-stream-that-never-existed', 'not-found'],
    [stream, 'scaled'],
  ]);
  expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'stream-not-found', stream: 'deleted-stream-that-never-existed' }));
});

test('a corrupted state tag is a logged error and a no-op for that stream only', async () => {
  const broken = await createActiveStream(setup, 2);
  const healthy = await createActiveStream(setup, 2);
  await setup.send(new AddTagsToStreamCommand({ StreamName: broken, Tags: { [STATE_TAGS.updateShardCountCalls]: 'yesterday' } }));
  traffic[broken] = traffic[healthy] = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };

  const result = await tick([{ streamName: broken, minShards: 1, maxShards: 16 }, { streamName: healthy, minShards: 1, maxShards: 16 }]);

  const byName = Object.fromEntries(result.outcomes.map((o) => [o.streamName, o]));
  expect(byName[broken]).toMatchObject({ status: 'error', message: `tag ${STATE_TAGS.updateShardCountCalls} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "yesterday"` });
  expect(byName[healthy]).toMatchObject({ status: 'scaled', steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }] });
  expect(await shardMap(broken)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
  expect(emf(broken)).toContainEqual(expect.objectContaining({ Errors: 1 }));
});

test('invalid settings for one stream are rejected with their message; the others run', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: 1 * MIB, recordsPerSecond: 100 };

  const result = await tick([{ streamName: 'bad', minShards: 5, maxShards: 2 }, { streamName: stream, minShards: 1, maxShards: 4 }]);

  expect(result.outcomes.map((o) => [o.streamName, o.status, o.message])).toEqual([
    ['bad', 'error', 'settings of stream bad: minShards (5) must not be greater than maxShards (2)'],
    [stream, 'unchanged', undefined],
  ]);
});

test('when CloudWatch fails nothing is known, so nothing changes', async () => {
  const stream = await createActiveStream(setup, 2);
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

  const result = await tick([{ streamName: stream, minShards: 4, maxShards: 16 }]);

  expect(result.outcomes[0]).toMatchObject({ status: 'error', message: 'CloudWatch GetMetricData failed: Rate exceeded' });
  expect(await shardMap(stream)).toEqual({ open: 2, coverage: 'contiguous, whole key space' });
});

test('all streams are read with one GetMetricData call, after one for the OpenShards of those a cold start does not know, and one each for '
  + 'yesterday and the day before', async () => {
  const streams = await Promise.all([1, 2, 3].map(() => createActiveStream(setup, 1)));

  const result = await tick(streams.map((streamName) => ({ streamName, minShards: 1, maxShards: 2 })));

  expect(result.getMetricDataCalls).toBe(4);
  // OpenShards per stream; 5 metrics per stream of the last hour; 4 per stream of yesterday and of the day before.
  expect(cloudwatchMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([3, 15, 12, 12]);
});

test('a warm tick over steady streams makes no Kinesis call; a cold one reads each stream once', async () => {
  const streams = await Promise.all([1, 2, 3].map(() => createActiveStream(setup, 4)));
  for (const s of streams) traffic[s] = { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 };
  const settings = streams.map((streamName) => ({ streamName, minShards: 1, maxShards: 16 }));
  const cache: StreamCache = new Map();

  const cold = await tick(settings, cache);
  const warm = await tick(settings, cache);

  expect(cold.kinesisCalls).toEqual({ DescribeStreamSummary: 3 });
  expect(warm.kinesisCalls).toEqual({});
  expect(warm.outcomes.map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
});

test('a cold start decides from the published OpenShards, reads Kinesis only to act or where none was published', async () => {
  const [steady1, steady2, unpublished] = await Promise.all([1, 2, 3].map(() => createActiveStream(setup, 4)));
  const stale = await createActiveStream(setup, 8);
  for (const s of [steady1, steady2, unpublished]) traffic[s] = { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 };
  // 5 MiB/s would be 125 % of the 4 shards last published, but is 62.5 % of the 8 the stream has now.
  traffic[stale] = { bytesPerSecond: 5 * MIB, recordsPerSecond: 2500 };
  openShardsPublished = { [steady1]: 4, [steady2]: 4, [stale]: 4 };
  const settings = [steady1, steady2, unpublished, stale].map((streamName) => ({ streamName, minShards: 1, maxShards: 16 }));
  const cache: StreamCache = new Map();

  const cold = await tick(settings, cache);

  expect(cold.kinesisCalls).toEqual({ DescribeStreamSummary: 2, ListShards: 1, ListTagsForStream: 1 });
  expect(Object.fromEntries(cold.outcomes.map((o) => [o.streamName, [o.status, o.openShards]]))).toEqual({
    [steady1]: ['unchanged', 4], [steady2]: ['unchanged', 4], [unpublished]: ['unchanged', 4], [stale]: ['unchanged', 8],
  });
  expect(double.acceptedUpdateShardCountCalls(stale)).toBe(0);

  // The provisional counts are confirmed by a real read within 5 minutes; the streams read already wait for their refresh.
  double.advance(5 * 60_000);
  const later = await tick(settings, cache);
  expect(later.kinesisCalls).toEqual({ DescribeStreamSummary: 2 });
});

test('a change made by someone else is seen at the next refresh of the cached count', async () => {
  const stream = await createActiveStream(setup, 4);
  traffic[stream] = { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 };
  const settings = [{ streamName: stream, minShards: 1, maxShards: 16 }];
  const cache: StreamCache = new Map();
  await tick(settings, cache);
  await setup.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 8, ScalingType: 'UNIFORM_SCALING' }));
  await waitUntilActive(setup, stream);

  double.advance(30 * 60_000);
  const later = await tick(settings, cache);

  expect(later.outcomes[0].decision).toMatchObject({ currentShards: 8 });
});

test('what the core remembers reaches the stream\'s tags, once, and reads back as it was (for a cold start)', async () => {
  const stream = await createActiveStream(setup, 2);
  traffic[stream] = { bytesPerSecond: MIB, recordsPerSecond: 500 };
  const settings = [{ streamName: stream, minShards: 1, maxShards: 16 }];
  const cache: StreamCache = new Map();
  await tick(settings, cache);
  // As the core returns it: a throttle floor and a key-bound range of full 128-bit hash keys.
  const entry = cache.get(stream)!;
  const keyBound = { until: double.now() + 3_600_000, start: 2n ** 127n, end: 2n ** 128n - 1n };
  entry.memory = { ...entry.memory!, throttledAt: { shards: 2, at: double.now() }, keyBound };

  await tick(settings, cache); // reads the tags it never read
  await tick(settings, cache); // writes what they lack
  await tick(settings, cache); // nothing changed: no write

  const writes = logs.filter((l) => l.message === 'memory-persisted' && l.stream === stream);
  expect(writes).toHaveLength(1);
  const read = readState(await port.tags(stream));
  expect(read.keyBound).toEqual({ ...keyBound, until: Math.ceil(keyBound.until / 1000) * 1000 });
  expect(read.throttledAt!.shards).toBe(2);
});
