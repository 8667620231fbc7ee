import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  AUTOSCALER_DIMENSION, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE, hasData, MinuteMetrics, Observation, ShardMinuteMetrics,
} from '../../src/core';

/** GetMetricData takes at most 500 queries per call (CloudWatch API reference). */
export const MAX_QUERIES_PER_CALL = 500;
/** GetMetricData returns at most 100,800 datapoints per call (CloudWatch API reference). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

/** One managed stream to observe; shard ids only when its shard-level metrics are enabled. */
export interface ObservedStream {
  readonly streamName: string;
  readonly shardIds?: readonly string[];
  /** Also read the GetRecords metrics (settings with shared readers): 3 more metrics requested, each billed. */
  readonly readMetrics?: boolean;
}

type StreamField = Exclude<keyof MinuteMetrics, 'throttledRecords'> | 'writeThrottled' | 'putRecordsThrottled';
type ShardField = keyof ShardMinuteMetrics;

const STREAM_METRICS: ReadonlyArray<{ field: StreamField; metric: string; stat: string }> = [
  { field: 'incomingBytes', metric: 'IncomingBytes', stat: 'Sum' },
  { field: 'incomingRecords', metric: 'IncomingRecords', stat: 'Sum' },
  { field: 'writeThrottled', metric: 'WriteProvisionedThroughputExceeded', stat: 'Sum' },
  { field: 'putRecordsThrottled', metric: 'PutRecords.ThrottledRecords', stat: 'Sum' },
  { field: 'iteratorAgeMs', metric: 'GetRecords.IteratorAgeMilliseconds', stat: 'Maximum' },
];
/** What shared-throughput readers take, for streams sized for reads too. */
const READ_METRICS: ReadonlyArray<{ field: StreamField; metric: string; stat: string }> = [
  { field: 'outgoingBytes', metric: 'GetRecords.Bytes', stat: 'Sum' },
  { field: 'getRecordsCalls', metric: 'GetRecords.Success', stat: 'Sum' },
  { field: 'readThrottled', metric: 'ReadProvisionedThroughputExceeded', stat: 'Sum' },
];
/** Yesterday's writes and throttling, for the seasonal floor; the iterator age of yesterday says nothing about today. */
const YESTERDAY_METRICS = STREAM_METRICS.filter((m) => m.field !== 'iteratorAgeMs');
const SHARD_METRICS: ReadonlyArray<{ field: ShardField; metric: string }> = [
  { field: 'incomingBytes', metric: 'IncomingBytes' },
  { field: 'incomingRecords', metric: 'IncomingRecords' },
];

interface QueryTarget {
  readonly stream: number;
  readonly shard?: string;
  readonly field: StreamField | ShardField;
}

/** Every query for every stream, with ids that map each result back to its stream, shard and field. */
export function buildQueries(streams: readonly ObservedStream[]): { queries: MetricDataQuery[]; targets: Map<string, QueryTarget> } {
  const queries: MetricDataQuery[] = [];
  const targets = new Map<string, QueryTarget>();
  streams.forEach((stream, s) => {
    STREAM_METRICS.forEach(({ field, metric, stat }, m) => {
      const id = `s${s}m${m}`;
      targets.set(id, { stream: s, field });
      queries.push(query(id, metric, stat, [{ Name: 'StreamName', Value: stream.streamName }]));
    });
    if (stream.readMetrics) {
      READ_METRICS.forEach(({ field, metric, stat }, m) => {
        const id = `s${s}r${m}`;
        targets.set(id, { stream: s, field });
        queries.push(query(id, metric, stat, [{ Name: 'StreamName', Value: stream.streamName }]));
      });
    }
    (stream.shardIds ?? []).forEach((shardId, h) => {
      SHARD_METRICS.forEach(({ field, metric }, m) => {
        const id = `s${s}h${h}m${m}`;
        targets.set(id, { stream: s, shard: shardId, field });
        queries.push(query(id, metric, 'Sum', [{ Name: 'StreamName', Value: stream.streamName }, { Name: 'ShardId', Value: shardId }]));
      });
    });
  });
  return { queries, targets };
}

/**
 * The last `minutes` whole minutes before `end` for every stream, in as few GetMetricData calls as the 500-query
 * limit allows. A minute CloudWatch has no datapoint for, or a NaN, stays unknown (undefined), never zero.
 */
export async function fetchObservations(
  client: CloudWatchClient, streams: readonly ObservedStream[], end: Date, minutes: number,
): Promise<{ observations: Observation[]; calls: number }> {
  const endMinute = Math.floor(end.getTime() / 60_000) * 60_000;
  const startMinute = endMinute - minutes * 60_000;
  const { queries, targets } = buildQueries(streams);
  const rows = streams.map((stream) => ({
    minutes: Array.from({ length: minutes }, () => ({} as Record<StreamField, number>)),
    shards: Object.fromEntries((stream.shardIds ?? []).map((id) => [id, Array.from({ length: minutes }, () => ({} as Record<ShardField, number>))])),
  }));

  const calls = await getMetricData(client, queries, startMinute, endMinute, (id, timestamp, value) => {
    const target = targets.get(id);
    const index = Math.floor((timestamp - startMinute) / 60_000);
    if (!target || index < 0 || index >= minutes) return;
    const row = target.shard === undefined ? rows[target.stream].minutes[index] : rows[target.stream].shards[target.shard][index];
    (row as Record<string, number>)[target.field] = value;
  });

  const observations = rows.map((row, s): Observation => ({
    minutes: row.minutes.map(toMinuteMetrics),
    shardMinutes: streams[s].shardIds?.length ? row.shards : undefined,
    newestMinuteAt: minutes > 0 ? endMinute - 60_000 : undefined,
  }));
  return { observations, calls };
}

/**
 * The same streams' writes and throttling over `minutes` whole minutes from `startMinute` (epoch ms, a minute's start),
 * oldest first, a minute with no datapoint an entry with no fields: yesterday's window for the seasonal floor.
 */
export async function fetchYesterday(
  client: CloudWatchClient, streamNames: readonly string[], startMinute: number, minutes: number,
): Promise<{ windows: MinuteMetrics[][]; calls: number }> {
  const rows = streamNames.map(() => Array.from({ length: minutes }, () => ({} as Partial<Record<StreamField, number>>)));
  const queries = streamNames.flatMap((streamName, s) => YESTERDAY_METRICS.map(({ metric, stat }, m) =>
    query(`y${s}m${m}`, metric, stat, [{ Name: 'StreamName', Value: streamName }])));
  const endMinute = startMinute + minutes * 60_000;
  const calls = await getMetricData(client, queries, startMinute, endMinute, (id, timestamp, value) => {
    const match = /^y(\d+)m(\d+)$/.exec(id);
    const index = Math.floor((timestamp - startMinute) / 60_000);
    if (!match || index < 0 || index >= minutes) return;
    rows[Number(match[1])][index][YESTERDAY_METRICS[Number(match[2])].field] = value;
  });
  return { windows: rows.map((row) => row.map(toMinuteMetrics)), calls };
}

/** How far back a stream's own OpenShards datapoint still counts: older means the autoscaler was off, so read Kinesis. */
export const OPEN_SHARDS_LOOKBACK_MINUTES = 10;

/**
 * The newest OpenShards the autoscaler published for each stream within the lookback (undefined where there is none),
 * in as few calls as the 500-query limit allows: a cold start's provisional shard count, costing no Kinesis call.
 */
export async function fetchPublishedOpenShards(
  client: CloudWatchClient, streamNames: readonly string[], end: Date,
): Promise<{ openShards: Array<number | undefined>; calls: number }> {
  const endMinute = Math.ceil(end.getTime() / 60_000) * 60_000;
  const startMinute = endMinute - OPEN_SHARDS_LOOKBACK_MINUTES * 60_000;
  const newest = streamNames.map(() => ({ at: -Infinity, value: undefined as number | undefined }));
  const queries = streamNames.map((streamName, s) =>
    query(`o${s}`, AUTOSCALER_METRICS.openShards, 'Maximum', [{ Name: AUTOSCALER_DIMENSION, Value: streamName }], AUTOSCALER_NAMESPACE));
  const calls = await getMetricData(client, queries, startMinute, endMinute, (id, timestamp, value) => {
    const row = newest[Number(id.slice(1))];
    if (row && timestamp > row.at && Number.isInteger(value) && value > 0) Object.assign(row, { at: timestamp, value });
  });
  return { openShards: newest.map((n) => n.value), calls };
}

/** Sends `queries` in pages of the 500-query limit and hands every finite datapoint to `take`; returns the calls made. */
async function getMetricData(
  client: CloudWatchClient, queries: readonly MetricDataQuery[], startMinute: number, endMinute: number,
  take: (id: string, timestamp: number, value: number) => void,
): Promise<number> {
  let calls = 0;
  // Both limits bind per call: a long window holds fewer queries (a 60-minute window, still all 500).
  const perCall = Math.max(1, Math.min(MAX_QUERIES_PER_CALL, Math.floor(MAX_DATAPOINTS_PER_CALL / Math.max(1, (endMinute - startMinute) / 60_000))));
  for (let i = 0; i < queries.length; i += perCall) {
    let nextToken: string | undefined;
    do {
      const page: GetMetricDataCommandOutput = await client.send(new GetMetricDataCommand({
        MetricDataQueries: queries.slice(i, i + perCall),
        StartTime: new Date(startMinute),
        EndTime: new Date(endMinute),
        NextToken: nextToken,
      }));
      calls++;
      for (const result of page.MetricDataResults ?? []) {
        // A query CloudWatch could not answer has no values, which would read as minutes without writes (idle today,
        // silent yesterday): it fails the fetch instead, and the caller acts on nothing it did not see.
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          throw new Error(`GetMetricData could not answer query ${result.Id}: ${result.StatusCode}${result.Messages?.length ? ` (${result.Messages.map((m) => m.Value).join('; ')})` : ''}`);
        }
        (result.Timestamps ?? []).forEach((timestamp, k) => {
          const value = result.Values?.[k];
          if (value !== undefined && Number.isFinite(value)) take(result.Id ?? '', timestamp.getTime(), value);
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return calls;
}

/**
 * Both throttle metrics count refused records; the larger is the better estimate when both report. A field with no
 * datapoint is left out, not set to undefined, so a minute with nothing is an entry with no fields.
 */
function toMinuteMetrics(raw: Partial<Record<StreamField, number>>): MinuteMetrics {
  const { writeThrottled, putRecordsThrottled, ...fields } = raw;
  const throttled = [writeThrottled, putRecordsThrottled].filter((v): v is number => v !== undefined);
  return {
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    ...(throttled.length > 0 ? { throttledRecords: Math.max(...throttled) } : {}),
  };
}

function query(
  id: string, metricName: string, stat: string, dimensions: Array<{ Name: string; Value: string }>, namespace = 'AWS/Kinesis',
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: stat },
    ReturnData: true,
  };
}

/** CloudWatch publishes a stream's minute a minute or two late; beyond this, an empty tail is real missing data. */
export const MAX_PUBLISH_LAG_MINUTES = 3;

/**
 * Drops the newest minutes that have no stream-level datapoint yet, up to the publishing lag, so the policy sees the
 * minutes CloudWatch has published (as the replay simulator does) instead of an always-missing tail that would block
 * every scale-in. A longer silence stays in the observation as unknown.
 */
export function withoutUnpublishedTail(observation: Observation): Observation {
  let drop = 0;
  const { minutes } = observation;
  while (drop < MAX_PUBLISH_LAG_MINUTES && drop < minutes.length) {
    const minute = minutes[minutes.length - 1 - drop];
    if (hasData(minute)) break;
    drop++;
  }
  if (drop === 0 || drop === minutes.length) return observation;
  const keep = minutes.length - drop;
  return {
    ...observation,
    newestMinuteAt: observation.newestMinuteAt === undefined ? undefined : observation.newestMinuteAt - drop * 60_000,
    minutes: minutes.slice(0, keep),
    shardMinutes: observation.shardMinutes
      ? Object.fromEntries(Object.entries(observation.shardMinutes).map(([id, series]) => [id, series.slice(0, keep)]))
      : undefined,
  };
}
