/**
 * The fleet benchmark: 100 autoscaled streams with one enhanced fan-out consumer each, default props, and one
 * StreamDashboard over all of them, in one stack. Measures what CloudFormation and CloudWatch limit (resources per
 * stack, template bytes, widgets per dashboard) and the synth time, and writes docs/synth-benchmark.md.
 *
 * Run with `npm run bench:synth`. Not part of CI: timings depend on the machine.
 */
import { statSync, writeFileSync } from 'fs';
import { cpus, totalmem } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { KinesisStream, StreamDashboard } from '../src';

const STREAMS = 100;
const RUNS = 3;

interface Measured {
  readonly resources: number;
  readonly templateBytes: number;
  readonly widgetsPerDashboard: number[];
  readonly dashboardBodyBytes: number[];
  readonly seconds: number;
  readonly warnings: number;
  readonly warningTexts: string[];
}

function synthesize(): Measured {
  const started = process.hrtime.bigint();
  const app = new App();
  const stack = new Stack(app, 'Fleet', { env: { account: '111122223333', region: 'us-east-1' } });
  const streams = Array.from({ length: STREAMS }, (_, i) => {
    const stream = new KinesisStream(stack, `Stream${i}`, { autoscaling: { minShards: 1, maxShards: 64 } });
    stream.addConsumer('reader');
    return stream;
  });
  new StreamDashboard(stack, 'Dashboard', { streams });
  const assembly = app.synth();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const artifact = assembly.getStackByName('Fleet');
  const template = artifact.template as { Resources: Record<string, { Type: string; Properties?: { DashboardBody?: unknown } }> };
  const dashboards = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  const bodies = dashboards.map((d) => flatten(d.Properties!.DashboardBody));
  return {
    resources: Object.keys(template.Resources).length,
    // The file CloudFormation receives (the CLI uploads it as written), indentation included.
    templateBytes: statSync(artifact.templateFullPath).size,
    widgetsPerDashboard: bodies.map((b) => (JSON.parse(b) as { widgets: unknown[] }).widgets.length),
    dashboardBodyBytes: bodies.map((b) => b.length),
    seconds,
    warnings: artifact.messages.filter((m) => m.level === 'warning' && /CloudFormation refuses/.test(String(m.entry.data))).length,
    warningTexts: artifact.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)),
  };
}

/** A body of `Fn::Join` parts with each reference replaced by a 40-character stand-in for the name it resolves to. */
function flatten(body: unknown): string {
  if (typeof body === 'string') return body;
  const [, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((p) => (typeof p === 'string' ? p : 'x'.repeat(40))).join('');
}

const runs = Array.from({ length: RUNS }, synthesize);
const last = runs[runs.length - 1];
const times = runs.map((r) => r.seconds.toFixed(2));
const lines = [
  '# Synth benchmark: a fleet in one stack',
  '',
  `Measured by \`npm run bench:synth\` (benchmarks/fleet-synth.ts) on ${cpus().length} cores and ${Math.round(totalmem() / 2 ** 30)} GiB,`,
  `Node.js ${process.version}, on ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `${STREAMS} \`KinesisStream\`s with default props, \`autoscaling: { minShards: 1, maxShards: 64 }\` and one enhanced fan-out`,
  'consumer each, and one `StreamDashboard` over all of them, in one stack with the stack\'s own autoscaler.',
  '',
  '| measure | value | limit |',
  '|---|---|---|',
  `| resources in the stack | ${last.resources} | 500 (CloudFormation) |`,
  `| resources per stream | ${((last.resources) / STREAMS).toFixed(2)} (stream, key, consumer, health alarm; the rest is shared) | 8 (issue target) |`,
  `| template file size | ${(last.templateBytes / 1000).toFixed(0)} KB (${last.templateBytes} bytes) | 1 MB (CloudFormation, from S3) |`,
  `| dashboards | ${last.widgetsPerDashboard.length} | |`,
  `| widgets per dashboard | ${last.widgetsPerDashboard.join(', ')} | 500 (CloudWatch dashboard body) |`,
  `| dashboard body size | ${last.dashboardBodyBytes.map((b) => `${(b / 1000).toFixed(0)} KB`).join(', ')} (names as 40 characters) | |`,
  `| template-budget warnings | ${last.warnings} | |`,
  `| synth time (app.synth(), ${RUNS} runs) | ${times.join(' s, ')} s | 10 s (issue target) |`,
  '',
];
writeFileSync(join(__dirname, '..', 'docs', 'synth-benchmark.md'), lines.join('\n'));
console.log(lines.join('\n'));
console.log(last.warningTexts.join('\n'));
