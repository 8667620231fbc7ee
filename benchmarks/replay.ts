/**
 * The replay benchmark: every policy on every trace in ../shared/traces at two scalings, written to
 * docs/benchmarks.md with per-trace charts in docs/benchmarks/. Run with `npm run bench`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MODEL, PRICES } from '../src/replay/model';
import { DEFAULT_OPTIONS, replay } from '../src/replay/replay';
import { chartSvg } from '../src/replay/report';
import { PolicyResult } from '../src/replay/simulator';
import { parseTrace, Trace } from '../src/replay/trace';

const ROOT = path.join(__dirname, '..');
const TRACES = path.join(ROOT, '..', 'shared', 'traces');
const DOCS = path.join(ROOT, 'docs');
const CHARTS = path.join(DOCS, 'benchmarks');
const SCALINGS = [
  { name: 'bytes bind', peakMiBps: 32, recordBytes: 2048 },
  { name: 'records bind', peakMiBps: 8, recordBytes: 256 },
];
const SPEED_MINUTES = 60 * 24 * 60;

interface Row { trace: string; scaling: string; minutes: number; results: PolicyResult[] }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  if (!fs.existsSync(TRACES)) throw new Error(`no traces at ${TRACES}`);
  fs.mkdirSync(CHARTS, { recursive: true });
  const files = fs.readdirSync(TRACES).filter((f) => f.endsWith('.csv')).sort();
  const rows: Row[] = [];
  const started = Date.now();
  for (const file of files) {
    const trace = parseTrace(fs.readFileSync(path.join(TRACES, file), 'utf8'), file);
    for (const scaling of SCALINGS) {
      const simulations = replay(trace, { ...DEFAULT_OPTIONS, peakMiBps: scaling.peakMiBps, recordBytes: scaling.recordBytes });
      rows.push({ trace: file, scaling: scaling.name, minutes: trace.minutes.length, results: simulations.map((s) => s.result) });
      for (const s of simulations.filter((sim) => ['balanced', 'on-demand', 'aws-sample', 'oracle'].includes(sim.result.policy))) {
        const name = `${file.replace(/\.csv$/, '')}-${scaling.peakMiBps}mib-${s.result.policy}.svg`;
        fs.writeFileSync(path.join(CHARTS, name), chartSvg(`${file}, ${scaling.peakMiBps} MiB/s peak, ${scaling.recordBytes}-byte records: ${s.result.policy}`, s.timeline));
      }
      process.stderr.write(`${file} (${scaling.name}) done\n`);
    }
  }
  const benchSeconds = (Date.now() - started) / 1000;

  // Speed: the first 60 days of the longest trace, at 1-minute steps, every policy.
  const longest = files.map((f) => parseTrace(fs.readFileSync(path.join(TRACES, f), 'utf8'), f)).sort((a, b) => b.minutes.length - a.minutes.length)[0];
  const sixtyDays: Trace = { minutes: longest.minutes.slice(0, SPEED_MINUTES), peak: longest.peak };
  const speedStart = process.hrtime.bigint();
  replay(sixtyDays, DEFAULT_OPTIONS);
  const speedSeconds = Number(process.hrtime.bigint() - speedStart) / 1e9;

  fs.writeFileSync(path.join(DOCS, 'benchmarks.md'), render(rows, benchSeconds, speedSeconds, sixtyDays.minutes.length));
  process.stdout.write(`wrote docs/benchmarks.md (${rows.length} runs in ${benchSeconds.toFixed(1)} s; 60-day speed run ${speedSeconds.toFixed(2)} s)\n`);
}

function render(rows: Row[], benchSeconds: number, speedSeconds: number, speedMinutes: number): string {
  const get = (row: Row, policy: string) => row.results.find((r) => r.policy === policy)!;
  const balancedThrottle = rows.map((r) => get(r, 'balanced').throttledBytesPct);
  const balancedVsOracle = rows.map((r) => get(r, 'balanced').costUsd / get(r, 'oracle').costUsd);
  const balancedVsOnDemand = rows.map((r) => get(r, 'balanced').costUsd / get(r, 'on-demand').costUsd);
  const dominated = rows.flatMap((r) => r.results
    .filter((b) => !['economy', 'balanced', 'safe', 'oracle'].includes(b.policy))
    .filter((b) => b.costUsd < get(r, 'balanced').costUsd && b.throttledBytesPct < get(r, 'balanced').throttledBytesPct)
    .map((b) => `${r.trace} (${r.scaling}): ${b.policy}`));
  const safeWorse = rows.filter((r) => get(r, 'safe').throttledBytesPct > get(r, 'on-demand').throttledBytesPct)
    .map((r) => `${r.trace} (${r.scaling}): safe ${get(r, 'safe').throttledBytesPct.toFixed(3)} % vs On-Demand ${get(r, 'on-demand').throttledBytesPct.toFixed(3)} %`);
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');

  const lines: string[] = [
    '# Replay benchmark',
    '',
    'Every number here was written by `npm run bench` (benchmarks/replay.ts), which replays every trace in',
    '`../shared/traces` through every policy of `cdk-kinesis-autoscaling replay` at two scalings. Re-run it to reproduce;',
    `this run took ${benchSeconds.toFixed(1)} s on Node.js ${process.version}.`,
    '',
    '## Targets for `balanced`',
    '',
    '| target | measured | |',
    '|---|---|---|',
    `| median throttled bytes <= 0.5 % | ${median(balancedThrottle).toFixed(3)} % | ${met(median(balancedThrottle) <= 0.5)} |`,
    `| median cost <= 1.6x the oracle | ${median(balancedVsOracle).toFixed(2)}x | ${met(median(balancedVsOracle) <= 1.6)} |`,
    `| cost <= 0.3x On-Demand on every trace | worst ${Math.max(...balancedVsOnDemand).toFixed(2)}x | ${met(Math.max(...balancedVsOnDemand) <= 0.3)} |`,
    `| no baseline both cheaper and less throttled | ${dominated.length === 0 ? 'none' : dominated.join('; ')} | ${met(dominated.length === 0)} |`,
    `| \`safe\` throttles no more than On-Demand on every trace | ${safeWorse.length === 0 ? 'on every trace' : safeWorse.join('; ')} | ${met(safeWorse.length === 0)} |`,
    '',
    `Speed: a 60-day trace (${speedMinutes.toLocaleString('en-US')} one-minute steps) through all ${DEFAULT_OPTIONS.policies.length} policies took ${speedSeconds.toFixed(2)} s (target: under 10 s).`,
    '',
    '## Results',
    '',
  ];
  for (const row of rows) {
    lines.push(`### ${row.trace}, ${row.scaling} (${row.minutes.toLocaleString('en-US')} minutes)`, '',
      '| policy | throttled bytes % | throttled minutes | shard-hours | cost USD | cost / oracle | scaling actions | UpdateShardCount calls |',
      '|---|---:|---:|---:|---:|---:|---:|---:|');
    const oracle = get(row, 'oracle').costUsd;
    for (const r of row.results) {
      lines.push(`| ${r.policy} | ${r.throttledBytesPct.toFixed(3)} | ${r.throttledMinutes} | ${r.shardHours.toFixed(1)} | ${r.costUsd.toFixed(2)} | ${(r.costUsd / oracle).toFixed(2)} | ${r.scalingActions} | ${r.updateShardCountCalls} |`);
    }
    const base = `benchmarks/${row.trace.replace(/\.csv$/, '')}-${row.scaling === 'bytes bind' ? 32 : 8}mib`;
    lines.push('', ['balanced', 'on-demand', 'aws-sample', 'oracle'].map((p) => `![${p}](${base}-${p}.svg)`).join('\n'), '');
  }
  lines.push(
    '## The model and its assumptions',
    '',
    '- Trace: `timestamp,value` rows; each sample holds until the next timestamp, the last for one interval; 1-minute steps.',
    '  The largest value maps to the peak write rate; records/s = bytes/s / record size. Keys are uniform over the hash key space.',
    '- Each shard accepts 1 MiB/s and 1,000 records/s of its hash-range share of demand; the rest is throttled, counted and',
    '  not replayed (Kinesis developer guide, "Quotas and limits").',
    `- A policy sees a minute's metrics ${DEFAULT_OPTIONS.metricLagMinutes} minutes after it (CloudWatch publishes Kinesis metrics with a lag of 1 to 3 minutes).`,
    '  It sees accepted bytes and records and throttled records, as CloudWatch reports them; shard-level metrics only if it enables them.',
    `- UpdateShardCount takes effect ${MODEL.updateShardCountMinutes} minutes after the call (the old shards serve until then), at most 10`,
    '  calls per rolling 24 hours and 2x / half per call (API reference). SplitShard and MergeShards take about 30 s each, one at a',
    `  time: ${MODEL.reshardOperationsPerMinute} per minute, effective the next minute.`,
    `- On-Demand Standard: capacity max(4 MiB/s, 2x the previous 30 days' peak), adapting ${MODEL.onDemandAdaptMinutes} minutes after a new`,
    '  peak; it starts with capacity for twice the first 24 hours\' peak (developer guide, "On-demand mode").',
    '- Warm start: provisioned policies start with the shards the first hour\'s peak needs at 100 % of the limits.',
    `- Costs (us-east-1 price list): provisioned $${PRICES.shardHour} per shard-hour plus $${PRICES.putPayloadUnitPerMillion} per million 25 KB PUT payload`,
    `  units; On-Demand $${PRICES.onDemandStreamHour} per stream-hour, $${PRICES.onDemandWritePerGb} per GB written (records rounded up to 1 KB) and`,
    `  $${PRICES.onDemandReadPerGb} per GB read by one shared-throughput reader; GB = 2^30 bytes.`,
    '- Baselines, as ../shared/kinesis-facts.md describes them: `aws-sample` (5-minute usage, x2 at >= 75 % for 5 of 5 periods,',
    '  /2 at < 25 % for 57 of 60, alarms fire on state changes), `scaling-utils` (README example: +100 % at 75 % for 5 minutes,',
    '  cool-off 15; -50 % at 25 % for 15 minutes, cool-off 60; split/merge when UpdateShardCount refuses), `substation`',
    '  (>= 70 % for 5 of 5 minutes out by tier, <= 35 % for 60 of 60 in, cooldowns 3 and 30 minutes). All of them count missing',
    '  minutes as low and see only accepted traffic. `fixed-peak` holds the shards the whole trace\'s peak needs; `oracle` has',
    '  each minute exactly the fewest shards that throttle nothing, resharding instantly (a lower bound on cost).',
    '- `economy`, `balanced` and `safe` are the scaling core the Lambda handler runs (src/core), called with the same inputs.',
    '',
  );
  return lines.join('\n');
}

main();
