import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { answerFromTraffic } from './fake-cloudwatch';
import { mockedAws, mockStream } from './mocked-aws';
import { runTick } from '../../lambda/autoscaler/tick';
import { SEASONAL_LOOKAHEAD_MINUTES, TickInput, TickOutput } from '../../src/core';

/**
 * What the handler hands the core and does with its answer, whatever the policy decides: the core's tick is the real
 * one, watched, and its answer amended where a test needs a judgement today's policy does not make.
 */
const inputs: TickInput[] = [];
let amend: (out: TickOutput) => TickOutput = (out) => out;
jest.mock('../../src/core', () => {
  const actual = jest.requireActual('../../src/core');
  return {
    ...actual,
    tick: (input: TickInput) => {
      inputs.push(input);
      return amend(actual.tick(input));
    },
  };
});

const MIB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const { kinesis, kinesisMock, cloudwatch, cloudwatchMock, events } = mockedAws();
let logs: Array<Record<string, unknown>> = [];

function run() {
  return runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }] }, {
    kinesis, cloudwatch, events, log: (entry) => logs.push(entry), now: () => NOW, deadline: NOW + 30_000, sleep: async () => {},
  });
}

beforeEach(() => {
  inputs.length = 0;
  logs = [];
  amend = (out) => out;
  kinesisMock.reset();
  cloudwatchMock.reset();
  mockStream(kinesisMock, 'orders', { shards: 2 });
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: MIB, recordsPerSecond: 500 } })));
});

test('the core sees the newest minute kept and the same stretch of yesterday', async () => {
  await run();

  const { observation } = inputs[0];
  // The fake publishes every minute but the current one: the newest kept starts two minutes before NOW's minute.
  const newest = Math.floor(NOW / 60_000) * 60_000 - 2 * 60_000;
  expect(observation.newestMinuteAt).toBe(newest);
  expect(observation.sameTimeYesterday).toHaveLength(SEASONAL_LOOKAHEAD_MINUTES + 1);
  expect(observation.sameTimeYesterday![0]).toEqual({ incomingBytes: 60 * MIB, incomingRecords: 30_000, throttledRecords: 0 });
});

test('a key-bound judgement is published as KeyBoundThrottling 1', async () => {
  amend = (out) => ({ ...out, decision: { ...out.decision, keyBound: true } });

  await run();

  expect(logs).toContainEqual(expect.objectContaining({ StreamName: 'orders', KeyBoundThrottling: 1 }));
  expect(logs).toContainEqual(expect.objectContaining({ message: 'decision', keyBound: true }));
});
