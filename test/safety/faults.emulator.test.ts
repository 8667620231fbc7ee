import { GetMetricDataCommand, GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { AddTagsToStreamCommand, DeleteStreamCommand, KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { runTick, StreamCache, TickResult } from '../../lambda/autoscaler/tick';
import { reconcile } from '../../lambda/reconciler/reconcile';
import { KinesisPort } from '../../lambda/shared/kinesis-port';
import { RateLimiter, realSleep } from '../../lambda/shared/rate-limiter';
import { AUTOSCALER_NAMESPACE, coverageProblem, formatTimestamp, PRESETS, readState, STATE_TAGS, UPDATE_SHARD_COUNT_CALLS_PER_DAY } from '../../src/core';
import { KinesisDouble } from '../emulator/kinesis-double';
import { createActiveStream, waitUntilActive } from '../emulator/kinesis-emulator';
import { answerFromTraffic, StreamTraffic } from '../lambda/fake-cloudwatch';
import { mockedAws } from '../lambda/mocked-aws';

/**
 * Every fault the AWS APIs produce, injected into the real handler running against kinesis-local behind the
 * limit-enforcing double. After each, the stream's shard map is contiguous over the whole key space, its open count is
 * within [min, max], AWS accepted no more than 10 UpdateShardCount calls in the rolling 24 hours, and the next ticks
 * converge.
 */

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const MIN = 2;
const MAX = 12;
const BUSY: StreamTraffic = { bytesPerSecond: 4.5 * MIB, recordsPerSecond: 900 };
/**
 * Where that traffic comes to rest under the balanced preset: at most the count its target utilization needs, and
 * any count below its scale-out utilization (the hysteresis band), which a doubling or split-by-split path may stop
 * at. Derived from the preset, so a retune on the benchmark keeps the test's meaning.
 */
const SETTLES = ((): number[] => {
  const { targetUtilization, scaleOutUtilization } = PRESETS.balanced;
  const needed = Math.ceil(4.5 / targetUtilization);
  const fewest = Math.floor(4.5 / scaleOutUtilization) + 1;
  return Array.from({ length: needed - fewest + 1 }, (_, i) => fewest + i);
})();

interface Fault {
  readonly command: string;
  /** Which calls of the command fail, counting from 1. */
  readonly calls: readonly number[];
  /** The error to throw; without one, the call goes on after `before` (to make the double itself refuse it). */
  readonly error?: () => Error;
  readonly before?: () => Promise<void>;
}

const double = new KinesisDouble({ accountShardLimit: 2000 });
const setup = double.client({ limits: false });
const clean = double.client({ maxAttempts: 3 });
const port = new KinesisPort(setup);
// On the double's clock, as the double's token buckets are: moving it on frees both alike.
const limiter = new RateLimiter(double.now, realSleep);
afterAll(() => double.destroy());

/**
 * A client of the double with the SDK's own retries (as in Lambda) and faults injected: an injected error is thrown
 * inside the retry loop, as the wire would; a fault without an error only runs `before` ahead of the double's checks,
 * so the double itself answers (for a refusal AWS would really give).
 */
function faultyKinesis(faults: Fault[]): KinesisClient {
  const client = double.client({ maxAttempts: 3 });
  const seen: Record<string, number> = {};
  const matching = (name: string, count: number) => faults.find((f) => `${f.command}Command` === name && f.calls.includes(count));
  client.middlewareStack.add((next, context) => async (args) => {
    const fault = matching(context.commandName ?? '', (seen[context.commandName ?? ''] ?? 0) + 1);
    if (fault && !fault.error) await fault.before?.();
    return next(args);
  }, { step: 'initialize', name: 'prepareFaults' });
  client.middlewareStack.add((next, context) => async (args) => {
    const name = context.commandName ?? '';
    const count = seen[name] = (seen[name] ?? 0) + 1;
    const fault = matching(name, count);
    if (fault?.error) {
      await fault.before?.();
      throw fault.error();
    }
    return next(args);
  }, { step: 'finalizeRequest', name: 'injectFaults' });
  return client;
}

function awsError(name: string, status: number, fault: 'client' | 'server' = 'client', message = `${name} (injected)`): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

const { cloudwatch, cloudwatchMock, events } = mockedAws();

let traffic: Record<string, StreamTraffic> = {};
beforeEach(() => {
  traffic = {};
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => traffic));
});

function tick(kinesis: KinesisClient, streamNames: string[], cache?: StreamCache): Promise<TickResult> {
  return runTick({ streams: streamNames.map((streamName) => ({ streamName, minShards: MIN, maxShards: MAX })) }, {
    kinesis, cloudwatch, events, cache, limiter, log: () => {}, now: double.now, deadline: double.now() + 40_000,
  });
}

async function busyStream(shards = 2): Promise<string> {
  const name = await createActiveStream(setup, shards);
  traffic[name] = BUSY;
  return name;
}

async function expectHealthy(streamName: string): Promise<number> {
  const shards = await port.openShards(streamName);
  expect(coverageProblem(shards)).toBeUndefined();
  expect(shards.length).toBeGreaterThanOrEqual(MIN);
  expect(shards.length).toBeLessThanOrEqual(MAX);
  expect(double.acceptedUpdateShardCountCalls(streamName)).toBeLessThanOrEqual(UPDATE_SHARD_COUNT_CALLS_PER_DAY);
  // State that cannot lose a call: every call AWS accepted from the handler or the reconciler is in the tags, recorded
  // no earlier than AWS accepted it, so our count of the rolling 24 hours is never below AWS's.
  const recorded = [...readState(await port.tags(streamName)).updateShardCountCalls].sort((a, b) => a - b);
  const accepted = double.acceptedCallsOfLimitedClients(streamName);
  expect(recorded.length).toBeGreaterThanOrEqual(accepted.length);
  accepted.forEach((at, i) => expect(recorded[recorded.length - accepted.length + i]).toBeGreaterThanOrEqual(at));
  return shards.length;
}

/** Clean ticks a minute apart, each after the last operation finished, until one starts nothing. */
async function converge(streamNames: string[], cache: StreamCache = new Map()): Promise<void> {
  for (let i = 0; i < 15; i++) {
    for (const s of streamNames) await waitUntilActive(setup, s);
    double.advance(60_000);
    const result = await tick(clean, streamNames, cache);
    if (!result.outcomes.some((o) => ['scaled', 'in-progress', 'skipped'].includes(o.status))) return;
  }
  throw new Error('no convergence in 15 ticks');
}

/** The fault's tick, then clean ones: the stream must be healthy after each and at the target in the end. */
async function survives(streamName: string, faults: Fault[], settlesAt = SETTLES): Promise<TickResult> {
  const faulty = faultyKinesis(faults);
  const first = await tick(faulty, [streamName]);
  await waitUntilActive(setup, streamName);
  await expectHealthy(streamName);
  await converge([streamName]);
  expect(settlesAt).toContain(await expectHealthy(streamName));
  return first;
}

describe('a state write that fails starts no operation, is an error, and the next ticks converge', () => {
  test.each([
    ['ResourceInUseException', () => awsError('ResourceInUseException', 400)],
    ['LimitExceededException', () => awsError('LimitExceededException', 400, 'client', 'Rate exceeded for AddTagsToStream (injected)')],
    ['InternalFailure', () => awsError('InternalFailure', 500, 'server')],
    ['TimeoutError', () => Object.assign(new Error('socket timed out (injected)'), { name: 'TimeoutError' })],
  ])('%s', async (_, error) => {
    const stream = await busyStream();
    const first = await survives(stream, [{ command: 'AddTagsToStream', calls: [1, 2, 3], error }]);
    expect(first.outcomes[0]).toMatchObject({ status: 'error', steps: [], message: expect.stringContaining('the state write before UpdateShardCount failed') });
  });

  test('the stream turned UPDATING (someone else resized it) between the read and the tag write: refused by AWS, nothing started', async () => {
    const stream = await busyStream();
    double.slowResize(stream, 30_000);
    const faulty = faultyKinesis([{
      command: 'AddTagsToStream',
      calls: [1],
      before: async () => { await setup.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' })); },
    }]);

    const first = await tick(faulty, [stream]);

    expect(first.outcomes[0]).toMatchObject({ status: 'error', steps: [] });
    expect(double.stats.refusals).toContainEqual(expect.objectContaining({ api: 'AddTagsToStream', stream, name: 'ResourceInUseException' }));
    expect(double.acceptedUpdateShardCountCalls(stream)).toBe(1);
    double.advance(30_000);
    double.slowResize(stream, 0);
    await converge([stream]);
    expect(SETTLES).toContain(await expectHealthy(stream));
  });
});

describe('LimitExceededException of each kind', () => {
  test('the daily UpdateShardCount limit, spent by calls the tags do not know: back off to splits, then converge', async () => {
    const stream = await busyStream();
    // A deployment's own resizes, which AWS counts and our tags do not: 1 -> 2 -> 1 ... ten times.
    for (let i = 0; i < UPDATE_SHARD_COUNT_CALLS_PER_DAY; i++) {
      await setup.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: i % 2 === 0 ? 4 : 2, ScalingType: 'UNIFORM_SCALING' }));
      await waitUntilActive(setup, stream);
    }
    const first = await survives(stream, [], SETTLES);
    expect(first.outcomes[0].message).toMatch(/^backing off from UpdateShardCount for an hour/);
    expect(readState(await port.tags(stream)).updateShardCountBlockedUntil).toBeGreaterThan(double.now());
    expect(double.acceptedUpdateShardCountCalls(stream)).toBe(UPDATE_SHARD_COUNT_CALLS_PER_DAY);
  });

  test('the call rate of the account: skipped, retried at the next tick', async () => {
    const stream = await busyStream();
    const first = await survives(stream, [{
      command: 'UpdateShardCount', calls: [1, 2, 3], error: () => awsError('LimitExceededException', 400, 'client', 'Rate exceeded for UpdateShardCount (injected)'),
    }]);
    expect(first.outcomes[0]).toMatchObject({ status: 'skipped', message: expect.stringMatching(/^the account call rate was exceeded/) });
    expect(readState(await port.tags(stream)).updateShardCountBlockedUntil).toBeUndefined();
  });

  test('the account shard quota: growth stops this tick without touching the daily budget', async () => {
    const small = new KinesisDouble({ accountShardLimit: 5 });
    try {
      const stream = await createActiveStream(small.client({ limits: false }), 2);
      traffic[stream] = BUSY;
      const result = await runTick({ streams: [{ streamName: stream, minShards: MIN, maxShards: MAX }] }, {
        kinesis: small.client(), cloudwatch, events, log: () => {}, now: small.now, deadline: small.now() + 40_000,
      });
      // DescribeLimits says 3 shards are free: a resize to 4 would need 4 beside the 2 parents, so the core splits.
      expect(result.outcomes[0]).toMatchObject({ status: 'scaled', steps: [expect.objectContaining({ kind: 'SplitShard' })] });
      expect(small.stats.refusals).toEqual([]);
    } finally {
      small.destroy();
    }
  });
});

test('ResourceInUseException on the operation (stream UPDATING): skipped, then converges', async () => {
  const stream = await busyStream();
  const first = await survives(stream, [{ command: 'UpdateShardCount', calls: [1], error: () => awsError('ResourceInUseException', 400) }]);
  expect(first.outcomes[0].status).toBe('skipped');
});

test('Kinesis throttling and 5xx on reads are retried, not errors', async () => {
  const stream = await busyStream();
  const first = await survives(stream, [
    { command: 'ListShards', calls: [1], error: () => awsError('ThrottlingException', 400) },
    { command: 'DescribeStreamSummary', calls: [1], error: () => awsError('InternalFailure', 500, 'server') },
  ]);
  expect(first.outcomes[0].status).toBe('scaled');
});

test('a timeout reading the tags fails the stream for this tick only', async () => {
  const stream = await busyStream();
  const timeout = () => Object.assign(new Error('socket timed out (injected)'), { name: 'TimeoutError' });
  const first = await survives(stream, [{ command: 'ListTagsForStream', calls: [1, 2, 3], error: timeout }]);
  expect(first.outcomes[0]).toMatchObject({ status: 'error', steps: [] });
});

test('a crash after the state write and before the operation: the slot is recorded, the next ticks finish', async () => {
  const stream = await busyStream();
  const first = await survives(stream, [{ command: 'UpdateShardCount', calls: [1], error: () => new Error('Runtime exited (injected crash)') }]);
  expect(first.outcomes[0].status).toBe('error');
  // The recorded call that never reached AWS costs a slot: our count is never below AWS's.
  expect(readState(await port.tags(stream)).updateShardCountCalls.length).toBeGreaterThan(double.acceptedUpdateShardCountCalls(stream));
});

test('a resize that takes 10 minutes: the stream waits, the others are served in the same ticks, then it converges', async () => {
  const slow = await busyStream();
  const other = await busyStream();
  double.slowResize(slow, 10 * 60_000);
  const cache: StreamCache = new Map();

  const first = await tick(clean, [slow, other], cache);
  await waitUntilActive(setup, other);
  double.advance(60_000);
  const second = await tick(clean, [slow, other], cache);

  const status = (r: TickResult, s: string) => r.outcomes.find((o) => o.streamName === s)!;
  expect(status(first, slow)).toMatchObject({ status: 'scaled' });
  expect(status(second, slow)).toMatchObject({ status: 'in-progress', steps: [] });
  expect(status(second, other)).toMatchObject({ status: 'scaled' });
  expect(double.stats.refusals.filter((r) => r.stream === slow)).toEqual([]);
  double.advance(10 * 60_000);
  double.slowResize(slow, 0);
  await converge([slow, other], cache);
  expect(SETTLES).toContain(await expectHealthy(slow));
  expect(SETTLES).toContain(await expectHealthy(other));
});

test('a reconcile racing a tick: one of them acts at a time, and the stream ends healthy inside [min, max]', async () => {
  const stream = await createActiveStream(setup, 1);
  traffic[stream] = BUSY;
  const reconciling = reconcile(new KinesisPort(double.client({ maxAttempts: 3 }), { limiter }),
    { streamName: stream, minShards: 4, maxShards: MAX, strict: false },
    { deadline: double.now() + 60_000, pollMs: 50, settleMs: 2000, now: double.now });
  const racing = await tick(clean, [stream]);
  let marked = false;
  for (let i = 0; i < 200 && !marked; i++) {
    marked = (readState(await port.tags(stream)).reconcilingUntil ?? 0) > double.now();
    if (!marked) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await waitUntilActive(setup, stream);
  const whileMarked = await tick(clean, [stream]);
  const reconciled = await reconciling;

  expect(racing.outcomes[0].status).not.toBe('error');
  expect(marked).toBe(true);
  expect(whileMarked.outcomes[0]).toMatchObject({ steps: [], decision: { reason: 'a deploy-time reconcile is in flight' } });
  expect(reconciled.warning).toBeUndefined();
  expect(reconciled.openShards).toBeGreaterThanOrEqual(4);
  expect(readState(await port.tags(stream)).reconcilingUntil).toBeUndefined();
  await converge([stream]);
  expect(SETTLES).toContain(await expectHealthy(stream));
});

/**
 * The stream metrics' GetMetricData calls get `faults` in turn, then the traffic; the cold start's query for the
 * autoscaler's own OpenShards (none published here) and yesterday's window are answered as usual.
 */
function metricsAnswer(...faults: Array<(input: GetMetricDataCommandInput) => Promise<GetMetricDataCommandOutput>>): void {
  const normal = answerFromTraffic(() => traffic);
  let calls = 0;
  cloudwatchMock.reset();
  cloudwatchMock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
    if (input.MetricDataQueries![0].MetricStat!.Metric!.Namespace === AUTOSCALER_NAMESPACE) return normal(input);
    // Yesterday's window (for the seasonal floor) is its own call, fetched every 30 minutes: the faults are today's.
    if (input.StartTime!.getTime() < double.now() - 12 * 3_600_000) return normal(input);
    const fault = faults[calls++];
    return fault ? fault(input) : normal(input);
  });
}

test('CloudWatch throttling or 5xx changes nothing, and the next ticks converge', async () => {
  const stream = await busyStream();
  metricsAnswer(() => Promise.reject(awsError('InternalServiceError', 500, 'server')));
  const first = await survives(stream, []);
  expect(first.outcomes[0].status).toBe('error');
});

test('CloudWatch answering empty or NaN is unknown: nothing changes', async () => {
  const stream = await busyStream();
  metricsAnswer(
    async () => ({ $metadata: {}, MetricDataResults: [] }),
    async (input) => ({
      $metadata: {},
      MetricDataResults: input.MetricDataQueries!.map((q) => ({ Id: q.Id, Timestamps: [new Date(double.now() - 120_000)], Values: [NaN] })),
    }),
  );
  for (let i = 0; i < 2; i++) {
    const result = await tick(clean, [stream]);
    expect(result.outcomes[0].decision?.reason).toContain('no metrics');
    expect(await expectHealthy(stream)).toBe(2);
  }
  await converge([stream]);
  expect(SETTLES).toContain(await expectHealthy(stream));
});

test('CloudWatch answering for some streams only: the others wait', async () => {
  const reported = await busyStream();
  const silent = await busyStream();
  delete traffic[silent];
  const result = await tick(clean, [reported, silent]);
  expect(Object.fromEntries(result.outcomes.map((o) => [o.streamName, o.status]))).toEqual({ [reported]: 'scaled', [silent]: 'unchanged' });
});

test('a stream deleted mid-run is reported, and the next ticks go on with the others', async () => {
  const doomed = await busyStream();
  const other = await busyStream();
  const faulty = faultyKinesis([{
    command: 'UpdateShardCount',
    calls: [1],
    before: async () => { await setup.send(new DeleteStreamCommand({ StreamName: doomed })); },
    error: () => awsError('ResourceNotFoundException', 400),
  }]);
  const first = await tick(faulty, [doomed, other]);
  expect(first.outcomes.find((o) => o.streamName === doomed)?.status).toBe('not-found');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const next = await tick(clean, [doomed, other]);
  expect(next.outcomes.find((o) => o.streamName === doomed)?.status).toBe('not-found');
  await converge([other]);
  expect(SETTLES).toContain(await expectHealthy(other));
});

test('two invocations at once leave one healthy stream, and the next ticks converge', async () => {
  const stream = await busyStream();
  const results = await Promise.all([tick(clean, [stream]), tick(clean, [stream])]);
  expect(results.some((r) => r.outcomes[0].status === 'scaled')).toBe(true);
  await waitUntilActive(setup, stream);
  await expectHealthy(stream);
  await converge([stream]);
  expect(SETTLES).toContain(await expectHealthy(stream));
});

test('a planted budget in the tags is respected: no more UpdateShardCount calls than the tags allow', async () => {
  const stream = await busyStream();
  await setup.send(new AddTagsToStreamCommand({
    StreamName: stream,
    Tags: { [STATE_TAGS.updateShardCountCalls]: Array.from({ length: 10 }, (_, i) => formatTimestamp(double.now() - (i + 1) * 60_000)).join(' ') },
  }));
  await converge([stream]);
  expect(double.acceptedUpdateShardCountCalls(stream)).toBe(0);
  expect(SETTLES).toContain(await expectHealthy(stream));
});
