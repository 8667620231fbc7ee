// The scaling core: pure decision and planning shared by the Lambda handler and the replay tool. Internal to the
// package (not part of the jsii API), which is why it may use bigint for 128-bit hash keys.
export * from './checks';
export * from './limits';
export * from './plan';
export * from './policy';
export * from './settings';
export * from './shard-map';
export * from './config';
export * from './reconcile';
export * from './state';
export * from './telemetry';
export * from './tick';
