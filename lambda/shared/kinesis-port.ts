import {
  AddTagsToStreamCommand, DescribeLimitsCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand,
  ListShardsCommandOutput, ListTagsForStreamCommand, ListTagsForStreamCommandOutput, MergeShardsCommand, ScalingType,
  SplitShardCommand, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { ShardRange, Step } from '../../src/core';

export interface StreamSummary {
  readonly status: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  /** Enabled shard-level metrics ("ALL" expands to each metric's name in the API's answer). */
  readonly shardLevelMetrics: readonly string[];
}

/** The Kinesis calls the autoscaler makes, on the AWS SDK. */
export class KinesisPort {
  constructor(private readonly client: KinesisClient) {}

  /** The open shards: ListShards returns closed parents too, which have an ending sequence number. */
  public async openShards(streamName: string): Promise<ShardRange[]> {
    const shards: ShardRange[] = [];
    let nextToken: string | undefined;
    do {
      const page: ListShardsCommandOutput = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
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

  public async status(streamName: string): Promise<StreamSummary> {
    const summary = (await this.client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary!;
    return {
      status: summary.StreamStatus ?? 'UNKNOWN',
      mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED',
      shardLevelMetrics: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
    };
  }

  public async tags(streamName: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let exclusiveStartTagKey: string | undefined;
    for (;;) {
      const page: ListTagsForStreamCommandOutput = await this.client.send(
        new ListTagsForStreamCommand({ StreamName: streamName, ExclusiveStartTagKey: exclusiveStartTagKey }));
      for (const tag of page.Tags ?? []) tags[tag.Key!] = tag.Value ?? '';
      if (!page.HasMoreTags || !page.Tags?.length) return tags;
      exclusiveStartTagKey = page.Tags[page.Tags.length - 1].Key;
    }
  }

  /** AddTagsToStream takes at most 10 tags per call. */
  public async writeTags(streamName: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(tags);
    for (let i = 0; i < entries.length; i += 10) {
      await this.client.send(new AddTagsToStreamCommand({ StreamName: streamName, Tags: Object.fromEntries(entries.slice(i, i + 10)) }));
    }
  }

  /** Open shards the account may still add. */
  public async shardHeadroom(): Promise<number> {
    const limits = await this.client.send(new DescribeLimitsCommand({}));
    return Math.max(0, (limits.ShardLimit ?? 0) - (limits.OpenShardCount ?? 0));
  }

  public async apply(streamName: string, step: Step): Promise<void> {
    switch (step.kind) {
      case 'UpdateShardCount':
        await this.client.send(new UpdateShardCountCommand({
          StreamName: streamName, TargetShardCount: step.targetShardCount, ScalingType: ScalingType.UNIFORM_SCALING,
        }));
        return;
      case 'SplitShard':
        await this.client.send(new SplitShardCommand({
          StreamName: streamName, ShardToSplit: step.shardToSplit, NewStartingHashKey: step.newStartingHashKey.toString(),
        }));
        return;
      case 'MergeShards':
        await this.client.send(new MergeShardsCommand({
          StreamName: streamName, ShardToMerge: step.shardToMerge, AdjacentShardToMerge: step.adjacentShardToMerge,
        }));
        return;
    }
  }
}
