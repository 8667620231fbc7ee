import { PolicyResult, Simulation, TimelineRow } from './simulator';

/** The results as an aligned text table. */
export function resultsTable(results: readonly PolicyResult[]): string {
  const header = ['policy', 'throttled bytes %', 'throttled minutes', 'shard-hours', 'cost USD', 'scaling actions', 'UpdateShardCount calls'];
  const rows = results.map((r) => [
    r.policy, r.throttledBytesPct.toFixed(3), String(r.throttledMinutes), r.shardHours.toFixed(1), r.costUsd.toFixed(2),
    String(r.scalingActions), String(r.updateShardCountCalls),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The `--timeline` CSV: one row per policy and minute. */
export function timelineCsv(simulations: readonly Simulation[]): string {
  const lines = ['policy,minute,demand_bytes_per_s,demand_records_per_s,open_shards,throttled_bytes,shard_shares'];
  for (const simulation of simulations) {
    for (const row of simulation.timeline) {
      lines.push([
        simulation.result.policy, row.minute, round(row.demandBytesPerSecond), round(row.demandRecordsPerSecond), row.openShards,
        round(row.throttledBytes), row.shardShares.map((share) => share.toPrecision(6)).join(';'),
      ].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

const WIDTH = 900;
const HEIGHT = 220;
const POINTS = 600;

/**
 * One policy's chart as a self-contained SVG: write demand against write capacity over time, with throttled periods
 * shaded red. Long traces are reduced to the maximum of each bucket, so no peak is hidden.
 */
export function chartSvg(title: string, timeline: readonly TimelineRow[]): string {
  const bucket = Math.max(1, Math.ceil(timeline.length / POINTS));
  const points: Array<{ demand: number; capacity: number; throttled: boolean }> = [];
  for (let i = 0; i < timeline.length; i += bucket) {
    const slice = timeline.slice(i, i + bucket);
    points.push({
      demand: Math.max(...slice.map((r) => r.demandBytesPerSecond)),
      capacity: Math.min(...slice.map((r) => r.capacityBytesPerSecond)),
      throttled: slice.some((r) => r.throttledBytes > 1e-6 * r.demandBytesPerSecond * 60),
    });
  }
  const top = Math.max(1, ...points.map((p) => Math.max(p.demand, p.capacity))) * 1.05;
  const x = (i: number) => (40 + (i * (WIDTH - 50)) / Math.max(1, points.length - 1)).toFixed(1);
  const y = (v: number) => (HEIGHT - 25 - (v / top) * (HEIGHT - 45)).toFixed(1);
  const path = (values: number[]) => values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i)},${y(v)}`).join(' ');
  const band = (WIDTH - 50) / Math.max(1, points.length - 1);
  const throttled = points.map((p, i) => (p.throttled
    ? `<rect x="${(Number(x(i)) - band / 2).toFixed(1)}" y="20" width="${Math.max(1, band).toFixed(1)}" height="${HEIGHT - 45}" fill="#f4b4b4"/>`
    : '')).join('');
  const mib = (v: number) => `${(v / 1048576).toFixed(1)} MiB/s`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<text x="40" y="13" font-weight="bold">${escape(title)}</text>`,
    throttled,
    `<line x1="40" y1="${y(0)}" x2="${WIDTH - 10}" y2="${y(0)}" stroke="#999"/>`,
    `<text x="2" y="${y(top / 1.05)}">${mib(top / 1.05)}</text><text x="2" y="${y(0)}">0</text>`,
    `<path d="${path(points.map((p) => p.capacity))}" fill="none" stroke="#2a7ab8" stroke-width="1.5"/>`,
    `<path d="${path(points.map((p) => p.demand))}" fill="none" stroke="#222" stroke-width="1"/>`,
    `<text x="${WIDTH - 330}" y="13"><tspan fill="#222">— write demand</tspan>  <tspan fill="#2a7ab8">— write capacity</tspan>  <tspan fill="#d66">■ throttled</tspan></text>`,
    '</svg>',
  ].join('');
}

/** The `--report` page: the table and one chart per policy, with no external resource. */
export function htmlReport(traceName: string, subtitle: string, simulations: readonly Simulation[]): string {
  const results = simulations.map((s) => s.result);
  const cells = results.map((r) => `<tr><td>${escape(r.policy)}</td><td>${r.throttledBytesPct.toFixed(3)}</td><td>${r.throttledMinutes}</td>`
    + `<td>${r.shardHours.toFixed(1)}</td><td>${r.costUsd.toFixed(2)}</td><td>${r.scalingActions}</td><td>${r.updateShardCountCalls}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinesis replay: ${escape(traceName)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:960px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>Kinesis replay: ${escape(traceName)}</h1>
<p>${escape(subtitle)}</p>
<table><tr><th>policy</th><th>throttled bytes %</th><th>throttled minutes</th><th>shard-hours</th><th>cost USD</th><th>scaling actions</th><th>UpdateShardCount calls</th></tr>
${cells}
</table>
${simulations.map((s) => `<h2>${escape(s.result.policy)}</h2>\n${chartSvg(s.result.policy, s.timeline)}`).join('\n')}
</body></html>
`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
