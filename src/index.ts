export * from './kinesis-stream';
export * from './shard-autoscaler';
export * from './consumer-metrics';
export * from './stream-alarms';
export * from './stream-dashboard';
export * from './kcl-application';
