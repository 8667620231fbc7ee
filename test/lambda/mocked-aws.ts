import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddTagsToStreamCommand, DescribeLimitsCommand, DescribeStreamSummaryCommand, KinesisClient, KinesisClientResolvedConfig, ListShardsCommand,
  ListTagsForStreamCommand, ServiceInputTypes, ServiceOutputTypes,
} from '@aws-sdk/client-kinesis';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { offlineCloudWatch } from './fake-cloudwatch';
import { uniformShards } from '../../src/core';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
type KinesisMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, KinesisClientResolvedConfig>;

/** Kinesis, CloudWatch and EventBridge clients that never leave the process, with their mocks. */
export function mockedAws() {
  const kinesis = new KinesisClient({ region: 'us-east-1', credentials });
  const cloudwatch = offlineCloudWatch();
  const events = new EventBridgeClient({ region: 'us-east-1', credentials });
  const eventsMock = mockClient(events);
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
  return { kinesis, kinesisMock: mockClient(kinesis), cloudwatch, cloudwatchMock: mockClient(cloudwatch), events, eventsMock };
}

/** Answers the handler's reads of one provisioned stream of `shards` uniform shards, as Kinesis would. */
export function mockStream(
  kinesisMock: KinesisMock, streamName: string, options: { status?: string; shards: number; tags?: Record<string, string> },
): void {
  kinesisMock.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: {
      StreamName: streamName,
      StreamARN: `arn:aws:kinesis:us-east-1:111122223333:stream/${streamName}`,
      StreamStatus: (options.status ?? 'ACTIVE') as 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: new Date(0),
      EnhancedMonitoring: [],
      OpenShardCount: options.shards,
    },
  });
  kinesisMock.on(ListShardsCommand).resolves({
    Shards: uniformShards(options.shards).map((s) => ({
      ShardId: s.shardId,
      HashKeyRange: { StartingHashKey: s.startingHashKey.toString(), EndingHashKey: s.endingHashKey.toString() },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
    })),
  });
  kinesisMock.on(ListTagsForStreamCommand).resolves({
    Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })), HasMoreTags: false,
  });
  kinesisMock.on(DescribeLimitsCommand).resolves({
    ShardLimit: 500, OpenShardCount: options.shards, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50,
  });
  kinesisMock.on(AddTagsToStreamCommand).resolves({});
}
