import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { KinesisStream, StreamDashboard } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'us-east-1' } });
}

/** The dashboard body with every reference replaced by its logical id, parsed. */
function body(stack: Stack): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const source = dashboards[0].Properties.DashboardBody;
  const text = typeof source === 'string' ? source : source['Fn::Join'][1]
    .map((part: any) => typeof part === 'string' ? part : part.Ref ?? part['Fn::GetAtt']?.[0] ?? JSON.stringify(part)).join('');
  return JSON.parse(text);
}

const titles = (stack: Stack) => body(stack).widgets.map((w) => w.properties.title ?? w.properties.markdown);
const graph = (stack: Stack, title: RegExp) => body(stack).widgets.find((w) => title.test(w.properties.title ?? ''))!.properties;

describe('an autoscaled stream', () => {
  function build() {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { streamName: 'orders', consumers: ['audit'], autoscaling: { minShards: 1, maxShards: 8 } });
    new StreamDashboard(stack, 'Dashboard', { streams: [stream] });
    return stack;
  }

  test('has every graph: throughput against capacity, throttling, lag, shards, decisions, alarm states', () => {
    expect(titles(build()).map((t) => t.replace(/^[^:]*: /, ''))).toEqual([
      expect.stringMatching(/^## /),
      'write bytes/s against capacity',
      'write records/s against capacity',
      'throttled share of calls',
      'iterator age and consumer lag (ms)',
      'open shards',
      'autoscaler decisions',
      'alarms',
    ]);
  });

  test('capacity lines divide by the open shard count the autoscaler publishes, never by a fixed count', () => {
    const metrics = JSON.stringify(graph(build(), /write bytes\/s/).metrics);
    expect(metrics).toContain('shards * 1048576');
    expect(metrics).toContain('"KinesisAutoscaler","OpenShards"');
    expect(JSON.stringify(graph(build(), /write records\/s/).metrics)).toContain('shards * 1000');
  });

  test('alarm thresholds are drawn on the graphs', () => {
    const stack = build();
    expect(graph(stack, /iterator age/).annotations.horizontal.map((a: any) => a.value)).toEqual([43_200_000, 60_000]);
    expect(graph(stack, /throttled/).annotations.horizontal.map((a: any) => a.value)).toEqual([0.01, 0.01]);
  });

  test('each consumer has its own lag line', () => {
    const metrics = JSON.stringify(graph(build(), /iterator age/).metrics);
    expect(metrics).toContain('SubscribeToShardEvent.MillisBehindLatest');
    expect(metrics).toContain('"ConsumerName"');
  });
});

test('without an autoscaler there is no capacity line and no autoscaler graph', () => {
  const stack = newStack();
  const dashboard = new StreamDashboard(stack, 'Dashboard');
  dashboard.addStream(kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks'));
  expect(titles(stack)).toEqual([
    '## clicks', 'clicks: write bytes/s against capacity', 'clicks: write records/s against capacity', 'clicks: throttled share of calls',
    'clicks: iterator age and consumer lag (ms)',
  ]);
  expect(JSON.stringify(graph(stack, /write bytes/).metrics)).not.toContain('shards *');
});

test('one dashboard shows many streams', () => {
  const stack = newStack();
  const a = new KinesisStream(stack, 'A', { streamName: 'a' });
  const b = new KinesisStream(stack, 'B', { streamName: 'b' });
  new StreamDashboard(stack, 'Dashboard', { streams: [a, b] });
  expect(titles(stack).filter((t) => t.startsWith('## '))).toHaveLength(2);
});

test('addStream on a KinesisStream brings its alarms, consumers and autoscaler', () => {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders', { streamName: 'orders', consumers: ['audit'], autoscaling: { minShards: 1, maxShards: 8 } });
  new StreamDashboard(stack, 'Dashboard').addStream(stream);
  expect(titles(stack).map((t) => t.replace(/^[^:]*: /, ''))).toEqual(expect.arrayContaining(['open shards', 'alarms']));
  expect(JSON.stringify(graph(stack, /iterator age/).metrics)).toContain('"ConsumerName"');
});

test('options replace what a KinesisStream brings', () => {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders', { streamName: 'orders', consumers: ['audit'] });
  new StreamDashboard(stack, 'Dashboard').addStream(stream, { consumers: [], title: 'Orders' });
  expect(JSON.stringify(graph(stack, /^Orders: iterator age/).metrics)).not.toContain('"ConsumerName"');
});
