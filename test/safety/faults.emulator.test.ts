import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AddTagsToStreamCommand, DeleteStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { runTick, TickResult } from '../../lambda/autoscaler/tick';
import { coverageProblem, formatTimestamp, readState, STATE_TAGS, UPDATE_SHARD_COUNT_CALLS_PER_DAY, updateShardCountCallsInWindow } from '../../src/core';
import { createActiveStream } from '../emulator/kinesis-emulator';
import { answerFromTraffic, StreamTraffic } from '../lambda/fake-cloudwatch';
import { mockedAws } from '../lambda/mocked-aws';

/**
 * Every fault the AWS APIs produce, injected into the real handler running against kinesis-local. After each, the
 * stream's shard map is contiguous over the whole key space, its open count is within [min, max], no limit was
 * exceeded, and the next invocation converges.
 */

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const MIN = 2;
const MAX = 12;
/** 4.5 MiB/s at the balanced preset's 65 % target needs 7 shards. */
const BUSY: StreamTraffic = { bytesPerSecond: 4.5 * MIB, recordsPerSecond: 900 };
const TARGET = 7;

interface Fault {
  readonly command: string;
  /** Which calls of the command fail, counting from 1. */
  readonly calls: readonly number[];
  readonly error: () => Error;
  readonly before?: () => Promise<void>;
}

/** A Kinesis client for the emulator, with the SDK's own retries (as in Lambda) and faults injected before sending. */
function faultyKinesis(faults: Fault[]): KinesisClient {
  const client = new KinesisClient({
    endpoint: process.env.KINESIS_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 3,
    retryStrategy: undefined,
  });
  const seen: Record<string, number> = {};
  client.middlewareStack.add((next, context) => async (args) => {
    const name = context.commandName ?? '';
    const count = seen[name] = (seen[name] ?? 0) + 1;
    const fault = faults.find((f) => `${f.command}Command` === name && f.calls.includes(count));
    if (fault) {
      await fault.before?.();
      throw fault.error();
    }
    return next(args);
  }, { step: 'finalizeRequest', name: 'injectFaults' });
  return client;
}

function awsError(name: string, status: number, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(`${name} (injected)`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

const { cloudwatch, cloudwatchMock, events } = mockedAws();
const clean = faultyKinesis([]);
const port = new KinesisPort(clean);
afterAll(() => clean.destroy());

let traffic: Record<string, StreamTraffic> = {};
beforeEach(() => {
  traffic = {};
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => traffic));
});

function tick(kinesis: KinesisClient, streamNames: string[]): Promise<TickResult> {
  return runTick({ streams: streamNames.map((streamName) => ({ streamName, minShards: MIN, maxShards: MAX })) }, {
    kinesis, cloudwatch, events, log: () => {}, now: Date.now, deadline: Date.now() + 40_000, pollMs: 20,
  });
}

async function busyStream(shards = 2): Promise<string> {
  const name = await createActiveStream(clean, shards);
  traffic[name] = BUSY;
  return name;
}

async function expectHealthy(streamName: string): Promise<number> {
  const shards = await port.openShards(streamName);
  expect(coverageProblem(shards)).toBeUndefined();
  expect(shards.length).toBeGreaterThanOrEqual(MIN);
  expect(shards.length).toBeLessThanOrEqual(MAX);
  const state = readState(await port.tags(streamName));
  const calls = updateShardCountCallsInWindow({ now: Date.now(), updateShardCountCalls: state.updateShardCountCalls });
  expect(calls).toBeLessThanOrEqual(UPDATE_SHARD_COUNT_CALLS_PER_DAY);
  return shards.length;
}

/** The fault's tick, then a clean one: the stream must be healthy after each and at the target after the second. */
async function survives(streamName: string, faults: Fault[]): Promise<TickResult> {
  const faulty = faultyKinesis(faults);
  try {
    const first = await tick(faulty, [streamName]);
    await expectHealthy(streamName);
    await tick(clean, [streamName]);
    expect(await expectHealthy(streamName)).toBe(TARGET);
    return first;
  } finally {
    faulty.destroy();
  }
}

test('ResourceInUseException (stream UPDATING): skipped, then converges', async () => {
  const stream = await busyStream();
  const first = await survives(stream, [{ command: 'UpdateShardCount', calls: [1], error: () => awsError('ResourceInUseException', 400) }]);
  expect(first.outcomes[0].status).toBe('skipped');
});

test('LimitExceededException on UpdateShardCount: backs off to splits, then converges', async () => {
  const stream = await busyStream();
  const limit = () => awsError('LimitExceededException', 400);
  const first = await survives(stream, [{ command: 'UpdateShardCount', calls: [1, 2, 3], error: limit }]);
  expect(first.outcomes[0].message).toMatch(/^backing off/);
  expect(readState(await port.tags(stream)).updateShardCountBlockedUntil).toBeGreaterThan(Date.now());
});

test('Kinesis throttling and 5xx are retried by the SDK', async () => {
  const stream = await busyStream();
  const first = await survives(stream, [
    { command: 'ListShards', calls: [1], error: () => awsError('ThrottlingException', 400) },
    { command: 'DescribeStreamSummary', calls: [1], error: () => awsError('InternalFailure', 500, 'server') },
  ]);
  expect(first.outcomes[0].status).toBe('scaled');
});

test('a timeout fails the stream for this tick only', async () => {
  const stream = await busyStream();
  const timeout = () => Object.assign(new Error('socket timed out (injected)'), { name: 'TimeoutError' });
  const first = await survives(stream, [{ command: 'ListTagsForStream', calls: [1, 2, 3], error: timeout }]);
  expect(first.outcomes[0]).toMatchObject({ status: 'error', steps: [] });
});

test('a crash between two steps of a plan: the first step is recorded, and the next invocation finishes', async () => {
  const stream = await busyStream();
  // Budget spent: the plan is a sequence of splits; the process dies on the second.
  await clean.send(new AddTagsToStreamCommand({
    StreamName: stream,
    Tags: { [STATE_TAGS.updateShardCountCalls]: Array.from({ length: 10 }, (_, i) => formatTimestamp(Date.now() - (i + 1) * 60_000)).join(' ') },
  }));
  const first = await survives(stream, [{ command: 'SplitShard', calls: [2], error: () => new Error('Runtime exited (injected crash)') }]);
  expect(first.outcomes[0].status).toBe('error');
  expect(readState(await port.tags(stream)).lastScalingAt).toBeDefined();
});

test('CloudWatch throttling or 5xx changes nothing, and the next invocation converges', async () => {
  const stream = await busyStream();
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).rejectsOnce(awsError('InternalServiceError', 500, 'server'))
    .callsFake(answerFromTraffic(() => traffic));
  const first = await survives(stream, []);
  expect(first.outcomes[0].status).toBe('error');
});

test('CloudWatch answering empty or NaN is unknown: nothing changes', async () => {
  const stream = await busyStream();
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand)
    .resolvesOnce({ MetricDataResults: [] })
    .callsFakeOnce((input) => ({
      MetricDataResults: input.MetricDataQueries.map((q: { Id: string }) => ({
        Id: q.Id, Timestamps: [new Date(Date.now() - 120_000)], Values: [NaN],
      })),
    }))
    .callsFake(answerFromTraffic(() => traffic));
  for (let i = 0; i < 2; i++) {
    const result = await tick(clean, [stream]);
    expect(result.outcomes[0].decision?.reason).toContain('no metrics');
    expect(await expectHealthy(stream)).toBe(2);
  }
  await tick(clean, [stream]);
  expect(await expectHealthy(stream)).toBe(TARGET);
});

test('CloudWatch answering for some streams only: the others wait', async () => {
  const reported = await busyStream();
  const silent = await busyStream();
  delete traffic[silent];
  const result = await tick(clean, [reported, silent]);
  expect(Object.fromEntries(result.outcomes.map((o) => [o.streamName, o.openShards]))).toEqual({ [reported]: TARGET, [silent]: 2 });
});

test('a stream deleted mid-run is reported, and the next invocation goes on with the others', async () => {
  const doomed = await busyStream();
  const other = await busyStream();
  const faulty = faultyKinesis([{
    command: 'UpdateShardCount',
    calls: [1],
    before: async () => { await clean.send(new DeleteStreamCommand({ StreamName: doomed })); },
    error: () => awsError('ResourceNotFoundException', 400),
  }]);
  try {
    const first = await tick(faulty, [doomed, other]);
    expect(first.outcomes.find((o) => o.streamName === doomed)?.status).toBe('not-found');
  } finally {
    faulty.destroy();
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const next = await tick(clean, [doomed, other]);
  expect(next.outcomes.find((o) => o.streamName === doomed)?.status).toBe('not-found');
  expect(await expectHealthy(other)).toBe(TARGET);
});

test('two invocations at once leave one healthy stream at the target', async () => {
  const stream = await busyStream();
  const results = await Promise.all([tick(clean, [stream]), tick(clean, [stream])]);
  expect(results.some((r) => r.outcomes[0].status === 'scaled')).toBe(true);
  await expectHealthy(stream);
  await tick(clean, [stream]);
  expect(await expectHealthy(stream)).toBe(TARGET);
});
