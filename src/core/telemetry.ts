/**
 * The names the autoscaler publishes under, shared by the handler (which writes them in embedded metric format)
 * and the constructs (alarms and dashboards read them), so the two can never drift apart.
 */
export const AUTOSCALER_NAMESPACE = 'KinesisAutoscaler';
export const AUTOSCALER_DIMENSION = 'StreamName';
export const AUTOSCALER_METRICS = {
  /** Open shards after this tick's work: the divisor for any per-shard alarm or graph. */
  openShards: 'OpenShards',
  /** The shard count the policy wants. */
  targetShards: 'TargetShards',
  /** 1 when demand wants more than maxShards. */
  pinnedAtMax: 'PinnedAtMaxShards',
  /** UpdateShardCount calls left in the rolling 24 hours. */
  updateShardCountCallsRemaining: 'UpdateShardCountCallsRemaining',
  /** Resharding operations started this tick. */
  scalingOperations: 'ScalingOperations',
  /** 1 when this stream's tick failed. */
  errors: 'Errors',
  /** 1 when writes were throttled in a way more shards cannot fix (a hot partition key). */
  keyBoundThrottling: 'KeyBoundThrottling',
} as const;

/** EventBridge source and detail type of scaling events. */
export const AUTOSCALER_EVENT_SOURCE = 'cdk-kinesis-autoscaling';
export const AUTOSCALER_EVENT_DETAIL_TYPE = 'Kinesis Stream Scaling Action';
