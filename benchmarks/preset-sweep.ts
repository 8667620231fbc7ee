/**
 * How the `balanced` preset was chosen: the scaling core v2 with candidate settings on every trace in ../shared/traces
 * at both scalings, each against the oracle. Writes docs/preset-sweep.md. Run with `npm run bench:presets`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TRACES } from './replay';
import { MAX_HASH_KEY, MIB, PolicySettings, PRESETS } from '../src/core';
import { corePolicy } from '../src/replay/core-policy';
import { simulateProvisioned } from '../src/replay/engine';
import { Demand, UNIFORM } from '../src/replay/model';
import { DEFAULT_OPTIONS, replay } from '../src/replay/replay';
import { parseTrace, Trace } from '../src/replay/trace';

type Candidate = { readonly name: string; readonly values: Partial<PolicySettings> };

const CHOSEN: Partial<PolicySettings> = { ...PRESETS.balanced };
const CANDIDATES: Candidate[] = [
  {
    name: 'v1 balanced numbers (0.65 / 0.8, 45 / 30 min)',
    values: { targetUtilization: 0.65, scaleOutUtilization: 0.8, scaleInMinutes: 45, scaleInCooldownMinutes: 30 },
  },
  { name: 'target 0.55 (the previous choice)', values: { targetUtilization: 0.55 } },
  { name: 'target 0.6', values: { targetUtilization: 0.6 } },
  { name: 'chosen: 0.5 / 0.65, 20 / 10 min, reserve 5', values: {} },
  { name: 'chosen, without the seasonal floor', values: { seasonalLookaheadMinutes: 0 } },
  { name: 'chosen, without the throttle memory', values: { throttleMemoryMinutes: 0 } },
  { name: 'chosen, undone scale-ins remembered 2 hours', values: { undoneScaleInMemoryMinutes: 120 } },
  { name: 'chosen, undone scale-ins remembered 6 hours', values: { undoneScaleInMemoryMinutes: 360 } },
  { name: 'chosen, undone scale-ins remembered a day', values: { undoneScaleInMemoryMinutes: 1440 } },
  { name: 'chosen, reserve 3 UpdateShardCount calls', values: { updateShardCountReserve: 3 } },
  { name: 'chosen, reserve 7 UpdateShardCount calls', values: { updateShardCountReserve: 7 } },
];
/** The two day-long churn scenarios of test/replay/adversarial.test.ts: operations in the day, for each candidate. */
const CHURN: ReadonlyArray<(minute: number) => number> = [
  (m) => (m % 60 < 2 ? 16 : 3),
  (m) => (Math.floor(m / 30) % 2 === 0 ? 8 : 2),
];
const SCALINGS = [{ peakMiBps: 32, recordBytes: 2048 }, { peakMiBps: 8, recordBytes: 256 }];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` with the balanced preset changed to `values`, then puts the preset back as it was. */
function withBalanced<T>(values: Partial<PolicySettings>, fn: () => T): T {
  const balanced = PRESETS.balanced as Record<string, unknown>;
  const saved = { ...balanced };
  Object.assign(balanced, CHOSEN, values);
  try {
    return fn();
  } finally {
    Object.assign(balanced, saved);
  }
}

function main(): void {
  const traces: Trace[] = fs.readdirSync(TRACES).filter((f) => f.endsWith('.csv')).sort()
    .map((f) => parseTrace(fs.readFileSync(path.join(TRACES, f), 'utf8'), f));
  const started = Date.now();
  const rows = CANDIDATES.map((candidate) => withBalanced(candidate.values, () => {
    const throttled: number[] = [];
    const vsOracle: number[] = [];
    const perDay: number[] = [];
    for (const trace of traces) {
      for (const scaling of SCALINGS) {
        const results = replay(trace, { ...DEFAULT_OPTIONS, ...scaling, policies: ['balanced', 'oracle'] }).map((r) => r.result);
        const [balanced, oracle] = results;
        throttled.push(balanced.throttledBytesPct);
        vsOracle.push(balanced.costUsd / oracle.costUsd);
        perDay.push((balanced.scalingActions / trace.minutes.length) * 24 * 60);
      }
    }
    const churn = CHURN.map((mib) => churnOperations(mib));
    process.stderr.write(`${candidate.name} done\n`);
    return { candidate, throttled: median(throttled), vsOracle: median(vsOracle), perDay: median(perDay), churn };
  }));
  const chosen = rows.find((r) => r.candidate.name.startsWith('chosen:'))!;
  const targetsMet = chosen.throttled <= 0.4 && chosen.vsOracle <= 1.45;
  const churn = (name: string): string => rows.find((r) => r.candidate.name.includes(name))?.churn.join(' / ') ?? '(not run)';
  const fig = (name: string): string => {
    const row = rows.find((r) => r.candidate.name.includes(name));
    return row ? `${row.throttled.toFixed(3)} % at ${row.vsOracle.toFixed(3)}x` : '(not run)';
  };
  const lines = [
    '# How the `balanced` preset was chosen',
    '',
    'Written by `npm run bench:presets` (benchmarks/preset-sweep.ts): the scaling core with each candidate setting in place of',
    '`balanced`, on every trace in `../shared/traces` at both scalings of `npm run bench` (10 runs), medians over the runs.',
    `This run took ${((Date.now() - started) / 1000).toFixed(0)} s on Node.js ${process.version}. Settings not named are the chosen preset's:`,
    `target ${CHOSEN.targetUtilization}, scale-out ${CHOSEN.scaleOutUtilization}, scale-in window ${CHOSEN.scaleInMinutes} min, cooldown `
      + `${CHOSEN.scaleInCooldownMinutes} min, throttle memory ${CHOSEN.throttleMemoryMinutes} min, seasonal look-ahead `
      + `${CHOSEN.seasonalLookaheadMinutes} min, UpdateShardCount reserve ${CHOSEN.updateShardCountReserve}, undone scale-ins `
      + `remembered ${CHOSEN.undoneScaleInMemoryMinutes} min.`,
    '',
    '| candidate | median throttled bytes % | median cost / oracle | median resharding operations per day | churn scenarios: operations in the day |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.candidate.name} | ${r.throttled.toFixed(3)} | ${r.vsOracle.toFixed(3)}x | ${r.perDay.toFixed(1)} | ${r.churn.join(' / ')} |`),
    '',
    'The churn scenarios are the two day-long patterns of test/replay/adversarial.test.ts, from a cold start: a 2-minute',
    'spike to 16 MiB/s every hour over 3 MiB/s, and 30 minutes at 8 MiB/s then 30 at 2 MiB/s, with no yesterday to lean on.',
    '',
    '## Reasoning',
    '',
    `- **The seasonal floor is what lets the scale-in window be short.** Without it, throttling is ${fig('without the seasonal floor')}`
      + ` against ${fig('chosen')}: the stream scales in just before the daily rise returns.`,
    `- **The target** trades throttling for cost: ${fig('target 0.6')} at 0.6, ${fig('target 0.55')} at 0.55, ${fig('chosen')} at 0.5.`
      + ' With the scale-out threshold at 0.65, a rise is met early and the gap between them is the hysteresis.',
    `- **The memory of undone scale-ins** trades churn for cost: ${fig('remembered 2 hours')} at 2 hours, ${fig('chosen')} at 4,`
      + ` ${fig('remembered 6 hours')} at 6, ${fig('remembered a day')} for a day; the churn scenarios take`
      + ` ${churn('remembered 2 hours')}, ${churn('chosen')}, ${churn('remembered 6 hours')} and ${churn('remembered a day')} operations.`,
    `- **The reserve of UpdateShardCount calls** kept for scale-outs: ${fig('reserve 3')} with 3, ${fig('chosen')} with 5,`
      + ` ${fig('reserve 7')} with 7. Once the day's calls are spent, growth falls back to one split per minute, which is slow on`
      + ' a steep rise, so scale-ins leave more calls for scale-outs.',
    `- **The throttle memory** changes little here (${fig('without the throttle memory')} without it): these traces hold`
      + ' 5-minute samples, so they rarely throttle below the minute. It is there for sub-minute bursts, where a scale-in'
      + ' back to the count that throttled would flap (test/replay/scenarios.test.ts, bursts 1.8).',
    `- The targets of issue 10 (median throttled bytes <= 0.4 % at <= 1.45x the oracle): ${targetsMet ? 'met' : 'not met'} by the`
      + ' chosen preset here; docs/benchmarks.md has it against all of them.',
    '',
  ];
  fs.writeFileSync(path.join(__dirname, '..', 'docs', 'preset-sweep.md'), lines.join('\n'));
  process.stdout.write('wrote docs/preset-sweep.md\n');
}

/** Resharding operations in a day of `mib` MiB/s (2 KiB records), uniform keys, through the balanced preset as it stands. */
function churnOperations(mib: (minute: number) => number): number {
  const demand: Demand[] = Array.from({ length: 24 * 60 }, (_, m) => ({ bytesPerSecond: mib(m) * MIB, recordsPerSecond: mib(m) * 512 }));
  return simulateProvisioned(corePolicy('balanced', false), {
    demand, keys: { ...UNIFORM, hotKeyHash: MAX_HASH_KEY / 3n }, metricLagMinutes: 2, conditions: { burstiness: 1, readers: 0 },
  }).outcome.scalingActions;
}

main();
