/**
 * Kinesis Data Streams limits the scaling core relies on. Sources: Kinesis developer guide "Quotas and limits" and
 * the API reference for UpdateShardCount, SplitShard and MergeShards (see ../shared/kinesis-facts.md).
 */

export const MIB = 1024 * 1024;

/** Each shard accepts 1 MiB/s (partition keys included) or 1,000 records/s of writes, whichever binds first. */
export const SHARD_WRITE_BYTES_PER_SECOND = MIB;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;

/** UpdateShardCount: at most 10 calls per rolling 24 hours per stream, each at most doubling or halving. */
export const UPDATE_SHARD_COUNT_CALLS_PER_DAY = 10;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The most shards one stream may have. */
export const MAX_SHARDS_PER_STREAM = 10000;

/** The hash key space is 0 .. 2^128 - 1. */
export const MAX_HASH_KEY = 2n ** 128n - 1n;
