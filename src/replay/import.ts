// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into assets/cli/index.js at build time
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandOutput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into assets/cli/index.js at build time
import { DescribeStreamSummaryCommand, DescribeStreamSummaryCommandOutput, KinesisClient } from '@aws-sdk/client-kinesis';
import { MEASURED_HEADER } from './trace';

/** The AWS clients `import` calls: only `send`, so tests pass mocked clients. */
export interface ImportClients {
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly kinesis: Pick<KinesisClient, 'send'>;
}

export interface ImportOptions {
  readonly streamName: string;
  readonly region: string;
  readonly days: number;
  /** The clock, for tests. */
  readonly now: Date;
}

export interface ImportResult {
  /** The trace as CSV: `timestamp,bytes,records,throttled_records`. */
  readonly csv: string;
  readonly rows: number;
  readonly oneMinuteRows: number;
  readonly fiveMinuteRows: number;
  /** Periods CloudWatch had no IncomingBytes for, written as 0 (a stream with no writes publishes nothing). */
  readonly gaps: number;
  readonly summary: string;
}

/** Something `import` cannot do; the message says what and how to fix it. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** CloudWatch keeps 1-minute data points for 15 days and 5-minute ones for 63 days. */
export const ONE_MINUTE_RETENTION_DAYS = 15;
export const MAX_IMPORT_DAYS = 63;
/** The newest minutes are not published yet (Kinesis metrics arrive 1-3 minutes late): stop before them. */
const PUBLISH_LAG_MS = 5 * 60_000;
const MINUTE_MS = 60_000;
const FIVE_MINUTES_MS = 5 * MINUTE_MS;

const METRICS = [
  { id: 'bytes', name: 'IncomingBytes' },
  { id: 'records', name: 'IncomingRecords' },
  { id: 'throttled', name: 'WriteProvisionedThroughputExceeded' },
] as const;
type Field = typeof METRICS[number]['id'];

/**
 * Reads a stream's write traffic from CloudWatch: 1-minute sums where CloudWatch still keeps them (the last 15 days),
 * 5-minute sums before that, as one trace with a row per period.
 */
export async function importTrace(clients: ImportClients, options: ImportOptions): Promise<ImportResult> {
  const stream = await describe(clients.kinesis, options);
  const end = Math.floor((options.now.getTime() - PUBLISH_LAG_MS) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
  const start = end - options.days * 24 * 60 * MINUTE_MS;
  // An hour's margin inside the 15 days, so the oldest 1-minute period is surely still kept.
  const oneMinuteFrom = Math.max(start, end - ONE_MINUTE_RETENTION_DAYS * 24 * 60 * MINUTE_MS + 60 * MINUTE_MS);
  const spans = [
    ...(oneMinuteFrom > start ? [{ from: start, to: oneMinuteFrom, period: 300 }] : []),
    { from: oneMinuteFrom, to: end, period: 60 },
  ];

  const lines: string[] = [MEASURED_HEADER.join(',')];
  let gaps = 0;
  let withData = 0;
  const counts = { 60: 0, 300: 0 } as Record<number, number>;
  for (const span of spans) {
    const values = await metricSums(clients.cloudwatch, options.streamName, span.from, span.to, span.period);
    for (let t = span.from; t < span.to; t += span.period * 1000) {
      const bytes = values.bytes.get(t);
      if (bytes === undefined) gaps++;
      else withData++;
      counts[span.period]++;
      lines.push(`${new Date(t).toISOString().replace('.000Z', 'Z')},${whole(bytes)},${whole(values.records.get(t))},${whole(values.throttled.get(t))}`);
    }
  }
  if (withData === 0) {
    throw new ImportError(`CloudWatch has no IncomingBytes for stream ${JSON.stringify(options.streamName)} in ${options.region} in the last `
      + `${options.days} days: nothing was written to it, so there is no traffic to replay`);
  }
  const rows = lines.length - 1;
  const summary = `${rows} rows over ${options.days} days (${counts[60]} at 1 minute, ${counts[300]} at 5 minutes) from stream `
    + `${options.streamName} in ${options.region} (${stream.mode ?? 'unknown mode'}, ${stream.openShards ?? '?'} open shards); `
    + `${gaps} period(s) without data written as 0`;
  return { csv: `${lines.join('\n')}\n`, rows, oneMinuteRows: counts[60], fiveMinuteRows: counts[300], gaps, summary };
}

async function describe(kinesis: ImportClients['kinesis'], options: ImportOptions): Promise<{ mode?: string; openShards?: number }> {
  let out: DescribeStreamSummaryCommandOutput;
  try {
    out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: options.streamName }));
  } catch (e) {
    throw awsError(e, options, 'kinesis:DescribeStreamSummary');
  }
  return { mode: out.StreamDescriptionSummary?.StreamModeDetails?.StreamMode, openShards: out.StreamDescriptionSummary?.OpenShardCount };
}

/** Sums per period of each metric, keyed by the period's start (epoch ms); every page of the answer is read. */
async function metricSums(
  cloudwatch: ImportClients['cloudwatch'], streamName: string, from: number, to: number, period: number,
): Promise<Record<Field, Map<number, number>>> {
  const queries: MetricDataQuery[] = METRICS.map((m) => ({
    Id: m.id,
    MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: m.name, Dimensions: [{ Name: 'StreamName', Value: streamName }] }, Period: period, Stat: 'Sum' },
    ReturnData: true,
  }));
  const values = { bytes: new Map<number, number>(), records: new Map<number, number>(), throttled: new Map<number, number>() };
  let nextToken: string | undefined;
  do {
    let page: GetMetricDataCommandOutput;
    try {
      page = await cloudwatch.send(new GetMetricDataCommand({
        MetricDataQueries: queries, StartTime: new Date(from), EndTime: new Date(to), ScanBy: 'TimestampAscending', NextToken: nextToken,
      }));
    } catch (e) {
      throw awsError(e, undefined, 'cloudwatch:GetMetricData');
    }
    for (const result of page.MetricDataResults ?? []) {
      const target = values[result.Id as Field];
      if (!target) continue;
      (result.Timestamps ?? []).forEach((timestamp, k) => {
        const value = result.Values?.[k];
        const t = new Date(timestamp).getTime();
        if (value === undefined || !Number.isFinite(value) || t < from || t >= to) return;
        target.set(t, (target.get(t) ?? 0) + value);
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

function whole(value: number | undefined): string {
  return String(Math.round(value ?? 0));
}

/** An AWS failure as one line that says what to do. */
function awsError(e: unknown, options: ImportOptions | undefined, action: string): ImportError {
  const error = e as { name?: string; message?: string };
  const name = error.name ?? 'Error';
  if (name === 'ResourceNotFoundException' && options) {
    return new ImportError(`stream ${JSON.stringify(options.streamName)} was not found in ${options.region}: check the name and --region`);
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(error.message ?? '')) {
    return new ImportError(`no AWS credentials: the default chain (environment, shared config and SSO, container or instance role) found none (${error.message})`);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation') {
    return new ImportError(`access denied to ${action}: the caller needs kinesis:DescribeStreamSummary and cloudwatch:GetMetricData (${error.message})`);
  }
  if (/region/i.test(error.message ?? '') && /missing/i.test(error.message ?? '')) {
    return new ImportError('no AWS region: pass --region or set AWS_REGION');
  }
  return new ImportError(`${action} failed: ${name}: ${error.message ?? String(e)}`);
}
