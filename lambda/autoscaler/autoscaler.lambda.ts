import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolveInput } from './settings-store';
import { runTick, StreamCache, TickResult } from './tick';
import { AutoscalerEvent, autoscalerNameOf, SettingsLocation } from '../../src/core/settings-store';
import { RateLimiter, realSleep } from '../shared/rate-limiter';

/** Time kept back from the Lambda timeout to log and publish after the last read or operation. */
const SAFETY_MARGIN_MS = 15_000;

// Created once per container: connections are reused across the every-minute ticks.
const kinesis = new KinesisClient({});
const cloudwatch = new CloudWatchClient({});
const events = new EventBridgeClient({});
const ssm = new SSMClient({});
// What a warm container knows of each stream (status, shard count, state tags): steady ticks then need no Kinesis
// call for a stream whose metrics say nothing needs doing. Reserved concurrency 1 means one invocation uses it at a time.
const cache: StreamCache = new Map();
const limiter = new RateLimiter(Date.now, realSleep);

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** The autoscaler's own name, when the event says where its settings are (the construct's schedule always does). */
function ownName(event: AutoscalerEvent): string | undefined {
  const path = (event as Partial<SettingsLocation> | null)?.settingsPath;
  return typeof path === 'string' ? autoscalerNameOf(path) : undefined;
}

/** The scheduled entry point; the schedule's payload says where the managed streams' settings are stored. */
export async function handler(event: AutoscalerEvent, context: LambdaContext): Promise<{ streams: number; errors: number }> {
  const result: TickResult = await runTick(await resolveInput(event, ssm), {
    kinesis,
    cloudwatch,
    events,
    cache,
    limiter,
    autoscalerName: ownName(event),
    log: (entry) => console.log(JSON.stringify(entry)),
    now: Date.now,
    deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
  });
  // Failures are reported per stream (logs, the Errors metric); the invocation itself succeeds so nothing retries a tick.
  return { streams: result.outcomes.length, errors: result.outcomes.filter((o) => o.status === 'error').length };
}
