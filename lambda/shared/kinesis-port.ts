import {
  AddTagsToStreamCommand, DescribeLimitsCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand,
  ListShardsCommandOutput, ListTagsForStreamCommand, ListTagsForStreamCommandOutput, MergeShardsCommand, ScalingType,
  SplitShardCommand, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { isThrottle } from './kinesis-errors';
import { RateLimiter, realSleep } from './rate-limiter';
import { ShardRange, Step, TAGS_PER_CALL } from '../../src/core';

/** ListShards' largest page (API reference, ListShards: MaxResults 1 to 10,000). */
const LIST_SHARDS_PAGE = 10_000;

export interface StreamSummary {
  readonly status: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  /** The open shards, from the same call. */
  readonly openShardCount: number;
  /** Enabled shard-level metrics ("ALL" expands to each metric's name in the API's answer). */
  readonly shardLevelMetrics: readonly string[];
}

export interface KinesisPortOptions {
  /** Shared by every call of the invocation; without one, calls are not rate limited (tests of other things). */
  readonly limiter?: RateLimiter;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A throttled read is retried after these waits, then given up (the stream waits for the next tick). */
  readonly readRetryDelaysMs?: readonly number[];
}

/** Counts of what the port sent and what was refused for call rate. */
export interface PortStats {
  readonly calls: Record<string, number>;
  readonly throttled: Record<string, number>;
}

/** The Kinesis calls both handlers make, on the AWS SDK, through the invocation's rate limiter. */
export class KinesisPort {
  public readonly stats: PortStats = { calls: {}, throttled: {} };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retryDelays: readonly number[];

  constructor(private readonly client: KinesisClient, private readonly options: KinesisPortOptions = {}) {
    this.sleep = options.sleep ?? realSleep;
    this.retryDelays = options.readRetryDelaysMs ?? [500, 1000, 2000];
  }

  /** The open shards: ListShards returns closed parents too, which have an ending sequence number. */
  public async openShards(streamName: string): Promise<ShardRange[]> {
    const shards: ShardRange[] = [];
    let nextToken: string | undefined;
    do {
      // The largest page ListShards allows: one call for any stream, and no follow-up page, which names no stream (so
      // IAM's stream-tag condition has nothing to match it against), except when closed parents push it past 10,000.
      const page: ListShardsCommandOutput = await this.read('ListShards', streamName,
        () => this.client.send(new ListShardsCommand(nextToken
          ? { NextToken: nextToken }
          : { StreamName: streamName, MaxResults: LIST_SHARDS_PAGE })));
      for (const shard of page.Shards ?? []) {
        if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
        shards.push({
          shardId: shard.ShardId!,
          startingHashKey: BigInt(shard.HashKeyRange!.StartingHashKey!),
          endingHashKey: BigInt(shard.HashKeyRange!.EndingHashKey!),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  /** Status, mode and open shard count in one call: all a decision needs of a stream without shard-level metrics. */
  public async status(streamName: string): Promise<StreamSummary> {
    const output = await this.read('DescribeStreamSummary', streamName,
      () => this.client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })));
    const summary = output.StreamDescriptionSummary!;
    return {
      status: summary.StreamStatus ?? 'UNKNOWN',
      mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED',
      openShardCount: summary.OpenShardCount ?? 0,
      shardLevelMetrics: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
    };
  }

  public async tags(streamName: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let exclusiveStartTagKey: string | undefined;
    for (;;) {
      const page: ListTagsForStreamCommandOutput = await this.read('ListTagsForStream', streamName,
        () => this.client.send(new ListTagsForStreamCommand({ StreamName: streamName, ExclusiveStartTagKey: exclusiveStartTagKey })));
      for (const tag of page.Tags ?? []) tags[tag.Key!] = tag.Value ?? '';
      if (!page.HasMoreTags || !page.Tags?.length) return tags;
      exclusiveStartTagKey = page.Tags[page.Tags.length - 1].Key;
    }
  }

  /** Writes tags, at most 10 per call. A refusal is thrown: a state write is never retried blindly. */
  public async writeTags(streamName: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(tags);
    for (let i = 0; i < entries.length; i += TAGS_PER_CALL) {
      await this.call('AddTagsToStream', streamName,
        () => this.client.send(new AddTagsToStreamCommand({
          StreamName: streamName, Tags: Object.fromEntries(entries.slice(i, i + TAGS_PER_CALL)),
        })));
    }
  }

  /** Open shards the account may still add. */
  public async shardHeadroom(): Promise<number> {
    const limits = await this.read('DescribeLimits', undefined, () => this.client.send(new DescribeLimitsCommand({})));
    return Math.max(0, (limits.ShardLimit ?? 0) - (limits.OpenShardCount ?? 0));
  }

  public async apply(streamName: string, step: Step): Promise<void> {
    switch (step.kind) {
      case 'UpdateShardCount':
        await this.call(step.kind, streamName, () => this.client.send(new UpdateShardCountCommand({
          StreamName: streamName, TargetShardCount: step.targetShardCount, ScalingType: ScalingType.UNIFORM_SCALING,
        })));
        return;
      case 'SplitShard':
        await this.call(step.kind, streamName, () => this.client.send(new SplitShardCommand({
          StreamName: streamName, ShardToSplit: step.shardToSplit, NewStartingHashKey: step.newStartingHashKey.toString(),
        })));
        return;
      case 'MergeShards':
        await this.call(step.kind, streamName, () => this.client.send(new MergeShardsCommand({
          StreamName: streamName, ShardToMerge: step.shardToMerge, AdjacentShardToMerge: step.adjacentShardToMerge,
        })));
        return;
    }
  }

  /** A read refused for call rate (someone else in the account used the budget) is a delay: wait and read again. */
  private async read<T>(api: string, streamName: string | undefined, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call(api, streamName, send);
      } catch (e) {
        if (!isThrottle(e) || attempt >= this.retryDelays.length) throw e;
        await this.sleep(this.retryDelays[attempt]);
      }
    }
  }

  private async call<T>(api: string, streamName: string | undefined, send: () => Promise<T>): Promise<T> {
    await this.options.limiter?.acquire(api, streamName);
    this.stats.calls[api] = (this.stats.calls[api] ?? 0) + 1;
    try {
      const result = await send();
      this.options.limiter?.accepted(api, streamName);
      return result;
    } catch (e) {
      if (isThrottle(e)) {
        this.stats.throttled[api] = (this.stats.throttled[api] ?? 0) + 1;
        this.options.limiter?.throttled(api, streamName);
      }
      throw e;
    }
  }
}
