import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** The one CI: what `npm run ci`, .ci/run and the build workflow run, read from projen's task file. */
const ROOT = path.join(__dirname, '..');
const tasks: Record<string, { steps?: Array<{ spawn?: string; exec?: string; execArgs?: string[] }> }> =
  JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;

/** Every task `name` runs, itself included, in order. */
function expand(name: string): string[] {
  return [name, ...(tasks[name]?.steps ?? []).flatMap((step) => (step.spawn ? expand(step.spawn) : []))];
}

test('npm run ci is the build, and .ci/run and the build workflow run it', () => {
  expect(tasks.ci.steps).toEqual([{ spawn: 'build' }]);
  expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm run ci$/m);
  expect(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'build.yml'), 'utf8')).toMatch(/run: npx projen build$/m);
});

test.each([
  ['bundle', 'test'], ['typecheck', 'test'], ['integ', 'test'],
  ['package:js', 'package'], ['package:bindings', 'package'], ['package:check', 'package'], ['nag:latest', 'package'],
])('the build runs %s (in %s)', (step, parent) => {
  expect(expand('build')).toContain(step);
  expect(expand(parent)).toContain(step);
});

test('the test task bundles the handlers and type-checks before jest runs', () => {
  const steps = tasks.test.steps ?? [];
  const jest = steps.findIndex((s) => s.execArgs?.[0] === 'jest' || s.exec?.startsWith('jest'));
  const at = (spawn: string) => steps.findIndex((s) => s.spawn === spawn);
  expect(jest).toBeGreaterThan(0);
  expect(at('bundle')).toBeGreaterThanOrEqual(0);
  expect(at('bundle')).toBeLessThan(jest);
  expect(at('typecheck')).toBeGreaterThanOrEqual(0);
  expect(at('typecheck')).toBeLessThan(jest);
});

test.each([
  'lambda/autoscaler/tick.ts', 'lambda/reconciler/reconciler.lambda.ts', 'test/nag.test.ts', 'examples/app.ts',
  'integ-tests/integ.autoscaler.ts', 'benchmarks/replay.ts',
])('the type-check covers %s', (file) => {
  const configFile = path.join(ROOT, 'tsconfig.typecheck.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  expect(parsed.options.noEmit).toBe(true);
  expect(parsed.fileNames).toContain(path.join(ROOT, file).split(path.sep).join('/'));
});
