import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CommandIo, main } from '../../src/replay/cli';

const ROOT = path.join(__dirname, '..', '..');
/** Two days of a daily wave at 5-minute samples. */
const WAVE = ['timestamp,value', ...Array.from({ length: 576 }, (_, i) =>
  `${new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('.000Z', 'Z')},${(100 + 90 * Math.sin((i / 288) * 2 * Math.PI)).toFixed(2)}`)].join('\n');

function run(args: string[], files: Record<string, string> = { 'wave.csv': WAVE }) {
  const out: string[] = [];
  const err: string[] = [];
  const written: Record<string, string> = {};
  const io: CommandIo = {
    readFile: (file) => {
      if (!(file in files)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return files[file];
    },
    writeFile: (file, text) => { written[file] = text; },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  const code = main(args, io);
  return { code, stdout: out.join(''), stderr: err.join(''), written };
}

test('--json prints one object with every policy, in the documented shape', () => {
  const { code, stdout } = run(['replay', 'wave.csv', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(stdout);
  expect(Object.keys(report)).toEqual(['trace', 'minutes', 'peakMiBps', 'recordBytes', 'results']);
  expect(report).toMatchObject({ trace: 'wave.csv', minutes: 2880, peakMiBps: 32, recordBytes: 2048 });
  expect(report.results.map((r: { policy: string }) => r.policy)).toEqual(
    ['economy', 'balanced', 'safe', 'aws-sample', 'scaling-utils', 'substation', 'on-demand', 'fixed-peak', 'oracle']);
  expect(Object.keys(report.results[0])).toEqual(['policy', 'throttledBytesPct', 'throttledMinutes', 'shardHours', 'costUsd', 'scalingActions', 'updateShardCountCalls']);
});

test('--policy selects policies and the options scale the trace', () => {
  const report = JSON.parse(run(['replay', 'wave.csv', '--json', '--policy', 'balanced', '--policy', 'oracle', '--peak-mib', '8', '--record-bytes', '256', '--metric-lag', '1']).stdout);
  expect(report).toMatchObject({ peakMiBps: 8, recordBytes: 256 });
  expect(report.results.map((r: { policy: string }) => r.policy)).toEqual(['balanced', 'oracle']);
});

test('without --json, a readable table', () => {
  const { stdout } = run(['replay', 'wave.csv', '--policy', 'balanced']);
  expect(stdout).toMatch(/^wave\.csv: 2880 minutes, peak 32 MiB\/s, 2048-byte records\n\npolicy +throttled bytes %/);
  expect(stdout).toMatch(/\nbalanced +\d+\.\d{3} /);
});

test('--timeline writes one row per policy and minute, with shard shares largest first', () => {
  const { written } = run(['replay', 'wave.csv', '--policy', 'oracle', '--policy', 'balanced', '--timeline', 'out.csv']);
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

test('--report writes one self-contained HTML page with the table and a chart per policy', () => {
  const html = run(['replay', 'wave.csv', '--policy', 'balanced', '--policy', 'on-demand', '--report', 'r.html']).written['r.html'];
  expect(html).toMatch(/^<!doctype html>/);
  expect(html.match(/<svg /g)).toHaveLength(2);
  expect(html).toContain('<td>balanced</td>');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
});

test.each([
  [['replay'], 2, 'error: missing the trace file'],
  [[], 2, 'error: missing command "replay"'],
  [['plan', 'wave.csv'], 2, 'error: unknown command "plan"'],
  [['replay', 'wave.csv', '--policy', 'magic'], 2, 'error: unknown policy "magic"; policies are economy, balanced, safe, aws-sample, scaling-utils, substation, on-demand, fixed-peak, oracle'],
  [['replay', 'wave.csv', '--fast'], 2, 'error: unknown option "--fast"'],
  [['replay', 'wave.csv', '--peak-mib', '-3'], 2, 'error: --peak-mib must be a positive number, received "-3"'],
  [['replay', 'wave.csv', '--record-bytes'], 2, 'error: --record-bytes needs a value'],
  [['replay', 'missing.csv'], 1, 'error: missing.csv: no such file'],
  [['replay', 'empty.csv'], 1, 'error: empty.csv is empty: expected a header "timestamp,value" and at least one row'],
  [['replay', 'bad.csv'], 1, 'error: bad.csv row 3: "x" is not a number'],
])('%j exits %i with one line naming the problem', (args, code, message) => {
  const result = run(args, { 'wave.csv': WAVE, 'empty.csv': '', 'bad.csv': 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,x\n' });
  expect(result.code).toBe(code);
  expect(result.stderr.split('\n')[0]).toBe(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
});

describe('the installed command (lib/replay/bin.js, built by jsii)', () => {
  const bin = path.join(ROOT, 'lib', 'replay', 'bin.js');
  const built = fs.existsSync(bin);
  (built ? test : test.skip)('runs from package.json "bin" and fails without a stack trace', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'cdk-kinesis-autoscaling': 'lib/replay/bin.js' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    fs.writeFileSync(path.join(dir, 'wave.csv'), WAVE);
    const ok = execFileSync(process.execPath, [bin, 'replay', path.join(dir, 'wave.csv'), '--json', '--policy', 'safe'], { encoding: 'utf8' });
    expect(JSON.parse(ok).results[0].policy).toBe('safe');
    const bad = spawnSync(process.execPath, [bin, 'replay', path.join(dir, 'nope.csv')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: ${path.join(dir, 'nope.csv')}: no such file`]);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
