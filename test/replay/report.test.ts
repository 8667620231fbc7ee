import { HTMLElement, parse } from 'node-html-parser';
import { dominated } from '../../src/replay/advisor';
import { TimelineRow } from '../../src/replay/outcome';
import { priceTable } from '../../src/replay/prices';
import { DEFAULT_OPTIONS, plan } from '../../src/replay/replay';
import { Bucket, CHART_BUCKETS, downsample, htmlReport, throttledMinute, timelineSvg } from '../../src/replay/report';
import { BUCKETIZE_JS, TIME_TICKS_JS, ZoomData } from '../../src/replay/report-zoom';
import { Trace } from '../../src/replay/trace';

const START = Date.UTC(2024, 0, 1);

/** Four days of a daily sine with a 6-minute spike each afternoon: the case where headroom, not speed, decides. */
function spikyTrace(): Trace {
  const minutes = Array.from({ length: 4 * 1440 }, (_, m) => {
    const base = 100 + 80 * Math.sin((m / 1440) * 2 * Math.PI);
    return m % 1440 >= 900 && m % 1440 < 906 ? base * 3 : base;
  });
  return { format: 'relative', startMs: START, minutes, peak: Math.max(...minutes) };
}

function row(minute: number, demand: number, capacity: number, throttledBytes = 0): TimelineRow {
  return {
    minute,
    demandBytesPerSecond: demand,
    demandRecordsPerSecond: demand / 1000,
    openShards: 1,
    throttledBytes,
    shareGroups: [],
    capacityBytesPerSecond: capacity,
  };
}

describe('a report on a spiky trace', () => {
  const { replayed, recommendation } = plan(spikyTrace(), DEFAULT_OPTIONS, 0.5);
  const results = replayed.map((r) => r.result);
  const html = htmlReport({
    traceName: 'spiky.csv',
    subtitle: '4 days',
    startMs: START,
    maxThrottlePct: 0.5,
    prices: priceTable('us-east-1'),
    readers: 1,
    efoConsumers: 0,
    shardLevelMetrics: false,
    recommendation,
  }, replayed);
  const page = parse(html);
  const body = page.querySelector('body')!;

  test('opens with the recommendation: option, monthly cost, throttling, savings and why', () => {
    const first = body.querySelectorAll('section, svg, table')[0];
    expect(first.getAttribute('id')).toBe('recommendation');
    expect(first.querySelector('h2')!.text).toBe(`Recommendation: ${recommendation!.policy}`);
    expect(first.text).toContain(`$${recommendation!.monthlyCostUsd.toFixed(2)}`);
    expect(first.text).toContain(`${recommendation!.throttledBytesPct.toFixed(3)} %`);
    expect(first.text).toContain(recommendation!.reason.replace(/&/g, '&amp;'));
  });

  test('puts every policy on the cost-against-throttling chart, with the frontier and the beaten options marked', () => {
    const chart = page.querySelector('svg.frontier-chart')!;
    const points = chart.querySelectorAll('g.point');
    expect(points.map((p) => p.getAttribute('data-policy')).sort()).toEqual(results.map((r) => r.policy).sort());
    const beaten = dominated(results);
    for (const p of points) {
      const policy = p.getAttribute('data-policy')!;
      expect([policy, p.classList.contains('dominated')]).toEqual([policy, beaten.has(policy)]);
    }
    expect(chart.querySelector('path.frontier')).not.toBeNull();
    expect(chart.querySelector(`g.point.recommended[data-policy="${recommendation!.policy}"]`)).not.toBeNull();
  });

  test('draws every policy\'s demand against capacity on one y-scale and one time axis', () => {
    const panels = page.querySelectorAll('svg.timeline');
    expect(panels.map((p) => p.getAttribute('data-policy'))).toEqual(results.map((r) => r.policy));
    const ticks = (svg: HTMLElement) => svg.querySelectorAll('text.tick').map((t) => t.text).join('|');
    expect(new Set(panels.map(ticks)).size).toBe(1);
    expect(ticks(panels[0])).toContain('01-02');
  });

  test('states the prices, their source and region, and what each baseline is', () => {
    expect(html).toContain('Prices assumed (us-east-1)');
    expect(html).toContain('$0.015 per shard-hour');
    expect(html).toContain('retrieved 2026-11');
    for (const name of ['aws-sample', 'scaling-utils', 'substation', 'fixed-peak', 'oracle', 'on-demand']) expect(html).toContain(`<td>${name}</td>`);
  });

  test('is one self-contained file: no external resource, and its inline script reaches for no network', () => {
    expect(page.querySelectorAll('link, img, iframe, object, embed')).toHaveLength(0);
    expect(page.querySelectorAll('script[src]')).toHaveLength(0);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const code = page.querySelectorAll('script:not([type])').map((s) => s.text).join('\n');
    expect(code).not.toMatch(/fetch\(|XMLHttpRequest|import\(|WebSocket|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test('offers zoom controls over the timelines, driven by one inline script', () => {
    const toolbar = page.querySelector('#timeline-zoom')!;
    expect(toolbar.querySelectorAll('button').map((b) => b.getAttribute('data-zoom'))).toEqual(['in', 'out', 'earlier', 'later', 'all']);
    // Before the first panel, so the controls sit with the panels they zoom.
    expect(html.indexOf('id="timeline-zoom"')).toBeLessThan(html.indexOf('<svg class="timeline"'));
    const scripts = page.querySelectorAll('script:not([type])');
    expect(scripts).toHaveLength(1);
    expect(scripts[0].text).toContain("getElementById('timeline-data')");
    expect(scripts[0].text).toContain('pointerdown');
    for (const panel of page.querySelectorAll('svg.timeline')) {
      expect(panel.querySelector('g.shading')).not.toBeNull();
      expect(panel.querySelector('g.time-axis')).not.toBeNull();
    }
  });

  test('embeds every policy\'s timeline at one-minute resolution, so a zoomed view is bucketed again from every minute', () => {
    const data = JSON.parse(page.querySelector('script#timeline-data')!.text) as ZoomData;
    expect(data.minutes).toBe(4 * 1440);
    expect(data.startMs).toBe(START);
    expect(data.policies.map((p) => p.policy)).toEqual(page.querySelectorAll('svg.timeline').map((p) => p.getAttribute('data-policy')));
    // Every option replays the same demand: it is embedded once.
    expect(data.demand).toHaveLength(1);
    const demand = decodeLevels(data.demand[0]);
    expect(demand).toHaveLength(data.minutes);
    // Levels of one shared y-scale: proportional to demand to within a level (1/65535 of the scale).
    const raw = replayed[0].timeline.map((r) => r.demandBytesPerSecond);
    const scale = Math.max(...demand) / Math.max(...raw);
    raw.forEach((v, m) => expect(Math.abs(demand[m] - v * scale)).toBeLessThanOrEqual(1));
    for (const { result, timeline } of replayed) {
      const embedded = data.policies.find((p) => p.policy === result.policy)!;
      const throttled = runsToFlags(embedded.throttled, data.minutes);
      expect(throttled).toEqual(timeline.map((r) => throttledMinute(r)));
      expect(embedded.capacity[0]).toBe(0);
      const starts = embedded.capacity.filter((_, i) => i % 2 === 0);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    expect(data.policies.some((p) => p.throttled.length > 0)).toBe(true);
  });
});

/** The page's own bucketing and time axis, as the browser runs them. */
const pageBucketize = new Function(`${BUCKETIZE_JS}; return bucketize;`)() as (
  demand: ArrayLike<number>, capacity: ArrayLike<number>, throttled: ArrayLike<number | boolean>, a: number, b: number, count: number) => Bucket[];
const pageTimeTicks = new Function(`${TIME_TICKS_JS}; return timeTicks;`)() as (startMs: number, a: number, b: number) => Array<{ minute: number; label: string }>;

function decodeLevels(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readUInt16LE(2 * i));
}

function runsToFlags(runs: readonly number[], minutes: number): boolean[] {
  const flags = new Array<boolean>(minutes).fill(false);
  for (let k = 0; k < runs.length; k += 2) flags.fill(true, runs[k], runs[k + 1]);
  return flags;
}

describe('the zoom script', () => {
  const minutes = 60 * 1440;
  const throttledAt = 43_210;
  const timeline = Array.from({ length: minutes }, (_, m) => row(m, 1000 + (m % 97) * 10 + (m === 5000 ? 8000 : 0),
    m === 5001 ? 10 : 2000 + (m % 1440 < 600 ? 500 : 0), m === throttledAt ? 500 : 0));
  const columns = {
    demand: timeline.map((r) => r.demandBytesPerSecond),
    capacity: timeline.map((r) => r.capacityBytesPerSecond),
    throttled: timeline.map((r) => throttledMinute(r)),
  };
  const bucketsOf = (a: number, b: number) => pageBucketize(columns.demand, columns.capacity, columns.throttled, a, b, CHART_BUCKETS);

  test('buckets the whole trace exactly as the page\'s first view (downsample) does', () => {
    expect(bucketsOf(0, minutes)).toEqual(downsample(timeline, CHART_BUCKETS));
  });

  test('buckets a zoomed window like downsample on those minutes alone', () => {
    const [a, b] = [40_000, 50_000];
    const shifted = downsample(timeline.slice(a, b), CHART_BUCKETS).map((k) => ({ ...k, from: k.from + a, to: k.to + a }));
    expect(bucketsOf(a, b)).toEqual(shifted);
  });

  test('still shades a single throttled minute inside a bucket of a zoomed view', () => {
    const buckets = bucketsOf(40_000, 50_000);
    expect(buckets[0].to - buckets[0].from).toBeGreaterThan(1);
    const shaded = buckets.filter((k) => k.throttled);
    expect(shaded).toHaveLength(1);
    expect(shaded[0].from).toBeLessThanOrEqual(throttledAt);
    expect(shaded[0].to).toBeGreaterThan(throttledAt);
    // Zoomed in to minutes, the throttled minute is a bucket of its own.
    const minuteBuckets = bucketsOf(throttledAt - 100, throttledAt + 100);
    expect(minuteBuckets.filter((k) => k.throttled).map((k) => [k.from, k.to])).toEqual([[throttledAt, throttledAt + 1]]);
  });

  test('labels the whole trace\'s time axis as the page does, and a zoomed one down to minutes', () => {
    const svg = parse(timelineSvg('p', timeline, 2500, START));
    const serverLabels = svg.querySelectorAll('g.time-axis text').map((t) => t.text);
    expect(pageTimeTicks(START, 0, minutes).map((t) => t.label)).toEqual(serverLabels);
    const zoomed = pageTimeTicks(START, 600, 720);
    expect(zoomed.length).toBeGreaterThan(1);
    expect(zoomed.length).toBeLessThanOrEqual(15);
    expect(zoomed[0].label).toBe('01-01 10:00');
  });
});

test('a single throttled minute inside a downsampled bucket shades that bucket', () => {
  const minutes = 60 * 1440;
  const throttledAt = 43_210;
  const timeline = Array.from({ length: minutes }, (_, m) => row(m, 1000, 2000, m === throttledAt ? 500 : 0));
  const svg = parse(timelineSvg('p', timeline, 2500, START));
  const shaded = svg.querySelectorAll('rect.throttled');
  expect(shaded).toHaveLength(1);
  const from = Number(shaded[0].getAttribute('data-from-minute'));
  const to = Number(shaded[0].getAttribute('data-to-minute'));
  expect(to - from).toBeGreaterThan(1);
  expect(from).toBeLessThanOrEqual(throttledAt);
  expect(to).toBeGreaterThan(throttledAt);
  expect(Number(shaded[0].getAttribute('width'))).toBeGreaterThanOrEqual(1);
});

test('floating-point noise is not throttling, and an unthrottled timeline has no shading', () => {
  const timeline = Array.from({ length: 5000 }, (_, m) => row(m, 1000, 2000, m === 7 ? 1e-9 : 0));
  expect(parse(timelineSvg('p', timeline, 2500, START)).querySelectorAll('rect.throttled')).toHaveLength(0);
});

test('downsampling keeps both envelopes: a one-minute spike of demand and a one-minute dip of capacity survive', () => {
  const timeline = Array.from({ length: 60 * 1440 }, (_, m) => row(m, m === 5000 ? 9000 : 1000, m === 5001 ? 10 : 2000));
  const buckets = downsample(timeline, CHART_BUCKETS);
  expect(buckets.length).toBeLessThanOrEqual(CHART_BUCKETS);
  expect(Math.max(...buckets.map((b) => b.demandMax))).toBe(9000);
  expect(Math.min(...buckets.map((b) => b.demandMin))).toBe(1000);
  expect(Math.min(...buckets.map((b) => b.capacityMin))).toBe(10);
  expect(Math.max(...buckets.map((b) => b.capacityMax))).toBe(2000);
  expect(buckets.reduce((a, b) => a + (b.to - b.from), 0)).toBe(timeline.length);
});
