import { Duration, Size, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { KclApplication, KinesisStream, ReconcileMode, ScalingPreset, ShardLevelMetric, StreamDashboard } from '../src';

/**
 * The example a platform team would start from: every feature of the library, used the way a customer stack uses
 * it. `npm run example` synthesizes it, offline, into cdk.out/.
 */
export class StreamingPlatformStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Every alarm of both streams notifies the on-call topic, encrypted with a key CloudWatch may use to publish.
    const pagerKey = new kms.Key(this, 'OnCallKey', { enableKeyRotation: true, description: 'Encrypts the on-call topic' });
    pagerKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'], // In a key policy, "*" means this key.
    }));
    const pager = new sns.Topic(this, 'OnCall', { enforceSSL: true, masterKey: pagerKey });

    // A provisioned stream that follows its traffic between 2 and 64 shards: customer-managed key (the default), a week
    // of retention, and the shard-level metrics the autoscaler uses to split a hot shard. The reconciler brings the
    // initial single shard up to minShards during the deploy, and never lowers what the autoscaler has grown. Its
    // readers get an earlier lag warning than the default minute, and the on-call hears when a hot partition key
    // throttles writes (more shards cannot fix that). Its one shared-throughput reader (the polling KCL application
    // below) is declared, so the autoscaler also reads the stream's read metrics.
    const orders = new KinesisStream(this, 'Orders', {
      streamName: 'orders',
      alarms: { alarmTopic: pager, overrides: { iteratorAgeWarning: { threshold: 5 * 60_000 }, autoscalerKeyBoundThrottling: { enabled: true } } },
      autoscaling: { minShards: 2, maxShards: 64, preset: ScalingPreset.BALANCED, reconcile: ReconcileMode.BEST_EFFORT, sharedReaders: 1 },
      retentionPeriod: Duration.days(7),
      shardLevelMetrics: [ShardLevelMetric.INCOMING_BYTES, ShardLevelMetric.INCOMING_RECORDS],
      consumers: ['analytics'],
      tags: { 'data-classification': 'confidential' },
    });

    // A Lambda reader on its own enhanced fan-out consumer, with the library's safe defaults.
    // Node.js 24 built from its name: aws-cdk-lib 2.180 (this library's floor) predates Runtime.NODEJS_24_X.
    const billing = new lambda.Function(this, 'Billing', {
      runtime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }),
      memorySize: 512,
      timeout: Duration.seconds(30),
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => ({ batchItemFailures: [] });'),
    });
    orders.addLambdaConsumer('billing', billing, { batchSize: 500 });
    const onFailureQueue = 'Failed batches go to the event source\'s on-failure queue, which the library creates.';
    NagSuppressions.addResourceSuppressions(billing, [
      { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.' },
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: 'The inline policy holds the stream and key grants, written for this one role.' },
      { id: 'NIST.800.53.R5-LambdaConcurrency', reason: 'The event source mapping bounds concurrency: one batch per shard at a time.' },
      { id: 'NIST.800.53.R5-LambdaDLQ', reason: onFailureQueue },
      { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: 'The function reads Kinesis only and reaches no private resource.' },
      { id: 'Serverless-LambdaDLQ', reason: onFailureQueue },
      { id: 'Serverless-LambdaTracing', reason: 'The function logs each batch; the team traces with its own tooling.' },
    ], true);

    // Producers get the stream and the key; a partner account reads through the resource policies.
    const producer = new iam.Role(this, 'OrderProducer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    orders.grantWrite(producer);
    NagSuppressions.addResourceSuppressions(producer, [
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: 'The inline policy holds the write grant on one stream and its key, written for this one role.' },
    ], true);
    orders.grantRead(new iam.AccountPrincipal('111122223333'));

    // A KCL 3.x application polling the autoscaled stream: its lease, worker metrics and coordinator state tables
    // (encrypted with the stream's key, retained, protected), its alarms in the stream's composite alarm, and one
    // managed policy for its workers' task role. It counts as one of the stream's shared-throughput readers.
    const search = new KclApplication(this, 'OrderSearch', {
      stream: orders,
      applicationName: 'orders-search',
      alarmTopic: pager,
      tags: { 'data-classification': 'confidential' },
    });
    search.grant(new iam.Role(this, 'OrderSearchWorker', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));

    // An On-Demand stream with the AWS-managed key and larger records.
    const clickstream = new KinesisStream(this, 'Clickstream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      alarms: { alarmTopic: pager },
      encryption: kinesis.StreamEncryption.MANAGED,
      maxRecordSize: Size.mebibytes(2),
    });

    // One dashboard for both, built after the consumers so their lag is graphed.
    new StreamDashboard(this, 'Dashboard', { dashboardName: 'streaming-platform', streams: [orders, clickstream] });
  }
}

