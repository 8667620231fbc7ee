import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { AUTOSCALER_DIMENSION, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE } from '../../src/core';

/** Steady per-minute traffic of one stream, as CloudWatch would report it. */
export interface StreamTraffic {
  readonly bytesPerSecond: number;
  readonly recordsPerSecond: number;
  /** Records refused per second. */
  readonly throttledPerSecond?: number;
  readonly iteratorAgeMs?: number;
  /** Shard-level IncomingBytes per second, by shard id; shards not listed report nothing. */
  readonly shardBytesPerSecond?: Readonly<Record<string, number>>;
}

/** Minutes at the end of the window that CloudWatch has not published yet, as in AWS. */
const PUBLISH_LAG_MINUTES = 1;

/**
 * Answers GetMetricData from a traffic table keyed by stream name: every minute of the requested window except the
 * unpublished newest one. A stream missing from the table reports no datapoints at all. The autoscaler's own
 * OpenShards comes from `published` (what it reported before), and is absent for a stream not in it.
 */
export function answerFromTraffic(
  traffic: () => Readonly<Record<string, StreamTraffic>>, published: () => Readonly<Record<string, number>> = () => ({}),
) {
  return answerFromTrafficAt((streamName) => traffic()[streamName], published);
}

/**
 * As answerFromTraffic, but each minute is answered with the traffic of the moment it starts (epoch ms): a stream's
 * history, so minutes measured before a resize finished can differ from the ones after. A minute for which
 * `trafficAt` returns undefined has no datapoint.
 */
export function answerFromTrafficAt(
  trafficAt: (streamName: string, minuteStart: number) => StreamTraffic | undefined,
  published: () => Readonly<Record<string, number>> = () => ({}),
) {
  return (input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime() - PUBLISH_LAG_MINUTES * 60_000;
    const minutes: number[] = [];
    for (let t = start; t < end; t += 60_000) minutes.push(t);
    return {
      $metadata: {},
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
        const metric = query.MetricStat!.Metric!;
        const dimension = (name: string) => metric.Dimensions!.find((d) => d.Name === name)?.Value;
        const points = minutes.flatMap((t) => {
          const value = metric.Namespace === AUTOSCALER_NAMESPACE
            ? (metric.MetricName === AUTOSCALER_METRICS.openShards ? published()[dimension(AUTOSCALER_DIMENSION)!] : undefined)
            : valueAt(trafficAt(dimension('StreamName')!, t), metric.MetricName!, dimension('ShardId'));
          return value === undefined ? [] : [{ t, value }];
        });
        return { Id: query.Id, Timestamps: points.map((p) => new Date(p.t)), Values: points.map((p) => p.value) };
      }),
    };
  };
}

function valueAt(traffic: StreamTraffic | undefined, metricName: string, shardId: string | undefined): number | undefined {
  return traffic ? valueOf(traffic, metricName, shardId) : undefined;
}

function valueOf(traffic: StreamTraffic, metricName: string, shardId: string | undefined): number | undefined {
  if (shardId !== undefined) {
    const bytes = traffic.shardBytesPerSecond?.[shardId];
    if (bytes === undefined) return undefined;
    return metricName === 'IncomingBytes' ? bytes * 60 : (bytes / Math.max(1, traffic.bytesPerSecond / Math.max(1, traffic.recordsPerSecond))) * 60;
  }
  switch (metricName) {
    case 'IncomingBytes': return traffic.bytesPerSecond * 60;
    case 'IncomingRecords': return traffic.recordsPerSecond * 60;
    case 'WriteProvisionedThroughputExceeded':
    case 'PutRecords.ThrottledRecords': return (traffic.throttledPerSecond ?? 0) * 60;
    case 'GetRecords.IteratorAgeMilliseconds': return traffic.iteratorAgeMs ?? 0;
    default: return undefined;
  }
}

/** A CloudWatch client that never leaves the process. */
export function offlineCloudWatch(): CloudWatchClient {
  return new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

export { GetMetricDataCommand };
