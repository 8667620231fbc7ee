/**
 * The largest replay the command accepts: a 60-day trace (the first 60 days of the longest shared trace) at
 * --peak-mib 10000, a stream of 10,000 shards at its peak, through every policy. Each policy runs in a child process
 * whose V8 heap is capped, so finishing proves the bound; its time and peak resident memory are recorded.
 * Writes docs/largest-benchmark.md. Run with `npm run bench:largest`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TRACES } from './replay';
import { DEFAULT_OPTIONS, POLICY_NAMES, PolicyName, replay } from '../src/replay/replay';
import { parseTrace, Trace } from '../src/replay/trace';

const DOCS = path.join(__dirname, '..', 'docs');
const SIXTY_DAYS = 60 * 1440;
const PEAK_MIBPS = 10_000;
/** The heap each run may use: its old space, in MB. */
const HEAP_CAP_MB = 1024;

function sixtyDays(): { name: string; trace: Trace } {
  const files = fs.readdirSync(TRACES).filter((f) => f.endsWith('.csv'));
  const longest = files.map((f) => ({ name: f, trace: parseTrace(fs.readFileSync(path.join(TRACES, f), 'utf8'), f) }))
    .sort((a, b) => b.trace.minutes.length - a.trace.minutes.length)[0];
  return { name: longest.name, trace: { ...longest.trace, minutes: longest.trace.minutes.slice(0, SIXTY_DAYS) } };
}

/** In the child: one policy, then its time and peak RSS as JSON on stdout. */
function child(policy: PolicyName): void {
  const { trace } = sixtyDays();
  const started = process.hrtime.bigint();
  const [run] = replay(trace, { ...DEFAULT_OPTIONS, peakMiBps: PEAK_MIBPS, policies: [policy] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, throttledBytesPct: run.result.throttledBytesPct }));
}

function main(): void {
  const { name } = sixtyDays();
  const rows: string[] = [];
  for (const policy of POLICY_NAMES) {
    const out = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, '-r', 'ts-node/register/transpile-only', __filename, policy],
      { encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') } });
    if (out.status !== 0) throw new Error(`${policy} failed under a ${HEAP_CAP_MB} MB heap: ${out.stderr}`);
    const r = JSON.parse(out.stdout) as { seconds: number; maxRssMb: number; throttledBytesPct: number };
    rows.push(`| ${policy} | ${r.seconds.toFixed(1)} | ${r.maxRssMb.toFixed(0)} | ${r.throttledBytesPct.toFixed(3)} |`);
    process.stderr.write(`${policy}: ${r.seconds.toFixed(1)} s, ${r.maxRssMb.toFixed(0)} MB\n`);
  }
  const lines = [
    '# The largest replay',
    '',
    'Written by `npm run bench:largest` (benchmarks/largest.ts): the first 60 days of',
    `${name} (${SIXTY_DAYS.toLocaleString('en-US')} one-minute steps) at \`--peak-mib ${PEAK_MIBPS}\`, the largest peak the command accepts (a stream of`,
    `10,000 shards), each policy in its own process with a ${HEAP_CAP_MB} MB V8 heap cap: that every run finished is the memory bound.`,
    '',
    '| policy | seconds | peak resident memory (MB) | throttled bytes % |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    `Node.js ${process.version}, ${os.cpus().length} cores, on a machine shared with other work while it ran (times vary with load).`,
    '',
  ];
  fs.writeFileSync(path.join(DOCS, 'largest-benchmark.md'), lines.join('\n'));
  process.stdout.write('wrote docs/largest-benchmark.md\n');
}

const policy = process.argv[2];
if (policy !== undefined) child(policy as PolicyName);
else main();
