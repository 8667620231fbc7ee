import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  buildQueries, fetchObservations, fetchPublishedOpenShards, fetchYesterday, MAX_QUERIES_PER_CALL, ObservedStream, OPEN_SHARDS_LOOKBACK_MINUTES,
  withoutUnpublishedTail,
} from '../../lambda/autoscaler/cloudwatch-port';

const cloudwatch = mockClient(CloudWatchClient);
const END = new Date(Date.UTC(2026, 10, 28, 12, 0, 30));
const END_MINUTE = Date.UTC(2026, 10, 28, 12, 0, 0);
const minuteAgo = (n: number) => new Date(END_MINUTE - n * 60_000);

beforeEach(() => cloudwatch.reset());

/** Answers every query with `value(id, minute)` for the last 3 minutes; undefined leaves the datapoint out. */
function answer(value: (id: string, minute: number) => number | undefined) {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const points = [3, 2, 1].map((n) => ({ t: minuteAgo(n), v: value(q.Id!, n) })).filter((p) => p.v !== undefined);
      return { Id: q.Id, Timestamps: points.map((p) => p.t), Values: points.map((p) => p.v!) };
    }),
  }));
}

test('each stream gets its five stream-level queries, with the StreamName dimension', () => {
  const { queries } = buildQueries([{ streamName: 'orders' }]);
  expect(queries.map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
    ['IncomingBytes', 'Sum', 60],
    ['IncomingRecords', 'Sum', 60],
    ['WriteProvisionedThroughputExceeded', 'Sum', 60],
    ['PutRecords.ThrottledRecords', 'Sum', 60],
    ['GetRecords.IteratorAgeMilliseconds', 'Maximum', 60],
  ]);
  expect(queries.every((q) => q.MetricStat!.Metric!.Dimensions![0].Value === 'orders')).toBe(true);
});

test('shard-level queries only for streams that list shards, with both dimensions', () => {
  const { queries } = buildQueries([{ streamName: 'a' }, { streamName: 'b', shardIds: ['shardId-1', 'shardId-2'] }]);
  const shardQueries = queries.filter((q) => q.MetricStat!.Metric!.Dimensions!.length === 2);
  expect(shardQueries).toHaveLength(4);
  expect(shardQueries[0].MetricStat!.Metric!.Dimensions).toEqual([{ Name: 'StreamName', Value: 'b' }, { Name: 'ShardId', Value: 'shardId-1' }]);
});

test('120 streams take two GetMetricData calls: 500 queries, then 100', async () => {
  answer(() => 1);
  const streams: ObservedStream[] = Array.from({ length: 120 }, (_, i) => ({ streamName: `s${i}` }));
  const { calls } = await fetchObservations(new CloudWatchClient({}), streams, END, 3);
  expect(calls).toBe(2);
  expect(cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([MAX_QUERIES_PER_CALL, 100]);
});

test('queries whole minutes ending at the current minute', async () => {
  answer(() => 1);
  await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3);
  const input = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
  expect([input.StartTime, input.EndTime]).toEqual([minuteAgo(3), new Date(END_MINUTE)]);
});

test('values land on their stream, field and minute, oldest first', async () => {
  answer((id, n) => (id.endsWith('m0') ? 1000 * n : id.endsWith('m1') ? 10 * n : id.endsWith('m4') ? 5 : 0));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3);
  expect(observations[0].minutes).toEqual([
    { incomingBytes: 3000, incomingRecords: 30, throttledRecords: 0, iteratorAgeMs: 5 },
    { incomingBytes: 2000, incomingRecords: 20, throttledRecords: 0, iteratorAgeMs: 5 },
    { incomingBytes: 1000, incomingRecords: 10, throttledRecords: 0, iteratorAgeMs: 5 },
  ]);
});

test('throttled records are the larger of the two throttle metrics', async () => {
  answer((id) => (id.endsWith('m2') ? 7 : id.endsWith('m3') ? 9 : 1));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3);
  expect(observations[0].minutes.map((m) => m.throttledRecords)).toEqual([9, 9, 9]);
});

test('missing datapoints and NaN stay unknown, never zero', async () => {
  answer((id, n) => (n === 2 ? undefined : n === 1 && id.endsWith('m0') ? Number.NaN : 4));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3);
  expect(observations[0].minutes[1]).toEqual({
    incomingBytes: undefined, incomingRecords: undefined, throttledRecords: undefined, iteratorAgeMs: undefined,
  });
  expect(observations[0].minutes[2].incomingBytes).toBeUndefined();
  expect(observations[0].minutes[2].incomingRecords).toBe(4);
});

test.each(['InternalError', 'Forbidden'] as const)('a query answered %s fails the fetch, naming it: no values must not read as silence', async (status) => {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: input.MetricDataQueries!.map((q, i) => ({
      Id: q.Id, Timestamps: [], Values: [], ...(i === 1 ? { StatusCode: status, Messages: [{ Code: 'x', Value: 'try again' }] } : { StatusCode: 'Complete' }),
    })),
  }));
  await expect(fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3))
    .rejects.toThrow(`GetMetricData could not answer query s0m1: ${status} (try again)`);
  await expect(fetchYesterday(new CloudWatchClient({}), ['orders'], END_MINUTE - 24 * 3_600_000, 3)).rejects.toThrow(status);
});

test('the read metrics are queried only for a stream that asks for them', () => {
  const { queries } = buildQueries([{ streamName: 'writes-only' }, { streamName: 'read-too', readMetrics: true }]);
  const read = queries.filter((q) => q.MetricStat!.Metric!.Dimensions![0].Value === 'read-too').map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat]);
  expect(queries).toHaveLength(13);
  expect(read.slice(5)).toEqual([['GetRecords.Bytes', 'Sum'], ['GetRecords.Success', 'Sum'], ['ReadProvisionedThroughputExceeded', 'Sum']]);
});

test('read metrics land on outgoingBytes, getRecordsCalls and readThrottled', async () => {
  answer((id) => (id.endsWith('r0') ? 600 : id.endsWith('r1') ? 120 : id.endsWith('r2') ? 3 : 1));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders', readMetrics: true }], END, 3);
  expect(observations[0].minutes[2]).toMatchObject({ outgoingBytes: 600, getRecordsCalls: 120, readThrottled: 3 });
});

test('the newest minute kept is dated, and moves back with an unpublished tail', async () => {
  answer((_id, n) => (n === 1 ? undefined : 5));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 3);
  expect(observations[0].newestMinuteAt).toBe(END_MINUTE - 60_000);
  const kept = withoutUnpublishedTail(observations[0]);
  expect([kept.minutes.length, kept.newestMinuteAt]).toEqual([2, END_MINUTE - 2 * 60_000]);
});

describe('yesterday', () => {
  const START = END_MINUTE - 24 * 3_600_000;

  test('four metrics per stream (writes and both throttle metrics), from the minute asked for', async () => {
    answer(() => 1);
    await fetchYesterday(new CloudWatchClient({}), ['orders'], START, 150);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(input.MetricDataQueries!.map((q) => q.MetricStat!.Metric!.MetricName))
      .toEqual(['IncomingBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded', 'PutRecords.ThrottledRecords']);
    expect([input.StartTime, input.EndTime]).toEqual([new Date(START), new Date(START + 150 * 60_000)]);
  });

  test('values land on their minute; a minute without a datapoint is an entry with no fields', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: input.MetricDataQueries!.map((q) => ({ Id: q.Id, Timestamps: [new Date(START + 60_000)], Values: [q.Id!.endsWith('m0') ? 60 : 2] })),
    }));
    const { windows } = await fetchYesterday(new CloudWatchClient({}), ['orders'], START, 3);
    expect(windows[0]).toEqual([{}, { incomingBytes: 60, incomingRecords: 2, throttledRecords: 2 }, {}]);
  });

  test('a long window holds fewer queries per call: 100,800 datapoints at most', async () => {
    answer(() => 1);
    const { calls } = await fetchYesterday(new CloudWatchClient({}), Array.from({ length: 200 }, (_, i) => `s${i}`), START, 300);
    expect(calls).toBe(3);
    expect(cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([336, 336, 128]);
  });
});

test('follows NextToken within a batch', async () => {
  cloudwatch.on(GetMetricDataCommand)
    .resolvesOnce({ MetricDataResults: [{ Id: 's0m0', Timestamps: [minuteAgo(2)], Values: [11] }], NextToken: 'more' })
    .resolvesOnce({ MetricDataResults: [{ Id: 's0m0', Timestamps: [minuteAgo(1)], Values: [22] }] });
  const { observations, calls } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders' }], END, 2);
  expect(calls).toBe(2);
  expect(cloudwatch.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('more');
  expect(observations[0].minutes.map((m) => m.incomingBytes)).toEqual([11, 22]);
});

test('shard-level values land on their shard', async () => {
  answer((id) => (id === 's0h1m0' ? 123 : 1));
  const { observations } = await fetchObservations(new CloudWatchClient({}), [{ streamName: 'orders', shardIds: ['a', 'b'] }], END, 3);
  expect(observations[0].shardMinutes!.b.map((m) => m.incomingBytes)).toEqual([123, 123, 123]);
  expect(observations[0].shardMinutes!.a.map((m) => m.incomingBytes)).toEqual([1, 1, 1]);
});

describe('the OpenShards the autoscaler published', () => {
  test('one Maximum query per stream, in the autoscaler namespace, over the lookback up to the current minute', async () => {
    answer(() => 4);
    await fetchPublishedOpenShards(new CloudWatchClient({}), ['orders'], END);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(input.MetricDataQueries![0].MetricStat).toEqual({
      Metric: { Namespace: 'KinesisAutoscaler', MetricName: 'OpenShards', Dimensions: [{ Name: 'StreamName', Value: 'orders' }] },
      Period: 60,
      Stat: 'Maximum',
    });
    const nextMinute = END_MINUTE + 60_000;
    expect([input.StartTime, input.EndTime]).toEqual([new Date(nextMinute - OPEN_SHARDS_LOOKBACK_MINUTES * 60_000), new Date(nextMinute)]);
  });

  test('the newest datapoint counts; a stream without one, or with no whole positive count, is unknown', async () => {
    answer((id, n) => ({ o0: 10 - n, o1: undefined, o2: Number.NaN, o3: 0 }[id]));
    const { openShards } = await fetchPublishedOpenShards(new CloudWatchClient({}), ['a', 'b', 'c', 'd'], END);
    expect(openShards).toEqual([9, undefined, undefined, undefined]);
  });

  test('1,200 streams take three calls of at most 500 queries', async () => {
    answer(() => 2);
    const names = Array.from({ length: 1200 }, (_, i) => `s${i}`);
    const { openShards, calls } = await fetchPublishedOpenShards(new CloudWatchClient({}), names, END);
    expect(calls).toBe(3);
    expect(openShards.every((n) => n === 2)).toBe(true);
  });
});
