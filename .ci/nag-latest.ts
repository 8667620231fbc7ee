// Run by .ci/nag-latest.sh in a scratch folder holding the packed library, the latest aws-cdk-lib and constructs, the
// newest cdk-nag v2 (as `cdk-nag`) and the latest cdk-nag (as `cdk-nag-latest`). Synthesizes the example app under
// AwsSolutions, NIST 800-53 rev 5 and Serverless, in v2 Aspects and in v3 Validations form, and fails on any
// unacknowledged finding on a resource the library creates. Findings on the example's own resources are listed but do
// not fail: their v2 acknowledgements are the example's, and v3 reads only Validations.acknowledge().
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, IAspect, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as library from 'cdk-kinesis-autoscaling';
import * as nagV2 from 'cdk-nag';
import * as nagLatest from 'cdk-nag-latest';
import { StreamingPlatformStack } from './examples/streaming-platform';

interface Finding { readonly rule: string; readonly path: string }
interface ValidationReport {
  readonly pluginReports: Array<{
    readonly pluginName: string;
    readonly violations: Array<{ readonly ruleName: string; readonly violatingConstructs: Array<{ readonly constructPath: string }> }>;
  }>;
}

const PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'Serverless'];
const versionOf = (pkg: string): string => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;

/** Paths of the constructs the library created: every instance of one of its exported classes, and all below it. */
function libraryPaths(stack: Stack): string[] {
  const classes: Function[] = Object.values(library).filter((v) => typeof v === 'function');
  return stack.node.findAll().filter((c) => classes.some((k) => c instanceof k)).map((c) => c.node.path.replace(/^\//, ''));
}

function split(findings: Finding[], roots: string[]): { library: Finding[]; user: Finding[] } {
  const inLibrary = (f: Finding) => roots.some((root) => f.path === root || f.path.startsWith(`${root}/`));
  return { library: findings.filter(inLibrary), user: findings.filter((f) => !inLibrary(f)) };
}

function runV2(): { findings: Finding[]; roots: string[] } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-v2-')) });
  const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
  const checks: IAspect[] = [new nagV2.AwsSolutionsChecks(), new nagV2.NIST80053R5Checks(), new nagV2.ServerlessChecks()];
  for (const check of checks) Aspects.of(app).add(check);
  const annotations = Annotations.fromStack(stack);
  const rule = Match.stringLikeRegexp(`^(${PACKS.map((p) => p.replace(/\./g, '\\.')).join('|')})-`);
  const findings = [...annotations.findError('*', rule), ...annotations.findWarning('*', rule)]
    .map((f) => ({ rule: String(f.entry.data).split(': ')[0], path: f.id.replace(/^\//, '') }));
  return { findings, roots: libraryPaths(stack) };
}

function runV3(): { findings: Finding[]; roots: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-v3-'));
  const app = new App({ outdir });
  const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
  const plugins: IPolicyValidationPlugin[] = [
    new nagLatest.AwsSolutionsChecks(app), new nagLatest.NIST80053R5Checks(app), new nagLatest.ServerlessChecks(app),
  ];
  Validations.of(app).addPlugins(...plugins);
  // A failed validation makes synth throw after it wrote the report, which is what is read here.
  try { app.synth(); } catch { /* the report below says why */ }
  const reportFile = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(reportFile)) return { findings: [], roots: libraryPaths(stack) };
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) => plugin.violations.flatMap((violation) =>
    violation.violatingConstructs.map((c) => ({ rule: violation.ruleName, path: c.constructPath }))));
  return { findings, roots: libraryPaths(stack) };
}

function summarize(form: string, run: { findings: Finding[]; roots: string[] }): number {
  const { library: onLibrary, user } = split(run.findings, run.roots);
  for (const pack of PACKS) {
    const count = (list: Finding[]) => list.filter((f) => f.rule.startsWith(`${pack}-`)).length;
    console.log(`nag-latest: ${form} ${pack}: ${count(onLibrary)} unacknowledged on library resources, ${count(user)} on the example's own`);
  }
  for (const f of onLibrary) console.error(`nag-latest: ${form}: ${f.path}: ${f.rule}`);
  for (const f of user) console.log(`nag-latest:   (example's own) ${form}: ${f.path}: ${f.rule}`);
  return onLibrary.length;
}

console.log(`nag-latest: cdk-kinesis-autoscaling ${versionOf('cdk-kinesis-autoscaling')} on aws-cdk-lib ${versionOf('aws-cdk-lib')}, ` +
  `constructs ${versionOf('constructs')}, cdk-nag ${versionOf('cdk-nag')} (v2 Aspects) and ${versionOf('cdk-nag-latest')} (Validations)`);
const failures = summarize(`cdk-nag ${versionOf('cdk-nag')}`, runV2()) + summarize(`cdk-nag ${versionOf('cdk-nag-latest')}`, runV3());
if (failures > 0) {
  console.error(`nag-latest: ${failures} unacknowledged finding(s) on library resources`);
  process.exit(1);
}
console.log('nag-latest: no unacknowledged finding on library resources');
