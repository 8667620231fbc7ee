import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from './core/limits';
import { KinesisStream } from './kinesis-stream';
import { IShardAutoscaler } from './shard-autoscaler';
import { StreamAlarms } from './stream-alarms';

/** How one stream appears on a {@link StreamDashboard}. */
export interface DashboardStreamOptions {
  /**
   * The stream's alarms, whose states are shown and whose thresholds are drawn on the graphs.
   *
   * @default - a `KinesisStream`'s own alarms; none for any other stream
   */
  readonly alarms?: StreamAlarms;

  /**
   * The autoscaler that scales the stream: the overview row then shows the share of capacity used (from the open
   * shard count it publishes).
   *
   * @default - a `KinesisStream`'s autoscaler; for any other stream, throughput without capacity
   */
  readonly autoscaler?: IShardAutoscaler;

  /**
   * The stream's label on the dashboards.
   *
   * @default - the stream's name
   */
  readonly title?: string;
}

/** Properties of a {@link StreamDashboard}. */
export interface StreamDashboardProps {
  /**
   * The name of the overview dashboard; the detail dashboard adds `-detail`.
   *
   * @default - CloudFormation generates the names
   */
  readonly dashboardName?: string;

  /**
   * Streams to show. A `KinesisStream` brings its alarms and autoscaler.
   *
   * @default - none; add streams with `addStream`
   */
  readonly streams?: kinesis.IStream[];

  /**
   * The time range shown when the dashboards open.
   *
   * @default Duration.hours(3)
   */
  readonly defaultRange?: Duration;

}

/**
 * An alarm status widget shows at most 100 alarms. A dashboard holds at most 500 widgets (CloudWatch API reference,
 * "Dashboard Body Structure and Syntax"): the overview's 5 fixed widgets leave room for 49,500 streams.
 */
const ALARMS_PER_STATUS_WIDGET = 100;
/** How many streams each "top" graph of the overview shows. */
const TOP = 10;
const MINUTE = Duration.minutes(1);
const GRAPH = { width: 8, height: 6 };

interface ShownStream {
  readonly stream: kinesis.IStream;
  readonly title: string;
  readonly alarms?: StreamAlarms;
  readonly autoscaler?: IShardAutoscaler;
}

/**
 * CloudWatch dashboards for any number of streams, whose size does not grow with the number of graphs:
 *
 * - **the overview**: the health of every stream, one tile each (alarm status widgets of 100 tiles), and the ten
 *   streams of the account and region that are most throttled, furthest behind and busiest right now (CloudWatch
 *   Metrics Insights queries, so one graph covers every stream);
 * - **the detail dashboard**, with a stream selector: throughput against capacity, throttling, the lag of every
 *   consumer, the open and target shard count and the autoscaler's decisions, for the stream picked.
 *
 * Both stay far within CloudWatch's 500 widgets per dashboard: the overview has 5 widgets plus one per 100 streams,
 * the detail dashboard at most 7. Capacity divides by the open shard count the autoscaler publishes, never by a
 * shard count fixed at synth.
 */
export class StreamDashboard extends Construct {
  /** The overview dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly shown: ShownStream[] = [];
  private readonly props: StreamDashboardProps;
  /** The "stream unhealthy" alarms, 100 to a status widget (each widget reads its list when the body is rendered). */
  private readonly statusLists: cloudwatch.IAlarm[][] = [];
  private detailDashboard?: cloudwatch.Dashboard;
  private detailHasAutoscaler = false;

  constructor(scope: Construct, id: string, props: StreamDashboardProps = {}) {
    super(scope, id);
    this.props = props;
    // The id the single dashboard always had, so an existing dashboard is updated, not replaced.
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultRange ?? Duration.hours(3),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({
      markdown: '## Kinesis streams\nThe health alarm of every stream, then the ten streams of this account and region that are most throttled, ' +
        'furthest behind and busiest. The detail dashboard shows one stream at a time.',
      width: 24,
      height: 2,
    }));
    this.dashboard.addWidgets(...topGraphs());
    for (const stream of props.streams ?? []) this.addStream(stream);
  }

  /** The detail dashboard, once a stream has been added. */
  public get detail(): cloudwatch.Dashboard | undefined {
    return this.detailDashboard;
  }

  /**
   * Adds a stream: its health tile on the overview, and an entry in the detail dashboard's stream selector. A
   * `KinesisStream` brings its own alarms and autoscaler unless `options` names others; any other stream, an imported
   * one included, shows what `options` gives. Every consumer of the stream is graphed on the detail dashboard.
   */
  public addStream(stream: kinesis.IStream, options: DashboardStreamOptions = {}): void {
    const own = stream instanceof KinesisStream ? stream : undefined;
    const shown: ShownStream = {
      stream,
      // A reference: CloudFormation writes in the stream's real name.
      title: options.title ?? stream.streamName,
      alarms: options.alarms ?? own?.alarms,
      autoscaler: options.autoscaler ?? own?.autoscaler,
    };
    this.shown.push(shown);
    const unhealthy = shown.alarms?.unhealthy;
    if (unhealthy) this.statusList().push(unhealthy);
    this.detailDashboard ??= this.newDetail(shown);
    if (shown.autoscaler && !this.detailHasAutoscaler) {
      // Drawn for the first stream's name, which the selector swaps: the autoscaler's metrics only need a stream name.
      this.detailDashboard.addWidgets(...autoscalerWidgets(this.shown[0].stream, shown.autoscaler));
      this.detailHasAutoscaler = true;
    }
  }

  /** The status widget with room for one more alarm, added to the overview when the last one is full. */
  private statusList(): cloudwatch.IAlarm[] {
    const last = this.statusLists[this.statusLists.length - 1];
    if (last && last.length < ALARMS_PER_STATUS_WIDGET) return last;
    const alarms: cloudwatch.IAlarm[] = [];
    this.statusLists.push(alarms);
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({
      title: this.statusLists.length === 1 ? 'stream health' : `stream health (${this.statusLists.length})`,
      width: 24,
      height: 6,
      alarms,
      sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
    }));
    return alarms;
  }

  /**
   * One dashboard for every stream: its widgets are drawn for the first stream, and a selector (a CloudWatch
   * dashboard pattern variable) swaps that stream's name, everywhere in the dashboard, for the one picked.
   */
  private newDetail(first: ShownStream): cloudwatch.Dashboard {
    const shown = this.shown;
    const detail = new cloudwatch.Dashboard(this, 'Detail', {
      dashboardName: this.props.dashboardName && `${this.props.dashboardName}-detail`,
      defaultInterval: this.props.defaultRange ?? Duration.hours(3),
    });
    detail.addVariable({
      // Rendered with the dashboard body, once every stream has been added.
      toJson: () => ({
        pattern: first.stream.streamName,
        type: cloudwatch.VariableType.PATTERN,
        inputType: cloudwatch.VariableInputType.SELECT,
        id: 'stream',
        label: 'Stream',
        defaultValue: first.stream.streamName,
        visible: true,
        values: shown.map((s) => ({ value: s.stream.streamName, label: s.title })),
      }),
    });
    detail.addWidgets(...detailWidgets(first));
    return detail;
  }
}

/**
 * The ten streams of the account and region that stand out, one graph per concern: a Metrics Insights query covers
 * every stream, so these graphs cost the same for one stream as for a thousand.
 */
function topGraphs(): cloudwatch.IWidget[] {
  const top = (title: string, statistic: string, metricName: string, dimensions: string, label: string) => new cloudwatch.GraphWidget({
    title,
    width: 6,
    height: 6,
    left: [new cloudwatch.MathExpression({
      expression: `SELECT ${statistic}("${metricName}") FROM SCHEMA("AWS/Kinesis", ${dimensions}) GROUP BY ${dimensions} ORDER BY ${statistic}() DESC LIMIT ${TOP}`,
      usingMetrics: {},
      label,
      period: MINUTE,
    })],
  });
  return [
    top('most throttled writes (share of calls)', 'MAX', 'WriteProvisionedThroughputExceeded', 'StreamName', 'throttled'),
    top('oldest unread record (ms)', 'MAX', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', 'iterator age'),
    top('consumers furthest behind (ms)', 'MAX', 'SubscribeToShardEvent.MillisBehindLatest', 'ConsumerName, StreamName', 'behind'),
    top('most bytes written (per minute)', 'SUM', 'IncomingBytes', 'StreamName', 'bytes'),
  ];
}

/** The detail widgets, drawn for `shown`; the selector swaps its name for the stream picked. */
function detailWidgets(shown: ShownStream): cloudwatch.IWidget[] {
  const { stream, autoscaler } = shown;
  const metric = (metricName: string, statistic: string, label: string) => stream.metric(metricName, { statistic, period: MINUTE, label });
  const perSecond = (m: cloudwatch.IMetric, label: string) => new cloudwatch.MathExpression({ expression: 'm / 60', usingMetrics: { m }, label, period: MINUTE });
  const shards = autoscaler?.metricOpenShards(stream, { label: 'open shards' });
  const capacity = (limit: number, label: string) => shards
    ? [new cloudwatch.MathExpression({ expression: `shards * ${limit}`, usingMetrics: { shards }, label, period: MINUTE })]
    : [];
  // Every consumer of the stream picked, found by search, since the selector changes names, not dimensions.
  const consumerLag = new cloudwatch.MathExpression({
    expression: `SEARCH('{AWS/Kinesis,ConsumerName,StreamName} MetricName="SubscribeToShardEvent.MillisBehindLatest" StreamName="${stream.streamName}"', 'Maximum', 60)`,
    usingMetrics: {},
    label: 'consumer',
    period: MINUTE,
  });
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.TextWidget({ markdown: '## One stream in detail\nPick the stream with the selector at the top.', width: 24, height: 1 }),
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'write bytes/s against capacity',
      left: [perSecond(metric('IncomingBytes', cloudwatch.Stats.SUM, 'bytes'), 'written bytes/s'), ...capacity(SHARD_WRITE_BYTES_PER_SECOND, 'capacity (open shards x 1 MiB/s)')],
    }),
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'write records/s against capacity',
      left: [perSecond(metric('IncomingRecords', cloudwatch.Stats.SUM, 'records'), 'written records/s'), ...capacity(SHARD_WRITE_RECORDS_PER_SECOND, 'capacity (open shards x 1,000/s)')],
    }),
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'throttled share of calls',
      left: [
        metric('WriteProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE, 'writes throttled'),
        metric('ReadProvisionedThroughputExceeded', cloudwatch.Stats.AVERAGE, 'reads throttled'),
      ],
    }),
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'iterator age and consumer lag (ms)',
      left: [metric('GetRecords.IteratorAgeMilliseconds', cloudwatch.Stats.MAXIMUM, 'shared-throughput readers'), consumerLag],
    }),
  ];
  return widgets;
}

/** The open and target shard count and the autoscaler's decisions. */
function autoscalerWidgets(stream: kinesis.IStream, autoscaler: IShardAutoscaler): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'open shards',
      left: [autoscaler.metricOpenShards(stream, { label: 'open shards' }), autoscaler.metricTargetShards(stream, { label: 'target shards' })],
    }),
    new cloudwatch.GraphWidget({
      ...GRAPH,
      title: 'autoscaler decisions',
      left: [
        autoscaler.metricUpdateShardCountCallsRemaining(stream, { label: 'UpdateShardCount calls left (24 h)' }),
        autoscaler.metricPinnedAtMaxShards(stream, { label: 'held at maxShards' }),
        autoscaler.metricKeyBoundThrottling(stream, { label: 'throttled by a hot key' }),
        autoscaler.metricErrors(stream, { label: 'errors' }),
        autoscaler.metricScalingOperations(stream, { label: 'resharding operations' }),
      ],
    }),
  ];
}
