import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddTagsToStreamCommand, DescribeLimitsCommand, DescribeStreamSummaryCommand, ListShardsCommand, ListTagsForStreamCommand, SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { answerFromTraffic } from './fake-cloudwatch';
import { mockedAws, mockStream } from './mocked-aws';
import { runTick, spread, StreamCache } from '../../lambda/autoscaler/tick';
import { RateLimiter } from '../../lambda/shared/rate-limiter';
import { CALL_RECORD_MARGIN_MS, formatTimestamp, readState, STATE_TAGS } from '../../src/core';

/** Kinesis faults the emulator cannot produce on demand, driven through a mocked client. */

const MIB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const { kinesis, kinesisMock, cloudwatch, cloudwatchMock, events, eventsMock } = mockedAws();
let logs: Array<Record<string, unknown>> = [];

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

/** A provisioned stream of `shards` uniform shards under 3.5 MiB/s of writes, which wants 6 shards. */
function busyStream(status: string, shards: number, tags: Record<string, string> = {}) {
  mockStream(kinesisMock, 'orders', { status, shards, tags });
  const busy = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: busy, payments: busy })));
}

function tick(streamNames = ['orders'], cache?: StreamCache, autoscalerName?: string) {
  return runTick({ streams: streamNames.map((streamName) => ({ streamName, minShards: 1, maxShards: 16 })) }, {
    autoscalerName,
    kinesis,
    cloudwatch,
    events,
    cache,
    log: (entry) => logs.push(entry),
    now: () => NOW,
    deadline: NOW + 30_000,
    sleep: async () => {},
  });
}

const written = () => kinesisMock.commandCalls(AddTagsToStreamCommand).map((c) => c.args[0].input.Tags!);

const emf = () => logs.filter((l) => l._aws !== undefined);

beforeEach(() => {
  logs = [];
  kinesisMock.reset();
  cloudwatchMock.reset();
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
});

test('a stream tagged for another autoscaler is never acted on', async () => {
  busyStream('ACTIVE', 2, { 'cdk-kinesis-autoscaling:autoscaler': 'someone-else' });

  const result = await tick(['orders'], undefined, 'fleet');

  expect(result.outcomes[0]).toMatchObject({
    status: 'skipped',
    message: 'the stream is tagged cdk-kinesis-autoscaling:autoscaler=someone-else, not fleet: remove it from one of the two autoscalers',
  });
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
});

test('a stream tagged for this autoscaler is scaled', async () => {
  busyStream('ACTIVE', 2, { 'cdk-kinesis-autoscaling:autoscaler': 'fleet' });

  await tick(['orders'], undefined, 'fleet');

  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(1);
});

test('tags that changed during a long wait stop the step, so nothing another writer recorded is overwritten', async () => {
  busyStream('ACTIVE', 2);
  let clock = NOW;
  const reconcilerCall = formatTimestamp(NOW + 60_000);
  // The account headroom read is slow; meanwhile a reconcile records a call.
  kinesisMock.on(DescribeLimitsCommand).callsFake(async () => {
    clock += 6_000;
    return { ShardLimit: 500, OpenShardCount: 2, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 };
  });
  kinesisMock.on(ListTagsForStreamCommand)
    .resolvesOnce({ Tags: [], HasMoreTags: false })
    .resolves({ Tags: [{ Key: STATE_TAGS.updateShardCountCalls, Value: reconcilerCall }], HasMoreTags: false });

  const result = await runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }] }, {
    kinesis, cloudwatch, events, log: (entry) => logs.push(entry), now: () => clock, deadline: NOW + 30_000, sleep: async () => {},
  });

  expect(result.outcomes[0]).toMatchObject({ status: 'skipped', message: expect.stringMatching(/^the state tags changed while this tick waited/) });
  expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
});

test('tags unchanged after a long wait let the step go ahead', async () => {
  busyStream('ACTIVE', 2);
  let clock = NOW;
  kinesisMock.on(DescribeLimitsCommand).callsFake(async () => {
    clock += 6_000;
    return { ShardLimit: 500, OpenShardCount: 2, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 };
  });

  await runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }] }, {
    kinesis, cloudwatch, events, log: (entry) => logs.push(entry), now: () => clock, deadline: NOW + 30_000, sleep: async () => {},
  });

  expect(kinesisMock.commandCalls(ListTagsForStreamCommand)).toHaveLength(2);
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(1);
});

test('DescribeLimits refused for call rate tick after tick cannot hold a tick past its deadline', async () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  busyStream('ACTIVE', 2);
  const busy = { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 };
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => Object.fromEntries(names.map((name) => [name, busy]))));
  kinesisMock.on(DescribeLimitsCommand).rejects(awsError('LimitExceededException', 'Rate exceeded for account 111122223333'));
  let clock = NOW;
  const sleep = async (ms: number) => { clock += ms; };

  const result = await runTick({ streams: names.map((streamName) => ({ streamName, minShards: 1, maxShards: 16 })) }, {
    kinesis,
    cloudwatch,
    events,
    log: (entry) => logs.push(entry),
    now: () => clock,
    sleep,
    deadline: NOW + 45_000,
    limiter: new RateLimiter(() => clock, sleep),
  });

  expect(clock - NOW).toBeLessThan(60_000);
  expect(result.outcomes).toHaveLength(8);
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
});

test('a stream that is UPDATING is skipped this tick', async () => {
  busyStream('UPDATING', 2);

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'in-progress', steps: [] });
  expect(result.outcomes[0].decision!.reason).toBe('the stream is UPDATING, not ACTIVE');
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
});

test('ResourceInUseException from a resharding call skips the stream until the next tick', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('ResourceInUseException', 'Stream orders is not ACTIVE'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({
    status: 'skipped', message: 'the stream was not ACTIVE; the next tick continues: UpdateShardCount failed: Stream orders is not ACTIVE',
  });
  expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'decision', status: 'skipped', stream: 'orders' }));
  expect(emf()).toContainEqual(expect.objectContaining({ Errors: 0, ScalingOperations: 0 }));
});

test('LimitExceededException from UpdateShardCount backs off to split and merge for an hour, recorded in a tag', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('LimitExceededException', 'UpdateShardCount was called 10 times in 24 hours'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({
    status: 'skipped', message: 'backing off from UpdateShardCount for an hour: UpdateShardCount failed: UpdateShardCount was called 10 times in 24 hours',
  });
  // First the call is recorded, then the back-off.
  expect(written()).toHaveLength(2);
  expect(written()[1][STATE_TAGS.updateShardCountCalls]).toBe(written()[0][STATE_TAGS.updateShardCountCalls]);
  const blockedFor = Date.parse(written()[1][STATE_TAGS.updateShardCountBlockedUntil]) - NOW;
  expect(blockedFor).toBeGreaterThanOrEqual(3_600_000);
  expect(blockedFor).toBeLessThan(3_660_000);
});

test('while UpdateShardCount is blocked, a scale-out splits shards instead', async () => {
  busyStream('ACTIVE', 2, { [STATE_TAGS.updateShardCountBlockedUntil]: formatTimestamp(NOW + 600_000) });
  kinesisMock.on(SplitShardCommand).resolves({});

  await tick();

  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  expect(kinesisMock.commandCalls(SplitShardCommand)).toHaveLength(1);
});

test('a failed EventBridge publish is logged and does not turn a done scaling into an error', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).resolves({});
  eventsMock.on(PutEventsCommand).rejects(new Error('AccessDenied'));

  const result = await tick();

  expect(result.outcomes[0].status).toBe('scaled');
  expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'event-not-published', error: 'AccessDenied' }));
});

test('an event without a streams list is a logged error, not a crash', async () => {
  const result = await runTick({ source: 'aws.events' }, {
    kinesis, cloudwatch, events, log: (entry) => logs.push(entry), now: () => NOW, deadline: NOW + 30_000,
  });

  expect(result.outcomes).toEqual([expect.objectContaining({ status: 'error', message: 'the event has no "streams" list: nothing to manage' })]);
  expect(kinesisMock.calls()).toHaveLength(0);
});

test('the call is recorded before it is made, at least the margin later and rounded up to the second', async () => {
  busyStream('ACTIVE', 2);
  const order: string[] = [];
  kinesisMock.on(AddTagsToStreamCommand).callsFake(() => { order.push('AddTagsToStream'); return {}; });
  kinesisMock.on(UpdateShardCountCommand).callsFake(() => { order.push('UpdateShardCount'); return {}; });

  const result = await tick();

  expect(order).toEqual(['AddTagsToStream', 'UpdateShardCount']);
  expect(result.outcomes[0]).toMatchObject({ status: 'scaled', steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }] });
  const [recorded] = readState(written()[0]).updateShardCountCalls;
  expect(recorded - NOW).toBeGreaterThanOrEqual(CALL_RECORD_MARGIN_MS);
  expect(recorded - NOW).toBeLessThan(CALL_RECORD_MARGIN_MS + 1000);
});

test.each([
  ['ResourceInUseException', 'Stream orders under account 111122223333 not ACTIVE, instead in state UPDATING'],
  ['LimitExceededException', 'Rate exceeded for AddTagsToStream'],
  ['TimeoutError', 'socket timed out'],
])('a state write that fails (%s) starts nothing and is an error: counted, logged and published', async (name, message) => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(AddTagsToStreamCommand).rejects(awsError(name, message));

  const result = await tick();

  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  expect(result.outcomes[0]).toMatchObject({ status: 'error', message: expect.stringContaining(`the state write before UpdateShardCount failed, so the operation was not started: ${message}`) });
  expect(emf()).toContainEqual(expect.objectContaining({ StreamName: 'orders', Errors: 1 }));
  expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'decision', status: 'error', errorName: name }));
  const detail = JSON.parse(eventsMock.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].Detail!);
  expect(detail).toMatchObject({ streamName: 'orders', steps: [], error: expect.stringContaining(message) });
});

test('LimitExceededException for the account shard quota is not read as a spent daily budget', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('LimitExceededException',
    'This request would exceed the shard limit for the account 111122223333 in us-east-1. Current shard count for the account: 500. Limit: 500.'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'skipped', message: expect.stringMatching(/^the account shard quota is full/) });
  expect(written()).toHaveLength(1);
  expect(written()[0][STATE_TAGS.updateShardCountBlockedUntil]).toBeUndefined();
});

test('streams that scale out at once share one DescribeLimits answer and never spend the same headroom', async () => {
  busyStream('ACTIVE', 2);
  // 6 shards free: the first resize (to 4, its children counted while the parents live) leaves 2, so the second splits.
  kinesisMock.on(DescribeLimitsCommand).resolves({ ShardLimit: 500, OpenShardCount: 494 });
  kinesisMock.on(UpdateShardCountCommand).resolves({});
  kinesisMock.on(SplitShardCommand).resolves({});

  await tick(['orders', 'payments']);

  expect(kinesisMock.commandCalls(DescribeLimitsCommand)).toHaveLength(1);
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(1);
  expect(kinesisMock.commandCalls(SplitShardCommand)).toHaveLength(1);
});

test('a failed DescribeLimits is not kept for the rest of the tick', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(DescribeLimitsCommand).rejectsOnce(awsError('InternalFailure', 'try again')).resolves({ ShardLimit: 500, OpenShardCount: 4 });
  kinesisMock.on(UpdateShardCountCommand).resolves({});

  const result = await runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }, { streamName: 'payments', minShards: 1, maxShards: 16 }] }, {
    kinesis, cloudwatch, events, log: () => {}, now: () => NOW, deadline: NOW + 30_000, sleep: async () => {},
  });

  expect(result.outcomes.map((o) => o.status).sort()).toEqual(['error', 'scaled']);
  expect(kinesisMock.commandCalls(DescribeLimitsCommand)).toHaveLength(2);
});

test('a cold tick with nothing to do reads each stream with one DescribeStreamSummary, and no tags', async () => {
  mockStream(kinesisMock, 'orders', { shards: 4 });
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 } })));

  const result = await tick(['orders']);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 4 });
  expect(result.kinesisCalls).toEqual({ DescribeStreamSummary: 1 });
  expect(kinesisMock.commandCalls(ListTagsForStreamCommand)).toHaveLength(0);
  expect(kinesisMock.commandCalls(ListShardsCommand)).toHaveLength(0);
});

test('a warm tick with nothing to do makes no Kinesis call at all', async () => {
  mockStream(kinesisMock, 'orders', { shards: 4 });
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 } })));
  const cache: StreamCache = new Map();
  await tick(['orders'], cache);
  kinesisMock.resetHistory();

  const result = await tick(['orders'], cache);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 4 });
  expect(kinesisMock.calls()).toHaveLength(0);
  expect(result.kinesisCalls).toEqual({});
});

test('a read refused for call rate is a delay: retried, not an error', async () => {
  mockStream(kinesisMock, 'orders', { shards: 4 });
  kinesisMock.on(DescribeStreamSummaryCommand).rejectsOnce(awsError('LimitExceededException', 'Rate exceeded for DescribeStreamSummary'))
    .resolves({
      StreamDescriptionSummary: {
        StreamName: 'orders',
        StreamARN: 'arn',
        StreamStatus: 'ACTIVE',
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: new Date(0),
        EnhancedMonitoring: [],
        OpenShardCount: 4,
      },
    });
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 } })));

  const result = await tick(['orders']);

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 4 });
  expect(result.throttled).toEqual({ DescribeStreamSummary: 1 });
});

test('a stream that acts on a cold tick costs one status read, its shards, its tags, one state write and the operation', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).resolves({});

  const result = await tick();

  expect(result.kinesisCalls).toEqual({
    DescribeStreamSummary: 1, ListShards: 1, ListTagsForStream: 1, DescribeLimits: 1, AddTagsToStream: 1, UpdateShardCount: 1,
  });
});

test('when recording the back-off after a refused call fails, the stream reports an error and the event says why', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('LimitExceededException', 'UpdateShardCount was called 10 times in 24 hours'));
  kinesisMock.on(AddTagsToStreamCommand).resolvesOnce({}).rejects(awsError('ResourceInUseException', 'not ACTIVE'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'error', message: expect.stringContaining('recording the back-off failed: not ACTIVE') });
  expect(emf()).toContainEqual(expect.objectContaining({ Errors: 1 }));
  expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(1);
});

describe('a cold start takes shard counts from the OpenShards the autoscaler published', () => {
  const traffic = (bytesPerSecond: number) => ({ bytesPerSecond, recordsPerSecond: 1000 });
  const answer = (published: Record<string, number>, bytesPerSecond: number) => cloudwatchMock.on(GetMetricDataCommand)
    .callsFake(answerFromTraffic(() => ({ orders: traffic(bytesPerSecond), payments: traffic(bytesPerSecond) }), () => published));
  /** A cold start over a stream of 2 shards, published as 2, whose 3.5 MiB/s want 4. */
  const busyColdStart = (status: string) => {
    busyStream(status, 2);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    answer({ orders: 2 }, 3.5 * MIB);
    return tick(['orders']);
  };
  const openShardsQueries = () => cloudwatchMock.commandCalls(GetMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
    .filter((q) => q.MetricStat!.Metric!.Namespace === 'KinesisAutoscaler' && q.MetricStat!.Metric!.MetricName === 'OpenShards');

  test('decides with the published count as the provisional shard count', async () => {
    answer({ orders: 4 }, 2.2 * MIB);

    const result = await tick(['orders']);

    expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 4 });
    expect(result.outcomes[0].decision!.currentShards).toBe(4);
  });

  test('a stream whose metrics say nothing needs doing costs no Kinesis call', async () => {
    answer({ orders: 4 }, 2.2 * MIB);

    const result = await tick(['orders']);

    expect(kinesisMock.calls()).toHaveLength(0);
    expect(result.kinesisCalls).toEqual({});
  });

  test('a stale provisional count never causes an action: the fresh read before acting decides', async () => {
    // 5 MiB/s is 125 % of the 4 shards last published, but 62.5 % of the 8 the stream has now.
    mockStream(kinesisMock, 'orders', { shards: 8 });
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    answer({ orders: 4 }, 5 * MIB);

    const result = await tick(['orders']);

    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(1);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
    expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 8 });
  });

  test('a provisional ACTIVE is not taken for fresh: a stream Kinesis says is UPDATING starts nothing', async () => {
    const result = await busyColdStart('UPDATING');

    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
    expect(result.outcomes[0]).toMatchObject({ status: 'in-progress', openShards: 2 });
  });

  test('a stream that needs an operation is read in full and acts on what Kinesis says', async () => {
    const result = await busyColdStart('ACTIVE');

    expect(result.kinesisCalls).toEqual({
      DescribeStreamSummary: 1, ListShards: 1, ListTagsForStream: 1, DescribeLimits: 1, AddTagsToStream: 1, UpdateShardCount: 1,
    });
    expect(result.outcomes[0]).toMatchObject({ status: 'scaled', steps: [{ kind: 'UpdateShardCount', targetShardCount: 4 }] });
  });

  test('a stream with no published datapoint is read with DescribeStreamSummary', async () => {
    mockStream(kinesisMock, 'payments', { shards: 4 });
    answer({ orders: 4 }, 2.2 * MIB);

    const result = await tick(['orders', 'payments']);

    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand).map((c) => c.args[0].input.StreamName)).toEqual(['payments']);
    expect(result.outcomes.map((o) => [o.streamName, o.status, o.openShards])).toEqual([['orders', 'unchanged', 4], ['payments', 'unchanged', 4]]);
  });

  test('a failed OpenShards query falls back to DescribeStreamSummary for every stream', async () => {
    mockStream(kinesisMock, 'orders', { shards: 4 });
    const fallback = answerFromTraffic(() => ({ orders: traffic(2.2 * MIB) }));
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
      if (input.MetricDataQueries![0].MetricStat!.Metric!.Namespace === 'KinesisAutoscaler') throw awsError('Throttling', 'Rate exceeded');
      return fallback(input);
    });

    const result = await tick(['orders']);

    expect(result.kinesisCalls).toEqual({ DescribeStreamSummary: 1 });
    expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', openShards: 4 });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'open-shards-not-read' }));
  });

  test('only streams the cache does not know are queried, so a warm tick costs no extra metric', async () => {
    answer({ orders: 4 }, 2.2 * MIB);
    const cache: StreamCache = new Map();
    await tick(['orders'], cache);
    expect(openShardsQueries()).toHaveLength(1);
    cloudwatchMock.resetHistory();

    await tick(['orders'], cache);

    expect(openShardsQueries()).toHaveLength(0);
    expect(kinesisMock.calls()).toHaveLength(0);
  });
});

test('refreshes of streams named alike are spread over the whole period, not bunched', () => {
  const fractions = Array.from({ length: 1000 }, (_, i) => spread(`orders-${String(i).padStart(4, '0')}`));
  const perFifth = [0, 1, 2, 3, 4].map((k) => fractions.filter((f) => f >= k / 5 && f < (k + 1) / 5).length);
  expect(Math.min(...perFifth)).toBeGreaterThan(150);
  expect(fractions.every((f) => f >= 0 && f < 1)).toBe(true);
});

describe('what the core remembers', () => {
  const MINUTE = 60_000;
  /** A stream of 2 shards its traffic fits (1 MiB/s at 65 % of 2 shards): the core decides nothing. */
  function steadyStream(status = 'ACTIVE', tags: Record<string, string> = {}) {
    mockStream(kinesisMock, 'orders', { status, shards: 2, tags });
    cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: MIB, recordsPerSecond: 500 } })));
  }
  const at = (now: number, cache: StreamCache, streams: Array<Record<string, unknown>> = [{ streamName: 'orders', minShards: 1, maxShards: 16 }]) =>
    runTick({ streams }, {
      kinesis, cloudwatch, events, cache, log: (entry) => logs.push(entry), now: () => now, deadline: now + 30_000, sleep: async () => {},
    });
  /** A warm cache whose memory, as the core returned it, holds a throttle floor the tags (read before) do not. */
  async function warmWithThrottleFloor(): Promise<StreamCache> {
    const cache: StreamCache = new Map();
    await at(NOW - MINUTE, cache);
    const entry = cache.get('orders')!;
    entry.tagged = readState({});
    entry.memoryReadAt = NOW - MINUTE;
    entry.memory = { ...readState({}), throttledAt: { shards: 2, at: NOW - 5 * MINUTE } };
    kinesisMock.resetHistory();
    return cache;
  }

  test('a throttle floor the tags do not hold is written, alone', async () => {
    steadyStream();
    const cache = await warmWithThrottleFloor();

    const result = await at(NOW, cache);

    expect(result.outcomes[0].status).toBe('unchanged');
    expect(written()).toEqual([{ [STATE_TAGS.throttledAt]: `shards=2 at=${formatTimestamp(NOW - 5 * MINUTE)}` }]);
  });

  test('nothing is written when nothing changed', async () => {
    steadyStream();
    const cache = await warmWithThrottleFloor();
    await at(NOW, cache);
    kinesisMock.resetHistory();

    await at(NOW + MINUTE, cache);

    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  });

  test('a stream left alone with nothing to remember costs no tag read or write', async () => {
    steadyStream();
    const cache: StreamCache = new Map();
    await at(NOW, cache);
    await at(NOW + MINUTE, cache);

    expect(kinesisMock.commandCalls(ListTagsForStreamCommand)).toHaveLength(0);
    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  });

  test('tags never read are read before anything is written over them, and the write follows at the next tick', async () => {
    steadyStream('ACTIVE', { [STATE_TAGS.updateShardCountCalls]: formatTimestamp(NOW - 60 * MINUTE) });
    const cache = await warmWithThrottleFloor();
    delete cache.get('orders')!.tagged;

    await at(NOW, cache);
    expect(kinesisMock.commandCalls(ListTagsForStreamCommand)).toHaveLength(1);
    expect(written()).toEqual([]);
    expect(cache.get('orders')!.memory!.updateShardCountCalls).toEqual([NOW - 60 * MINUTE]);

    await at(NOW + MINUTE, cache);
    expect(written()).toEqual([{ [STATE_TAGS.throttledAt]: `shards=2 at=${formatTimestamp(NOW - 5 * MINUTE)}` }]);
  });

  test.each([
    ['LimitExceededException', 'Rate exceeded for stream orders under account 111122223333.'],
    ['ResourceInUseException', 'Stream orders under account 111122223333 not ACTIVE, instead in state UPDATING'],
  ])('a refused write (%s) is logged, fails nothing, and is tried again at the next tick', async (name, message) => {
    steadyStream();
    const cache = await warmWithThrottleFloor();
    kinesisMock.on(AddTagsToStreamCommand).rejectsOnce(awsError(name, message)).resolves({});

    const result = await at(NOW, cache);
    expect(result.outcomes[0].status).toBe('unchanged');
    expect(emf()).toContainEqual(expect.objectContaining({ StreamName: 'orders', Errors: 0 }));
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'memory-not-persisted', stream: 'orders', errorName: name }));

    await at(NOW + MINUTE, cache);
    expect(written()).toHaveLength(2);
    expect(cache.get('orders')!.tagged!.throttledAt).toEqual({ shards: 2, at: NOW - 5 * MINUTE });
  });

  test('a dry run keeps its memory in the function and writes no tag', async () => {
    steadyStream();
    const cache = await warmWithThrottleFloor();

    await at(NOW, cache, [{ streamName: 'orders', minShards: 1, maxShards: 16, dryRun: true }]);

    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
    expect(cache.get('orders')!.memory!.throttledAt).toEqual({ shards: 2, at: NOW - 5 * MINUTE });
  });

  test('nothing is written while the stream is UPDATING (Kinesis refuses tags then)', async () => {
    steadyStream('UPDATING');
    const cache = await warmWithThrottleFloor();

    await at(NOW, cache);

    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  });

  test('nothing is written on a stream tagged for another autoscaler', async () => {
    steadyStream('ACTIVE', { 'cdk-kinesis-autoscaling:autoscaler': 'someone-else' });
    const cache = await warmWithThrottleFloor();
    delete cache.get('orders')!.tagged;
    const run = (now: number) => runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }] }, {
      kinesis, cloudwatch, events, cache, autoscalerName: 'fleet', log: (entry) => logs.push(entry), now: () => now, deadline: now + 30_000, sleep: async () => {},
    });

    await run(NOW);
    await run(NOW + MINUTE);

    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  });

  test('a re-read of the tags takes what they hold and keeps activeSince of the same scaling', async () => {
    const scaledAt = NOW - 20 * MINUTE;
    steadyStream('ACTIVE', {
      [STATE_TAGS.lastScalingAt]: formatTimestamp(scaledAt),
      [STATE_TAGS.throttledAt]: `shards=3 at=${formatTimestamp(NOW - 10 * MINUTE)}`,
    });
    const cache = await warmWithThrottleFloor();
    const entry = cache.get('orders')!;
    entry.memory = { ...entry.memory!, lastScalingAt: scaledAt, activeSince: scaledAt + 4 * MINUTE };
    entry.memoryReadAt = NOW - 2 * 3_600_000;

    await at(NOW, cache);

    expect(kinesisMock.commandCalls(ListTagsForStreamCommand)).toHaveLength(1);
    expect(entry.memory).toMatchObject({ activeSince: scaledAt + 4 * MINUTE, throttledAt: { shards: 3, at: NOW - 10 * MINUTE } });
    expect(kinesisMock.commandCalls(AddTagsToStreamCommand)).toHaveLength(0);
  });

  test('activeSince of an older scaling is dropped when the tags show a newer one', async () => {
    steadyStream('ACTIVE', { [STATE_TAGS.lastScalingAt]: formatTimestamp(NOW - 5 * MINUTE) });
    const cache = await warmWithThrottleFloor();
    const entry = cache.get('orders')!;
    entry.memory = { ...entry.memory!, lastScalingAt: NOW - 3 * 3_600_000, activeSince: NOW - 3 * 3_600_000 + MINUTE };
    entry.memoryReadAt = NOW - 2 * 3_600_000;

    await at(NOW, cache);

    // The stream is ACTIVE after the newer scaling: evidence counts from now, not from the older resize.
    expect(entry.memory!.activeSince).toBe(NOW);
  });
});

describe('what is fetched from CloudWatch', () => {
  const MINUTE = 60_000;
  const queriedMetrics = () => cloudwatchMock.commandCalls(GetMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricDataQueries!.map((q) => q.MetricStat!.Metric!.MetricName!));
  const yesterdayCalls = (now: number) => cloudwatchMock.commandCalls(GetMetricDataCommand)
    .filter((c) => c.args[0].input.StartTime!.getTime() < now - 12 * 3_600_000);
  const run = (now: number, cache: StreamCache, sharedReaders?: number) =>
    runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16, sharedReaders }] }, {
      kinesis, cloudwatch, events, cache, log: (entry) => logs.push(entry), now: () => now, deadline: now + 30_000, sleep: async () => {},
    });

  test('the read metrics only for a stream whose shared readers can need more shards than its writes (more than two)', async () => {
    busyStream('ACTIVE', 2);
    await run(NOW, new Map(), 2);
    expect(queriedMetrics()).not.toContain('GetRecords.Bytes');

    cloudwatchMock.resetHistory();
    await run(NOW, new Map(), 3);
    expect(queriedMetrics()).toEqual(expect.arrayContaining(['GetRecords.Bytes', 'GetRecords.Success', 'ReadProvisionedThroughputExceeded']));
  });

  test('yesterday and the day before are fetched once for 30 ticks, then again', async () => {
    mockStream(kinesisMock, 'orders', { shards: 2 });
    cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: MIB, recordsPerSecond: 500 } })));
    const cache: StreamCache = new Map();
    for (let minute = 0; minute < 30; minute++) await run(NOW + minute * MINUTE, cache);
    // One call each for yesterday and the day before.
    expect(yesterdayCalls(NOW)).toHaveLength(2);

    await run(NOW + 30 * MINUTE, cache);
    expect(yesterdayCalls(NOW)).toHaveLength(4);
  });

  test('a failed fetch of yesterday still ticks: the stream is scaled, and a warning says why', async () => {
    busyStream('ACTIVE', 2);
    const answer = answerFromTraffic(() => ({ orders: { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 } }));
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
      if (input.StartTime.getTime() < NOW - 12 * 3_600_000) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return answer(input);
    });
    kinesisMock.on(UpdateShardCountCommand).resolves({});

    const result = await run(NOW, new Map());

    expect(result.outcomes[0].status).toBe('scaled');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'yesterday-not-read' }));
  });

  test('KeyBoundThrottling is published for every stream decided', async () => {
    busyStream('ACTIVE', 2);
    await run(NOW, new Map());
    const line = emf().find((l) => l.StreamName === 'orders' && 'OpenShards' in l)!;
    expect(line).toMatchObject({ KeyBoundThrottling: 0 });
    expect((line._aws as any).CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'KeyBoundThrottling', Unit: 'Count' });
  });
});
