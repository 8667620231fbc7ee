import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { hasData, MinuteMetrics, Observation, ShardMinuteMetrics } from '../../src/core';

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
        const target = targets.get(result.Id ?? '');
        if (!target) continue;
        (result.Timestamps ?? []).forEach((timestamp, k) => {
          const value = result.Values?.[k];
          const index = Math.floor((timestamp.getTime() - startMinute) / 60_000);
          if (value === undefined || !Number.isFinite(value) || index < 0 || index >= minutes) return;
          const row = target.shard === undefined ? rows[target.stream].minutes[index] : rows[target.stream].shards[target.shard][index];
          (row as Record<string, number>)[target.field] = value;
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  const observations = rows.map((row, s): Observation => ({
    minutes: row.minutes.map(toMinuteMetrics),
    shardMinutes: streams[s].shardIds?.length ? row.shards : undefined,
  }));
  return { observations, calls };
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

function query(id: string, metricName: string, stat: string, dimensions: Array<{ Name: string; Value: string }>): MetricDataQuery {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: stat },
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
