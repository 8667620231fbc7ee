import { dominated, isCandidate, PolicyResult, Recommendation } from './advisor';
import { AUTOSCALER, CostBreakdown } from './costs';
import { expandShares } from './model';
import { TimelineRow } from './outcome';
import { PriceTable, priceRows } from './prices';
import { CHART, CHART_BUCKETS, throttledMinute, zoomControls, zoomData, zoomDataElement, zoomScriptElement } from './report-zoom';

export { CHART_BUCKETS, throttledMinute };

/** What the report and the table say about the run, besides the results. */
export interface ReportContext {
  readonly traceName: string;
  /** One line: minutes, peak, record sizes, lag. */
  readonly subtitle: string;
  /** Epoch milliseconds of the trace's first minute, for the time axis. */
  readonly startMs: number;
  readonly maxThrottlePct: number;
  readonly prices: PriceTable;
  readonly readers: number;
  readonly efoConsumers: number;
  readonly shardLevelMetrics: boolean;
  readonly recommendation?: Recommendation;
}

/** A replayed option as the report needs it. */
export interface ReportEntry {
  readonly result: PolicyResult;
  readonly timeline: readonly TimelineRow[];
}

/** The recommendation as the command prints it first. */
export function recommendationText(r: Recommendation | undefined, maxThrottlePct: number): string {
  if (!r) return `Recommendation: none (replay on-demand, fixed-peak or a preset to get one; limit ${maxThrottlePct} % throttled).\n`;
  const savings = r.savingsVsOnDemandPct === null ? 'On-Demand not replayed' : `${r.savingsVsOnDemandPct} % vs On-Demand`;
  return `Recommendation: ${r.policy}: $${r.monthlyCostUsd.toFixed(2)}/month, ${r.throttledBytesPct.toFixed(3)} % of bytes throttled, ${savings}\n`
    + `  ${r.reason}\n`;
}

/** The results as an aligned text table; options beaten on both cost and throttling are marked. */
export function resultsTable(results: readonly PolicyResult[]): string {
  const beaten = dominated(results);
  const onDemand = results.find((r) => r.policy === 'on-demand');
  const header = ['policy', 'throttled bytes %', 'throttled minutes', 'shard-hours', 'cost USD', 'USD/month', 'vs On-Demand', 'scaling actions', 'UpdateShardCount calls', 'read-throttled minutes', 'note'];
  const rows = results.map((r) => [
    r.policy, r.throttledBytesPct.toFixed(3), String(r.throttledMinutes), r.shardHours.toFixed(1), r.costUsd.toFixed(2), r.monthlyCostUsd.toFixed(2),
    onDemand && onDemand.costUsd > 0 ? `${(r.costUsd / onDemand.costUsd).toFixed(2)}x` : '-',
    String(r.scalingActions), String(r.updateShardCountCalls), String(r.readThrottledMinutes),
    r.policy === 'oracle' ? 'bound, not an option' : beaten.has(r.policy) ? 'beaten on cost and throttling' : isCandidate(r.policy) ? '' : 'baseline',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The `--timeline` CSV: one row per policy and minute. */
export function timelineCsv(entries: readonly ReportEntry[]): string[] {
  // One part per policy: all of them in one string passes V8's string limit on a 60-day trace.
  const header = 'policy,minute,demand_bytes_per_s,demand_records_per_s,open_shards,throttled_bytes,shard_shares\n';
  return [header, ...entries.map((entry) => entry.timeline.map((row) => `${[
    entry.result.policy, row.minute, round(row.demandBytesPerSecond), round(row.demandRecordsPerSecond), row.openShards,
    round(row.throttledBytes), expandShares(row.shareGroups).map((share) => share.toPrecision(6)).join(';'),
  ].join(',')}\n`).join(''))];
}

/** One bucket of a downsampled timeline: the envelope of demand and capacity, and whether any minute throttled. */
export interface Bucket {
  readonly from: number;
  readonly to: number;
  readonly demandMin: number;
  readonly demandMax: number;
  readonly capacityMin: number;
  readonly capacityMax: number;
  readonly throttled: boolean;
}

/**
 * Downsamples a timeline to at most `buckets` buckets. Each keeps both envelopes (so no peak of demand and no dip of
 * capacity is hidden) and is throttled when any one of its minutes is.
 */
export function downsample(timeline: readonly TimelineRow[], buckets: number): Bucket[] {
  const size = Math.max(1, Math.ceil(timeline.length / buckets));
  const out: Bucket[] = [];
  for (let from = 0; from < timeline.length; from += size) {
    const to = Math.min(timeline.length, from + size);
    let demandMin = Infinity;
    let demandMax = 0;
    let capacityMin = Infinity;
    let capacityMax = 0;
    let throttled = false;
    for (let i = from; i < to; i++) {
      const r = timeline[i];
      demandMin = Math.min(demandMin, r.demandBytesPerSecond);
      demandMax = Math.max(demandMax, r.demandBytesPerSecond);
      capacityMin = Math.min(capacityMin, r.capacityBytesPerSecond);
      capacityMax = Math.max(capacityMax, r.capacityBytesPerSecond);
      throttled ||= throttledMinute(r);
    }
    out.push({ from, to, demandMin, demandMax, capacityMin, capacityMax, throttled });
  }
  return out;
}

const CHART_WIDTH = CHART.width;
const PANEL_HEIGHT = CHART.height;
const LEFT = CHART.left;
const RIGHT = CHART.right;

/**
 * One policy's demand against capacity as an SVG panel. Every panel of a report shares `top` (the y-scale) and the
 * time axis, so panels compare at a glance. Throttled buckets are shaded red, merged into runs.
 */
export function timelineSvg(title: string, timeline: readonly TimelineRow[], top: number, startMs: number): string {
  const buckets = downsample(timeline, CHART_BUCKETS);
  const minutes = timeline.length;
  const plotWidth = CHART_WIDTH - LEFT - RIGHT;
  const plotTop = CHART.plotTop;
  const plotBottom = CHART.plotBottom;
  const x = (minute: number) => (LEFT + (minute / Math.max(1, minutes)) * plotWidth).toFixed(1);
  const y = (v: number) => (plotBottom - (Math.min(v, top) / top) * (plotBottom - plotTop)).toFixed(1);
  // Steps: each bucket's value from its start to its end; a run of equal values is one segment, which keeps flat
  // capacity (fixed-peak, On-Demand) to a few points and a 60-day report small.
  const steps = (value: (b: Bucket) => number, order: readonly Bucket[], reverse: boolean) => {
    const points: string[] = [];
    order.forEach((b, i) => {
      const v = y(value(b));
      const [start, end] = reverse ? [x(b.to), x(b.from)] : [x(b.from), x(b.to)];
      if (i === 0 || v !== y(value(order[i - 1]))) points.push(`${start},${v}`);
      if (i === order.length - 1 || v !== y(value(order[i + 1]))) points.push(`${end},${v}`);
    });
    return points.join('L');
  };
  // A band: along the tops left to right, back along the bottoms.
  const band = (upper: (b: Bucket) => number, lower: (b: Bucket) => number) =>
    `M${steps(upper, buckets, false)}L${steps(lower, [...buckets].reverse(), true)}Z`;
  const line = (value: (b: Bucket) => number) => `M${steps(value, buckets, false)}`;
  const shading: string[] = [];
  for (let i = 0; i < buckets.length; i++) {
    if (!buckets[i].throttled) continue;
    let j = i;
    while (j + 1 < buckets.length && buckets[j + 1].throttled) j++;
    const from = buckets[i].from;
    const to = buckets[j].to;
    // At least a pixel wide, so a single throttled minute in a 60-day chart still shows.
    const width = Math.max(1, Number(x(to)) - Number(x(from)));
    shading.push(`<rect class="throttled" data-from-minute="${from}" data-to-minute="${to}" x="${x(from)}" y="${plotTop}" width="${width.toFixed(1)}" height="${plotBottom - plotTop}"/>`);
    i = j;
  }
  return [
    `<svg class="timeline" data-policy="${escape(title)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${PANEL_HEIGHT}" role="img" aria-label="${escape(title)}: write demand against capacity">`,
    `<text x="${LEFT}" y="12" class="title">${escape(title)}</text>`,
    `<g class="shading">${shading.join('')}</g>`,
    yAxis(top, plotTop, plotBottom),
    `<g class="time-axis">${timeAxis(startMs, minutes, x, plotTop, plotBottom)}</g>`,
    `<path class="capacity-band" d="${band((b) => b.capacityMax, (b) => b.capacityMin)}"/>`,
    `<path class="demand-band" d="${band((b) => b.demandMax, (b) => b.demandMin)}"/>`,
    `<path class="capacity" d="${line((b) => b.capacityMin)}"/>`,
    `<path class="demand" d="${line((b) => b.demandMax)}"/>`,
    '</svg>',
  ].join('');
}

function yAxis(top: number, plotTop: number, plotBottom: number): string {
  const mib = top / 1048576;
  const step = niceStep(mib / 3);
  const ticks: string[] = [];
  for (let v = 0; v <= mib + 1e-9; v += step) {
    const py = (plotBottom - (v / mib) * (plotBottom - plotTop)).toFixed(1);
    ticks.push(`<line class="grid" x1="${LEFT}" x2="${CHART_WIDTH - RIGHT}" y1="${py}" y2="${py}"/><text class="tick" x="${LEFT - 4}" y="${py}" text-anchor="end" dy="3">${formatNumber(v)} MiB/s</text>`);
  }
  return ticks.join('');
}

const HOUR = 60;
const TIME_STEPS = [5, 10, 15, 30, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 2 * 24 * HOUR, 7 * 24 * HOUR, 14 * 24 * HOUR, 28 * 24 * HOUR];

function timeAxis(startMs: number, minutes: number, x: (minute: number) => string, plotTop: number, plotBottom: number): string {
  const step = TIME_STEPS.find((s) => minutes / s <= 14) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const startMinute = Math.floor(startMs / 60_000);
  // Ticks fall on whole steps of UTC time (midnight for days), not on the trace's first minute.
  const first = Math.ceil(startMinute / Math.min(step, 24 * HOUR)) * Math.min(step, 24 * HOUR) - startMinute;
  const out: string[] = [];
  for (let m = first; m <= minutes; m += step) {
    const date = new Date((startMinute + m) * 60_000).toISOString();
    const label = step >= 24 * HOUR ? date.slice(5, 10) : `${date.slice(5, 10)} ${date.slice(11, 16)}`;
    out.push(`<line class="grid" x1="${x(m)}" x2="${x(m)}" y1="${plotTop}" y2="${plotBottom}"/><text class="tick" x="${x(m)}" y="${plotBottom + 13}" text-anchor="middle">${label}</text>`);
  }
  return out.join('');
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function formatNumber(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? String(Math.round(v * 10) / 10) : String(Math.round(v * 1000) / 1000);
}

const SCATTER_WIDTH = 900;
const SCATTER_HEIGHT = 420;

/**
 * Monthly cost against throttled bytes for every option, with the Pareto frontier (the options no other beats on
 * both) joined by a line, the throttle limit, and the oracle as a bound.
 */
export function frontierSvg(results: readonly PolicyResult[], maxThrottlePct: number, recommended?: string): string {
  const left = 80;
  const right = 150;
  const topPad = 20;
  const bottom = 50;
  const beaten = dominated(results);
  const maxPct = Math.max(maxThrottlePct * 2, ...results.map((r) => r.throttledBytesPct));
  const costs = results.map((r) => Math.max(r.monthlyCostUsd, 0.01));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...costs)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...costs) * 1.01));
  // Square-root x spreads the options near 0 % throttled; log y fits On-Demand and the oracle on one chart.
  const x = (pct: number) => left + Math.sqrt(pct / maxPct) * (SCATTER_WIDTH - left - right);
  const logRange = Math.log10(hi) - Math.log10(lo);
  const plotHeight = SCATTER_HEIGHT - bottom - topPad;
  const y = (usd: number) => SCATTER_HEIGHT - bottom - ((Math.log10(Math.max(usd, lo)) - Math.log10(lo)) / logRange) * plotHeight;
  const parts: string[] = [];
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    for (const f of [1, 2, 5]) {
      const v = decade * f;
      if (v > hi * 1.0001) break;
      parts.push(`<line class="grid" x1="${left}" x2="${SCATTER_WIDTH - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="tick" x="${left - 4}" y="${y(v).toFixed(1)}" dy="3" text-anchor="end">$${formatNumber(v)}</text>`);
    }
  }
  for (const pct of [0, 0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100].filter((p) => p <= maxPct)) {
    parts.push(`<line class="grid" x1="${x(pct).toFixed(1)}" x2="${x(pct).toFixed(1)}" y1="${topPad}" y2="${SCATTER_HEIGHT - bottom}"/><text class="tick" x="${x(pct).toFixed(1)}" y="${SCATTER_HEIGHT - bottom + 14}" text-anchor="middle">${pct} %</text>`);
  }
  parts.push(`<line class="limit" x1="${x(maxThrottlePct).toFixed(1)}" x2="${x(maxThrottlePct).toFixed(1)}" y1="${topPad}" y2="${SCATTER_HEIGHT - bottom}"/>`
    + `<text class="tick limit-label" x="${(x(maxThrottlePct) + 4).toFixed(1)}" y="${topPad + 10}">limit ${maxThrottlePct} %</text>`);
  const front = results.filter((r) => r.policy !== 'oracle' && !beaten.has(r.policy)).sort((a, b) => a.throttledBytesPct - b.throttledBytesPct);
  if (front.length > 1) {
    // A staircase: from each frontier option, across to the next one's throttling, then down to its cost.
    const steps = front.flatMap((r, i) => [
      ...(i === 0 ? [] : [[r.throttledBytesPct, front[i - 1].monthlyCostUsd]]),
      [r.throttledBytesPct, r.monthlyCostUsd],
    ]);
    parts.push(`<path class="frontier" d="M${steps.map(([p, c]) => `${x(p).toFixed(1)},${y(c).toFixed(1)}`).join('L')}"/>`);
  }
  // Labels that would overlap an earlier one move down a line at a time (options often sit close together).
  const placed: Array<{ x0: number; x1: number; y: number }> = [];
  const labelY = (lx: number, ly: number, width: number) => {
    let candidate = ly;
    while (placed.some((p) => Math.abs(p.y - candidate) < 12 && lx < p.x1 && lx + width > p.x0)) candidate += 12;
    placed.push({ x0: lx, x1: lx + width, y: candidate });
    return candidate;
  };
  for (const r of results) {
    const kind = r.policy === 'oracle' ? 'bound' : beaten.has(r.policy) ? 'dominated' : 'frontier';
    const cx = x(r.throttledBytesPct).toFixed(1);
    const cy = y(r.monthlyCostUsd).toFixed(1);
    const mark = r.policy === recommended ? ' recommended' : '';
    const ly = labelY(Number(cx) + 9, Number(cy), 6.5 * r.policy.length);
    parts.push(`<g class="point ${kind}${mark}" data-policy="${escape(r.policy)}"><circle cx="${cx}" cy="${cy}" r="${r.policy === recommended ? 7 : 5}"/>`
      + `<text x="${(Number(cx) + 9).toFixed(1)}" y="${ly.toFixed(1)}" dy="4">${escape(r.policy)}</text>`
      + `<title>${escape(r.policy)}: ${r.throttledBytesPct.toFixed(3)} % throttled, $${r.monthlyCostUsd.toFixed(2)}/month${kind === 'dominated' ? ' (beaten on both)' : ''}</title></g>`);
  }
  parts.push(`<text class="axis-label" x="${(left + SCATTER_WIDTH - right) / 2}" y="${SCATTER_HEIGHT - 12}" text-anchor="middle">throttled bytes (% of demand, square-root scale)</text>`,
    `<text class="axis-label" transform="translate(14 ${(SCATTER_HEIGHT - bottom) / 2}) rotate(-90)" text-anchor="middle">USD per month (log scale)</text>`);
  return `<svg class="frontier-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SCATTER_WIDTH} ${SCATTER_HEIGHT}" role="img" aria-label="monthly cost against throttled bytes">${parts.join('')}</svg>`;
}

const BREAKDOWN_LABELS: Record<keyof CostBreakdown, string> = {
  shardHours: 'shard-hours',
  putPayloadUnits: 'PUT payload units',
  onDemandStreamHours: 'On-Demand stream-hours',
  onDemandDataIn: 'On-Demand data in',
  onDemandDataRetrieved: 'On-Demand data retrieved',
  efoConsumerShardHours: 'EFO consumer-shard-hours',
  efoDataRetrieved: 'EFO data retrieved',
  autoscalerGetMetricData: 'autoscaler GetMetricData',
  shardLevelMetrics: 'shard-level metrics',
  autoscalerLambda: 'autoscaler Lambda',
};

const BASELINES: ReadonlyArray<[string, string]> = [
  ['economy, balanced, safe', 'This library\'s autoscaler (the same src/core policy the Lambda runs) with each preset: target utilization 80 / 65 / 50 %, scale-in after 60 / 45 / 120 quiet minutes. Billed with the autoscaler\'s own CloudWatch and Lambda costs.'],
  ['safe-target-N', 'The safe preset with a lower target utilization N, tried only when no preset stays within the throttle limit.'],
  ['aws-sample', 'aws-samples/kinesis-auto-scaling: CloudWatch alarms on 5-minute usage of the current shards; doubles at 75 % for 5 of 5 periods, halves under 25 % for 57 of 60. Its own alarm and Lambda costs are not billed here.'],
  ['scaling-utils', 'awslabs/amazon-kinesis-scaling-utils (README example): +100 % at 75 % for 5 minutes, cool-off 15; -50 % at 25 % for 15 minutes, cool-off 60. Its own running cost is not billed here.'],
  ['substation', 'brexhq/substation autoscale: usage >= 70 % for 5 of 5 minutes scales out by a tier (x2 to x1.25), <= 35 % for 60 of 60 scales in; cooldowns 3 and 30 minutes. Its own running cost is not billed here.'],
  ['on-demand', 'On-Demand Standard: capacity for twice the previous 30 days\' peak (at least 4 MiB/s), adapting 15 minutes after a new peak; billed per stream-hour and per GB in and out.'],
  ['fixed-peak', 'A constant shard count sized for the trace\'s peak at 100 % of the shard limits: no autoscaler at all.'],
  ['oracle', 'Perfect foresight and instant resharding: each minute the fewest shards that throttle nothing. A lower bound on provisioned cost, not something to deploy.'],
];

/** The charts' styles: in the report's head, and inside each chart written on its own (chartFile). */
export const CHART_CSS = `svg text{font-size:11px;fill:#333}svg .title{font-weight:bold;font-size:12px}svg .tick{font-size:10px;fill:#555}
.grid{stroke:#e4e4e4;stroke-width:1;vector-effect:non-scaling-stroke}
.throttled{fill:#f3a6a6}.demand-band{fill:#9a9a9a;opacity:.35}.capacity-band{fill:#2a7ab8;opacity:.18}
.demand{fill:none;stroke:#222;stroke-width:1;vector-effect:non-scaling-stroke}.capacity{fill:none;stroke:#2a7ab8;stroke-width:1.5;vector-effect:non-scaling-stroke}
.frontier{fill:none;stroke:#2a7a3a;stroke-width:2;stroke-dasharray:5 3}.limit{stroke:#c33;stroke-width:1.5;stroke-dasharray:4 3}.limit-label{fill:#c33}
.point circle{fill:#2a7ab8;stroke:#fff}.point.dominated circle{fill:#bbb}.point.bound circle{fill:#fff;stroke:#555;stroke-dasharray:2 2}
.point.recommended circle{fill:#2a7a3a;stroke:#000;stroke-width:2}.point.dominated text{fill:#888}`;

/** A chart as a file of its own, styled. */
export function chartFile(svg: string): string {
  return svg.replace(/^(<svg[^>]*>)/, `$1<style>${CHART_CSS}</style>`);
}

/**
 * The `--report` page: one self-contained HTML file, no external resource. Its one inline script zooms the timelines'
 * shared time axis from the one-minute data embedded beside it; without the script the page shows the whole trace.
 */
export function htmlReport(context: ReportContext, entries: readonly ReportEntry[]): string {
  const results = entries.map((e) => e.result);
  const beaten = dominated(results);
  const rec = context.recommendation;
  const peakDemand = Math.max(1, ...entries.flatMap((e) => [e.timeline.reduce((a, r) => Math.max(a, r.demandBytesPerSecond), 0)]));
  const peakCapacity = Math.max(...entries.map((e) => e.timeline.reduce((a, r) => Math.max(a, r.capacityBytesPerSecond), 0)));
  // One y-scale for every panel; capacity far above demand (On-Demand's 2x headroom) is clipped at 2.2x the peak.
  const top = Math.min(Math.max(peakDemand, peakCapacity), peakDemand * 2.2) * 1.05;
  const breakdownKeys = Object.keys(BREAKDOWN_LABELS) as Array<keyof CostBreakdown>;
  const usedKeys = breakdownKeys.filter((k) => results.some((r) => r.costBreakdown[k] > 0));
  const rows = results.map((r) => {
    const note = r.policy === 'oracle' ? 'bound' : beaten.has(r.policy) ? 'beaten on both' : isCandidate(r.policy) ? '' : 'baseline';
    return `<tr class="${r.policy === rec?.policy ? 'recommended' : ''}${beaten.has(r.policy) ? ' dominated' : ''}"><td>${escape(r.policy)}</td><td>${r.throttledBytesPct.toFixed(3)}</td><td>${r.throttledMinutes}</td>`
      + `<td>${r.shardHours.toFixed(1)}</td><td>${r.costUsd.toFixed(2)}</td><td>${r.monthlyCostUsd.toFixed(2)}</td>`
      + usedKeys.map((k) => `<td>${r.costBreakdown[k].toFixed(2)}</td>`).join('')
      + `<td>${r.scalingActions}</td><td>${r.updateShardCountCalls}</td><td class="note">${note}</td></tr>`;
  }).join('\n');
  const recommendation = rec
    ? `<section class="recommendation" id="recommendation"><h2>Recommendation: ${escape(rec.policy)}</h2>
<p class="figures"><strong>$${rec.monthlyCostUsd.toFixed(2)}</strong> per month · <strong>${rec.throttledBytesPct.toFixed(3)} %</strong> of bytes throttled · `
      + `${rec.savingsVsOnDemandPct === null ? 'On-Demand not replayed' : `<strong>${rec.savingsVsOnDemandPct} %</strong> saved against On-Demand`}</p>
<p>${escape(rec.reason)}</p><p class="small">Limit: ${context.maxThrottlePct} % of bytes throttled (--max-throttle-pct). Chosen from the replayed results only, among this library's presets, fixed-peak and On-Demand.</p></section>`
    : '<section class="recommendation" id="recommendation"><h2>No recommendation</h2><p>No deployable option was replayed.</p></section>';
  const priceTableRows = priceRows(context.prices).map(([item, price]) => `<tr><td>${escape(item)}</td><td>${escape(price)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kinesis replay: ${escape(context.traceName)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:16px 24px;color:#222}
h1{font-size:1.4em;margin:0 0 4px}h2{font-size:1.15em;margin:24px 0 8px}
.sub{color:#555;margin:0 0 12px}.small{font-size:.85em;color:#555}
.recommendation{border:2px solid #2a7a3a;background:#f1f9f2;padding:8px 16px;border-radius:6px}
.recommendation h2{margin:8px 0}.figures{font-size:1.1em}
table{border-collapse:collapse;font-size:.8em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td:first-child,th:first-child,td.note{text-align:left}
tr.recommended{background:#e3f4e5;font-weight:bold}tr.dominated td{color:#888}
svg{display:block;width:100%;height:auto}svg.frontier-chart{max-width:900px}
${CHART_CSS}
.zoom{margin:8px 0}.zoom button{margin-right:4px}svg.timeline{cursor:crosshair;user-select:none;touch-action:pan-y}
.selection{fill:#2a7ab8;opacity:.15;stroke:#2a7ab8}
.legend span{margin-right:16px}.swatch{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>Kinesis replay: ${escape(context.traceName)}</h1>
<p class="sub">${escape(context.subtitle)}. Prices: ${escape(context.prices.region)}, ${context.readers} shared-throughput reader${context.readers === 1 ? '' : 's'}, ${context.efoConsumers} enhanced fan-out consumer${context.efoConsumers === 1 ? '' : 's'}, shard-level metrics ${context.shardLevelMetrics ? 'on' : 'off'}.</p>
${recommendation}
<h2>Cost against throttling</h2>
<p class="small">Every replayed option. The dashed green line joins the Pareto frontier: options no other option beats on both cost and throttling. Grey points are beaten on both; the hollow point is the oracle, a lower bound.</p>
${frontierSvg(results, context.maxThrottlePct, rec?.policy)}
<h2>Results</h2>
<table><tr><th>policy</th><th>throttled bytes %</th><th>throttled minutes</th><th>shard-hours</th><th>cost USD</th><th>USD/month</th>${usedKeys.map((k) => `<th>${BREAKDOWN_LABELS[k]} USD</th>`).join('')}<th>scaling actions</th><th>UpdateShardCount calls</th><th>note</th></tr>
${rows}
</table>
<h2>Demand against capacity</h2>
<p class="legend small"><span><span class="swatch" style="background:#9a9a9a;opacity:.6"></span>write demand (band: lowest to highest minute of each bucket; line: highest)</span><span><span class="swatch" style="background:#2a7ab8;opacity:.5"></span>write capacity (band: lowest to highest; line: lowest)</span><span><span class="swatch" style="background:#f3a6a6"></span>a bucket with at least one throttled minute</span></p>
<p class="small">All panels share the time axis (UTC) and the y-scale${peakCapacity > peakDemand * 2.2 ? ' (capacity above 2.2x the demand peak is clipped)' : ''}. Each bucket is <span id="timeline-bucket">${Math.max(1, Math.ceil((entries[0]?.timeline.length ?? 0) / CHART_BUCKETS))}</span> minute(s).</p>
${zoomControls()}
${entries.map((e) => timelineSvg(e.result.policy, e.timeline, top, context.startMs)).join('\n')}
<h2>Prices assumed (${escape(context.prices.region)})</h2>
<table><tr><th>item</th><th>price (USD)</th></tr>${priceTableRows}</table>
<p class="small">Source: ${escape(context.prices.source)}; retrieved ${escape(context.prices.retrieved)}. GB = 2<sup>30</sup> bytes; a month is 730 hours. `
    + `The autoscaler runs every minute for ${AUTOSCALER.lambdaSecondsPerInvocation} s billed at ${AUTOSCALER.lambdaMemoryGb * 1024} MB, requesting ${AUTOSCALER.streamMetricsPerTick} stream metrics per tick`
    + `${context.shardLevelMetrics ? ` and ${AUTOSCALER.shardMetricsPerShard} per open shard` : ''}. Not billed: extended retention, KMS, data transfer, and the baselines' own running costs.</p>
<h2>What each option is</h2>
<table>${BASELINES.map(([name, text]) => `<tr><td>${escape(name)}</td><td style="text-align:left">${escape(text)}</td></tr>`).join('')}</table>
${zoomDataElement(zoomData(entries.map((e) => ({ policy: e.result.policy, timeline: e.timeline })), top, context.startMs))}
${zoomScriptElement()}
</body></html>
`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
