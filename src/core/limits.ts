/**
 * Kinesis Data Streams limits the scaling core relies on. Sources: Kinesis developer guide "Quotas and limits" and
 * the API reference for UpdateShardCount, SplitShard and MergeShards (see ../shared/kinesis-facts.md).
 */

export const MIB = 1024 * 1024;

/** Each shard accepts 1 MiB/s (partition keys included) or 1,000 records/s of writes, whichever binds first. */
export const SHARD_WRITE_BYTES_PER_SECOND = MIB;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;

/** Shared-throughput readers of a shard together get 2 MiB/s and 5 GetRecords calls/s; enhanced fan-out is separate. */
export const SHARD_READ_BYTES_PER_SECOND = 2 * MIB;
export const SHARD_READ_CALLS_PER_SECOND = 5;

/** UpdateShardCount: at most 10 calls per rolling 24 hours per stream, each at most doubling or halving. */
export const UPDATE_SHARD_COUNT_CALLS_PER_DAY = 10;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The most shards one stream may have. */
export const MAX_SHARDS_PER_STREAM = 10000;

/** The hash key space is 0 .. 2^128 - 1. */
export const MAX_HASH_KEY = 2n ** 128n - 1n;

/**
 * Control-plane call rates, in calls per second per account unless `perStream`, from each operation's page of the
 * Kinesis Data Streams API reference (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_<Operation>.html,
 * "limit of N transactions per second"). Every tool and stack in the account shares these; a call over the rate is
 * refused with LimitExceededException.
 */
export const KINESIS_API_RATES: Readonly<Record<string, { readonly perSecond: number; readonly perStream?: boolean }>> = {
  AddTagsToStream: { perSecond: 5 },
  RemoveTagsFromStream: { perSecond: 5 },
  ListTagsForStream: { perSecond: 5 },
  DescribeStreamSummary: { perSecond: 20 },
  DescribeStream: { perSecond: 10 },
  DescribeLimits: { perSecond: 1 },
  ListStreams: { perSecond: 5 },
  CreateStream: { perSecond: 5 },
  DeleteStream: { perSecond: 5 },
  UpdateShardCount: { perSecond: 10 },
  SplitShard: { perSecond: 5 },
  MergeShards: { perSecond: 5 },
  ListShards: { perSecond: 1000, perStream: true },
};

/** AddTagsToStream: at most 10 tags per call, 50 per stream, values up to 256 characters (API reference, AddTagsToStream). */
export const TAGS_PER_CALL = 10;
export const TAGS_PER_STREAM = 50;
export const TAG_VALUE_MAX_LENGTH = 256;

/**
 * How far past the same minute yesterday the seasonal floor looks: the handler fetches yesterday's minutes up to this
 * far ahead of the newest minute it observes (Observation.sameTimeYesterday).
 */
export const SEASONAL_LOOKAHEAD_MINUTES = 120;
