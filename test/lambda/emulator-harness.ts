import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { answerFromTrafficAt } from './fake-cloudwatch';
import { mockedAws } from './mocked-aws';
import { runTick, StreamCache, TickResult } from '../../lambda/autoscaler/tick';
import { RateLimiter, realSleep } from '../../lambda/shared/rate-limiter';
import { ManagedStreamInput } from '../../src/core';
import { KinesisDouble } from '../emulator/kinesis-double';

/** How CloudWatch answers a test file's GetMetricData calls (see fake-cloudwatch.ts). */
export type MetricAnswer = ReturnType<typeof answerFromTrafficAt>;

/**
 * The handler on kinesis-local behind the limit-enforcing double, with CloudWatch and EventBridge answered in process,
 * for one test file: it registers the file's hooks (a fresh answer, events and log for every test; no call of the
 * handler refused for call rate; every client closed at the end). The rate limiter runs on the double's clock, as the
 * double's token buckets do, so moving the clock on frees both alike.
 */
export function emulatorHarness(answer: MetricAnswer) {
  const double = new KinesisDouble();
  const kinesis = double.client();
  const { cloudwatch, cloudwatchMock, events, eventsMock } = mockedAws();
  const limiter = new RateLimiter(double.now, realSleep);
  const logs: Array<Record<string, unknown>> = [];

  beforeEach(() => {
    logs.length = 0;
    cloudwatchMock.reset();
    cloudwatchMock.on(GetMetricDataCommand).callsFake(answer);
    eventsMock.reset();
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  });

  afterEach(() => {
    // Client-side limiting keeps the handler within AWS's call rates in every test.
    expect(double.stats.throttled).toEqual({});
  });

  afterAll(() => {
    double.destroy();
    cloudwatch.destroy();
    events.destroy();
  });

  /** One tick of the real handler over `streams`, at the double's clock, with the deadline a real invocation gets. */
  function tick(streams: ManagedStreamInput[], cache?: StreamCache, client: KinesisClient = kinesis): Promise<TickResult> {
    return runTick({ streams }, {
      kinesis: client, cloudwatch, events, cache, limiter, log: (entry) => logs.push(entry), now: double.now, deadline: double.now() + 40_000,
    });
  }

  return { double, cloudwatchMock, eventsMock, logs, tick };
}
