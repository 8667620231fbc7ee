import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { ConsumerMetrics } from './consumer-metrics';
import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from './core/limits';
import { KinesisStream } from './kinesis-stream';
import { ShardAutoscaler } from './shard-autoscaler';
import { StreamAlarmOverrides, StreamAlarms } from './stream-alarms';

/** How one stream appears on a {@link StreamDashboard}. */
export interface DashboardStreamOptions {
  /**
   * The stream's alarms, whose thresholds are drawn on the graphs and whose states are shown.
   *
   * @default - a `KinesisStream`'s own alarms; none for any other stream
   */
  readonly alarms?: StreamAlarms;

  /**
   * Enhanced fan-out consumers whose lag is graphed.
   *
   * @default - a `KinesisStream`'s consumers registered so far; none for any other stream
   */
  readonly consumers?: kinesis.IStreamConsumer[];

  /**
   * The autoscaler that scales the stream: adds capacity lines (from the open shard count it publishes), the shard
   * count over time and its decisions.
   *
   * @default - a `KinesisStream`'s autoscaler; for any other stream, no capacity lines and no autoscaler graphs
   */
  readonly autoscaler?: ShardAutoscaler;

  /**
   * The heading of the stream's rows.
   *
   * @default - the stream's name
   */
  readonly title?: string;
}

/** Properties of a {@link StreamDashboard}. */
export interface StreamDashboardProps {
  /**
   * The dashboard's name.
   *
   * @default - CloudFormation generates one
   */
  readonly dashboardName?: string;

  /**
   * Streams to show. A `KinesisStream` brings its alarms, consumers and autoscaler; add it after its consumers.
   *
   * @default - none; add streams with `addStream`
   */
  readonly streams?: kinesis.IStream[];

  /**
   * The time range shown when the dashboard opens.
   *
   * @default Duration.hours(3)
   */
  readonly defaultRange?: Duration;
}

const MINUTE = Duration.minutes(1);
const GRAPH = { width: 8, height: 6 };

/**
 * A CloudWatch dashboard for one or more streams: write throughput against provisioned capacity (bytes and
 * records), throttling, iterator age and consumer lag, the open shard count over time and the autoscaler's
 * decisions, with alarm thresholds drawn on the graphs. Capacity lines divide by the open shard count the autoscaler
 * publishes, never by a shard count fixed at synth.
 */
export class StreamDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: StreamDashboardProps = {}) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultRange ?? Duration.hours(3),
    });
    for (const stream of props.streams ?? []) this.addStream(stream);
  }

  /**
   * Adds rows for a stream. A `KinesisStream` brings its own alarms, consumers and autoscaler unless `options` names
   * others (call it after adding the stream's consumers); any other stream, an imported one included, shows what
   * `options` gives.
   */
  public addStream(stream: kinesis.IStream, options: DashboardStreamOptions = {}): void {
    const own = stream instanceof KinesisStream ? stream : undefined;
    const alarms = options.alarms ?? own?.alarms;
    const autoscaler = options.autoscaler ?? own?.autoscaler;
    const consumers = options.consumers ?? own?.consumers ?? [];
    // A reference: CloudFormation writes in the stream's real name.
    const title = options.title ?? stream.streamName;
    const metric = (metricName: string, statistic: string, label: string) =>
      stream.metric(metricName, { statistic, period: MINUTE, label });
    const annotations = (...keys: Array<keyof StreamAlarmOverrides>) =>
      keys.map((key) => alarms?._alarmFor(key)?.toAnnotation()).filter((a): a is cloudwatch.HorizontalAnnotation => a !== undefined);

    const bytes = metric('IncomingBytes', cloudwatch.Stats.SUM, 'IncomingBytes');
    const records = metric('IncomingRecords', cloudwatch.Stats.SUM, 'IncomingRecords');
    const shards = autoscaler?.metricOpenShards(stream, { label: 'open shards' });
    const perSecond = (m: cloudwatch.IMetric, label: string) =>
      new cloudwatch.MathExpression({ expression: 'm / 60', usingMetrics: { m }, label, period: MINUTE });
    const capacity = (limit: number, label: string) => shards
      ? [new cloudwatch.MathExpression({ expression: `shards * ${limit}`, usingMetrics: { shards }, label, period: MINUTE })]
      : [];

    const row1: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        ...GRAPH,
        title: `${title}: write bytes/s against capacity`,
        left: [perSecond(bytes, 'written bytes/s'), ...capacity(SHARD_WRITE_BYTES_PER_SECOND, 'capacity (open shards x 1 MiB/s)')],
      }),
      new cloudwatch.GraphWidget({
        ...GRAPH,
        title: `${title}: write records/s against capacity`,
        left: [perSecond(records, 'written records/s'), ...capacity(SHARD_WRITE_RECORDS_PER_SECOND, 'capacity (open shards x 1,000/s)')],
      }),
      new cloudwatch.GraphWidget({
        ...GRAPH,
        title: `${title}: throttled share of calls`,
        left: [
          metric('WriteProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE, 'writes throttled'),
          metric('ReadProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE, 'reads throttled'),
        ],
        leftAnnotations: annotations('writeThrottling', 'readThrottling'),
      }),
    ];

    const lag: cloudwatch.IMetric[] = [
      metric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM, 'shared-throughput readers'),
      ...consumers.map((consumer) => ConsumerMetrics.millisBehindLatest(consumer, {
        label: Token.isUnresolved(consumer.streamConsumerName) ? consumer.node.id : consumer.streamConsumerName,
      })),
    ];
    const row2: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        ...GRAPH,
        title: `${title}: iterator age and consumer lag (ms)`,
        left: lag,
        leftAnnotations: annotations('iteratorAge', 'iteratorAgeWarning'),
      }),
    ];
    if (autoscaler && shards) {
      row2.push(
        new cloudwatch.GraphWidget({
          ...GRAPH,
          title: `${title}: open shards`,
          left: [shards, autoscaler.metricTargetShards(stream, { label: 'target shards' })],
        }),
        new cloudwatch.GraphWidget({
          ...GRAPH,
          title: `${title}: autoscaler decisions`,
          left: [
            autoscaler.metricUpdateShardCountCallsRemaining(stream, { label: 'UpdateShardCount calls left (24 h)' }),
            autoscaler.metricPinnedAtMaxShards(stream, { label: 'held at maxShards' }),
            autoscaler.metricErrors(stream, { label: 'errors' }),
            autoscaler.metricScalingOperations(stream, { label: 'resharding operations' }),
          ],
        }),
      );
    }

    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
    this.dashboard.addWidgets(...row1);
    this.dashboard.addWidgets(...row2);
    if (alarms && alarms.alarms.length > 0) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({
        title: `${title}: alarms`,
        width: 24,
        height: 4,
        alarms: [...alarms.alarms, ...(alarms.unhealthy ? [alarms.unhealthy] : [])],
      }));
    }
  }
}
