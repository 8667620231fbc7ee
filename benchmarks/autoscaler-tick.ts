/**
 * Benchmark (not a test): the size of the bundled handler, and the wall time and API calls of one autoscaler
 * invocation managing 50 streams on kinesis-local, with CloudWatch answered in process. Writes
 * docs/autoscaler-benchmark.md. Run with `npm run bench:autoscaler` (after `npx projen bundle`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { GetMetricDataCommand, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EnableEnhancedMonitoringCommand, KinesisClient, MetricsName } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { KinesisPort } from '../lambda/shared/kinesis-port';
import { runTick, TickResult } from '../lambda/autoscaler/tick';
import { coverageProblem, ManagedStreamInput } from '../src/core';
import { createActiveStream, kinesisClient, startKinesisEmulator, waitUntilActive } from '../test/emulator/kinesis-emulator';
import { answerFromTraffic, offlineCloudWatch, StreamTraffic } from '../test/lambda/fake-cloudwatch';

const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'lambda', 'autoscaler', 'autoscaler.lambda', 'index.js');
const STREAMS = 50;
const SHARDS = 4;
const MIB = 1024 * 1024;

/** Counts every Kinesis API call by name, as the SDK sends it. */
function countCalls(client: KinesisClient): Record<string, number> {
  const counts: Record<string, number> = {};
  client.middlewareStack.add((next, context) => async (args) => {
    counts[context.commandName] = (counts[context.commandName] ?? 0) + 1;
    return next(args);
  }, { step: 'initialize', name: 'countCalls' });
  return counts;
}

/** A mix: a fifth of the streams need 6 shards, a fifth have one hot shard, the rest fit their 4 shards. */
function trafficFor(index: number, shardIds: readonly string[]): StreamTraffic {
  if (index % 5 === 0) return { bytesPerSecond: 3.6 * MIB, recordsPerSecond: 1800 };
  if (index % 5 === 1) {
    return {
      bytesPerSecond: 1.4 * MIB,
      recordsPerSecond: 700,
      shardBytesPerSecond: Object.fromEntries(shardIds.map((id, i) => [id, (i === 0 ? 0.95 : 0.15) * MIB])),
    };
  }
  return { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 };
}

async function main(): Promise<void> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${path.relative(ROOT, BUNDLE)} is missing: run \`npx projen bundle\` first`);
  const bundleBytes = fs.statSync(BUNDLE).size;
  const bundleGzipBytes = gzipSync(fs.readFileSync(BUNDLE)).length;

  const emulator = await startKinesisEmulator();
  const kinesis = kinesisClient(emulator.endpoint);
  const port = new KinesisPort(kinesis);
  const cloudwatch = offlineCloudWatch();
  const events = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const names: string[] = [];
    for (let i = 0; i < STREAMS; i++) names.push(await createActiveStream(kinesis, SHARDS));
    const traffic: Record<string, StreamTraffic> = {};
    for (const [i, name] of names.entries()) {
      await kinesis.send(new EnableEnhancedMonitoringCommand({
        StreamName: name, ShardLevelMetrics: [MetricsName.INCOMING_BYTES, MetricsName.INCOMING_RECORDS],
      }));
      await waitUntilActive(kinesis, name);
      traffic[name] = trafficFor(i, (await port.openShards(name)).map((s) => s.shardId));
    }

    const queriesPerCall: number[] = [];
    mockClient(cloudwatch).on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      queriesPerCall.push(input.MetricDataQueries?.length ?? 0);
      return answerFromTraffic(() => traffic)(input);
    });
    mockClient(events).on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    const kinesisCalls = countCalls(kinesis);

    const settings: ManagedStreamInput[] = names.map((streamName) => ({ streamName, minShards: 1, maxShards: 64 }));
    const tick = async () => {
      const started = process.hrtime.bigint();
      const outcome: TickResult = await runTick({ streams: settings }, {
        kinesis, cloudwatch, events, log: () => {}, now: Date.now, deadline: Date.now() + 45_000, pollMs: 25,
      });
      return { result: outcome, wallMs: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const { result, wallMs } = await tick();
    const callsOfFirstTick = { ...kinesisCalls };
    for (const key of Object.keys(kinesisCalls)) delete kinesisCalls[key];
    const metricCallsOfFirstTick = queriesPerCall.length;
    const second = await tick();
    const callsOfSecondTick = Object.values(kinesisCalls).reduce((a, b) => a + b, 0);
    const secondActions = second.result.outcomes.filter((o) => o.steps.length > 0).length;

    const problems = [];
    for (const name of names) {
      const problem = coverageProblem(await port.openShards(name));
      if (problem) problems.push(`${name}: ${problem}`);
    }
    if (problems.length) throw new Error(`shard maps broken after the tick:\n${problems.join('\n')}`);

    const statuses: Record<string, number> = {};
    for (const outcome of result.outcomes) statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    const actions: Record<string, number> = {};
    for (const outcome of result.outcomes) {
      const action = outcome.decision?.action ?? 'none';
      actions[action] = (actions[action] ?? 0) + 1;
    }
    const totalKinesis = Object.values(callsOfFirstTick).reduce((a, b) => a + b, 0);
    const firstQueries = queriesPerCall.slice(0, metricCallsOfFirstTick);
    const totalQueries = firstQueries.reduce((a, b) => a + b, 0);

    const report = [
      '# Autoscaler benchmark',
      '',
      'Measured by `npm run bench:autoscaler` (benchmarks/autoscaler-tick.ts): one invocation of the real handler code',
      `managing ${STREAMS} provisioned streams of ${SHARDS} shards each, all with shard-level metrics, on kinesis-local`,
      '(resharding shortened to 100 ms), with CloudWatch answered in process. A fifth of the streams need twice their',
      'shards, a fifth have one hot shard, the rest are steady. The figures are from the run that wrote this file.',
      '',
      '| measure | value |',
      '|---|---|',
      `| handler bundle (assets/lambda/autoscaler/autoscaler.lambda/index.js) | ${(bundleBytes / 1024).toFixed(1)} KiB (${(bundleGzipBytes / 1024).toFixed(1)} KiB gzipped) |`,
      `| wall time of the invocation | ${(wallMs / 1000).toFixed(2)} s, resharding included (target: under 3 s) |`,
      `| GetMetricData calls | ${firstQueries.length} for ${totalQueries} queries (${firstQueries.join(' + ')}; at most 500 per call) |`,
      `| Kinesis API calls | ${totalKinesis}: ${Object.entries(callsOfFirstTick).sort().map(([k, v]) => `${k.replace(/Command$/, '')} ${v}`).join(', ')} |`,
      `| decisions | ${Object.entries(actions).sort().map(([k, v]) => `${k} ${v}`).join(', ')} |`,
      `| outcomes | ${Object.entries(statuses).sort().map(([k, v]) => `${k} ${v}`).join(', ')} |`,
      `| shard maps after the run | all ${STREAMS} contiguous over 0..2^128-1 |`,
      `| the next invocation (nothing left to do) | ${(second.wallMs / 1000).toFixed(2)} s, ${callsOfSecondTick} Kinesis calls, ${queriesPerCall.length - metricCallsOfFirstTick} GetMetricData calls, ${secondActions} streams resharded |`,
      '',
      `Node.js ${process.version} on ${process.platform}/${process.arch}. Against AWS, resharding takes seconds to minutes`,
      'rather than 100 ms; the handler stops starting operations 15 s before its timeout and continues at the next tick.',
      '',
    ].join('\n');
    fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'docs', 'autoscaler-benchmark.md'), report);
    process.stdout.write(report);
  } finally {
    kinesis.destroy();
    emulator.process.kill();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`benchmark failed: ${error.message}\n`);
  process.exit(1);
});
