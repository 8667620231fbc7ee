import * as path from 'path';
import { parseArgs, ParseArgsConfig } from 'util';
import { ImportClients, ImportError, importTrace, MAX_IMPORT_DAYS } from './import';
import { MODEL } from './model';
import { DEFAULT_REGION, PriceError, priceTable, PRICE_TABLES } from './prices';
import { DEFAULT_OPTIONS, peakOf, plan, POLICY_NAMES, PolicyName, ReplayOptions } from './replay';
import { htmlReport, recommendationText, resultsTable, timelineCsv } from './report';
import { parseTrace, TraceError } from './trace';
import { MAX_SHARDS_PER_STREAM, SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, MIB } from '../core';

/** What the commands touch, so tests run them in process. */
export interface CommandIo {
  readFile(file: string): string;
  /** Writes `text`, or its parts one after another (a 60-day timeline of every policy is too long for one string). */
  writeFile(file: string, text: string | readonly string[]): void;
  /**
   * Throws (with a `code`: ENOENT, EACCES, EISDIR, or EREFUSED when the folder exists but refuses the file) when
   * `file` could not be written; leaves nothing behind.
   */
  checkWritable(file: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The package's version. */
  version(): string;
  /** AWS clients for `import`, in `region` or the default chain's region; the region they use. */
  aws(region: string | undefined): Promise<ImportClients & { readonly region: string }>;
  now(): Date;
}

const BIN = 'cdk-kinesis-autoscaling';

export const USAGE = `usage: ${BIN} <command> [options]

Plan a Kinesis stream's capacity on your own traffic.

commands:
  import --stream NAME   write a stream's traffic from CloudWatch as a trace (AWS credentials: the default chain)
  replay <trace.csv>     replay a trace through every scaling option, price each and recommend one
  help [command]         show a command's options

options:
  -h, --help             show this help (or a command's, after the command)
  -v, --version          print the version`;

export const REPLAY_USAGE = `usage: ${BIN} replay <trace.csv> [options]

The trace is CSV with one of two headers:
  timestamp,bytes,records,throttled_records   what a stream measured (as "import" writes it); replayed at its real
                                              rates and record sizes unless --peak-mib scales it
  timestamp,value                             any relative rate series; scaled to --peak-mib (default 32) MiB/s at
                                              --record-bytes (default 2048) per record
Each row holds until the next row's timestamp (ISO-8601, "YYYY-MM-DD HH:MM:SS" UTC, or epoch seconds).

options:
  --max-throttle-pct P   the most throttled bytes (% of demand) a recommendation may lose (default 0.1)
  --peak-mib N           scale the trace's peak to N MiB/s (at most ${MAX_SHARDS_PER_STREAM}, a stream of ${MAX_SHARDS_PER_STREAM} shards)
  --record-bytes N       record size for timestamp,value traces (1 to 10485760; default 2048)
  --policy NAME          replay only these policies (repeatable): ${POLICY_NAMES.join(', ')}
  --region R             prices of this region (built in: ${Object.keys(PRICE_TABLES).join(', ')}; default ${DEFAULT_REGION})
  --prices FILE.json     prices from a file instead (every field of the built-in table, with source and retrieved)
  --readers N            shared-throughput (GetRecords) readers, each reading every byte once, 0 to 100 (default 1):
                         billed per GB read on On-Demand, and polling every shard once a second against its
                         2 MiB/s and 5 calls/s read limits (read-throttled minutes count the refusals); our
                         presets size for them as the autoscaler does for the readers a stream counts (sharedReaders)
  --efo-consumers N      enhanced fan-out consumers (default 0)
  --shard-level-metrics  our autoscaler reads shard-level metrics (billed per shard and metric)
  --metric-lag MIN       minutes before a minute's metrics are visible to a policy (default 2)
  --hot-key-share F      share of traffic on one partition key, 0 to under 1 (default 0)
  --burstiness F         per-second peak over the minute's average, 1 to 2 (default 1, a steady rate): each second's
                         rate is uniform on [(2-F)*average, F*average], so a minute can throttle below its limit
  --retries N            attempts producers make per refused record, 1 to 20 (default 1); CloudWatch counts every
                         refused attempt in WriteProvisionedThroughputExceeded, so policies see N times the refusals
  --resize-minutes M     minutes UpdateShardCount takes to a multiple of 25 % of the current count, 1 to 60
                         (default ${MODEL.updateShardCountMinutes}); other targets take ${MODEL.otherTargetResizeFactor}x as long
  --json                 print one JSON object: { ..., recommendation, results }
  --timeline FILE        write one CSV row per policy and minute
  --report FILE.html     write a self-contained HTML report
  -h, --help             show this help`;

export const IMPORT_USAGE = `usage: ${BIN} import --stream NAME [--region R] [--days N] [--out trace.csv]

Reads IncomingBytes, IncomingRecords and WriteProvisionedThroughputExceeded of one stream from CloudWatch: 1-minute
sums for the last 15 days (what CloudWatch keeps at that resolution), 5-minute sums before that. Writes the trace
"timestamp,bytes,records,throttled_records" that replay reads. Credentials and region come from the AWS SDK's default
chain; the caller needs kinesis:DescribeStreamSummary and cloudwatch:GetMetricData.

options:
  --stream NAME          the stream's name (required)
  --region R             the stream's region (default: the SDK's, e.g. AWS_REGION)
  --days N               how many days back, 1 to ${MAX_IMPORT_DAYS} (default 14)
  --out FILE             where to write the trace (default: standard output)
  -h, --help             show this help`;

/** A problem with how the command was called: exit code 2, with the usage. */
class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
  }
}

/** A problem found while running: exit code 1. */
class RunError extends Error {}

/**
 * Runs the command; resolves to the exit code. Every failure is one line on stderr that names the problem (and the
 * row of the trace); nothing throws.
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError('missing a command', USAGE);
    if (command === '-h' || command === '--help' || command === 'help') {
      const topic = rest[0];
      io.stdout(`${topic === 'replay' ? REPLAY_USAGE : topic === 'import' ? IMPORT_USAGE : USAGE}\n`);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout(`${io.version()}\n`);
      return 0;
    }
    if (command === 'replay') return runReplay(rest, io);
    if (command === 'import') return await runImport(rest, io);
    throw new UsageError(`unknown command ${JSON.stringify(command)}; commands are import, replay, help`, USAGE);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n\n${e.usage}\n`);
      return 2;
    }
    const known = e instanceof TraceError || e instanceof RunError || e instanceof ImportError || e instanceof PriceError;
    io.stderr(`error: ${known ? (e as Error).message : `unexpected failure: ${(e as Error)?.message ?? String(e)}`}\n`);
    return 1;
  }
}

const REPLAY_OPTIONS = {
  'help': { type: 'boolean', short: 'h' },
  'max-throttle-pct': { type: 'string' },
  'peak-mib': { type: 'string' },
  'record-bytes': { type: 'string' },
  'policy': { type: 'string', multiple: true },
  'region': { type: 'string' },
  'prices': { type: 'string' },
  'readers': { type: 'string' },
  'efo-consumers': { type: 'string' },
  'shard-level-metrics': { type: 'boolean' },
  'metric-lag': { type: 'string' },
  'hot-key-share': { type: 'string' },
  'burstiness': { type: 'string' },
  'retries': { type: 'string' },
  'resize-minutes': { type: 'string' },
  'json': { type: 'boolean' },
  'timeline': { type: 'string' },
  'report': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

function runReplay(argv: readonly string[], io: CommandIo): number {
  const { values, positionals } = parse(argv, REPLAY_OPTIONS, REPLAY_USAGE);
  if (values.help) {
    io.stdout(`${REPLAY_USAGE}\n`);
    return 0;
  }
  const usage = (message: string) => new UsageError(message, REPLAY_USAGE);
  if (positionals.length === 0) throw usage('missing the trace file');
  if (positionals.length > 1) throw usage(`one trace at a time, received ${positionals.map((p) => JSON.stringify(p)).join(' and ')}`);
  const tracePath = positionals[0];

  // Every argument is checked before the trace is read, and every output path before the simulation starts.
  const num = (option: string, text: string | undefined, check: (n: number) => boolean, allowed: string) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw usage(`--${option} must be ${allowed}, received ${JSON.stringify(text)}`);
    return n;
  };
  const whole = (option: string, text: string | undefined, min: number, max: number) =>
    num(option, text, (n) => Number.isInteger(n) && n >= min && n <= max, `a whole number from ${min} to ${max}`);
  const maxPeak = (MAX_SHARDS_PER_STREAM * SHARD_WRITE_BYTES_PER_SECOND) / MIB;
  const peakMiBps = num('peak-mib', values['peak-mib'], (n) => n > 0 && n <= maxPeak,
    `a number above 0 and at most ${maxPeak} (what a stream of ${MAX_SHARDS_PER_STREAM} shards takes)`);
  const recordBytes = whole('record-bytes', values['record-bytes'], 1, 10 * 1024 * 1024);
  const maxThrottlePct = num('max-throttle-pct', values['max-throttle-pct'], (n) => n >= 0 && n <= 100, 'a percentage from 0 to 100') ?? 0.1;
  const metricLag = whole('metric-lag', values['metric-lag'], 0, 60);
  const hotKeyShare = num('hot-key-share', values['hot-key-share'], (n) => n >= 0 && n < 1, 'a number from 0 up to (not including) 1');
  const readers = whole('readers', values.readers, 0, 100);
  const burstiness = num('burstiness', values.burstiness, (n) => n >= 1 && n <= 2, 'a number from 1 to 2 (the per-second peak over the minute average)');
  const retries = whole('retries', values.retries, 1, 20);
  const resizeMinutes = whole('resize-minutes', values['resize-minutes'], 1, 60);
  const efoConsumers = whole('efo-consumers', values['efo-consumers'], 0, 50);
  const policies: PolicyName[] = [];
  for (const name of values.policy ?? []) {
    if (!(POLICY_NAMES as readonly string[]).includes(name)) throw usage(`unknown policy ${JSON.stringify(name)}; policies are ${POLICY_NAMES.join(', ')}`);
    policies.push(name as PolicyName);
  }
  const region = values.region ?? DEFAULT_REGION;
  const prices = values.prices === undefined ? priceTable(region) : priceTable(region, readInput(io, values.prices), values.prices);
  for (const output of [values.timeline, values.report]) if (output !== undefined) checkOutput(io, output);

  const trace = parseTrace(readInput(io, tracePath), tracePath);
  if (trace.format === 'measured' && recordBytes !== undefined) {
    throw usage(`--record-bytes applies to timestamp,value traces only: ${tracePath} has measured bytes and records, so its record sizes are real`);
  }
  const options: ReplayOptions = {
    ...DEFAULT_OPTIONS,
    peakMiBps,
    recordBytes: recordBytes ?? DEFAULT_OPTIONS.recordBytes,
    metricLagMinutes: metricLag ?? DEFAULT_OPTIONS.metricLagMinutes,
    hotKeyShare: hotKeyShare ?? DEFAULT_OPTIONS.hotKeyShare,
    policies: policies.length > 0 ? [...new Set(policies)] : POLICY_NAMES,
    shardLevelMetrics: values['shard-level-metrics'] ?? false,
    burstiness: burstiness ?? DEFAULT_OPTIONS.burstiness,
    producerAttempts: retries ?? DEFAULT_OPTIONS.producerAttempts,
    resizeMinutes: resizeMinutes ?? DEFAULT_OPTIONS.resizeMinutes,
    costs: { prices, readers: readers ?? DEFAULT_OPTIONS.costs.readers, efoConsumers: efoConsumers ?? DEFAULT_OPTIONS.costs.efoConsumers },
  };
  const peak = peakOf(trace, options);
  if (trace.format === 'relative' && (peak * MIB) / options.recordBytes > MAX_SHARDS_PER_STREAM * SHARD_WRITE_RECORDS_PER_SECOND) {
    throw usage(`--peak-mib ${peak} at ${options.recordBytes}-byte records is ${Math.round((peak * MIB) / options.recordBytes).toLocaleString('en-US')} records/s, `
      + `more than a stream of ${MAX_SHARDS_PER_STREAM} shards takes (${(MAX_SHARDS_PER_STREAM * SHARD_WRITE_RECORDS_PER_SECOND).toLocaleString('en-US')} records/s)`);
  }
  if (trace.format === 'measured' && peak > maxPeak) {
    throw usage(`${tracePath} peaks at ${Math.round(peak)} MiB/s, more than a stream of ${MAX_SHARDS_PER_STREAM} shards takes; pass --peak-mib to scale it down`);
  }

  const { replayed, recommendation } = plan(trace, options, maxThrottlePct);
  const results = replayed.map((r) => r.result);
  const recordNote = trace.format === 'measured' ? 'measured record sizes' : `${options.recordBytes}-byte records`;
  const peakText = `peak ${round(peak)} MiB/s`;
  const modelText = `${options.costs.readers} reader(s), per-second peak ${options.burstiness}x the minute average, `
    + `${options.producerAttempts} producer attempt(s), resizes of ${options.resizeMinutes} minutes to 25 % steps`;
  if (values.json) {
    io.stdout(`${JSON.stringify({
      trace: tracePath,
      format: trace.format,
      minutes: trace.minutes.length,
      peakMiBps: round(peak),
      recordBytes: trace.format === 'relative' ? options.recordBytes : null,
      region: prices.region,
      maxThrottlePct,
      readers: options.costs.readers,
      efoConsumers: options.costs.efoConsumers,
      shardLevelMetrics: options.shardLevelMetrics,
      recommendation: recommendation ?? null,
      results,
      burstiness: options.burstiness,
      retries: options.producerAttempts,
      resizeMinutes: options.resizeMinutes,
    })}\n`);
  } else {
    io.stdout(`${recommendationText(recommendation, maxThrottlePct)}\n`
      + `${path.basename(tracePath)}: ${trace.minutes.length} minutes, ${peakText}, ${recordNote}; prices ${prices.region}\n`
      + `model: ${modelText}\n\n${resultsTable(results)}\n`);
  }
  if (values.timeline) io.writeFile(values.timeline, timelineCsv(replayed));
  if (values.report) {
    io.writeFile(values.report, htmlReport({
      traceName: path.basename(tracePath),
      subtitle: `${trace.minutes.length.toLocaleString('en-US')} minutes from ${new Date(trace.startMs).toISOString().slice(0, 16).replace('T', ' ')} UTC, `
        + `${peakText}, ${recordNote}, metrics visible after ${options.metricLagMinutes} minutes; ${modelText}`,
      startMs: trace.startMs,
      maxThrottlePct,
      prices,
      readers: options.costs.readers,
      efoConsumers: options.costs.efoConsumers,
      shardLevelMetrics: options.shardLevelMetrics,
      recommendation,
    }, replayed));
  }
  return 0;
}

const IMPORT_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  stream: { type: 'string' },
  region: { type: 'string' },
  days: { type: 'string' },
  out: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

async function runImport(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, IMPORT_OPTIONS, IMPORT_USAGE);
  if (values.help) {
    io.stdout(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const usage = (message: string) => new UsageError(message, IMPORT_USAGE);
  if (positionals.length > 0) throw usage(`unexpected argument ${JSON.stringify(positionals[0])}; name the stream with --stream`);
  const streamName = values.stream;
  if (streamName === undefined) throw usage('missing --stream NAME');
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(streamName)) throw usage(`--stream must be 1 to 128 characters of a-z, A-Z, 0-9, _ . -, received ${JSON.stringify(streamName)}`);
  const daysText = values.days ?? '14';
  const days = Number(daysText);
  if (!Number.isInteger(days) || days < 1 || days > MAX_IMPORT_DAYS) {
    throw usage(`--days must be a whole number from 1 to ${MAX_IMPORT_DAYS} (CloudWatch keeps 5-minute data for 63 days), received ${JSON.stringify(daysText)}`);
  }
  if (values.out !== undefined) checkOutput(io, values.out);

  const clients = await io.aws(values.region);
  const result = await importTrace(clients, { streamName, region: clients.region, days, now: io.now() });
  if (values.out !== undefined) {
    io.writeFile(values.out, result.csv);
    io.stderr(`wrote ${values.out}: ${result.summary}\n`);
  } else {
    io.stdout(result.csv);
    io.stderr(`${result.summary}\n`);
  }
  return 0;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const error = e as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(error.message)?.[1];
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${JSON.stringify(option)}`, usage);
    if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const problem = /argument missing/.test(error.message) ? 'needs a value'
        : /ambiguous/.test(error.message) ? `needs a value (for one that starts with "-", write ${option}=VALUE)` : 'takes no value';
      throw new UsageError(`${option} ${problem}`, usage);
    }
    throw new UsageError(error.message, usage);
  }
}

function readInput(io: CommandIo, file: string): string {
  try {
    return io.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new RunError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code ?? (e as Error).message})`);
  }
}

function checkOutput(io: CommandIo, file: string): void {
  try {
    io.checkWritable(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EISDIR' ? 'it is a folder' : code === 'EREFUSED' ? 'its folder does not accept new files' : code ?? (e as Error).message;
    throw new RunError(`${file} cannot be written (${why}); nothing was run`);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
