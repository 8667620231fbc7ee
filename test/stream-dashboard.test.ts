import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { KinesisStream, StreamAlarms, StreamDashboard } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'us-east-1' } });
}

type Body = { widgets: Array<{ type: string; properties: Record<string, any> }>; variables?: Array<Record<string, any>> };

/** Each dashboard's body by logical id, with every reference replaced by its logical id, parsed. */
function bodies(stack: Stack): Record<string, Body> {
  const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
  return Object.fromEntries(Object.entries(dashboards).map(([id, d]) => {
    const source = d.Properties.DashboardBody;
    const text = typeof source === 'string' ? source : source['Fn::Join'][1]
      .map((part: any) => typeof part === 'string' ? part : part.Ref ?? part['Fn::GetAtt']?.[0] ?? JSON.stringify(part)).join('');
    return [id, JSON.parse(text)];
  }));
}

const overview = (stack: Stack) => Object.entries(bodies(stack)).find(([id]) => /^Dashboard[0-9A-F]{8}$/.test(id))![1];
const detail = (stack: Stack) => Object.entries(bodies(stack)).find(([id]) => id.startsWith('DashboardDetail'))![1];
const titles = (body: Body) => body.widgets.map((w) => w.properties.title ?? w.properties.markdown.split('\n')[0]);

function fleet(streams: number): Stack {
  const stack = newStack();
  const dashboard = new StreamDashboard(stack, 'Dashboard');
  for (let i = 0; i < streams; i++) dashboard.addStream(new KinesisStream(stack, `S${i}`, { streamName: `s${i}`, autoscaling: { minShards: 1, maxShards: 4 } }));
  return stack;
}

describe('the overview', () => {
  test('shows every stream\'s health and the streams that stand out', () => {
    expect(titles(overview(fleet(2)))).toEqual([
      '## Kinesis streams',
      'most throttled writes (share of calls)',
      'oldest unread record (ms)',
      'consumers furthest behind (ms)',
      'most bytes written (per minute)',
      'stream health',
    ]);
    expect(overview(fleet(2)).widgets[5].properties.alarms).toEqual([expect.stringMatching(/^S0AlarmsHealth/), expect.stringMatching(/^S1AlarmsHealth/)]);
  });

  test('the "top" graphs query every stream of the account at once', () => {
    const queries = overview(fleet(1)).widgets.filter((w) => w.type === 'metric').map((w) => w.properties.metrics[0][0].expression);
    expect(queries).toEqual([
      'SELECT MAX("WriteProvisionedThroughputExceeded") FROM SCHEMA("AWS/Kinesis", StreamName) GROUP BY StreamName ORDER BY MAX() DESC LIMIT 10',
      'SELECT MAX("GetRecords.IteratorAgeMilliseconds") FROM SCHEMA("AWS/Kinesis", StreamName) GROUP BY StreamName ORDER BY MAX() DESC LIMIT 10',
      'SELECT MAX("SubscribeToShardEvent.MillisBehindLatest") FROM SCHEMA("AWS/Kinesis", ConsumerName, StreamName) GROUP BY ConsumerName, StreamName ORDER BY MAX() DESC LIMIT 10',
      'SELECT SUM("IncomingBytes") FROM SCHEMA("AWS/Kinesis", StreamName) GROUP BY StreamName ORDER BY SUM() DESC LIMIT 10',
    ]);
  });

  test('stays far within CloudWatch\'s 500 widgets for any number of streams: one health widget per 100', () => {
    const stack = newStack();
    const dashboard = new StreamDashboard(stack, 'Dashboard');
    for (let i = 0; i < 250; i++) {
      const stream = kinesis.Stream.fromStreamArn(stack, `S${i}`, `arn:aws:kinesis:us-east-1:111122223333:stream/s${i}`);
      dashboard.addStream(stream, { alarms: new StreamAlarms(stack, `Alarms${i}`, { stream }) });
    }
    const widgets = overview(stack).widgets;
    expect(widgets.filter((w) => w.type === 'alarm').map((w) => w.properties.alarms.length)).toEqual([100, 100, 50]);
    expect(widgets.length).toBe(8);
  });

  test('a stream without alarms has no tile', () => {
    const stack = newStack();
    new StreamDashboard(stack, 'Dashboard').addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks'));
    expect(overview(stack).widgets.filter((w) => w.type === 'alarm')).toEqual([]);
  });
});

describe('the detail dashboard', () => {
  test('has a stream selector listing every stream, starting with the first', () => {
    const [variable] = detail(fleet(3)).variables!;
    const name = (i: number) => expect.stringMatching(new RegExp(`^S${i}Stream[0-9A-F]{8}$`));
    expect(variable).toEqual({
      type: 'pattern',
      pattern: name(0),
      inputType: 'select',
      id: 'stream',
      label: 'Stream',
      defaultValue: name(0),
      visible: true,
      values: [0, 1, 2].map((i) => ({ value: name(i), label: name(i) })),
    });
  });

  test('draws throughput against capacity, throttling, lag, shards and decisions for the first stream', () => {
    expect(titles(detail(fleet(2)))).toEqual([
      '## One stream in detail',
      'write bytes/s against capacity',
      'write records/s against capacity',
      'throttled share of calls',
      'iterator age and consumer lag (ms)',
      'open shards',
      'autoscaler decisions',
    ]);
  });

  test('capacity lines divide by the open shard count the autoscaler publishes, never by a fixed count', () => {
    const metrics = JSON.stringify(detail(fleet(1)).widgets[1].properties.metrics);
    expect(metrics).toContain('shards * 1048576');
    expect(metrics).toContain('"KinesisAutoscaler","OpenShards"');
  });

  test('finds every consumer of the stream picked by search, since the selector swaps names', () => {
    const metrics = JSON.stringify(detail(fleet(1)).widgets[4].properties.metrics);
    expect(metrics).toMatch(/SEARCH\('\{AWS\/Kinesis,ConsumerName,StreamName\} MetricName=\\"SubscribeToShardEvent\.MillisBehindLatest\\" StreamName=\\"S0Stream[0-9A-F]{8}/);
  });

  test('the autoscaler decisions graph shows key-bound throttling, which more shards cannot fix', () => {
    const decisions = detail(fleet(1)).widgets.find((w: any) => w.properties.title === 'autoscaler decisions');
    const metrics = JSON.stringify(decisions!.properties.metrics);
    expect(metrics).toContain('"KinesisAutoscaler","KeyBoundThrottling"');
    expect(metrics).toContain('"label":"throttled by a hot key"');
  });

  test('has no autoscaler graphs while no stream is autoscaled', () => {
    const stack = newStack();
    new StreamDashboard(stack, 'Dashboard').addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks'));
    expect(titles(detail(stack))).not.toContain('open shards');
  });

  test('gains the autoscaler graphs when a later stream is autoscaled', () => {
    const stack = newStack();
    const dashboard = new StreamDashboard(stack, 'Dashboard');
    dashboard.addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks'));
    dashboard.addStream(new KinesisStream(stack, 'Orders', { autoscaling: { minShards: 1, maxShards: 4 } }));
    expect(titles(detail(stack))).toContain('open shards');
    expect(JSON.stringify(detail(stack).widgets)).toContain('"KinesisAutoscaler","OpenShards","StreamName","clicks"');
  });
});

test('names: the overview takes dashboardName, the detail dashboard adds -detail', () => {
  const stack = newStack();
  new StreamDashboard(stack, 'Dashboard', { dashboardName: 'streams', streams: [new KinesisStream(stack, 'A')] });
  const names = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')).map((d) => d.Properties.DashboardName);
  expect(names.sort()).toEqual(['streams', 'streams-detail']);
});

test('the overview keeps the logical id of the single dashboard of earlier releases', () => {
  const stack = newStack();
  new StreamDashboard(stack, 'Dashboard');
  // StreamDashboard/Dashboard renders as Dashboard plus a hash, as it always has.
  expect(Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))).toEqual(['Dashboard7A714131']);
});

test('options replace what a KinesisStream brings', () => {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders', { streamName: 'orders' });
  new StreamDashboard(stack, 'Dashboard').addStream(stream, { title: 'Orders' });
  expect(detail(stack).variables![0].values).toEqual([{ value: expect.stringMatching(/^OrdersStream/), label: 'Orders' }]);
});
