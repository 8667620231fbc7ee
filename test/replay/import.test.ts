import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { runIn } from './cli-harness';
import { importTrace } from '../../src/replay/import';
import { parseTrace } from '../../src/replay/trace';

const NOW = new Date(Date.UTC(2026, 10, 30, 0, 2, 0));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const MINUTE = 60_000;

/** A stream's traffic per minute: a daily wave of 1 KiB records, throttled at the top of each afternoon. */
function traffic(t: number): { bytes: number; records: number; throttled: number } | undefined {
  const minute = Math.floor(t / MINUTE);
  // Every 997th minute CloudWatch has no data point at all: a gap.
  if (minute % 997 === 0) return undefined;
  const dayShare = (minute % 1440) / 1440;
  const records = Math.round(60 * (400 + 300 * Math.sin(2 * Math.PI * dayShare)));
  return { bytes: records * 1024, records, throttled: dayShare > 0.6 && dayShare < 0.61 ? 120 : 0 };
}

/** Answers GetMetricData from `traffic`, summed per period, a few hundred points per page, as CloudWatch paginates. */
function answer(pageSize: number, calls: GetMetricDataCommandInput[]) {
  return (input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
    calls.push(input);
    const offset = Number(input.NextToken ?? 0);
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const results = (input.MetricDataQueries ?? []).map((q) => {
      const period = q.MetricStat!.Period! * 1000;
      const field = ({ IncomingBytes: 'bytes', IncomingRecords: 'records', WriteProvisionedThroughputExceeded: 'throttled' } as const)[q.MetricStat!.Metric!.MetricName! as 'IncomingBytes'];
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let t = start; t < end; t += period) {
        let sum: number | undefined;
        for (let m = t; m < t + period; m += MINUTE) {
          const row = traffic(m);
          if (row) sum = (sum ?? 0) + row[field];
        }
        if (sum !== undefined) {
          timestamps.push(new Date(t));
          values.push(sum);
        }
      }
      const page = { Timestamps: timestamps.slice(offset, offset + pageSize), Values: values.slice(offset, offset + pageSize) };
      return { Id: q.Id, ...page, more: values.length > offset + pageSize };
    });
    const more = results.some((r) => r.more);
    return {
      MetricDataResults: results.map(({ more: _more, ...r }) => ({ ...r, StatusCode: more ? 'PartialData' : 'Complete' })),
      NextToken: more ? String(offset + pageSize) : undefined,
      $metadata: {},
    };
  };
}

function mocked(pageSize = 5000) {
  const cloudwatch = new CloudWatchClient({ region: 'eu-west-1', credentials });
  const kinesis = new KinesisClient({ region: 'eu-west-1', credentials });
  const calls: GetMetricDataCommandInput[] = [];
  mockClient(cloudwatch).on(GetMetricDataCommand).callsFake(answer(pageSize, calls));
  const kinesisMock = mockClient(kinesis);
  kinesisMock.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: {
      StreamName: 'orders',
      StreamARN: 'arn:aws:kinesis:eu-west-1:111122223333:stream/orders',
      StreamStatus: 'ACTIVE',
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: new Date(0),
      EnhancedMonitoring: [],
      OpenShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    },
  });
  return { clients: { cloudwatch, kinesis, region: 'eu-west-1' }, calls, kinesisMock };
}

test('14 days import at 1-minute resolution, every page read, every period a row, gaps written as 0', async () => {
  const { clients, calls } = mocked(5000);
  const result = await importTrace(clients, { streamName: 'orders', region: 'eu-west-1', days: 14, now: NOW });
  const lines = result.csv.trim().split('\n');
  expect(lines[0]).toBe('timestamp,bytes,records,throttled_records');
  expect(result.rows).toBe(14 * 1440);
  expect(result.oneMinuteRows).toBe(14 * 1440);
  expect(calls.every((c) => c.MetricDataQueries!.every((q) => q.MetricStat!.Period === 60))).toBe(true);
  // 20,160 points per metric at 5,000 a page: five pages, each asked with the previous page's token.
  expect(calls.map((c) => c.NextToken)).toEqual([undefined, '5000', '10000', '15000', '20000']);
  // The newest minutes are not published yet: the trace ends before the 5-minute boundary at least 5 minutes before now.
  expect(lines[lines.length - 1].split(',')[0]).toBe('2026-11-29T23:54:00Z');
  const gapMinutes = lines.slice(1).filter((l) => Math.floor(Date.parse(l.split(',')[0]) / MINUTE) % 997 === 0);
  expect(gapMinutes.length).toBe(result.gaps);
  expect(gapMinutes.every((l) => l.endsWith(',0,0,0'))).toBe(true);
  // Each row is the minute's sum.
  const row = lines[1000].split(',');
  const expected = traffic(Date.parse(row[0]))!;
  expect(row.slice(1).map(Number)).toEqual([expected.bytes, expected.records, expected.throttled]);
});

test('beyond 15 days, the older part comes at 5-minute resolution and the trace joins both', async () => {
  const { clients, calls } = mocked(100_000);
  const result = await importTrace(clients, { streamName: 'orders', region: 'eu-west-1', days: 20, now: NOW });
  expect(result.fiveMinuteRows).toBeGreaterThan(0);
  expect(result.oneMinuteRows).toBe(15 * 1440 - 60);
  expect(result.fiveMinuteRows * 5 + result.oneMinuteRows).toBe(20 * 1440);
  expect(new Set(calls.map((c) => c.MetricDataQueries![0].MetricStat!.Period))).toEqual(new Set([60, 300]));
  const trace = parseTrace(result.csv, 't.csv');
  expect(trace.minutes.length).toBe(20 * 1440);
  // A 5-minute row is spread as a rate over its five minutes: the same bytes/s as the 1-minute data around it.
  const fiveMinuteRate = trace.minutes[1000];
  const t = Date.parse(result.csv.split('\n')[1].split(',')[0]) + 1000 * MINUTE;
  const slot = t - (t % (5 * MINUTE));
  const sum = [0, 1, 2, 3, 4].reduce((a, k) => a + (traffic(slot + k * MINUTE)?.bytes ?? 0), 0);
  const throttledBytes = [0, 1, 2, 3, 4].reduce((a, k) => a + (traffic(slot + k * MINUTE)?.throttled ?? 0), 0) * 1024;
  expect(fiveMinuteRate).toBeCloseTo((sum + throttledBytes) / 300, 3);
});

test('a stream that does not exist is named, with its region', async () => {
  const { clients, kinesisMock } = mocked();
  kinesisMock.on(DescribeStreamSummaryCommand).rejects(Object.assign(new Error('Stream nope under account 111122223333 not found.'), { name: 'ResourceNotFoundException' }));
  await expect(importTrace(clients, { streamName: 'nope', region: 'eu-west-1', days: 14, now: NOW }))
    .rejects.toThrow('stream "nope" was not found in eu-west-1: check the name and --region');
});

test('a stream CloudWatch has no data for is refused, not written as all zeros', async () => {
  const { clients } = mocked();
  mockClient(clients.cloudwatch).on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'bytes', Timestamps: [], Values: [] }] });
  await expect(importTrace(clients, { streamName: 'orders', region: 'eu-west-1', days: 14, now: NOW }))
    .rejects.toThrow('CloudWatch has no IncomingBytes for stream "orders" in eu-west-1 in the last 14 days');
});

test('denied access says which permissions the caller needs', async () => {
  const { clients } = mocked();
  mockClient(clients.cloudwatch).on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
  await expect(importTrace(clients, { streamName: 'orders', region: 'eu-west-1', days: 14, now: NOW }))
    .rejects.toThrow('access denied to cloudwatch:GetMetricData: the caller needs kinesis:DescribeStreamSummary and cloudwatch:GetMetricData');
});

test('import then replay: a mocked 14-day stream, end to end through the command', async () => {
  const { clients } = mocked(5000);
  const files: Record<string, string> = {};
  const run = runIn(files, { aws: async () => clients, now: () => NOW });
  const imported = await run(['import', '--stream', 'orders', '--region', 'eu-west-1', '--out', 'orders.csv']);
  expect(imported.code).toBe(0);
  expect(imported.stderr).toMatch(/^wrote orders\.csv: 20160 rows over 14 days \(20160 at 1 minute, 0 at 5 minutes\) from stream orders in eu-west-1 \(PROVISIONED, 4 open shards\)/);
  const replayed = await run(['replay', 'orders.csv', '--json', '--max-throttle-pct', '0.5']);
  expect(replayed.stderr).toBe('');
  const report = JSON.parse(replayed.stdout);
  expect(report).toMatchObject({ format: 'measured', minutes: 14 * 1440, recordBytes: null });
  // Real sizes: 1 KiB records, so records/s = bytes/s / 1024 and the peak is the wave's top (plus its throttled part).
  expect(report.peakMiBps).toBeGreaterThan(0.6);
  expect(report.peakMiBps).toBeLessThan(0.8);
  expect(report.results.map((r: { policy: string }) => r.policy)).toContain(report.recommendation.policy);
  const recommended = report.results.find((r: { policy: string }) => r.policy === report.recommendation.policy);
  expect(recommended.throttledBytesPct).toBeLessThanOrEqual(0.5);
});

test('without --out the trace goes to standard output and the summary to standard error', async () => {
  const { clients } = mocked(100_000);
  const run = runIn({}, { aws: async () => clients, now: () => NOW });
  const result = await run(['import', '--stream', 'orders', '--days', '1']);
  expect(result.code).toBe(0);
  expect(result.stdout.split('\n')[0]).toBe('timestamp,bytes,records,throttled_records');
  expect(result.stderr).toMatch(/^1440 rows over 1 days/);
});
