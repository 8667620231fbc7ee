import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { KinesisStream, StreamDashboard } from '../src';

/**
 * The recommended alarms and the dashboard on a real stream. One record is written, and CloudWatch is asked for
 * IncomingRecords with exactly the dimensions the alarms use, so a wrong dimension (an alarm that never receives
 * data) fails the test; the deployed alarms are read back to check their metric, threshold and dimension.
 */
const app = new App();
const stack = new Stack(app, 'StreamAlarmsInteg');

const topic = new sns.Topic(stack, 'Pager', { enforceSSL: true });
const stream = new KinesisStream(stack, 'Stream', {
  removalPolicy: RemovalPolicy.DESTROY,
  retentionPeriod: Duration.hours(48),
  consumers: ['audit'],
  alarms: { alarmTopic: topic },
});
new StreamDashboard(stack, 'Dashboard', { streams: [stream] });

const integ = new IntegTest(app, 'AlarmsTest', { testCases: [stack] });
const health = stream.alarms!.health!;

// CloudWatch accepted the metric-math alarm (at most 10 metrics, one result) with the iterator-age signal at half the retention.
integ.assertions
  .awsApiCall('CloudWatch', 'describeAlarms', { AlarmNames: [health.alarmName] })
  .expect(ExpectedResult.objectLike({
    MetricAlarms: [Match.objectLike({
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'iteratorAge',
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'AWS/Kinesis', MetricName: 'GetRecords.IteratorAgeMilliseconds', Dimensions: [{ Name: 'StreamName', Value: stream.streamName }] },
          }),
        }),
        Match.objectLike({ Id: 'health', Expression: Match.stringLikeRegexp('FILL\\(iteratorAge,0\\)>=86400000') }),
      ]),
    })],
  }));

const put = integ.assertions.awsApiCall('Kinesis', 'putRecord', { StreamName: stream.streamName, PartitionKey: 'integ', Data: 'one record' });
put.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [stream.encryptionKey!.keyArn] });

put.next(integ.assertions
  .awsApiCall('CloudWatch', 'getMetricStatistics', {
    Namespace: 'AWS/Kinesis',
    MetricName: 'IncomingRecords',
    Dimensions: [{ Name: 'StreamName', Value: stream.streamName }],
    // Fixed bounds keep the snapshot stable; the stream is new, so every record it ever had falls in one period.
    StartTime: '2026-01-01T00:00:00Z',
    EndTime: '2036-01-01T00:00:00Z',
    Period: 30 * 24 * 3600,
    Statistics: ['Sum'],
  })
  .expect(ExpectedResult.objectLike({ Datapoints: Match.arrayWith([Match.objectLike({ Sum: 1 })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.minutes(1) }));
