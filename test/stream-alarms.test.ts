import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagFindings } from './nag-helper';
import { ConsumerMetrics, KinesisStream, KinesisStreamProps, StreamAlarmOverrides, StreamAlarms } from '../src';

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

/** The alarms whose logical id starts with `Events` `Alarms` and `id`. */
function alarms(template: Template, id: string): Alarm[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(([logicalId]) => logicalId.startsWith(`EventsAlarms${id}`))
    .map(([, a]) => a as Alarm);
}

function alarm(template: Template, id: string): Alarm {
  const found = alarms(template, id);
  expect(found).toHaveLength(1);
  return found[0];
}

type MetricStat = { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string };
type Query = { Id: string; Expression?: string; ReturnData: boolean; MetricStat?: MetricStat };

/** Each signal of a health alarm: its metric, and the condition in the expression. */
function signals(a: Alarm): Record<string, [string, string, string, number, unknown[], string]> {
  const queries = a.Properties.Metrics as Query[];
  const expression = queries.find((q) => q.Expression)!.Expression!;
  return Object.fromEntries(queries.filter((q) => q.MetricStat).map((q) => {
    const condition = new RegExp(`FILL\\(${q.Id},[01]\\)[<>]=[0-9.]+`).exec(expression)?.[0] ?? 'missing';
    const { Metric: m, Period, Stat } = q.MetricStat!;
    return [q.Id, [m.Namespace, m.MetricName, Stat, Period, m.Dimensions, condition]];
  }));
}

const STREAM = [{ Name: 'StreamName', Value: { Ref: expect.stringMatching(/^EventsStream/) } }];
const CONSUMER = [{ Name: 'ConsumerName', Value: expect.anything() }, STREAM[0]];
const FUNCTION = [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^Reader/) } }];

describe('the health alarm of an autoscaled stream with a consumer', () => {
  const template = fullStack();
  const health = alarm(template, 'Health');

  test.each([
    ['writeThrottling', ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded', 'Average', 60, STREAM, 'FILL(writeThrottling,0)>=0.01']],
    ['putRecordSuccess', ['AWS/Kinesis', 'PutRecord.Success', 'Average', 60, STREAM, 'FILL(putRecordSuccess,1)<=0.95']],
    ['putRecordsSuccess', ['AWS/Kinesis', 'PutRecords.Success', 'Average', 60, STREAM, 'FILL(putRecordsSuccess,1)<=0.95']],
    ['readSuccess', ['AWS/Kinesis', 'GetRecords.Success', 'Average', 60, STREAM, 'FILL(readSuccess,1)<=0.98']],
    ['iteratorAge', ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'Maximum', 60, STREAM, 'FILL(iteratorAge,0)>=43200000']],
    ['autoscalerErrors', ['KinesisAutoscaler', 'Errors', 'Sum', 60, STREAM, 'FILL(autoscalerErrors,0)>=1']],
  ])('watches %s', (id, expected) => {
    expect(signals(health)[id]).toEqual(expected);
  });

  test('watches each enhanced fan-out consumer\'s lag, the Lambda consumer\'s included', () => {
    const lags = Object.entries(signals(health)).filter(([id]) => id.startsWith('consumerLag')).map(([, s]) => s);
    expect(lags).toEqual([
      ['AWS/Kinesis', 'SubscribeToShardEvent.MillisBehindLatest', 'Maximum', 60, CONSUMER, expect.stringMatching(/>=300000$/)],
      ['AWS/Kinesis', 'SubscribeToShardEvent.MillisBehindLatest', 'Maximum', 60, CONSUMER, expect.stringMatching(/>=300000$/)],
    ]);
  });

  test('is 1 in a minute where any signal breaches, in 3 of the last 5 minutes', () => {
    const p = health.Properties;
    expect([p.ComparisonOperator, p.Threshold, p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData])
      .toEqual(['GreaterThanOrEqualToThreshold', 1, 5, 3, 'notBreaching']);
    const result = (p.Metrics as Query[]).filter((q) => q.ReturnData);
    expect(result).toEqual([{ Id: 'health', ReturnData: true, Expression: expect.stringMatching(/^IF\(FILL\(.+ OR .+,1,0\)$/) }]);
  });

  test('reads at most the 10 metrics CloudWatch allows in one alarm', () => {
    expect((health.Properties.Metrics as Query[]).filter((q) => q.MetricStat).length).toBeLessThanOrEqual(10);
  });
});

test('a Lambda consumer has a health alarm of its own: iterator age and errors', () => {
  const a = alarm(fullStack(), 'LambdaConsumer');
  expect(signals(a)).toEqual({
    lambdaConsumerIteratorAge: ['AWS/Lambda', 'IteratorAge', 'Maximum', 60, FUNCTION, 'FILL(lambdaConsumerIteratorAge,0)>=300000'],
    lambdaConsumerErrors: ['AWS/Lambda', 'Errors', 'Sum', 60, FUNCTION, 'FILL(lambdaConsumerErrors,0)>=1'],
  });
});

test('no metric of any alarm the library creates lacks the dimension that names what it watches', () => {
  const template = fullStack({
    alarms: {
      overrides: {
        iteratorAgeWarning: { enabled: true }, autoscalerBudgetExhausted: { enabled: true }, autoscalerKeyBoundThrottling: { enabled: true },
      },
    },
  });
  const all = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  const metricsOf = (a: Alarm): Array<{ Namespace: string; Dimensions: Array<{ Name: string }> }> => a.Properties.Namespace
    ? [{ Namespace: a.Properties.Namespace, Dimensions: a.Properties.Dimensions }]
    : (a.Properties.Metrics as Query[]).filter((q) => q.MetricStat).map((q) => q.MetricStat!.Metric as any);
  // The stream's health, the Lambda consumer's, the three warnings, and the autoscaler's own "stopped" alarm.
  expect(all.length).toBe(6);
  for (const metric of all.flatMap(metricsOf)) {
    // A Lambda consumer's own metrics are per function: AWS/Lambda has no StreamName dimension.
    expect(metric.Dimensions.map((d) => d.Name)).toContain(metric.Namespace === 'AWS/Lambda' ? 'FunctionName' : 'StreamName');
  }
});

test('every description says what is wrong and what to do first, naming the stream', () => {
  const streamAlarms = Object.entries(fullStack().findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('EventsAlarms'));
  expect(streamAlarms).toHaveLength(2);
  for (const [, a] of streamAlarms) {
    const [, parts] = a.Properties.AlarmDescription['Fn::Join'];
    expect(parts[0]).toBe('Kinesis stream ');
    expect(parts[1]).toEqual({ Ref: expect.stringMatching(/^EventsStream/) });
    const text = parts.filter((p: unknown) => typeof p === 'string').join('');
    expect(text).toMatch(/: .+ First: .+/);
    expect(text.length + 128).toBeLessThanOrEqual(1024);
  }
});

describe('resources per stream', () => {
  const count = (streams: number, consumers: number) => {
    const stack = newStack();
    for (let i = 0; i < streams; i++) {
      const stream = new KinesisStream(stack, `S${i}`, { autoscaling: { minShards: 1, maxShards: 4 } });
      for (let c = 0; c < consumers; c++) stream.addConsumer(`c${c}`);
    }
    return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
  };

  test('an autoscaled stream with one consumer adds 4: stream, key, consumer, health alarm', () => {
    expect(count(3, 1) - count(2, 1)).toBe(4);
  });

  test('consumers beyond what the health alarm holds get a lag alarm each, and the composite alarm appears', () => {
    // 6 stream signals leave room for 4 consumers; the 5th and 6th get their own alarm.
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { autoscaling: { minShards: 1, maxShards: 4 } });
    for (let c = 0; c < 6; c++) stream.addConsumer(`c${c}`);
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) => id.startsWith('EventsAlarmsConsumerLag'))).toEqual([
      expect.stringMatching(/^EventsAlarmsConsumerLagStackEventsConsumersc4/), expect.stringMatching(/^EventsAlarmsConsumerLagStackEventsConsumersc5/),
    ]);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
  });
});

describe('iterator-age threshold', () => {
  test('is half of a custom retention', () => {
    expect(signals(alarm(fullStack({ retentionPeriod: Duration.days(7) }), 'Health')).iteratorAge[5]).toBe(`FILL(iteratorAge,0)>=${3.5 * 24 * 3_600_000}`);
  });

  test('with a token retention, is half the shortest retention, with a warning', () => {
    const stack = newStack();
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' });
    new KinesisStream(stack, 'Events', { retentionPeriod: Duration.hours(hours.valueAsNumber) });
    expect(signals(alarm(Template.fromStack(stack), 'Health')).iteratorAge[5]).toBe(`FILL(iteratorAge,0)>=${12 * 3_600_000}`);
    Annotations.fromStack(stack).hasWarning('/Stack/Events/Alarms', Match.stringLikeRegexp('^retentionPeriod is a token'));
  });
});

describe('overrides', () => {
  test('change a signal\'s threshold', () => {
    const health = alarm(fullStack({ alarms: { overrides: { writeThrottling: { threshold: 0.05 } } } }), 'Health');
    expect(signals(health).writeThrottling[5]).toBe('FILL(writeThrottling,0)>=0.05');
    expect(signals(health).readSuccess[5]).toBe('FILL(readSuccess,1)<=0.98');
  });

  test('change the evaluation of the health alarms', () => {
    const template = fullStack({ alarms: { overrides: { health: { evaluationPeriods: 10, datapointsToAlarm: 8 } } } });
    for (const id of ['Health', 'LambdaConsumer']) {
      expect([alarm(template, id).Properties.EvaluationPeriods, alarm(template, id).Properties.DatapointsToAlarm]).toEqual([10, 8]);
    }
  });

  test('fewer evaluation periods than the default datapoints lowers the datapoints with them', () => {
    const health = alarm(fullStack({ alarms: { overrides: { health: { evaluationPeriods: 2 } } } }), 'Health');
    expect([health.Properties.EvaluationPeriods, health.Properties.DatapointsToAlarm]).toEqual([2, 2]);
  });

  test('disable a signal', () => {
    const ids = Object.keys(signals(alarm(fullStack({ alarms: { overrides: { readSuccess: { enabled: false }, consumerLag: { enabled: false } } } }), 'Health')));
    expect(ids).toEqual(['writeThrottling', 'putRecordSuccess', 'putRecordsSuccess', 'iteratorAge', 'autoscalerErrors']);
  });

  test('the full set: read throttling and failed PutRecords records are opt-in signals', () => {
    const health = alarm(fullStack({ alarms: { overrides: { readThrottling: { enabled: true }, putRecordsFailedRecords: { enabled: true } } } }), 'Health');
    expect(signals(health).readThrottling).toEqual(['AWS/Kinesis', 'ReadProvisionedThroughputExceeded', 'Average', 60, STREAM, 'FILL(readThrottling,0)>=0.01']);
    expect(signals(health).putRecordsFailedRecords).toEqual(['AWS/Kinesis', 'PutRecords.FailedRecords', 'Sum', 60, STREAM, 'FILL(putRecordsFailedRecords,0)>=1']);
  });

  test.each([
    ['IteratorAgeWarning', 'iteratorAgeWarning', ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'Maximum', 60, STREAM], ['GreaterThanOrEqualToThreshold', 60_000], [15, 15, 'ignore']],
    ['AutoscalerBudgetExhausted', 'autoscalerBudgetExhausted', ['KinesisAutoscaler', 'UpdateShardCountCallsRemaining', 'Minimum', 300, STREAM], ['LessThanOrEqualToThreshold', 0], [1, 1, 'notBreaching']],
    ['AutoscalerKeyBoundThrottling', 'autoscalerKeyBoundThrottling', ['KinesisAutoscaler', 'KeyBoundThrottling', 'Maximum', 60, STREAM], ['GreaterThanOrEqualToThreshold', 1], [15, 10, 'notBreaching']],
  ])('the %s warning is opt-in', (id, key, metric, threshold, evaluation) => {
    expect(alarms(fullStack(), id)).toEqual([]);
    const p = alarm(fullStack({ alarms: { overrides: { [key]: { enabled: true } } } }), id).Properties;
    const summary = [[p.Namespace, p.MetricName, p.Statistic, p.Period, p.Dimensions], [p.ComparisonOperator, p.Threshold]];
    expect([...summary, [p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData]])
      .toEqual([metric, threshold, evaluation]);
  });

  test('the key-bound throttling warning tells the user that more shards cannot fix it and to spread the key', () => {
    const template = fullStack({ alarms: { overrides: { autoscalerKeyBoundThrottling: { enabled: true } } } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'KeyBoundThrottling',
      AlarmDescription: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('more shards cannot fix.*spread the partition key.*random suffix.*ExplicitHashKey')])],
      }),
    });
  });

  test('no key-bound throttling warning without an autoscaler', () => {
    const stack = newStack();
    new StreamAlarms(stack, 'Alarms', {
      stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), overrides: { autoscalerKeyBoundThrottling: { enabled: true } },
    });
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'KeyBoundThrottling' }, 0);
  });

  test('a warning takes its own threshold and evaluation', () => {
    const p = alarm(fullStack({ alarms: { overrides: { iteratorAgeWarning: { enabled: true, threshold: 120_000, evaluationPeriods: 10, datapointsToAlarm: 8 } } } }), 'IteratorAgeWarning').Properties;
    expect([p.Threshold, p.EvaluationPeriods, p.DatapointsToAlarm]).toEqual([120_000, 10, 8]);
  });

  test.each<[StreamAlarmOverrides, string]>([
    [{ health: { evaluationPeriods: 0 } }, 'overrides.health.evaluationPeriods must be a whole number from 1 to 1440, received 0'],
    [{ health: { evaluationPeriods: 3, datapointsToAlarm: 4 } }, 'overrides.health.datapointsToAlarm must be a whole number from 1 to 3, received 4'],
    [{ health: { datapointsToAlarm: 6 } }, 'overrides.health.datapointsToAlarm (6) must not exceed evaluationPeriods (5)'],
    [{ iteratorAgeWarning: { enabled: true, datapointsToAlarm: 16 } }, 'overrides.iteratorAgeWarning.datapointsToAlarm (16) must not exceed evaluationPeriods (15)'],
    [{ autoscalerKeyBoundThrottling: { enabled: true, datapointsToAlarm: 16 } }, 'overrides.autoscalerKeyBoundThrottling.datapointsToAlarm (16) must not exceed evaluationPeriods (15)'],
    [{ autoscalerKeyBoundThrottling: { enabled: true, threshold: Infinity } }, 'overrides.autoscalerKeyBoundThrottling.threshold must be a finite number, received Infinity'],
    [{ iteratorAge: { threshold: NaN } }, 'overrides.iteratorAge.threshold must be a finite number, received NaN'],
    [{ writeThrottling: { evaluationPeriods: 10 } as any }, 'overrides.writeThrottling is a signal of the health alarm, which evaluates all its signals together: set evaluationPeriods and datapointsToAlarm on overrides.health'],
    [{ health: { threshold: 2 } as any }, 'overrides.health has no threshold: the health alarm is 1 when any signal breaches; set the threshold of a signal instead, for example overrides.writeThrottling.threshold'],
    [{ consumerRateExceeded: {} } as any, 'overrides.consumerRateExceeded no longer exists: a consumer that re-subscribes too fast falls behind, which the consumerLag signal watches'],
    [{ autoscalerPinnedAtMax: {} } as any, 'overrides.autoscalerPinnedAtMax no longer exists: throttling while held at maxShards is write throttling, which the writeThrottling signal watches'],
    [{ writeThrotling: {} } as any, 'overrides.writeThrotling is not a signal or an alarm; use one of health, writeThrottling,'],
  ])('rejects %j', (overrides, message) => {
    expect(() => fullStack({ alarms: { overrides } })).toThrow(message);
  });

  test('rejects a health alarm with every signal disabled', () => {
    const stack = newStack();
    const off = { enabled: false };
    expect(() => new StreamAlarms(stack, 'Alarms', {
      stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN),
      overrides: { writeThrottling: off, putRecordSuccess: off, putRecordsSuccess: off, readSuccess: off, iteratorAge: off },
    })).toThrow('every signal of the health alarm is disabled, so it has nothing to watch; set overrides.health.enabled to false');
  });

  test('accepts a token threshold', () => {
    const stack = newStack();
    const threshold = new CfnParameter(stack, 'Threshold', { type: 'Number' });
    new KinesisStream(stack, 'Events', { alarms: { overrides: { writeThrottling: { threshold: threshold.valueAsNumber } } } });
    expect(JSON.stringify(alarm(Template.fromStack(stack), 'Health').Properties.Metrics)).toContain('{"Ref":"Threshold"}');
  });

  test('no alarms at all with createAlarms: false', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Events', { createAlarms: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});

describe('actions and "stream unhealthy"', () => {
  test('an SNS topic given once notifies every alarm, the composite one included', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Pager');
    new KinesisStream(stack, 'Events', { alarms: { alarmTopic: topic, compositeAlarm: true } }).addLambdaConsumer('billing', newFunction(stack));
    const template = Template.fromStack(stack);
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
      const found = Object.values(template.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const a of found) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });

  test('any IAlarmAction works', () => {
    const stack = newStack();
    const action: cloudwatch.IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:sns:us-east-1:111122223333:pager' }) };
    new KinesisStream(stack, 'Events', { alarms: { alarmActions: [action] } });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111122223333:pager'] });
  });

  test('with one critical alarm, the health alarm is "stream unhealthy" and no composite alarm is made', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events', { consumers: ['audit'] });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(stream.alarms!.unhealthy).toBe(stream.alarms!.health);
  });

  test('with several critical alarms, a composite alarm watches them all, not the warnings', () => {
    const template = fullStack({ alarms: { overrides: { iteratorAgeWarning: { enabled: true } } } });
    const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composite).toHaveLength(1);
    const rule = JSON.stringify(composite[0].Properties.AlarmRule);
    expect(rule).toContain('EventsAlarmsHealth');
    expect(rule).toContain('EventsAlarmsLambdaConsumer');
    expect(rule).not.toContain('EventsAlarmsIteratorAgeWarning');
  });

  test('compositeAlarm: false keeps the alarms apart', () => {
    fullStack({ alarms: { compositeAlarm: false } }).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });

  test('a consumer added after the alarms joins the health alarm', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    stream.addConsumer('late');
    expect(Object.keys(signals(alarm(Template.fromStack(stack), 'Health')))).toContain('consumerLag5');
  });

  test('an alarm of the user\'s own joins a composite alarm with the health alarm', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Events');
    const own = new cloudwatch.Alarm(stack, 'AppLag', { metric: stream.metricGetRecordsLatency(), threshold: 1000, evaluationPeriods: 1 });
    stream.alarms!.addToCompositeAlarm(own);
    const rule = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties.AlarmRule);
    expect(rule).toContain('AppLag');
    expect(rule).toContain('EventsAlarmsHealth');
  });

  test('the autoscaler\'s "stopped" alarm notifies whoever the stream\'s alarms notify, once', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Pager');
    new KinesisStream(stack, 'A', { autoscaling: { minShards: 1, maxShards: 2 }, alarms: { alarmTopic: topic } });
    new KinesisStream(stack, 'B', { autoscaling: { minShards: 1, maxShards: 2 }, alarms: { alarmTopic: topic } });
    const stopped = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('ShardAutoscalerStopped'))!;
    expect(stopped[1].Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
  });
});

describe('standalone', () => {
  test('watches an imported stream by its name', () => {
    const stack = newStack();
    new StreamAlarms(stack, 'Alarms', { stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    const health = Object.values(template.findResources('AWS::CloudWatch::Alarm'))[0];
    expect(health.Properties.Metrics[0].MetricStat.Metric.Dimensions).toEqual([{ Name: 'StreamName', Value: 'imported' }]);
    expect(health.Properties.AlarmDescription).toMatch(/^Kinesis stream imported: .+ First: /);
  });

  test('a composite alarm asked for with every critical alarm disabled fails synthesis with advice', () => {
    const stack = newStack();
    new StreamAlarms(stack, 'Alarms', {
      stream: kinesis.Stream.fromStreamArn(stack, 'Imported', IMPORTED_ARN), compositeAlarm: true, overrides: { health: { enabled: false } },
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

test('without an action, NIST 800-53 rev 5 reports the alarm as having none, and nothing else', () => {
  const findings = nagFindings((stack) => new KinesisStream(stack, 'Events', { consumers: ['audit'] }), ['AwsSolutions', 'NIST.800.53.R5']);
  const onAlarms = findings.filter((f) => f.includes('/Alarms/'));
  expect(onAlarms).toHaveLength(1);
  expect(onAlarms.every((f) => f.includes('NIST.800.53.R5-CloudWatchAlarmAction'))).toBe(true);
});
