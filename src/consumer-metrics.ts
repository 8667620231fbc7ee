import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';

/**
 * CloudWatch metrics of an enhanced fan-out consumer, which `aws-kinesis.StreamConsumer` has no helpers for. Each
 * carries both dimensions Kinesis publishes them with: `StreamName` and `ConsumerName`.
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html#kinesis-metrics-stream
 */
export class ConsumerMetrics {
  /** How far behind the tip of the stream the consumer's latest event was (Maximum by default). */
  public static millisBehindLatest(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShardEvent.MillisBehindLatest', consumer, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** SubscribeToShard calls refused for calling more than once per second per shard (Sum by default). */
  public static subscribeToShardRateExceeded(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShard.RateExceeded', consumer, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** The share of SubscribeToShard calls that succeeded (Average by default). */
  public static subscribeToShardSuccess(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShard.Success', consumer, { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /** The share of pushed events that were delivered (Average by default). */
  public static subscribeToShardEventSuccess(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShardEvent.Success', consumer, { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /** Records delivered to the consumer (Sum by default). */
  public static subscribeToShardEventRecords(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShardEvent.Records', consumer, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Bytes delivered to the consumer (Sum by default). */
  public static subscribeToShardEventBytes(consumer: kinesis.IStreamConsumer, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return ConsumerMetrics.metric('SubscribeToShardEvent.Bytes', consumer, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  private static metric(metricName: string, consumer: kinesis.IStreamConsumer, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Kinesis',
      metricName,
      dimensionsMap: { StreamName: consumer.stream.streamName, ConsumerName: consumer.streamConsumerName },
      period: Duration.minutes(1),
      ...props,
    });
  }

  private constructor() {}
}
