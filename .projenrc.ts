import { awscdk, javascript, JsonFile } from 'projen';

/**
 * The aws-cdk-lib floor is 2.180.0 because it is the first release with both
 * `aws_kinesis.StreamConsumer` (enhanced fan-out consumers, which the stream
 * construct returns) and `aws_lambda_event_sources.KinesisConsumerEventSource`
 * (the one-call Lambda consumer). Everything newer that we need from
 * CloudFormation (MaxRecordSizeInKiB, WarmThroughputMiBps,
 * DesiredShardLevelMetrics) is set on the L1 with property overrides, so it
 * does not raise the floor.
 *
 * The constructs floor is 10.5.1: below 10.3.1 any construct with a method
 * named `validate()` fails synth ("has a validate() method which is no longer
 * supported"), and cdk-nag (v2.38 and v3) asks for ^10.5.1. Declared and
 * developed are the same: projen pins both dev dependencies to these exact
 * floors, and jsii, jest, cdk-nag and the integ snapshots all run against them.
 * `npm run nag:latest` checks the other end: the packed library on the newest
 * aws-cdk-lib, constructs and cdk-nag from the registry.
 *
 * cdk-nag is v2 in development on purpose: v3 needs aws-cdk-lib 2.257 or newer,
 * far above the floor, and the newest integ-runner (2.197.10) still cannot read
 * those releases' cloud assembly schema. The constructs record their
 * acknowledgements in both v2 and v3 formats, and `nag:latest` runs v3.
 */
const CDK_FLOOR = '2.180.0';
const CONSTRUCTS_FLOOR = '10.5.1';
/** No integ-tests-alpha exists for 2.180-2.186; this one's `^2.179.0` peer range admits the floor. */
const INTEG_TESTS_ALPHA = '2.179.0-alpha.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-kinesis-autoscaling',
  description:
    'Production-grade Amazon Kinesis Data Streams for AWS CDK: KMS encryption, enhanced fan-out consumers, ' +
    'recommended alarms and a shard autoscaler that splits and merges shards against throughput.',
  keywords: ['aws-cdk', 'awscdk', 'cdk', 'kinesis', 'kinesis-data-streams', 'autoscaling', 'shard', 'streaming', 'enhanced-fan-out'],
  author: 'cdk-kinesis-autoscaling maintainers',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/cdk-kinesis-autoscaling/cdk-kinesis-autoscaling.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_FLOOR,
  constructsVersion: CONSTRUCTS_FLOOR,
  jsiiVersion: '~6.0.0',

  // The planning command (import, replay) ships with the library as one file bundled from src/replay/ (see below).
  bin: { 'cdk-kinesis-autoscaling': 'assets/cli/index.js' },

  publishToPypi: { distName: 'cdk-kinesis-autoscaling', module: 'cdk_kinesis_autoscaling' },
  publishToMaven: {
    javaPackage: 'io.github.cdk_kinesis_autoscaling',
    mavenGroupId: 'io.github.cdk-kinesis-autoscaling',
    mavenArtifactId: 'cdk-kinesis-autoscaling',
  },
  publishToNuget: { dotNetNamespace: 'CdkKinesisAutoscaling', packageId: 'CdkKinesisAutoscaling' },
  publishToGo: { moduleName: 'github.com/cdk-kinesis-autoscaling/cdk-kinesis-autoscaling-go' },

  devDeps: [
    `@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`,
    '@aws-cdk/integ-runner@^2',
    'cdk-nag@^2.38.2',
    // Bundled into the autoscaler's Lambda asset at build time, never runtime dependencies of the library.
    '@aws-sdk/client-kinesis@^3',
    '@aws-sdk/client-cloudwatch@^3',
    '@aws-sdk/client-eventbridge@^3',
    '@aws-sdk/client-ssm@^3',
    '@smithy/node-http-handler@^4',
    // Test-only: a real Kinesis API (kinesis-mock) and CloudWatch mocking.
    'kinesis-local@^0.6',
    'aws-sdk-client-mock@^4',
    // Test-only: the replay report's structure is checked by parsing its HTML, without a browser.
    'node-html-parser@^9',
  ],

  // esbuild bundles the Lambda handlers at build time (see the LambdaFunction entries below).
  bundlerOptions: { esbuildVersion: '^0.25' },

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // One kinesis-local (a real Kinesis API) for the whole run; tests create uniquely named streams on it.
      globalSetup: '<rootDir>/test/emulator/global-setup.ts',
      globalTeardown: '<rootDir>/test/emulator/global-teardown.ts',
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', 'examples', 'integ-tests', 'benchmarks', 'projenrc'],
  },
  gitignore: ['/cdk.out/', 'integ-tests/cdk-integ.out.*', 'integ-tests/*.snapshot/asset.*', '.jsii.tabl.json'],
});

// eslint's project service type-checks each file with its nearest tsconfig: give every dev folder one.
for (const dir of ['examples', 'integ-tests', 'lambda', 'benchmarks']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'], exclude: ['**/*.snapshot/**', 'cdk-integ.out.*/**'] },
  });
}

// One program over every TypeScript folder outside src/ (which jsii compiles): jest transpiles file by file and eslint
// does not report type errors, so without this a type error in lambda/ would reach the bundle unnoticed.
const TYPECHECKED = ['lambda', 'test', 'examples', 'integ-tests', 'benchmarks'];
new JsonFile(project, 'tsconfig.typecheck.json', {
  obj: {
    extends: './test/tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '.' },
    include: TYPECHECKED.map((dir) => `${dir}/**/*.ts`),
    exclude: ['node_modules', 'integ-tests/**/*.snapshot/**', 'integ-tests/cdk-integ.out.*/**'],
  },
});

// The tarball holds lib/, assets/, API.md, README.md, LICENSE, package.json and .jsii; .ci/check-package.js fails CI
// on anything else. The rosetta tablet (.jsii.tabl.json, the README's snippets translated) stays out too: jsii-pacmak
// reads it in the repository, where the other languages' packages are built.
for (const pattern of [
  '/examples/', '/integ-tests/', '/benchmarks/', '/cdk.out/', '/docs/', '/.ci/', '/lambda/', '/rosetta/',
  '/tsconfig.typecheck.json', '/.npmignore', '/.jsii.tabl.json',
]) {
  project.addPackageIgnore(pattern);
}

project.compileTask.reset('jsii --silence-warnings=reserved-word');

// The handlers live in lambda/ (they import the scaling core from src/) and are bundled by esbuild at build time into
// assets/, which ships in the package: a user's synth never needs esbuild, Docker or the network. The AWS SDK v3 is
// left to the runtime, which provides it.
// Node.js 24 is the newest Lambda runtime. aws-cdk-lib 2.180 has no `Runtime.NODEJS_24_X`, so projen's generated
// construct builds it from its name (`new lambda.Runtime('nodejs24.x', RuntimeFamily.NODEJS)`), which the floor can
// express and which cdk-nag's AwsSolutions-L1 on the latest aws-cdk-lib accepts as the newest Node.js runtime.
for (const handler of ['autoscaler', 'reconciler']) {
  new awscdk.LambdaFunction(project, {
    entrypoint: `lambda/${handler}/${handler}.lambda.ts`,
    constructFile: `src/private/${handler}-function.ts`,
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    cdkDeps: project.cdkDeps,
  });
}

// The command bundles the AWS SDK clients `import` calls, so `npx cdk-kinesis-autoscaling` needs no other install; jsii
// libraries cannot have ordinary runtime dependencies. esbuild keeps the entry's #! line.
const bundleCli = project.addTask('bundle:cli', {
  description: 'Bundle the planning command (src/replay/bin.ts) with its AWS SDK clients into assets/cli/index.js',
  exec: 'esbuild --bundle src/replay/bin.ts --target=node20 --platform=node --minify --legal-comments=external '
    + '--outfile=assets/cli/index.js --tsconfig=test/tsconfig.json',
});
project.tasks.tryFind('bundle')!.spawn(bundleCli);

// README snippets must compile: rosetta strict fails the build on any that does not.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every TypeScript snippet in the README (strict)',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);

// The main job: synthesize the example app, offline, into cdk.out/.
const example = project.addTask('example', {
  description: 'Synthesize the example app into cdk.out/ (offline)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
});
example.spawn(project.tasks.tryFind('bundle')!);
example.exec('ts-node --project test/tsconfig.json examples/app.ts');

/** A benchmark, not a test: a script run with ts-node, after the handlers are bundled when it runs them. */
function addBenchmark(name: string, description: string, script: string, options: { bundleFirst?: boolean } = {}): void {
  const task = project.addTask(name, { description, env: { TS_NODE_TRANSPILE_ONLY: 'true' } });
  if (options.bundleFirst) task.spawn(project.tasks.tryFind('bundle')!);
  task.exec(`ts-node --project test/tsconfig.json ${script}`);
}

addBenchmark('bench:autoscaler',
  'Measure autoscaler ticks over 1,000 streams on kinesis-local behind the limit-enforcing double; writes docs/autoscaler-benchmark.md',
  'benchmarks/autoscaler-tick.ts', { bundleFirst: true });
addBenchmark('bench', 'Replay every trace in ../shared/traces through every policy; writes docs/benchmarks.md', 'benchmarks/replay.ts');
addBenchmark('bench:presets', 'Replay the balanced preset\'s candidate settings on every shared trace; writes docs/preset-sweep.md',
  'benchmarks/preset-sweep.ts');
addBenchmark('bench:synth', 'Synthesize a 100-stream fleet in one stack; writes docs/synth-benchmark.md', 'benchmarks/fleet-synth.ts', { bundleFirst: true });
addBenchmark('bench:largest',
  'Replay 60 days at --peak-mib 10000 through every policy under a 1 GB heap cap; writes docs/largest-benchmark.md', 'benchmarks/largest.ts');
// Needs a Chromium, so it is not run in CI.
addBenchmark('bench:report',
  'Render a 60-day replay report in headless Chromium; writes docs/report-benchmark.md and docs/report-example.png', 'benchmarks/report.ts');

// Snapshot verification needs no AWS credentials; transpile-only keeps it fast (eslint type-checks these files).
const integEnv = { TS_NODE_TRANSPILE_ONLY: 'true' };
const integApp = 'node -r ts-node/register {filePath}';
const integ = project.addTask('integ', {
  description: 'Verify the committed integ-test snapshots (no deployment)',
  exec: `integ-runner --directory integ-tests --language typescript --app "${integApp}" --parallel-regions us-east-1`,
  env: integEnv,
});
project.addTask('integ:update', {
  description: 'Re-synthesize the integ-test snapshots without deploying',
  exec: `integ-runner --directory integ-tests --language typescript --app "${integApp}" --parallel-regions us-east-1 --update-on-failed --dry-run --force`,
  env: integEnv,
});

// Type-check every TypeScript folder, then test: the test task bundles first, so `npm test` on a fresh clone runs the
// handler tests against the handlers as they are now.
const typecheck = project.addTask('typecheck', {
  description: `Type-check ${TYPECHECKED.join(', ')} (tsc --noEmit)`,
  exec: 'tsc --noEmit -p tsconfig.typecheck.json',
});
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// The other languages' bindings must keep generating, offline: code only, into a scratch folder.
const bindings = project.addTask('package:bindings', {
  description: 'Generate the Python, Java, .NET and Go bindings (code only, offline)',
  exec: 'rm -rf dist/bindings && jsii-pacmak --code-only --force --target python --target java --target dotnet --target go --outdir dist/bindings',
});

// The npm tarball holds what users need and nothing else.
const packageCheck = project.addTask('package:check', {
  description: 'Fail if the npm tarball holds anything but lib/, assets/, API.md, README.md, LICENSE, package.json, .jsii',
  exec: 'node .ci/check-package.js',
});

// The other end of the supported range: the packed library on the newest aws-cdk-lib, constructs and cdk-nag.
const nagLatest = project.addTask('nag:latest', {
  description: 'Install the packed library with the latest aws-cdk-lib, constructs and cdk-nag v2 and v3 in a scratch folder; synthesize the example app and run every nag pack',
  exec: 'bash .ci/nag-latest.sh',
});

// One definition of green: `npm run ci`, .ci/run and the build workflow all run projen's `build` (synth, bundle, jsii,
// docgen, rosetta, test, package), whose test task also verifies the integ snapshots and whose package task also
// generates the other languages' bindings, checks the tarball and runs the latest-CDK nag check.
project.testTask.spawn(integ);
project.packageTask.spawn(bindings);
project.packageTask.spawn(packageCheck);
project.packageTask.spawn(nagLatest);
// CI=true as in the build workflow: the package step then builds the npm package only (package:js), not package-all,
// which needs the Python, Java, .NET and Go toolchains; the bindings are still generated by package:bindings.
const ci = project.addTask('ci', { description: 'Everything CI checks, in order (projen build, as CI runs it)', env: { CI: 'true' } });
ci.spawn(project.buildTask);

project.synth();
