import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AddTagsToStreamCommand, SplitShardCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { answerFromTraffic } from './fake-cloudwatch';
import { mockedAws, mockStream } from './mocked-aws';
import { runTick } from '../../lambda/autoscaler/tick';
import { formatTimestamp, STATE_TAGS } from '../../src/core';

/** Kinesis faults the emulator cannot produce on demand, driven through a mocked client. */

const MIB = 1024 * 1024;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const { kinesis, kinesisMock, cloudwatch, cloudwatchMock, events, eventsMock } = mockedAws();
let logs: Array<Record<string, unknown>> = [];

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

/** A provisioned stream of `shards` uniform shards under 3.5 MiB/s of writes, which wants 6 shards. */
function busyStream(status: string, shards: number, tags: Record<string, string> = {}) {
  mockStream(kinesisMock, 'orders', { status, shards, tags });
  cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 } })));
}

/** The mocked shard map never changes, so a clock that moves a second per reading ends each run at its deadline. */
function tick() {
  let clock = NOW;
  return runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 16 }] }, {
    kinesis,
    cloudwatch,
    events,
    log: (entry) => logs.push(entry),
    now: () => (clock += 1000),
    deadline: NOW + 30_000,
    pollMs: 1,
    sleep: async () => {},
  });
}

beforeEach(() => {
  logs = [];
  kinesisMock.reset();
  cloudwatchMock.reset();
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
});

test('a stream that is UPDATING is skipped this tick', async () => {
  busyStream('UPDATING', 2);

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'unchanged', steps: [] });
  expect(result.outcomes[0].decision!.reason).toBe('the stream is UPDATING, not ACTIVE');
  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
});

test('ResourceInUseException from a resharding call skips the stream until the next tick', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('ResourceInUseException', 'Stream orders is not ACTIVE'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'skipped', message: 'UpdateShardCount failed: Stream orders is not ACTIVE' });
  expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'stream-skipped', stream: 'orders' }));
});

test('LimitExceededException from UpdateShardCount backs off to split and merge for an hour, recorded in a tag', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).rejects(awsError('LimitExceededException', 'Rate exceeded for UpdateShardCount'));

  const result = await tick();

  expect(result.outcomes[0]).toMatchObject({ status: 'skipped', message: 'backing off: UpdateShardCount failed: Rate exceeded for UpdateShardCount' });
  const written = kinesisMock.commandCalls(AddTagsToStreamCommand).map((c) => c.args[0].input.Tags!);
  expect(written).toHaveLength(1);
  const blockedFor = Date.parse(written[0][STATE_TAGS.updateShardCountBlockedUntil]) - NOW;
  expect(blockedFor).toBeGreaterThanOrEqual(3_600_000);
  expect(blockedFor).toBeLessThan(3_660_000);
});

test('while UpdateShardCount is blocked, a scale-out splits shards instead', async () => {
  busyStream('ACTIVE', 2, { [STATE_TAGS.updateShardCountBlockedUntil]: formatTimestamp(NOW + 600_000) });
  kinesisMock.on(SplitShardCommand).resolves({});

  await tick();

  expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  expect(kinesisMock.commandCalls(SplitShardCommand).length).toBeGreaterThan(0);
});

test('a failed EventBridge publish is logged and does not turn a done scaling into an error', async () => {
  busyStream('ACTIVE', 2);
  kinesisMock.on(UpdateShardCountCommand).resolves({});
  eventsMock.on(PutEventsCommand).rejects(new Error('AccessDenied'));

  const result = await tick();

  expect(result.outcomes[0].status).toBe('scaled');
  expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'event-not-published', error: 'AccessDenied' }));
});

test('an event without a streams list is a logged error, not a crash', async () => {
  const result = await runTick({ source: 'aws.events' }, {
    kinesis, cloudwatch, events, log: (entry) => logs.push(entry), now: () => NOW, deadline: NOW + 30_000,
  });

  expect(result.outcomes).toEqual([expect.objectContaining({ status: 'error', message: 'the event has no "streams" list: nothing to manage' })]);
  expect(kinesisMock.calls()).toHaveLength(0);
});
