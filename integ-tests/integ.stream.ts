import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { putRecord } from './put-record';
import { KinesisStream } from '../src';

/**
 * A record put on the stream arrives at a Lambda function through an enhanced fan-out consumer, decrypted with the
 * stream's customer-managed key; the function writes what it received to a table, which the assertions read back.
 */
const app = new App();
const stack = new Stack(app, 'KinesisStreamInteg');

const stream = new KinesisStream(stack, 'Stream', {
  removalPolicy: RemovalPolicy.DESTROY,
  consumers: ['audit'],
});

const received = new dynamodb.Table(stack, 'Received', {
  partitionKey: { name: 'data', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  removalPolicy: RemovalPolicy.DESTROY,
});

const reader = new lambda.Function(stack, 'Reader', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  environment: { TABLE: received.tableName },
  code: lambda.Code.fromInline(`
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const db = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    await db.send(new PutItemCommand({
      TableName: process.env.TABLE,
      Item: {
        data: { S: Buffer.from(record.kinesis.data, 'base64').toString('utf8') },
        eventSourceArn: { S: record.eventSourceARN },
      },
    }));
  }
  return { batchItemFailures: [] };
};`),
});
received.grantWriteData(reader);
stream.addLambdaConsumer('reader', reader);

const integ = new IntegTest(app, 'StreamTest', { testCases: [stack] });

const payload = 'cdk-kinesis-autoscaling integ record';
const put = putRecord(integ, stream, payload);

const readBack = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', { TableName: received.tableName, Key: { data: { S: payload } } })
  .expect(ExpectedResult.objectLike({ Item: { data: { S: payload } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

put.next(readBack);
app.synth();
