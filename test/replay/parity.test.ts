import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { MergeShardsCommand, SplitShardCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { runTick } from '../../lambda/autoscaler/tick';
import { MinuteMetrics, PresetName, Step, uniformShards } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { answerFromTraffic, StreamTraffic } from '../lambda/fake-cloudwatch';
import { mockedAws, mockStream } from '../lambda/mocked-aws';

/** The replay simulator and the Lambda handler, given the same metrics, take the same first step. */

const MIB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const { kinesis, kinesisMock, cloudwatch, cloudwatchMock, events } = mockedAws();

async function handlerFirstStep(shards: number, traffic: StreamTraffic, preset: PresetName): Promise<Step | undefined> {
  kinesisMock.reset();
  mockStream(kinesisMock, 's', { shards });
  // The first operation is answered with an error, so the handler stops after it and reports what it tried.
  const refuse = Object.assign(new Error('stop here'), { name: 'ResourceInUseException' });
  kinesisMock.on(UpdateShardCountCommand).rejects(refuse);
  kinesisMock.on(SplitShardCommand).rejects(refuse);
  kinesisMock.on(MergeShardsCommand).rejects(refuse);
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ s: traffic })));
  let clock = NOW;
  await runTick({ streams: [{ streamName: 's', minShards: 1, maxShards: 64, preset }] }, {
    kinesis, cloudwatch, events, log: () => {}, now: () => (clock += 10), deadline: NOW + 30_000, sleep: async () => {},
  });
  const usc = kinesisMock.commandCalls(UpdateShardCountCommand)[0]?.args[0].input;
  if (usc) return { kind: 'UpdateShardCount', targetShardCount: usc.TargetShardCount! };
  const merge = kinesisMock.commandCalls(MergeShardsCommand)[0]?.args[0].input;
  if (merge) return { kind: 'MergeShards', shardToMerge: merge.ShardToMerge!, adjacentShardToMerge: merge.AdjacentShardToMerge! };
  return undefined;
}

function simulatorFirstStep(shards: number, traffic: StreamTraffic, preset: PresetName): Step | undefined {
  const minute: MinuteMetrics = {
    incomingBytes: traffic.bytesPerSecond * 60,
    incomingRecords: traffic.recordsPerSecond * 60,
    throttledRecords: (traffic.throttledPerSecond ?? 0) * 60,
    iteratorAgeMs: traffic.iteratorAgeMs ?? 0,
  };
  const history = Array.from({ length: 200 }, () => minute);
  const planner = corePolicy(preset, false, 64).plan({
    minute: 200,
    now: NOW,
    status: 'ACTIVE',
    shards: uniformShards(shards),
    visibleMinutes: history.length,
    recent: (count) => history.slice(-count),
    between: (start, end) => history.slice(start, end),
    updateShardCountCalls: [],
  });
  return planner?.(uniformShards(shards), 0);
}

test.each([
  ['a rise above the scale-out utilization', 2, { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 }, 'balanced'],
  ['throttled writes', 4, { bytesPerSecond: 3.9 * MIB, recordsPerSecond: 1900, throttledPerSecond: 300 }, 'safe'],
  ['a long quiet hour', 8, { bytesPerSecond: 0.4 * MIB, recordsPerSecond: 200 }, 'economy'],
  ['steady traffic that fits', 4, { bytesPerSecond: 2.2 * MIB, recordsPerSecond: 1100 }, 'balanced'],
] as Array<[string, number, StreamTraffic, PresetName]>)('%s: the same first step', async (scenario, shards, traffic, preset) => {
  const simulated = simulatorFirstStep(shards, traffic, preset);
  expect(await handlerFirstStep(shards, traffic, preset)).toEqual(simulated);
  if (!scenario.startsWith('steady')) expect(simulated).toBeDefined();
});
