import { TimelineRow } from './outcome';

/** Minutes that throttled less than a millionth of their demand are floating-point noise (as the simulator counts). */
export function throttledMinute(row: TimelineRow): boolean {
  return row.throttledBytes > 1e-6 * row.demandBytesPerSecond * 60;
}

/** The geometry of a timeline panel, shared by the page's SVG and its zoom script. */
export const CHART = {
  width: 1200,
  height: 150,
  left: 70,
  right: 10,
  plotTop: 18,
  plotBottom: 130,
} as const;

/** Buckets per chart: one per pixel column of the plot area, at any zoom. */
export const CHART_BUCKETS = CHART.width - CHART.left - CHART.right;

/** Demand and capacity are embedded as fractions of the shared y-scale in 1/65535 steps: far below a pixel. */
const LEVELS = 65535;

/** The full-resolution timelines as the page embeds them for its zoom script. */
export interface ZoomData {
  readonly minutes: number;
  readonly startMs: number;
  readonly chart: typeof CHART & { readonly buckets: number };
  /** Distinct demand series (every policy replays the same trace, so usually one): little-endian uint16, base64. */
  readonly demand: readonly string[];
  readonly policies: ReadonlyArray<{
    readonly policy: string;
    /** Index into `demand`. */
    readonly demand: number;
    /** Capacity as runs: start minute, level, start minute, level... (a run lasts until the next one starts). */
    readonly capacity: readonly number[];
    /** Throttled minutes as runs: from, to (exclusive), from, to... */
    readonly throttled: readonly number[];
  }>;
}

/**
 * Every policy's timeline at one-minute resolution, compact enough for a 60-day page: demand once (quantized to the
 * y-scale `top`), capacity run-length encoded, throttled minutes as runs. Throttling comes from the exact figures,
 * never from the quantized ones.
 */
export function zoomData(
  entries: ReadonlyArray<{ readonly policy: string; readonly timeline: readonly TimelineRow[] }>, top: number, startMs: number): ZoomData {
  const level = (v: number) => Math.round((Math.min(Math.max(v, 0), top) / top) * LEVELS);
  const demandSeries: Uint16Array[] = [];
  const policies = entries.map(({ policy, timeline }) => {
    const demand = Uint16Array.from(timeline, (r) => level(r.demandBytesPerSecond));
    let index = demandSeries.findIndex((d) => d.length === demand.length && d.every((v, i) => v === demand[i]));
    if (index < 0) index = demandSeries.push(demand) - 1;
    const capacity: number[] = [];
    const throttled: number[] = [];
    let throttling = false;
    timeline.forEach((r, m) => {
      const c = level(r.capacityBytesPerSecond);
      if (m === 0 || c !== capacity[capacity.length - 1]) capacity.push(m, c);
      const t = throttledMinute(r);
      if (t !== throttling) throttled.push(m);
      throttling = t;
    });
    if (throttling) throttled.push(timeline.length);
    return { policy, demand: index, capacity, throttled };
  });
  return {
    minutes: entries[0]?.timeline.length ?? 0,
    startMs,
    chart: { ...CHART, buckets: CHART_BUCKETS },
    demand: demandSeries.map(littleEndianBase64),
    policies,
  };
}

function littleEndianBase64(values: Uint16Array): string {
  const bytes = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => bytes.writeUInt16LE(v, 2 * i));
  return bytes.toString('base64');
}

/** The data as a JSON script element; `<` escaped so no value can close the element. */
export function zoomDataElement(data: ZoomData): string {
  return `<script type="application/json" id="timeline-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

/**
 * The page's bucketing, in the browser's JavaScript: the same envelope rule as `downsample` (lowest and highest
 * minute of demand and capacity per bucket, throttled when any minute is), over any window of minutes. A test runs it
 * against `downsample` so the two never drift apart.
 */
export const BUCKETIZE_JS = `function bucketize(demand, capacity, throttled, a, b, count) {
  var size = Math.max(1, Math.ceil((b - a) / count));
  var out = [];
  for (var from = a; from < b; from += size) {
    var to = Math.min(b, from + size);
    var dMin = Infinity, dMax = 0, cMin = Infinity, cMax = 0, t = false;
    for (var i = from; i < to; i++) {
      var d = demand[i], c = capacity[i];
      if (d < dMin) dMin = d;
      if (d > dMax) dMax = d;
      if (c < cMin) cMin = c;
      if (c > cMax) cMax = c;
      if (throttled[i]) t = true;
    }
    out.push({ from: from, to: to, demandMin: dMin, demandMax: dMax, capacityMin: cMin, capacityMax: cMax, throttled: t });
  }
  return out;
}`;

/** The time axis's ticks over minutes [a, b] of a trace starting at startMs: the same steps and labels as the page's. */
export const TIME_TICKS_JS = `function timeTicks(startMs, a, b) {
  var H = 60, D = 24 * H;
  var STEPS = [5, 10, 15, 30, H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 28 * D];
  var step = STEPS[STEPS.length - 1];
  for (var s = 0; s < STEPS.length; s++) if ((b - a) / STEPS[s] <= 14) { step = STEPS[s]; break; }
  var startMinute = Math.floor(startMs / 60000);
  var align = Math.min(step, D);
  var ticks = [];
  for (var m = Math.ceil((startMinute + a) / align) * align - startMinute; m <= b; m += step) {
    var date = new Date((startMinute + m) * 60000).toISOString();
    ticks.push({ minute: m, label: step >= D ? date.slice(5, 10) : date.slice(5, 10) + ' ' + date.slice(11, 16) });
  }
  return ticks;
}`;

/**
 * Zooms the time axis of every timeline panel together: drag across a panel to zoom into that span, double-click or
 * "Whole trace" to come back, buttons to zoom and pan. Each view is bucketed again from the embedded one-minute data,
 * one bucket per pixel column, so throttled minutes stay shaded at every zoom. No network, no library.
 */
const ZOOM_JS = `(function () {
  'use strict';
  var dataElement = document.getElementById('timeline-data');
  var toolbar = document.getElementById('timeline-zoom');
  if (!dataElement || !toolbar || typeof atob !== 'function') return;
  var data = JSON.parse(dataElement.textContent);
  var C = data.chart, n = data.minutes, LEVELS = ${LEVELS}, NS = 'http://www.w3.org/2000/svg';
  if (n < 2) return;
  var plotWidth = C.width - C.left - C.right;
  ${BUCKETIZE_JS}
  ${TIME_TICKS_JS}
  function decode(text) {
    var bytes = atob(text), out = new Uint16Array(bytes.length >> 1);
    for (var i = 0; i < out.length; i++) out[i] = bytes.charCodeAt(2 * i) | (bytes.charCodeAt(2 * i + 1) << 8);
    return out;
  }
  function levels(runs) {
    var out = new Uint16Array(n);
    for (var k = 0; k < runs.length; k += 2) out.fill(runs[k + 1], runs[k], k + 2 < runs.length ? runs[k + 2] : n);
    return out;
  }
  function flags(runs) {
    var out = new Uint8Array(n);
    for (var k = 0; k < runs.length; k += 2) out.fill(1, runs[k], runs[k + 1]);
    return out;
  }
  var demands = data.demand.map(decode);
  var svgs = Array.prototype.slice.call(document.querySelectorAll('svg.timeline'));
  var panels = [];
  data.policies.forEach(function (p) {
    var svg = svgs.filter(function (s) { return s.getAttribute('data-policy') === p.policy; })[0];
    if (!svg) return;
    var selection = document.createElementNS(NS, 'rect');
    selection.setAttribute('class', 'selection');
    selection.setAttribute('y', C.plotTop);
    selection.setAttribute('height', C.plotBottom - C.plotTop);
    selection.style.display = 'none';
    svg.appendChild(selection);
    panels.push({ svg: svg, selection: selection, demand: demands[p.demand], capacity: levels(p.capacity), throttled: flags(p.throttled) });
  });
  var view = { a: 0, b: n };
  function label(minute) {
    return new Date(Math.floor(data.startMs / 60000) * 60000 + minute * 60000).toISOString().slice(0, 16).replace('T', ' ');
  }
  function draw(panel) {
    var a = view.a, b = view.b;
    var buckets = bucketize(panel.demand, panel.capacity, panel.throttled, a, b, C.buckets);
    function x(m) { return (C.left + ((m - a) / (b - a)) * plotWidth).toFixed(1); }
    function y(q) { return (C.plotBottom - (q / LEVELS) * (C.plotBottom - C.plotTop)).toFixed(1); }
    function steps(value, order, reverse) {
      var points = [];
      for (var i = 0; i < order.length; i++) {
        var v = y(value(order[i]));
        var start = reverse ? x(order[i].to) : x(order[i].from), end = reverse ? x(order[i].from) : x(order[i].to);
        if (i === 0 || v !== y(value(order[i - 1]))) points.push(start + ',' + v);
        if (i === order.length - 1 || v !== y(value(order[i + 1]))) points.push(end + ',' + v);
      }
      return points.join('L');
    }
    var reversed = buckets.slice().reverse();
    function band(upper, lower) { return 'M' + steps(upper, buckets, false) + 'L' + steps(lower, reversed, true) + 'Z'; }
    function set(selector, d) { var path = panel.svg.querySelector(selector); if (path) path.setAttribute('d', d); }
    set('path.capacity-band', band(function (k) { return k.capacityMax; }, function (k) { return k.capacityMin; }));
    set('path.demand-band', band(function (k) { return k.demandMax; }, function (k) { return k.demandMin; }));
    set('path.capacity', 'M' + steps(function (k) { return k.capacityMin; }, buckets, false));
    set('path.demand', 'M' + steps(function (k) { return k.demandMax; }, buckets, false));
    var shading = [];
    for (var i = 0; i < buckets.length; i++) {
      if (!buckets[i].throttled) continue;
      var j = i;
      while (j + 1 < buckets.length && buckets[j + 1].throttled) j++;
      var width = Math.max(1, Number(x(buckets[j].to)) - Number(x(buckets[i].from)));
      shading.push('<rect class="throttled" data-from-minute="' + buckets[i].from + '" data-to-minute="' + buckets[j].to + '" x="' + x(buckets[i].from)
        + '" y="' + C.plotTop + '" width="' + width.toFixed(1) + '" height="' + (C.plotBottom - C.plotTop) + '"/>');
      i = j;
    }
    panel.svg.querySelector('g.shading').innerHTML = shading.join('');
    panel.svg.querySelector('g.time-axis').innerHTML = timeTicks(data.startMs, a, b).map(function (t) {
      return '<line class="grid" x1="' + x(t.minute) + '" x2="' + x(t.minute) + '" y1="' + C.plotTop + '" y2="' + C.plotBottom + '"/><text class="tick" x="'
        + x(t.minute) + '" y="' + (C.plotBottom + 13) + '" text-anchor="middle">' + t.label + '</text>';
    }).join('');
  }
  var range = document.getElementById('timeline-range');
  var bucketText = document.getElementById('timeline-bucket');
  function show(a, b) {
    var width = Math.min(n, Math.max(Math.min(n, 30), Math.round(b - a)));
    a = Math.max(0, Math.min(n - width, Math.round(a)));
    if (a === view.a && a + width === view.b) return;
    view = { a: a, b: a + width };
    panels.forEach(draw);
    if (range) range.textContent = view.a === 0 && view.b === n ? 'Whole trace' : 'Showing ' + label(view.a) + ' to ' + label(view.b) + ' UTC';
    if (bucketText) bucketText.textContent = String(Math.max(1, Math.ceil((view.b - view.a) / C.buckets)));
  }
  toolbar.addEventListener('click', function (event) {
    var action = event.target && event.target.getAttribute && event.target.getAttribute('data-zoom');
    var w = view.b - view.a, mid = (view.a + view.b) / 2;
    if (action === 'in') show(mid - w / 4, mid + w / 4);
    else if (action === 'out') show(mid - w, mid + w);
    else if (action === 'earlier') show(view.a - w / 2, view.b - w / 2);
    else if (action === 'later') show(view.a + w / 2, view.b + w / 2);
    else if (action === 'all') show(0, n);
  });
  var drag = null;
  function plotX(svg, clientX) {
    var box = svg.getBoundingClientRect();
    var px = ((clientX - box.left) / Math.max(1, box.width)) * C.width;
    return Math.max(C.left, Math.min(C.width - C.right, px));
  }
  function minuteAt(px) { return view.a + ((px - C.left) / plotWidth) * (view.b - view.a); }
  function select(x0, x1) {
    panels.forEach(function (p) {
      p.selection.style.display = x1 === null ? 'none' : '';
      if (x1 !== null) { p.selection.setAttribute('x', Math.min(x0, x1)); p.selection.setAttribute('width', Math.abs(x1 - x0)); }
    });
  }
  panels.forEach(function (p) {
    p.svg.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      drag = { svg: p.svg, x0: plotX(p.svg, event.clientX) };
      if (p.svg.setPointerCapture) p.svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    p.svg.addEventListener('pointermove', function (event) {
      if (drag && drag.svg === p.svg) select(drag.x0, plotX(p.svg, event.clientX));
    });
    p.svg.addEventListener('pointerup', function (event) {
      if (!drag || drag.svg !== p.svg) return;
      var x0 = drag.x0, x1 = plotX(p.svg, event.clientX);
      drag = null;
      select(0, null);
      if (Math.abs(x1 - x0) >= 3) show(minuteAt(Math.min(x0, x1)), minuteAt(Math.max(x0, x1)));
    });
    p.svg.addEventListener('pointercancel', function () { drag = null; select(0, null); });
    p.svg.addEventListener('dblclick', function () { show(0, n); });
  });
  toolbar.hidden = false;
})();`;

/** The zoom controls, hidden until the script runs (without it the page still shows the whole trace). */
export function zoomControls(): string {
  return '<div class="zoom" id="timeline-zoom" role="toolbar" aria-label="zoom the time axis of every panel" hidden>'
    + '<button type="button" data-zoom="in">Zoom in</button><button type="button" data-zoom="out">Zoom out</button>'
    + '<button type="button" data-zoom="earlier">&#9664; Earlier</button><button type="button" data-zoom="later">Later &#9654;</button>'
    + '<button type="button" data-zoom="all">Whole trace</button> <span id="timeline-range" class="small">Whole trace</span>'
    + '<span class="small"> · drag across a panel to zoom into that span, double-click to see the whole trace</span></div>';
}

/** The zoom script element. */
export function zoomScriptElement(): string {
  return `<script>${ZOOM_JS}</script>`;
}
