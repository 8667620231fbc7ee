export * from './kinesis-stream';
export * from './shard-autoscaler';
