import { ExpectedResult, IntegTest, InvocationType, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { KinesisStream, ReconcileMode, ShardAutoscaler } from '../src';

/**
 * A stream created with one shard and autoscaling between 2 and 4: the deploy-time reconciler doubles it into range
 * (recording the call in the stream's state tags), and one invocation of the autoscaler with the schedule's own
 * payload reads the settings from SSM and handles the stream without an error (with no traffic yet, its decision is to change nothing).
 */
const app = new App();
const stack = new Stack(app, 'ShardAutoscalerInteg');

// Created first, so the stream uses it: its props give the test the function to invoke.
const autoscaler = new ShardAutoscaler(stack, 'ShardAutoscaler');
const stream = new KinesisStream(stack, 'Stream', {
  removalPolicy: RemovalPolicy.DESTROY,
  autoscaling: { minShards: 2, maxShards: 4, reconcile: ReconcileMode.STRICT },
});

const integ = new IntegTest(app, 'AutoscalerTest', { testCases: [stack] });

integ.assertions
  .awsApiCall('Kinesis', 'describeStreamSummary', { StreamName: stream.streamName })
  .expect(ExpectedResult.objectLike({ StreamDescriptionSummary: { OpenShardCount: 2, StreamStatus: 'ACTIVE' } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

integ.assertions
  .awsApiCall('Kinesis', 'listTagsForStream', { StreamName: stream.streamName })
  .expect(ExpectedResult.objectLike({
    Tags: Match.arrayWith([Match.objectLike({ Key: 'kinesis-autoscaler:update-shard-count-calls' })]),
  }));

integ.assertions
  .invokeFunction({
    functionName: autoscaler.function.functionName,
    invocationType: InvocationType.REQUEST_RESPONSE,
    // What the schedule sends: where the settings are stored, which the deploy wrote.
    payload: JSON.stringify({ settingsPath: `/cdk-kinesis-autoscaling/${autoscaler.autoscalerName}/` }),
  })
  .expect(ExpectedResult.objectLike({ Payload: '{"streams":1,"errors":0}' }));
