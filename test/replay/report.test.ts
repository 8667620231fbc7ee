import { HTMLElement, parse } from 'node-html-parser';
import { dominated } from '../../src/replay/advisor';
import { TimelineRow } from '../../src/replay/outcome';
import { priceTable } from '../../src/replay/prices';
import { DEFAULT_OPTIONS, plan } from '../../src/replay/replay';
import { CHART_BUCKETS, downsample, htmlReport, timelineSvg } from '../../src/replay/report';
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

  test('is one self-contained file: no script, no external resource', () => {
    expect(page.querySelectorAll('script, link, img, iframe')).toHaveLength(0);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
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
