import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { fetchObservations, ObservedStream, withoutUnpublishedTail } from './cloudwatch-port';
import { converge, ConvergeResult, StepError } from './executor';
import { KinesisPort, StreamSummary } from '../shared/kinesis-port';
import {
  AUTOSCALER_DIMENSION, AUTOSCALER_EVENT_DETAIL_TYPE, AUTOSCALER_EVENT_SOURCE, AUTOSCALER_METRICS, AUTOSCALER_NAMESPACE,
  Decision, decide, hasData, latestShardLoads, ManagedStream, MinuteMetrics, Observation, parseInput, PersistedState, readState, ShardRange,
  stateTags, Step, UPDATE_SHARD_COUNT_CALLS_PER_DAY, updateShardCountCallsInWindow,
} from '../../src/core';

/** One log line: the handler writes JSON only, so CloudWatch Logs Insights can query every field. */
export type Log = (entry: Record<string, unknown>) => void;

export interface TickDependencies {
  readonly kinesis: KinesisClient;
  readonly cloudwatch: CloudWatchClient;
  readonly events: EventBridgeClient;
  readonly log: Log;
  readonly now: () => number;
  /** Epoch milliseconds after which no new resharding operation starts. */
  readonly deadline: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type StreamStatus = 'scaled' | 'unchanged' | 'dry-run' | 'skipped' | 'not-found' | 'error';

export interface StreamOutcome {
  readonly streamName: string;
  readonly status: StreamStatus;
  readonly message?: string;
  readonly decision?: Decision;
  readonly steps: readonly Step[];
  readonly openShards?: number;
}

export interface TickResult {
  readonly outcomes: readonly StreamOutcome[];
  readonly getMetricDataCalls: number;
}

/** Kinesis allows 5 ListTagsForStream, AddTagsToStream, SplitShard and MergeShards calls per second per account. */
const STREAM_CONCURRENCY = 5;
/** After AWS refuses UpdateShardCount for its daily limit, split and merge for this long before trying it again. */
const UPDATE_SHARD_COUNT_BACKOFF_MS = 60 * 60_000;
/** Minutes of metrics read beyond the longest scale-in window, to cover CloudWatch's publishing lag. */
const EXTRA_MINUTES = 5;

interface Prepared {
  readonly stream: ManagedStream;
  readonly summary: StreamSummary;
  readonly shards: ShardRange[];
  readonly persisted: PersistedState;
  readonly observed: ObservedStream;
}

/**
 * One scheduled run over every managed stream: read each stream, read all their metrics in as few GetMetricData calls
 * as the API allows, decide, and carry out. Each stream's failure is caught, logged and counted on its own.
 */
export async function runTick(event: unknown, deps: TickDependencies): Promise<TickResult> {
  const port = new KinesisPort(deps.kinesis);
  const input = parseInput(event);
  const outcomes: StreamOutcome[] = input.errors.map((error) => {
    deps.log({ level: 'error', message: 'invalid-settings', stream: error.streamName, error: error.message });
    return { streamName: error.streamName ?? '(unnamed)', status: 'error', message: error.message, steps: [] };
  });

  // DescribeLimits allows one call per second per account: ask once per tick, and only if something scales out.
  let headroom: Promise<number> | undefined;
  const accountShardHeadroom = () => (headroom ??= port.shardHeadroom());

  const prepared: Prepared[] = [];
  await mapWithConcurrency(input.streams, STREAM_CONCURRENCY, async (stream) => {
    try {
      prepared.push(await prepare(port, stream));
    } catch (e) {
      outcomes.push(failed(stream.streamName, e, deps));
    }
  });

  const minutes = Math.max(0, ...prepared.map((p) => p.stream.settings.scaleInMinutes)) + EXTRA_MINUTES;
  let observations: Observation[];
  let getMetricDataCalls = 0;
  try {
    const fetched = await fetchObservations(deps.cloudwatch, prepared.map((p) => p.observed), new Date(deps.now()), minutes);
    observations = fetched.observations.map(withoutUnpublishedTail);
    getMetricDataCalls = fetched.calls;
  } catch (e) {
    // Without metrics nothing is known about any stream, and nothing is known is a reason to change nothing.
    for (const p of prepared) outcomes.push(failed(p.stream.streamName, e, deps, 'CloudWatch GetMetricData failed'));
    return { outcomes: sortByName(outcomes), getMetricDataCalls };
  }

  await mapWithConcurrency(prepared.map((p, i) => ({ p, observation: observations[i] })), STREAM_CONCURRENCY, async ({ p, observation }) => {
    try {
      outcomes.push(await scaleOne(port, p, observation, deps, accountShardHeadroom));
    } catch (e) {
      outcomes.push(failed(p.stream.streamName, e, deps));
    }
  });
  return { outcomes: sortByName(outcomes), getMetricDataCalls };
}

async function prepare(port: KinesisPort, stream: ManagedStream): Promise<Prepared> {
  const [summary, shards, tags] = await Promise.all([
    port.status(stream.streamName), port.openShards(stream.streamName), port.tags(stream.streamName),
  ]);
  const persisted = readState(tags);
  const shardLevel = summary.shardLevelMetrics.some((m) => m === 'IncomingBytes' || m === 'IncomingRecords' || m === 'ALL');
  return {
    stream,
    summary,
    shards,
    persisted,
    observed: { streamName: stream.streamName, shardIds: shardLevel ? shards.map((s) => s.shardId) : undefined },
  };
}

async function scaleOne(
  port: KinesisPort, p: Prepared, observation: Observation, deps: TickDependencies, accountShardHeadroom: () => Promise<number>,
): Promise<StreamOutcome> {
  const { stream, summary, shards, persisted } = p;
  const { settings, streamName } = stream;
  const now = deps.now();
  const decision = decide(observation, {
    shards,
    status: summary.status,
    mode: summary.mode,
    now,
    updateShardCountCalls: persisted.updateShardCountCalls,
    lastScalingAt: persisted.lastScalingAt,
    paused: persisted.paused,
  }, settings);

  const blocked = persisted.updateShardCountBlockedUntil !== undefined && persisted.updateShardCountBlockedUntil > now;
  let calls = [...persisted.updateShardCountCalls];
  let lastScalingAt = persisted.lastScalingAt;
  let blockedUntil = blocked ? persisted.updateShardCountBlockedUntil : undefined;
  let result: ConvergeResult | undefined;
  let status: StreamStatus = 'unchanged';
  let message: string | undefined;

  if (decision.action !== 'none' && settings.dryRun) {
    status = 'dry-run';
  } else if (decision.action !== 'none') {
    const persist = (at: number) =>
      port.writeTags(streamName, stateTags({ updateShardCountCalls: calls, lastScalingAt, updateShardCountBlockedUntil: blockedUntil }, at));
    const record = async (step: Step) => {
      const at = deps.now();
      if (step.kind === 'UpdateShardCount') calls = [...calls, at];
      lastScalingAt = at;
      // Written after every operation, not at the end: a crash between two steps must not forget a call.
      await persist(at);
    };
    try {
      result = await converge(port, streamName, decision, {
        updateShardCountCallsInWindow: updateShardCountCallsInWindow({ now, updateShardCountCalls: calls }),
        updateShardCountReserve: settings.updateShardCountReserve,
        updateShardCountBlocked: blocked,
        accountShardHeadroom: decision.targetShards > shards.length ? await accountShardHeadroom() : undefined,
        shardLoads: latestShardLoads(observation),
      }, { deadline: deps.deadline, now: deps.now, pollMs: deps.pollMs, sleep: deps.sleep, onStep: record });
      status = result.steps.length > 0 ? 'scaled' : 'unchanged';
      if (result.stoppedBecause !== 'at-target') message = `stopped before the target: ${result.stoppedBecause}`;
    } catch (e) {
      if (!(e instanceof StepError) || errorName(e.failure) !== 'LimitExceededException') throw e;
      // AWS counts UpdateShardCount calls we did not make (a deploy, a person); back off to split and merge.
      if (e.step.kind === 'UpdateShardCount') {
        blockedUntil = deps.now() + UPDATE_SHARD_COUNT_BACKOFF_MS;
        await persist(deps.now());
      }
      status = 'skipped';
      message = `backing off: ${e.message}`;
    }
  }

  const openShards = result?.openShards ?? shards.length;
  const steps = result?.steps ?? [];
  const callsLeft = UPDATE_SHARD_COUNT_CALLS_PER_DAY - updateShardCountCallsInWindow({ now: deps.now(), updateShardCountCalls: calls });
  deps.log({
    level: status === 'skipped' ? 'warn' : 'info',
    message: 'decision',
    stream: streamName,
    action: decision.action,
    reason: decision.reason,
    status,
    dryRun: settings.dryRun,
    currentShards: decision.currentShards,
    targetShards: decision.targetShards,
    openShards,
    demand: decision.demand,
    observed: latestObserved(observation),
    pinnedAtMax: decision.pinnedAtMax,
    hotShards: decision.hotShards,
    steps: steps.map(describeStep),
    updateShardCountCallsRemaining: callsLeft,
    ...(message ? { detail: message } : {}),
  });
  deps.log(metrics(streamName, deps.now(), {
    [AUTOSCALER_METRICS.openShards]: openShards,
    [AUTOSCALER_METRICS.targetShards]: decision.targetShards,
    [AUTOSCALER_METRICS.pinnedAtMax]: decision.pinnedAtMax ? 1 : 0,
    [AUTOSCALER_METRICS.updateShardCountCallsRemaining]: callsLeft,
    [AUTOSCALER_METRICS.scalingOperations]: steps.length,
    [AUTOSCALER_METRICS.errors]: 0,
  }));
  if (decision.action !== 'none' && (steps.length > 0 || settings.dryRun)) {
    await publishEvent(deps, streamName, decision, steps, openShards, settings.dryRun);
  }
  return { streamName, status, message, decision, steps, openShards };
}

/** One stream's failure, logged and counted; Kinesis errors that mean "not this tick" are warnings, not errors. */
function failed(streamName: string, e: unknown, { log, now }: Pick<TickDependencies, 'log' | 'now'>, context?: string): StreamOutcome {
  const name = errorName(e instanceof StepError ? e.failure : e);
  const text = `${context ? `${context}: ` : ''}${(e as Error)?.message ?? String(e)}`;
  let status: StreamStatus = 'error';
  if (name === 'ResourceNotFoundException') status = 'not-found';
  else if (name === 'ResourceInUseException') status = 'skipped';
  const message = status === 'not-found' ? `the stream does not exist (deleted?): ${text}` : text;
  log({ level: status === 'error' ? 'error' : 'warn', message: status === 'error' ? 'stream-failed' : `stream-${status}`, stream: streamName, error: message, errorName: name });
  log(metrics(streamName, now(), { [AUTOSCALER_METRICS.errors]: status === 'error' ? 1 : 0 }));
  return { streamName, status, message, steps: [] };
}

async function publishEvent(
  deps: TickDependencies, streamName: string, decision: Decision, steps: readonly Step[], openShards: number, dryRun: boolean,
) {
  try {
    const result = await deps.events.send(new PutEventsCommand({
      Entries: [{
        Source: AUTOSCALER_EVENT_SOURCE,
        DetailType: AUTOSCALER_EVENT_DETAIL_TYPE,
        Detail: JSON.stringify({
          streamName,
          action: decision.action,
          reason: decision.reason,
          dryRun,
          fromShards: decision.currentShards,
          targetShards: decision.targetShards,
          openShards,
          steps: steps.map(describeStep),
        }),
      }],
    }));
    if (result.FailedEntryCount) throw new Error(result.Entries?.[0]?.ErrorMessage ?? 'PutEvents rejected the entry');
  } catch (e) {
    // The scaling already happened; a lost notification must not turn it into a failure.
    deps.log({ level: 'error', message: 'event-not-published', stream: streamName, error: (e as Error).message });
  }
}

/** A CloudWatch embedded-metric-format line: Lambda's log pipeline turns it into metrics without an API call. */
function metrics(streamName: string, timestamp: number, values: Record<string, number>): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: AUTOSCALER_NAMESPACE,
        Dimensions: [[AUTOSCALER_DIMENSION]],
        Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
      }],
    },
    [AUTOSCALER_DIMENSION]: streamName,
    ...values,
  };
}

function latestObserved(observation: Observation): MinuteMetrics | undefined {
  return [...observation.minutes].reverse().find(hasData);
}

function describeStep(step: Step): Record<string, string | number> {
  return step.kind === 'SplitShard' ? { ...step, newStartingHashKey: step.newStartingHashKey.toString() } : { ...step };
}

function errorName(e: unknown): string | undefined {
  return (e as { name?: string } | undefined)?.name;
}

function sortByName(outcomes: StreamOutcome[]): StreamOutcome[] {
  return outcomes.sort((a, b) => a.streamName.localeCompare(b.streamName));
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapWithConcurrency<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
