import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runIn } from './cli-harness';
import { PRICE_TABLES } from '../../src/replay/prices';

const ROOT = path.join(__dirname, '..', '..');
/** Two days of a daily wave at 5-minute samples. */
const WAVE = ['timestamp,value', ...Array.from({ length: 576 }, (_, i) =>
  `${new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('.000Z', 'Z')},${(100 + 90 * Math.sin((i / 288) * 2 * Math.PI)).toFixed(2)}`)].join('\n');
/** The same wave as a measured trace: bytes and records per 5 minutes, 1 KiB records. */
const MEASURED = ['timestamp,bytes,records,throttled_records', ...Array.from({ length: 576 }, (_, i) => {
  const bytesPerSecond = (1 + 0.9 * Math.sin((i / 288) * 2 * Math.PI)) * 1024 * 1024;
  return `${new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString()},${Math.round(bytesPerSecond * 300)},${Math.round((bytesPerSecond * 300) / 1024)},0`;
})].join('\n');

const run = (args: string[], files: Record<string, string> = { 'wave.csv': WAVE, 'measured.csv': MEASURED }) => runIn(files)(args);

test('--json prints the recommendation next to every policy\'s result, in the documented shape', async () => {
  const { code, stdout } = await run(['replay', 'wave.csv', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(stdout);
  expect(Object.keys(report)).toEqual(['trace', 'format', 'minutes', 'peakMiBps', 'recordBytes', 'region', 'maxThrottlePct', 'readers',
    'efoConsumers', 'shardLevelMetrics', 'recommendation', 'results', 'burstiness', 'retries', 'resizeMinutes']);
  expect(report).toMatchObject({ trace: 'wave.csv', format: 'relative', minutes: 2880, peakMiBps: 32, recordBytes: 2048, region: 'us-east-1', maxThrottlePct: 0.1 });
  expect(report.results.map((r: { policy: string }) => r.policy).slice(0, 9)).toEqual(
    ['economy', 'balanced', 'safe', 'aws-sample', 'scaling-utils', 'substation', 'on-demand', 'fixed-peak', 'oracle']);
  expect(Object.keys(report.results[0])).toEqual(['policy', 'throttledBytesPct', 'throttledMinutes', 'shardHours', 'costUsd', 'scalingActions',
    'updateShardCountCalls', 'monthlyCostUsd', 'costBreakdown', 'readThrottledMinutes']);
  expect(Object.keys(report.recommendation)).toEqual(['policy', 'throttledBytesPct', 'costUsd', 'monthlyCostUsd', 'savingsVsOnDemandPct', 'reason']);
  expect(report.results.map((r: { policy: string }) => r.policy)).toContain(report.recommendation.policy);
});

test('each result\'s cost is the sum of its breakdown', async () => {
  const report = JSON.parse((await run(['replay', 'wave.csv', '--json', '--readers', '2', '--efo-consumers', '1', '--shard-level-metrics'])).stdout);
  for (const r of report.results) {
    const sum = Object.values(r.costBreakdown as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - r.costUsd)).toBeLessThan(0.01);
  }
  const balanced = report.results.find((r: { policy: string }) => r.policy === 'balanced');
  expect(balanced.costBreakdown.shardLevelMetrics).toBeGreaterThan(0);
  expect(balanced.costBreakdown.efoConsumerShardHours).toBeGreaterThan(0);
  const onDemand = report.results.find((r: { policy: string }) => r.policy === 'on-demand');
  expect(onDemand.costBreakdown.onDemandDataRetrieved).toBeGreaterThan(0);
});

test('--burstiness, --retries, --resize-minutes and --readers reach the replay and its JSON', async () => {
  const args = ['replay', 'wave.csv', '--json', '--policy', 'balanced', '--policy', 'fixed-peak'];
  const steady = JSON.parse((await run(args)).stdout);
  const modelled = JSON.parse((await run([...args, '--burstiness', '1.8', '--retries', '3', '--resize-minutes', '10', '--readers', '6'])).stdout);
  expect(steady).toMatchObject({ burstiness: 1, retries: 1, resizeMinutes: 3, readers: 1 });
  expect(modelled).toMatchObject({ burstiness: 1.8, retries: 3, resizeMinutes: 10, readers: 6 });
  const balanced = (report: { results: Array<{ policy: string; throttledBytesPct: number; readThrottledMinutes: number }> }) =>
    report.results.find((r) => r.policy === 'balanced')!;
  expect(balanced(steady).readThrottledMinutes).toBe(0);
  // Six readers poll more often than a shard's 5 calls/s: every minute is read-throttled.
  expect(balanced(modelled).readThrottledMinutes).toBe(modelled.minutes);
  expect(balanced(modelled).throttledBytesPct).toBeGreaterThan(balanced(steady).throttledBytesPct);
});

test('--help explains the model options and that --readers serves both the read bill and the read model', async () => {
  const { stdout } = await run(['replay', '--help']);
  for (const option of ['--burstiness F', '--retries N', '--resize-minutes M', '--readers N']) expect(stdout).toContain(option);
  expect(stdout).toMatch(/--readers N[\s\S]*billed per GB read on On-Demand, and polling every shard once a second/);
});

test('--policy selects policies and the options scale the trace', async () => {
  const report = JSON.parse((await run(['replay', 'wave.csv', '--json', '--policy', 'balanced', '--policy', 'oracle', '--peak-mib', '8', '--record-bytes', '256', '--metric-lag', '1'])).stdout);
  expect(report).toMatchObject({ peakMiBps: 8, recordBytes: 256 });
  expect(report.results.map((r: { policy: string }) => r.policy.replace(/-target-.*/, ''))).toEqual(expect.arrayContaining(['balanced', 'oracle']));
});

test('a measured trace replays at its real rates and record sizes', async () => {
  const report = JSON.parse((await run(['replay', 'measured.csv', '--json', '--policy', 'fixed-peak'])).stdout);
  expect(report).toMatchObject({ format: 'measured', recordBytes: null });
  expect(report.peakMiBps).toBeCloseTo(1.9, 1);
  expect((await run(['replay', 'measured.csv', '--record-bytes', '100'])).stderr).toMatch(/^error: --record-bytes applies to timestamp,value traces only/);
});

test('without --json, the recommendation first, then a readable table', async () => {
  const { stdout } = await run(['replay', 'wave.csv', '--policy', 'balanced', '--policy', 'on-demand']);
  expect(stdout).toMatch(/^Recommendation: [a-z-.0-9]+: \$[\d.]+\/month, [\d.]+ % of bytes throttled, -?[\d.]+ % vs On-Demand\n {2}\S/);
  expect(stdout).toMatch(/\nwave\.csv: 2880 minutes, peak 32 MiB\/s, 2048-byte records; prices us-east-1\nmodel: 1 reader\(s\), per-second peak 1x the minute average, 1 producer attempt\(s\), resizes of 3 minutes to 25 % steps\n\npolicy +throttled bytes %/);
  expect(stdout).toMatch(/\nbalanced +\d+\.\d{3} /);
});

test('--timeline writes one row per policy and minute, with shard shares largest first', async () => {
  const { written } = await run(['replay', 'wave.csv', '--policy', 'oracle', '--policy', 'fixed-peak', '--timeline', 'out.csv']);
  const lines = written['out.csv'].trim().split('\n');
  expect(lines[0]).toBe('policy,minute,demand_bytes_per_s,demand_records_per_s,open_shards,throttled_bytes,shard_shares');
  expect(lines).toHaveLength(1 + 2 * 2880);
  const [policy, minute, , , open, , shares] = lines[1].split(',');
  expect([policy, minute]).toEqual(['oracle', '0']);
  const fractions = shares.split(';').map(Number);
  expect(fractions).toHaveLength(Number(open));
  expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  expect([...fractions].sort((a, b) => b - a)).toEqual(fractions);
});

test('--report writes one self-contained HTML page', async () => {
  const html = (await run(['replay', 'wave.csv', '--policy', 'balanced', '--policy', 'on-demand', '--report', 'r.html'])).written['r.html'];
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain('id="recommendation"');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
});

test('--help and --version answer, for the tool and for each command', async () => {
  expect(await run(['--version'])).toMatchObject({ code: 0, stdout: '1.2.3\n' });
  expect(await run(['-v'])).toMatchObject({ code: 0, stdout: '1.2.3\n' });
  expect((await run(['--help'])).stdout).toMatch(/^usage: cdk-kinesis-autoscaling <command>/);
  expect((await run(['help', 'import'])).stdout).toMatch(/^usage: cdk-kinesis-autoscaling import --stream NAME/);
  const replayHelp = await run(['replay', '--help']);
  expect(replayHelp.code).toBe(0);
  expect(replayHelp.stdout).toMatch(/--max-throttle-pct P/);
  expect((await run(['import', '-h'])).stdout).toMatch(/--days N/);
});

test('output paths are checked before anything is simulated', async () => {
  const unwritable = { checkWritable: () => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); } };
  let read = false;
  const files = { 'wave.csv': WAVE };
  const io = runIn(files, {
    ...unwritable,
    readFile: (file) => { read = true; return files[file as 'wave.csv']; },
  });
  const result = await io(['replay', 'wave.csv', '--report', 'locked.html']);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe('error: locked.html cannot be written (permission denied); nothing was run\n');
  expect(read).toBe(false);
});

test.each([
  [['replay'], 2, 'error: missing the trace file'],
  [[], 2, 'error: missing a command'],
  [['plan', 'wave.csv'], 2, 'error: unknown command "plan"; commands are import, replay, help'],
  [['replay', 'wave.csv', '--policy', 'magic'], 2, 'error: unknown policy "magic"; policies are economy, balanced, safe, aws-sample, scaling-utils, substation, on-demand, fixed-peak, oracle'],
  [['replay', 'wave.csv', '--fast'], 2, 'error: unknown option "--fast"'],
  [['replay', 'wave.csv', '--peak-mib', '-3'], 2, 'error: --peak-mib needs a value (for one that starts with "-", write --peak-mib=VALUE)'],
  [['replay', 'wave.csv', '--peak-mib=-3'], 2, 'error: --peak-mib must be a number above 0 and at most 10000 (what a stream of 10000 shards takes), received "-3"'],
  [['replay', 'wave.csv', '--peak-mib', '100000000'], 2, 'error: --peak-mib must be a number above 0 and at most 10000 (what a stream of 10000 shards takes), received "100000000"'],
  [['replay', 'wave.csv', '--peak-mib', '1e12'], 2, 'error: --peak-mib must be a number above 0 and at most 10000 (what a stream of 10000 shards takes), received "1e12"'],
  [['replay', 'wave.csv', '--peak-mib', '10000', '--record-bytes', '256'], 2, 'error: --peak-mib 10000 at 256-byte records is 40,960,000 records/s, more than a stream of 10000 shards takes (10,000,000 records/s)'],
  [['replay', 'wave.csv', '--record-bytes'], 2, 'error: --record-bytes needs a value'],
  [['replay', 'wave.csv', '--json=yes'], 2, 'error: --json takes no value'],
  [['replay', 'wave.csv', '--max-throttle-pct', '101'], 2, 'error: --max-throttle-pct must be a percentage from 0 to 100, received "101"'],
  [['replay', 'wave.csv', '--readers', '1.5'], 2, 'error: --readers must be a whole number from 0 to 100, received "1.5"'],
  [['replay', 'wave.csv', '--readers', '101'], 2, 'error: --readers must be a whole number from 0 to 100, received "101"'],
  [['replay', 'wave.csv', '--burstiness', '2.5'], 2, 'error: --burstiness must be a number from 1 to 2 (the per-second peak over the minute average), received "2.5"'],
  [['replay', 'wave.csv', '--burstiness', '0.9'], 2, 'error: --burstiness must be a number from 1 to 2 (the per-second peak over the minute average), received "0.9"'],
  [['replay', 'wave.csv', '--burstiness', 'high'], 2, 'error: --burstiness must be a number from 1 to 2 (the per-second peak over the minute average), received "high"'],
  [['replay', 'wave.csv', '--retries', '0'], 2, 'error: --retries must be a whole number from 1 to 20, received "0"'],
  [['replay', 'wave.csv', '--retries', '21'], 2, 'error: --retries must be a whole number from 1 to 20, received "21"'],
  [['replay', 'wave.csv', '--retries', '2.5'], 2, 'error: --retries must be a whole number from 1 to 20, received "2.5"'],
  [['replay', 'wave.csv', '--resize-minutes', '0'], 2, 'error: --resize-minutes must be a whole number from 1 to 60, received "0"'],
  [['replay', 'wave.csv', '--resize-minutes', '61'], 2, 'error: --resize-minutes must be a whole number from 1 to 60, received "61"'],
  [['replay', 'wave.csv', '--efo-consumers', '51'], 2, 'error: --efo-consumers must be a whole number from 0 to 50, received "51"'],
  [['replay', 'wave.csv', '--region', 'mars-1'], 1, 'error: no built-in prices for region "mars-1": prices are built in only where every figure has a cited source (us-east-1); pass --prices FILE.json with the fields shardHour, putPayloadUnitPerMillion, onDemandStreamHour, onDemandWritePerGb, onDemandReadPerGb, efoConsumerShardHour, efoPerGb, onDemandEfoPerGb, getMetricDataPerThousandMetrics, customMetricMonth, lambdaPerMillionRequests, lambdaPerGbSecond, source and retrieved'],
  [['replay', 'wave.csv', '--report', '/missing/r.html'], 1, 'error: /missing/r.html cannot be written (its folder does not exist); nothing was run'],
  [['replay', 'missing.csv'], 1, 'error: missing.csv: no such file'],
  [['replay', 'empty.csv'], 1, 'error: empty.csv is empty: expected a header "timestamp,value" or "timestamp,bytes,records,throttled_records" and at least one row'],
  [['replay', 'bad.csv'], 1, 'error: bad.csv row 3: value "x" is not a number'],
  [['replay', 'header.csv'], 1, 'error: header.csv row 1: expected the header "timestamp,value" or "timestamp,bytes,records,throttled_records", found the header "time,bytes"'],
  [['replay', 'swapped.csv'], 1, 'error: swapped.csv row 2: "5" is not a timestamp; the columns look swapped: the first must be the timestamp (timestamp,value)'],
  [['import'], 2, 'error: missing --stream NAME'],
  [['import', '--stream', 'bad name'], 2, 'error: --stream must be 1 to 128 characters of a-z, A-Z, 0-9, _ . -, received "bad name"'],
  [['import', '--stream', 's', '--days', '64'], 2, 'error: --days must be a whole number from 1 to 63 (CloudWatch keeps 5-minute data for 63 days), received "64"'],
  [['import', '--stream', 's', '--out', '/missing/t.csv'], 1, 'error: /missing/t.csv cannot be written (its folder does not exist); nothing was run'],
])('%j exits %i with one line naming the problem', async (args, code, message) => {
  const result = await run(args, {
    'wave.csv': WAVE,
    'empty.csv': '',
    'bad.csv': 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,x\n',
    'header.csv': 'time,bytes\n2024-01-01 00:00:00,1\n',
    'swapped.csv': 'timestamp,value\n5,2024-01-01 00:00:00\n',
  });
  expect(result.code).toBe(code);
  expect(result.stderr.split('\n')[0]).toBe(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
});

describe('the installed command (assets/cli/index.js, bundled at build time)', () => {
  const bin = path.join(ROOT, 'assets', 'cli', 'index.js');
  const built = fs.existsSync(bin);
  (built ? test : test.skip)('runs from package.json "bin", answers --version and fails without a stack trace', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'cdk-kinesis-autoscaling': 'assets/cli/index.js' });
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    fs.writeFileSync(path.join(dir, 'wave.csv'), WAVE);
    const ok = execFileSync(process.execPath, [bin, 'replay', path.join(dir, 'wave.csv'), '--json', '--policy', 'fixed-peak'], { encoding: 'utf8' });
    expect(JSON.parse(ok).results[0].policy).toBe('fixed-peak');
    const bad = spawnSync(process.execPath, [bin, 'replay', path.join(dir, 'nope.csv')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: ${path.join(dir, 'nope.csv')}: no such file`]);
    const locked = spawnSync(process.execPath, [bin, 'replay', path.join(dir, 'wave.csv'), '--report', path.join(dir, 'no', 'such', 'r.html')], { encoding: 'utf8' });
    expect(locked.status).toBe(1);
    expect(locked.stderr).toMatch(/cannot be written \(its folder does not exist\); nothing was run/);
  });

  // /proc exists and refuses new files, even to root, whom permission checks let through.
  (built && fs.existsSync('/proc/self') ? test : test.skip)('an output path its folder refuses is found before the replay, and nothing is left behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    fs.writeFileSync(path.join(dir, 'wave.csv'), WAVE);
    const refused = spawnSync(process.execPath, [bin, 'replay', path.join(dir, 'wave.csv'), '--report', '/proc/report.html'], { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim()).toBe('error: /proc/report.html cannot be written (its folder does not accept new files); nothing was run');
    const fine = path.join(dir, 'report.html');
    const timeline = path.join(dir, 'timeline.csv');
    spawnSync(process.execPath, [bin, 'replay', path.join(dir, 'nope.csv'), '--report', fine, '--timeline', timeline], { encoding: 'utf8' });
    expect([fs.existsSync(fine), fs.existsSync(timeline)]).toEqual([false, false]);
  });
});

test.each(['eu-west-1', 'ap-southeast-2'])('--region %s without --prices is refused before the trace is read, never billed at another region\'s prices', async (region) => {
  let read = false;
  const files = { 'wave.csv': WAVE };
  const result = await runIn(files, { readFile: (file) => { read = true; return files[file as 'wave.csv']; } })(['replay', 'wave.csv', '--region', region]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`^error: no built-in prices for region "${region}": prices are built in only where every figure has a cited source \\(us-east-1\\); pass --prices FILE.json`));
  expect(result.stdout).toBe('');
  expect(read).toBe(false);
});

test('--prices bills with a price file for another region, and the JSON says which region', async () => {
  const prices = JSON.stringify({ 'eu-west-1': { ...PRICE_TABLES['us-east-1'], shardHour: 0.03, source: 'our invoice', retrieved: '2026-11' } });
  const files = { 'wave.csv': WAVE, 'prices.json': prices };
  const usEast = JSON.parse((await run(['replay', 'wave.csv', '--json', '--policy', 'fixed-peak'], files)).stdout);
  const euWest = JSON.parse((await run(['replay', 'wave.csv', '--json', '--policy', 'fixed-peak', '--region', 'eu-west-1', '--prices', 'prices.json'], files)).stdout);
  expect(euWest.region).toBe('eu-west-1');
  expect(euWest.results[0].costBreakdown.shardHours).toBeCloseTo(2 * usEast.results[0].costBreakdown.shardHours, 2);
});
