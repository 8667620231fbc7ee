import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagFindings } from './nag-helper';
import { ConsumerMetrics, KinesisStream, KinesisStreamProps, StreamAlarms } from '../src';

const IMPORTED_ARN = 'arn:aws:kinesis:us-east-1:111122223333:stream/imported';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'us-east-1' } });
}

function newFunction(stack: Stack, id = 'Reader'): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
}

/** A stream with everything that has alarms: a consumer, a Lambda consumer and autoscaling. */
function fullStack(props: KinesisStreamProps = {}): Template {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Events', { streamName: 'events', consumers: ['audit'], autoscaling: { minShards: 1, maxShards: 4 }, ...props });
  stream.addLambdaConsumer('billing', newFunction(stack));
  return Template.fromStack(stack);
}

type Alarm = { Properties: Record<string, any> };

/** The alarm whose logical id starts with `Events` `Alarms` and `id`. */
function alarms(template: Template, id: string): Alarm[] {
  const prefix = `EventsAlarms${id}`;
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(([logicalId]) => logicalId.startsWith(prefix) && !logicalId.startsWith(`${prefix}Warning`))
    .map(([, a]) => a as Alarm);
}

function alarm(template: Template, id: string): Alarm {
  const found = alarms(template, id);
  expect(found).toHaveLength(1);
  return found[0];
}

function summary(a: Alarm) {
  const p = a.Properties;
  return {
    metric: p.Namespace ? [p.Namespace, p.MetricName, p.Statistic, p.Period, p.Dimensions] : 'math',
    threshold: [p.ComparisonOperator, p.Threshold],
    evaluation: [p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData],
  };
}

const STREAM = [{ Name: 'StreamName', Value: { Ref: expect.stringMatching(/^EventsStream/) } }];
const CONSUMER = [{ Name: 'ConsumerName', Value: expect.anything() }, STREAM[0]];
const GTE = 'GreaterThanOrEqualToThreshold';
const LTE = 'LessThanOrEqualToThreshold';

describe('every alarm, with its metric, threshold and evaluation', () => {
  const template = fullStack();
  test.each([
    ['IteratorAge', ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'Maximum', 60, STREAM], [GTE, 43_200_000], [5, 5, 'ignore']],
    ['IteratorAgeWarning', ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'Maximum', 60, STREAM], [GTE, 60_000], [15, 15, 'ignore']],
    ['WriteThrottling', ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded', 'Average', 60, STREAM], [GTE, 0.01], [5, 3, 'notBreaching']],
    ['ReadThrottling', ['AWS/Kinesis', 'ReadProvisionedThroughputExceeded', 'Average', 60, STREAM], [GTE, 0.01], [5, 3, 'notBreaching']],
    ['PutRecordsFailedRecords', ['AWS/Kinesis', 'PutRecords.FailedRecords', 'Sum', 60, STREAM], [GTE, 1], [5, 3, 'notBreaching']],
    ['PutRecordSuccess', ['AWS/Kinesis', 'PutRecord.Success', 'Average', 60, STREAM], [LTE, 0.95], [5, 3, 'notBreaching']],
    ['PutRecordsSuccess', ['AWS/Kinesis', 'PutRecords.Success', 'Average', 60, STREAM], [LTE, 0.95], [5, 3, 'notBreaching']],
    ['GetRecordsSuccess', ['AWS/Kinesis', 'GetRecords.Success', 'Average', 60, STREAM], [LTE, 0.98], [5, 3, 'notBreaching']],
    ['ConsumerLag', ['AWS/Kinesis', 'SubscribeToShardEvent.MillisBehindLatest', 'Maximum', 60, CONSUMER], [GTE, 60_000], [15, 15, 'ignore']],
    ['ConsumerRateExceeded', ['AWS/Kinesis', 'SubscribeToShard.RateExceeded', 'Sum', 60, CONSUMER], [GTE, 1], [5, 3, 'notBreaching']],
    ['LambdaIteratorAge', ['AWS/Lambda', 'IteratorAge', 'Maximum', 60, [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^Reader/) } }]], [GTE, 60_000], [15, 15, 'ignore']],
    ['LambdaErrors', ['AWS/Lambda', 'Errors', 'Sum', 60, [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^Reader/) } }]], [GTE, 1], [5, 3, 'notBreaching']],
    ['AutoscalerErrors', ['KinesisAutoscaler', 'Errors', 'Sum', 300, STREAM], [GTE, 1], [3, 2, 'breaching']],
    ['AutoscalerBudgetExhausted', ['KinesisAutoscaler', 'UpdateShardCountCallsRemaining', 'Minimum', 300, STREAM], [LTE, 0], [1, 1, 'notBreaching']],
  ])('%s', (id, metric, threshold, evaluation) => {
    // Two consumers (audit, and billing's own) each get their alarms; the first one found by id is checked.
    const found = alarms(template, id);
    expect(found.length).toBeGreaterThan(0);
    for (const a of found) expect(summary(a)).toEqual({ metric, threshold, evaluation });
  });

  test('AutoscalerPinnedAtMax: throttled writes while the autoscaler is held at maxShards', () => {
    const a = alarm(template, 'AutoscalerPinnedAtMax');
    expect(summary(a)).toEqual({ metric: 'math', threshold: [GTE, 1], evaluation: [5, 3, 'notBreaching'] });
    const metrics = a.Properties.Metrics as Array<Record<string, any>>;
    expect(metrics.find((m) => m.Expression)).toMatchObject({ Expression: 'IF(pinned >= 1 AND throttled > 0, 1, 0)' });
    const stat = (m: Record<string, any>) => m.MetricStat;
    expect(metrics.filter(stat).map((m) => [m.Id, stat(m).Metric.Namespace, stat(m).Metric.MetricName, stat(m).Stat, stat(m).Metric.Dimensions]))
      .toEqual(expect.arrayContaining([
        ['pinned', 'KinesisAutoscaler', 'PinnedAtMaxShards', 'Maximum', STREAM],
        ['throttled', 'AWS/Kinesis', 'WriteProvisionedThroughputExceeded', 'Average', STREAM],
      ]));
  });

  test('each enhanced fan-out consumer, the Lambda one included, has its own lag and rate alarms', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(ids.filter((id) => id.startsWith('EventsAlarmsConsumerLag'))).toHaveLength(2);
    expect(ids.filter((id) => id.startsWith('EventsAlarmsConsumerRateExceeded'))).toHaveLength(2);
  });

  test('every description says what is wrong and what to do first', () => {
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      // The description names the stream by reference, so CloudFormation writes in its real name.
      const [, parts] = a.Properties.AlarmDescription['Fn::Join'];
      expect(parts[0]).toBe('Kinesis stream ');
      expect(parts[1]).toEqual({ Ref: expect.stringMatching(/^EventsStream/) });
      expect(parts.filter((p: unknown) => typeof p === 'string').join('')).toMatch(/: .+\. First: .+/);
    }
  });
});

test('no alarm the library creates has a stream metric without StreamName', () => {
  const template = fullStack();
  const metricsOf = (a: Alarm): Array<{ Namespace: string; Dimensions: Array<{ Name: string }> }> => a.Properties.Namespace
    ? [{ Namespace: a.Properties.Namespace, Dimensions: a.Properties.Dimensions }]
    : a.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
  const all = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  expect(all.length).toBe(17);
  for (const metric of all.flatMap(metricsOf)) {
    // A Lambda consumer's own metrics are per function: AWS/Lambda has no StreamName dimension.
    const required = metric.Namespace === 'AWS/Lambda' ? 'FunctionName' : 'StreamName';
    expect(metric.Dimensions.map((d) => d.Name)).toContain(required);
  }
});

describe('iterator-age threshold', () => {
  test('is half of a custom retention', () => {
    const template = fullStack({ retentionPeriod: Duration.days(7) });
    expect(alarm(template, 'IteratorAge').Properties.Threshold).toBe(3.5 * 24 * 3_600_000);
  });

  test('with a token retention, is half the shortest retention, with a warning', () => {
    const stack = newStack();
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' });
    new KinesisStream(stack, 'Events', { retentionPeriod: Duration.hours(hours.valueAsNumber) });
    expect(alarm(Template.fromStack(stack), 'IteratorAge').Properties.Threshold).toBe(12 * 3_600_000);
    Annotations.fromStack(stack).hasWarning('/Stack/Events/Alarms', Match.stringLikeRegexp('^retentionPeriod is a token'));
  });
});

describe('overrides', () => {
  test('change the threshold and the evaluation of one alarm', () => {
    const template = fullStack({ alarms: { overrides: { writeThrottling: { threshold: 0.05, evaluationPeriods: 10, datapointsToAlarm: 8 } } } });
    expect(summary(alarm(template, 'WriteThrottling')).threshold).toEqual([GTE, 0.05]);
    expect(summary(alarm(template, 'WriteThrottling')).evaluation).toEqual([10, 8, 'notBreaching']);
    expect(summary(alarm(template, 'ReadThrottling')).threshold).toEqual([GTE, 0.01]);
  });

  test('fewer evaluation periods than the default datapoints lowers the datapoints with them', () => {
    const template = fullStack({ alarms: { overrides: { iteratorAge: { evaluationPeriods: 2 } } } });
    expect(summary(alarm(template, 'IteratorAge')).evaluation).toEqual([2, 2, 'ignore']);
  });

  test('disable an alarm', () => {
    const template = fullStack({ alarms: { overrides: { readSuccess: { enabled: false }, consumerLag: { enabled: false } } } });
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(ids.filter((id) => id.startsWith('EventsAlarmsGetRecordsSuccess') || id.startsWith('EventsAlarmsConsumerLag'))).toEqual([]);
    expect(ids).toHaveLength(14);
  });

  test.each([
    [{ writeThrottling: { evaluationPeriods: 0 } }, 'overrides.writeThrottling.evaluationPeriods must be a whole number from 1 to 1440, received 0'],
    [{ writeThrottling: { evaluationPeriods: 3, datapointsToAlarm: 4 } }, 'overrides.writeThrottling.datapointsToAlarm must be a whole number from 1 to 3, received 4'],
    [{ writeThrottling: { datapointsToAlarm: 6 } }, 'overrides.writeThrottling.datapointsToAlarm (6) must not exceed evaluationPeriods (5)'],
    [{ iteratorAge: { threshold: NaN } }, 'overrides.iteratorAge.threshold must be a finite number, received NaN'],
  ])('rejects %j', (overrides, message) => {
    expect(() => fullStack({ alarms: { overrides } })).toThrow(message);
  });

  test('no alarms at all with createAlarms: false', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Events', { createAlarms: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});

describe('actions and the composite alarm', () => {
  test('an SNS topic given once notifies every alarm, the composite one included', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Pager');
    new KinesisStream(stack, 'Events', { alarms: { alarmTopic: topic } });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
      for (const a of Object.values(template.findResources(type))) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });

  test('any IAlarmAction works', () => {
    const stack = newStack();
    const action: cloudwatch.IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:sns:us-east-1:111122223333:pager' }) };
    new KinesisStream(stack, 'Events', { alarms: { alarmActions: [action] } });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111122223333:pager'] });
  });

  test('"stream unhealthy" watches the critical alarms, not the warnings', () => {
    const template = fullStack();
    const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composite).toHaveLength(1);
    const rule = JSON.stringify(composite[0].Properties.AlarmRule);
    expect(rule).toContain('EventsAlarmsIteratorAge');
    expect(rule).toContain('EventsAlarmsConsumerLag');
    expect(rule).toContain('EventsAlarmsLambdaErrors');
    expect(rule).not.toContain('EventsAlarmsIteratorAgeWarning');
    expect(rule).not.toContain('EventsAlarmsAutoscalerBudgetExhausted');
  });

  test('a consumer added after the alarms joins the composite alarm', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.addConsumer('late');
    const rule = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties.AlarmRule);
    expect(rule).toContain('EventsAlarmsConsumerLag');
  });
});

test('an alarm of the user\'s own joins the composite alarm', () => {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Events');
  const own = new cloudwatch.Alarm(stack, 'AppLag', { metric: stream.metricGetRecordsLatency(), threshold: 1000, evaluationPeriods: 1 });
  stream.alarms!.addToCompositeAlarm(own);
  const rule = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties.AlarmRule);
  expect(rule).toContain('AppLag');
});

describe('standalone', () => {
  test('watches an imported stream by its name', () => {
    const stack = newStack();
    new StreamAlarms(stack, 'Alarms', { stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WriteProvisionedThroughputExceeded',
      Dimensions: [{ Name: 'StreamName', Value: 'imported' }],
      AlarmDescription: Match.stringLikeRegexp('^Kinesis stream imported: .+ First: '),
    });
  });

  test('a composite alarm with every critical alarm disabled fails synthesis with advice', () => {
    const stack = newStack();
    const off = { enabled: false };
    new StreamAlarms(stack, 'Alarms', {
      stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN),
      overrides: {
        iteratorAge: off,
        writeThrottling: off,
        readThrottling: off,
        putRecordsFailedRecords: off,
        putRecordSuccess: off,
        putRecordsSuccess: off,
        readSuccess: off,
      },
    });
    expect(() => Template.fromStack(stack)).toThrow(/every critical alarm is disabled, so the composite alarm has nothing to watch; set compositeAlarm: false/);
  });
});

test('consumer metric helpers carry StreamName and ConsumerName', () => {
  const stack = newStack();
  const stream = kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN);
  const consumer = kinesis.StreamConsumer.fromStreamConsumerAttributes(stack, 'Consumer', {
    streamConsumerArn: `${IMPORTED_ARN}/consumer/audit:1`, streamConsumerName: 'audit', stream,
  } as kinesis.StreamConsumerAttributes);
  const helpers = [
    ConsumerMetrics.millisBehindLatest, ConsumerMetrics.subscribeToShardRateExceeded, ConsumerMetrics.subscribeToShardSuccess,
    ConsumerMetrics.subscribeToShardEventSuccess, ConsumerMetrics.subscribeToShardEventRecords, ConsumerMetrics.subscribeToShardEventBytes,
  ];
  expect(helpers.map((h) => { const m = h(consumer); return [m.metricName, m.statistic, m.dimensions]; })).toEqual([
    ['SubscribeToShardEvent.MillisBehindLatest', 'Maximum', { StreamName: 'imported', ConsumerName: 'audit' }],
    ['SubscribeToShard.RateExceeded', 'Sum', { StreamName: 'imported', ConsumerName: 'audit' }],
    ['SubscribeToShard.Success', 'Average', { StreamName: 'imported', ConsumerName: 'audit' }],
    ['SubscribeToShardEvent.Success', 'Average', { StreamName: 'imported', ConsumerName: 'audit' }],
    ['SubscribeToShardEvent.Records', 'Sum', { StreamName: 'imported', ConsumerName: 'audit' }],
    ['SubscribeToShardEvent.Bytes', 'Sum', { StreamName: 'imported', ConsumerName: 'audit' }],
  ]);
});

test('with an action, the alarms add no AwsSolutions or NIST 800-53 rev 5 finding', () => {
  const findings = nagFindings((stack) => new KinesisStream(stack, 'Events', {
    consumers: ['audit'], alarms: { alarmTopic: new sns.Topic(stack, 'Pager', { enforceSSL: true }) },
  }), ['AwsSolutions', 'NIST.800.53.R5']);
  expect(findings.filter((f) => f.includes('/Alarms/'))).toEqual([]);
});

test('without an action, NIST 800-53 rev 5 reports each alarm as having none, and nothing else', () => {
  const findings = nagFindings((stack) => new KinesisStream(stack, 'Events', { consumers: ['audit'] }), ['AwsSolutions', 'NIST.800.53.R5']);
  const onAlarms = findings.filter((f) => f.includes('/Alarms/'));
  expect(onAlarms).toHaveLength(10);
  expect(onAlarms.every((f) => f.includes('NIST.800.53.R5-CloudWatchAlarmAction'))).toBe(true);
});
