/**
 * The report benchmark: the HTML report of a 60-day trace (the first 60 days of the longest shared trace, every
 * policy), its size, and the time headless Chromium takes to render it; and docs/report-example.png, a screenshot of
 * the report for one shared trace. Writes docs/report-benchmark.md. Run with `npm run bench:report`; needs a
 * Chromium on PATH (Debian: apt-get install chromium), which CI does not.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TRACES } from './replay';
import { priceTable } from '../src/replay/prices';
import { DEFAULT_OPTIONS, peakOf, plan } from '../src/replay/replay';
import { htmlReport } from '../src/replay/report';
import { parseTrace, Trace } from '../src/replay/trace';

const ROOT = path.join(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const LIMIT_PCT = 0.5;
const SIXTY_DAYS = 60 * 1440;
const SCREENSHOT_TRACE = 'Twitter_volume_AAPL.csv';
const RUNS = 5;

function chromium(): string {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    if (spawnSync('which', [name]).status === 0) return name;
  }
  throw new Error('no Chromium on PATH: apt-get install chromium');
}

function report(trace: Trace, name: string): string {
  const { replayed, recommendation } = plan(trace, DEFAULT_OPTIONS, LIMIT_PCT);
  const prices = priceTable('us-east-1');
  return htmlReport({
    traceName: name,
    subtitle: `${trace.minutes.length.toLocaleString('en-US')} minutes, peak ${peakOf(trace, DEFAULT_OPTIONS)} MiB/s, ${DEFAULT_OPTIONS.recordBytes}-byte records`,
    startMs: trace.startMs,
    maxThrottlePct: LIMIT_PCT,
    prices,
    readers: 1,
    efoConsumers: 0,
    shardLevelMetrics: false,
    recommendation,
  }, replayed);
}

/** Wall time of one headless Chromium run that loads `file` and writes a screenshot, in seconds. */
function render(browser: string, file: string, png: string, height: number): number {
  const started = process.hrtime.bigint();
  execFileSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=1400,${height}`,
    `--screenshot=${png}`, `file://${file}`], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Milliseconds the page's zoom takes to redraw every panel, measured inside headless Chromium: the report with a probe
 * appended that presses "Zoom in" six times, then "Whole trace", and times each press (the redraw is synchronous).
 */
function zoomRedraws(browser: string, html: string, file: string): number[] {
  const probe = `<script>(function () {
  var times = [];
  function press(action) { var t = performance.now(); document.querySelector('[data-zoom="' + action + '"]').click(); times.push(performance.now() - t); }
  for (var i = 0; i < 6; i++) press('in');
  press('all');
  var out = document.createElement('pre'); out.id = 'zoom-probe'; out.textContent = JSON.stringify(times); document.body.appendChild(out);
})();</script>`;
  fs.writeFileSync(file, html.replace('</body>', `${probe}</body>`));
  const dom = execFileSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--window-size=1400,3600', '--dump-dom', `file://${file}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  const found = /<pre id="zoom-probe">([^<]*)<\/pre>/.exec(dom);
  if (!found) throw new Error('the zoom probe did not run: the zoom script failed in Chromium');
  return JSON.parse(found[1]) as number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const browser = chromium();
  const version = execFileSync(browser, ['--version'], { encoding: 'utf8' }).trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-bench-'));
  const files = fs.readdirSync(TRACES).filter((f) => f.endsWith('.csv'));
  const longest = files.map((f) => ({ f, t: parseTrace(fs.readFileSync(path.join(TRACES, f), 'utf8'), f) }))
    .sort((a, b) => b.t.minutes.length - a.t.minutes.length)[0];
  const sixtyDays: Trace = { ...longest.t, minutes: longest.t.minutes.slice(0, SIXTY_DAYS) };
  const html = report(sixtyDays, `${longest.f} (first 60 days)`);
  const reportFile = path.join(dir, 'sixty-days.html');
  fs.writeFileSync(reportFile, html);
  const blankFile = path.join(dir, 'blank.html');
  fs.writeFileSync(blankFile, '<!doctype html><html><body></body></html>');

  // Chromium's start-up is the same for both pages: the report's render time is the difference of the medians.
  const blank: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    blank.push(render(browser, blankFile, path.join(dir, 'blank.png'), 3600));
    full.push(render(browser, reportFile, path.join(dir, 'report.png'), 3600));
  }
  const renderSeconds = median(full) - median(blank);
  const redraws = zoomRedraws(browser, html, path.join(dir, 'zoom.html'));

  const screenshotTrace = parseTrace(fs.readFileSync(path.join(TRACES, SCREENSHOT_TRACE), 'utf8'), SCREENSHOT_TRACE);
  const exampleFile = path.join(dir, 'example.html');
  fs.writeFileSync(exampleFile, report(screenshotTrace, SCREENSHOT_TRACE));
  render(browser, exampleFile, path.join(DOCS, 'report-example.png'), 3400);

  const sizeMb = Buffer.byteLength(html) / 1e6;
  const lines = [
    '# Report benchmark',
    '',
    'Written by `npm run bench:report` (benchmarks/report.ts). The report of a 60-day trace: the first 60 days of',
    `${longest.f} (${sixtyDays.minutes.length.toLocaleString('en-US')} one-minute steps), every policy, at the default 32 MiB/s peak.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| HTML size | ${sizeMb.toFixed(2)} MB (${Buffer.byteLength(html).toLocaleString('en-US')} bytes) | under 2 MB |`,
    `| render time in headless Chromium | ${renderSeconds.toFixed(2)} s | under 2 s |`,
    `| zoom: redraw of every panel from the one-minute data | median ${median(redraws).toFixed(0)} ms, slowest ${Math.max(...redraws).toFixed(0)} ms | |`,
    '',
    `Render time: the median wall time of ${RUNS} headless Chromium runs that load the report and write a 1400 x 3600`,
    `screenshot, less the median of ${RUNS} runs on an empty page (the browser's own start-up). ${version}, Node.js ${process.version},`,
    `${os.cpus().length} cores. Medians: report ${median(full).toFixed(2)} s, empty page ${median(blank).toFixed(2)} s.`,
    `Zoom: ${redraws.length} presses in one page load (6 x "Zoom in", then "Whole trace"), each timed in the page; each`,
    'redraw buckets every panel again from the embedded one-minute data.',
    '',
    `[report-example.png](./report-example.png) is the report for ${SCREENSHOT_TRACE} (${screenshotTrace.minutes.length.toLocaleString('en-US')} minutes),`,
    'captured by the same run.',
    '',
  ];
  fs.writeFileSync(path.join(DOCS, 'report-benchmark.md'), lines.join('\n'));
  process.stdout.write(`wrote docs/report-benchmark.md and docs/report-example.png: ${sizeMb.toFixed(2)} MB, render ${renderSeconds.toFixed(2)} s, `
    + `zoom redraw median ${median(redraws).toFixed(0)} ms\n`);
}

main();
