import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { putRecord } from './put-record';
import { KclApplication, KinesisStream } from '../src';

/**
 * A KCL 3.x application's tables, deployed, used the way a KCL worker uses them and with nothing but the worker
 * policy: a probe function under that policy reads the record the assertions put on the stream (ListShards,
 * GetShardIterator, GetRecords, kms:Decrypt), takes the shard's lease and checkpoints it in the lease table (PutItem
 * with the stream's key), finds its leases through the lease-owner index (Query, as KCL 3.x does) and publishes a
 * metric into KCL's namespace. The assertions then read the lease table and its point-in-time recovery status.
 */
const app = new App();
const stack = new Stack(app, 'KclApplicationInteg');

const stream = new KinesisStream(stack, 'Stream', { removalPolicy: RemovalPolicy.DESTROY });
const kcl = new KclApplication(stack, 'Search', {
  stream,
  applicationName: 'integ-kcl-search',
  // The test stack must be able to delete its tables; production keeps both defaults.
  removalPolicy: RemovalPolicy.DESTROY,
  deletionProtection: false,
});

const workerId = 'integ-worker';
const probe = new lambda.Function(stack, 'WorkerProbe', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  timeout: Duration.minutes(1),
  environment: {
    STREAM_ARN: stream.streamArn,
    LEASE_TABLE: kcl.leaseTableName,
    NAMESPACE: kcl.metricsNamespace,
    WORKER_ID: workerId,
  },
  code: lambda.Code.fromInline(`
const { KinesisClient, ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } = require('@aws-sdk/client-kinesis');
const { DynamoDBClient, PutItemCommand, QueryCommand } = require('@aws-sdk/client-dynamodb');
const { CloudWatchClient, PutMetricDataCommand } = require('@aws-sdk/client-cloudwatch');
const kinesis = new KinesisClient({});
const db = new DynamoDBClient({});
const cloudwatch = new CloudWatchClient({});
exports.handler = async () => {
  const { STREAM_ARN: StreamARN, LEASE_TABLE: TableName, NAMESPACE, WORKER_ID } = process.env;
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamARN }));
  const ShardId = Shards[0].ShardId;
  let { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamARN, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  let records = [];
  for (let i = 0; i < 20 && records.length === 0 && ShardIterator; i++) {
    const page = await kinesis.send(new GetRecordsCommand({ StreamARN, ShardIterator }));
    records = page.Records;
    ShardIterator = page.NextShardIterator;
  }
  if (records.length === 0) throw new Error('no record on ' + ShardId);
  const last = records[records.length - 1];
  await db.send(new PutItemCommand({ TableName, Item: {
    leaseKey: { S: ShardId },
    leaseOwner: { S: WORKER_ID },
    leaseCounter: { N: '1' },
    checkpoint: { S: last.SequenceNumber },
    checkpointSubSequenceNumber: { N: '0' },
    ownerSwitchesSinceCheckpoint: { N: '0' },
    data: { S: Buffer.from(last.Data).toString('utf8') },
  } }));
  const owned = await db.send(new QueryCommand({
    TableName, IndexName: 'LeaseOwnerToLeaseKeyIndex',
    KeyConditionExpression: 'leaseOwner = :owner', ExpressionAttributeValues: { ':owner': { S: WORKER_ID } },
  }));
  if (!owned.Items.some((item) => item.leaseKey.S === ShardId)) throw new Error('the lease-owner index does not list ' + ShardId);
  await cloudwatch.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: [{
    MetricName: 'MillisBehindLatest', Dimensions: [{ Name: 'Operation', Value: 'ProcessTask' }, { Name: 'ShardId', Value: ShardId }],
    Unit: 'Milliseconds', Value: 0,
  }] }));
  return { ShardId, checkpoint: last.SequenceNumber };
};`),
});
kcl.grant(probe);

const integ = new IntegTest(app, 'KclTest', { testCases: [stack] });

const payload = 'cdk-kinesis-autoscaling KCL integ record';
const put = putRecord(integ, stream, payload);

const work = integ.assertions.invokeFunction({ functionName: probe.functionName })
  .expect(ExpectedResult.objectLike({ StatusCode: 200 }));

const lease = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', { TableName: kcl.leaseTableName, Key: { leaseKey: { S: 'shardId-000000000000' } } })
  .expect(ExpectedResult.objectLike({ Item: { leaseOwner: { S: workerId }, data: { S: payload } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(3), interval: Duration.seconds(15) });
lease.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [stream.encryptionKey!.keyArn] });

const backups = integ.assertions
  .awsApiCall('DynamoDB', 'describeContinuousBackups', { TableName: kcl.leaseTableName })
  .expect(ExpectedResult.objectLike({
    ContinuousBackupsDescription: { PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED' } },
  }));

put.next(work).next(lease).next(backups);
app.synth();
