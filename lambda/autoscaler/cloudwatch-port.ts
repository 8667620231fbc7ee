import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  AUTOSCALER_DIMENSION, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE, hasData, MinuteMetrics, Observation, ShardMinuteMetrics,
} from '../../src/core';

/** GetMetricData takes at most 500 queries per call (CloudWatch API reference). */
export const MAX_QUERIES_PER_CALL = 500;

/** One managed stream to observe; shard ids only when its shard-level metrics are enabled. */
export interface ObservedStream {
  readonly streamName: string;
  readonly shardIds?: readonly string[];
}

type StreamField = keyof MinuteMetrics | 'writeThrottled' | 'putRecordsThrottled';
type ShardField = keyof ShardMinuteMetrics;

const STREAM_METRICS: ReadonlyArray<{ field: StreamField; metric: string; stat: string }> = [
  { field: 'incomingBytes', metric: 'IncomingBytes', stat: 'Sum' },
  { field: 'incomingRecords', metric: 'IncomingRecords', stat: 'Sum' },
  { field: 'writeThrottled', metric: 'WriteProvisionedThroughputExceeded', stat: 'Sum' },
  { field: 'putRecordsThrottled', metric: 'PutRecords.ThrottledRecords', stat: 'Sum' },
  { field: 'iteratorAgeMs', metric: 'GetRecords.IteratorAgeMilliseconds', stat: 'Maximum' },
];
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
  }));
  return { observations, calls };
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
  for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
    let nextToken: string | undefined;
    do {
      const page: GetMetricDataCommandOutput = await client.send(new GetMetricDataCommand({
        MetricDataQueries: queries.slice(i, i + MAX_QUERIES_PER_CALL),
        StartTime: new Date(startMinute),
        EndTime: new Date(endMinute),
        NextToken: nextToken,
      }));
      calls++;
      for (const result of page.MetricDataResults ?? []) {
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

/** Both throttle metrics count refused records; the larger is the better estimate when both report. */
function toMinuteMetrics(raw: Partial<Record<StreamField, number>>): MinuteMetrics {
  const throttled = [raw.writeThrottled, raw.putRecordsThrottled].filter((v): v is number => v !== undefined);
  return {
    incomingBytes: raw.incomingBytes,
    incomingRecords: raw.incomingRecords,
    throttledRecords: throttled.length > 0 ? Math.max(...throttled) : undefined,
    iteratorAgeMs: raw.iteratorAgeMs,
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
    minutes: minutes.slice(0, keep),
    shardMinutes: observation.shardMinutes
      ? Object.fromEntries(Object.entries(observation.shardMinutes).map(([id, series]) => [id, series.slice(0, keep)]))
      : undefined,
  };
}
