import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolveInput } from './settings-store';
import { runTick, TickResult } from './tick';

/** Time kept back from the Lambda timeout to log, publish and write state after the last operation. */
const SAFETY_MARGIN_MS = 15_000;

// Created once per container: connections are reused across the every-minute ticks.
const kinesis = new KinesisClient({});
const cloudwatch = new CloudWatchClient({});
const events = new EventBridgeClient({});
const ssm = new SSMClient({});

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** The scheduled entry point; the schedule's payload says where the managed streams' settings are stored. */
export async function handler(event: unknown, context: LambdaContext): Promise<{ streams: number; errors: number }> {
  const result: TickResult = await runTick(await resolveInput(event, ssm), {
    kinesis,
    cloudwatch,
    events,
    log: (entry) => console.log(JSON.stringify(entry)),
    now: Date.now,
    deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
  });
  // Failures are reported per stream (logs, the Errors metric); the invocation itself succeeds so nothing retries a tick.
  return { streams: result.outcomes.length, errors: result.outcomes.filter((o) => o.status === 'error').length };
}
