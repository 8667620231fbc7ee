import * as path from 'path';
import { App, Duration, Size, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { KinesisStream, ReconcileMode, ScalingPreset, ShardLevelMetric, StreamDashboard } from '../src';

/**
 * The example a platform team would start from: every feature of the library, used the way a customer stack uses
 * it. `npm run example` synthesizes it, offline, into cdk.out/.
 */
class StreamingPlatformStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Every alarm of both streams notifies the on-call topic.
    const pager = new sns.Topic(this, 'OnCall', { enforceSSL: true });

    // A provisioned stream that follows its traffic between 2 and 64 shards: customer-managed key (the default), a week
    // of retention, and the shard-level metrics the autoscaler uses to split a hot shard. The reconciler brings the
    // initial single shard up to minShards during the deploy, and never lowers what the autoscaler has grown. Its
    // readers get an earlier lag warning than the default minute.
    const orders = new KinesisStream(this, 'Orders', {
      streamName: 'orders',
      alarms: { alarmTopic: pager, overrides: { iteratorAgeWarning: { threshold: 5 * 60_000 } } },
      autoscaling: { minShards: 2, maxShards: 64, preset: ScalingPreset.BALANCED, reconcile: ReconcileMode.BEST_EFFORT },
      retentionPeriod: Duration.days(7),
      shardLevelMetrics: [ShardLevelMetric.INCOMING_BYTES, ShardLevelMetric.INCOMING_RECORDS],
      consumers: ['analytics'],
      tags: { 'data-classification': 'confidential' },
    });

    // A Lambda reader on its own enhanced fan-out consumer, with the library's safe defaults.
    const billing = new lambda.Function(this, 'Billing', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => ({ batchItemFailures: [] });'),
    });
    orders.addLambdaConsumer('billing', billing, { batchSize: 500 });

    // Producers get the stream and the key; a partner account reads through the resource policies.
    const producer = new iam.Role(this, 'OrderProducer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    orders.grantWrite(producer);
    orders.grantRead(new iam.AccountPrincipal('111122223333'));

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

// Run directly (npm run example) it writes to the repo's cdk.out/; under the CDK CLI, wherever the CLI says.
const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, '..', 'cdk.out') });
const stack = new StreamingPlatformStack(app, 'StreamingPlatform');
Tags.of(stack).add('owner', 'platform-team');
app.synth();
