import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The first fenced block of `language` after `heading`. */
function blockAfter(heading: string, language: string): string {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  const match = new RegExp('```' + language + '[^\\n]*\\n([\\s\\S]*?)```').exec(section);
  if (!match) throw new Error(`no ${language} block after ${heading}`);
  return match[1];
}

test('the install line comes first, then the two commands that set up and run the example and the tests', () => {
  const install = README.indexOf('npm install cdk-kinesis-autoscaling');
  expect(install).toBeGreaterThan(0);
  expect(README.indexOf('npm ci && npm run example')).toBeGreaterThan(install);
  expect(README.indexOf('npm ci && npm run ci')).toBeGreaterThan(install);
});

test('the first stack is a complete app that synthesizes as written', () => {
  const source = blockAfter('## Your first stack', 'ts');
  expect(source).toMatch(/^import /);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'first-stack-'));
  const file = path.join(outdir, 'app.ts');
  // Outside the repository, so packages resolve from here: the library's source stands in for the package.
  const root = path.join(__dirname, '..');
  fs.writeFileSync(file, source
    .replace("from 'cdk-kinesis-autoscaling'", `from ${JSON.stringify(path.join(root, 'src'))}`)
    .replace(/from '(aws-cdk-lib[^']*)'/g, (_, pkg) => `from ${JSON.stringify(path.join(root, 'node_modules', pkg))}`));
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    // The snippet is a script whose effect is the synth: it must run, not be imported for its exports.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.isolateModules(() => require(file));
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR; else process.env.CDK_OUTDIR = previous;
  }
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Ingest.template.json'), 'utf8'));
  const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
  expect(types).toEqual(expect.arrayContaining(['AWS::Kinesis::Stream', 'AWS::Kinesis::StreamConsumer', 'AWS::CloudWatch::Dashboard', 'AWS::Events::Rule']));
});

test('links work on Construct Hub: nothing outside the package is linked relatively', () => {
  const relative = [...README.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => m[1]);
  expect(relative).toEqual([]);
  expect(README).not.toContain('../shared');
});

test('every synth warning the library gives is listed with what to do', () => {
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? sources(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []);
  const ids = new Set(sources(path.join(__dirname, '..', 'src'))
    .flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/addWarningV2\(\s*'(cdk-kinesis-autoscaling:[A-Za-z]+)'/g)].map((m) => m[1])));
  expect(ids.size).toBeGreaterThan(5);
  const listed = [...README.matchAll(/^\| `(cdk-kinesis-autoscaling:[A-Za-z]+)` \|/gm)].map((m) => m[1]);
  expect([...ids].filter((id) => !listed.includes(id))).toEqual([]);
});
