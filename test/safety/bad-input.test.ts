import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { MergeShardsCommand, SplitShardCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { runTick } from '../../lambda/autoscaler/tick';
import { KinesisStream, KinesisStreamProps, ShardAutoscaler } from '../../src';
import { STATE_TAGS } from '../../src/core';
import { answerFromTraffic } from '../lambda/fake-cloudwatch';
import { mockedAws, mockStream } from '../lambda/mocked-aws';

const ROOT = path.join(__dirname, '..', '..');

describe('constructs reject bad props at synth with the exact message', () => {
  const stream = (props: KinesisStreamProps) => () => new KinesisStream(new Stack(new App(), 'Stack'), 'Events', props);
  const consumers = (n: number) => Array.from({ length: n }, (_, i) => `consumer-${i}`);
  test.each([
    ['zero shards', stream({ shardCount: 0 }), 'shardCount must be a whole number from 1 to 10000, received 0'],
    ['negative shards', stream({ shardCount: -2 }), 'shardCount must be a whole number from 1 to 10000, received -2'],
    ['zero minShards', stream({ autoscaling: { minShards: 0, maxShards: 4 } }), 'minShards must be a whole number from 1 to 10000, received 0'],
    ['negative maxShards', stream({ autoscaling: { minShards: 1, maxShards: -4 } }), 'maxShards must be a whole number from 1 to 10000, received -4'],
    ['minShards > maxShards', stream({ autoscaling: { minShards: 8, maxShards: 4 } }), 'minShards (8) must not be greater than maxShards (4)'],
    ['21 consumers', stream({ consumers: consumers(21) }), 'consumers: a stream has at most 20 enhanced fan-out consumers, received 21'],
    ['an invalid consumer name', stream({ consumers: ['has space'] }), 'consumer name must be 1 to 128 characters from [a-zA-Z0-9_.-], received "has space"'],
    ['a duplicate consumer name', stream({ consumers: ['audit', 'audit'] }), 'consumer name must be unique on the stream, received "audit" twice'],
    ['retention under a day', stream({ retentionPeriod: Duration.hours(12) }), 'retentionPeriod must be whole hours from 24 to 8760, received 12 hours'],
    ['retention over a year', stream({ retentionPeriod: Duration.days(366) }), 'retentionPeriod must be whole hours from 24 to 8760, received 8784 hours'],
    ['a key with the AWS-managed key', () => {
      const stack = new Stack(new App(), 'Stack');
      new KinesisStream(stack, 'Events', { encryption: kinesis.StreamEncryption.MANAGED, encryptionKey: new kms.Key(stack, 'Key') });
    }, 'encryptionKey can only be used with encryption KMS, received encryption MANAGED (the AWS-managed key alias/aws/kinesis)'],
    ['autoscaling On-Demand', stream({ streamMode: kinesis.StreamMode.ON_DEMAND, autoscaling: { minShards: 1, maxShards: 2 } }),
      'autoscaling must not be set when streamMode is ON_DEMAND: On-Demand streams scale themselves'],
  ])('%s', (_, build, message) => {
    expect(build).toThrow(message);
  });

  test('tokens are passed through to deploy time', () => {
    const stack = new Stack(new App(), 'Stack');
    const n = new CfnParameter(stack, 'N', { type: 'Number' }).valueAsNumber;
    expect(() => new KinesisStream(stack, 'Events', { shardCount: n, autoscaling: { minShards: n, maxShards: n } })).not.toThrow();
    expect(() => ShardAutoscaler.of(stack)).not.toThrow();
  });
});

describe('the replay command exits non-zero with one line and no stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const good = file('good.csv', 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2\n');
  const compiled = path.join(ROOT, 'assets', 'cli', 'index.js');
  const command = fs.existsSync(compiled)
    ? [compiled]
    : ['-r', path.join(ROOT, 'node_modules', 'ts-node', 'register', 'transpile-only'), path.join(ROOT, 'src', 'replay', 'bin.ts')];

  test.each([
    ['a missing file', [path.join(dir, 'missing.csv')], 1, `error: ${path.join(dir, 'missing.csv')}: no such file`],
    ['an empty file', [file('empty.csv', '')], 1, `error: ${path.join(dir, 'empty.csv')} is empty: expected a header "timestamp,value" or "timestamp,bytes,records,throttled_records" and at least one row`],
    ['no header', [file('noheader.csv', '2024-01-01 00:00:00,1\n')], 1, `error: ${path.join(dir, 'noheader.csv')} row 1: expected the header "timestamp,value" or "timestamp,bytes,records,throttled_records", found a data row "2024-01-01 00:00:00,1"`],
    ['a malformed row', [file('malformed.csv', 'timestamp,value\n2024-01-01 00:00:00;1\n')], 1, `error: ${path.join(dir, 'malformed.csv')} row 2: expected 2 columns (timestamp,value), found 1: "2024-01-01 00:00:00;1"`],
    ['timestamps out of order', [file('order.csv', 'timestamp,value\n2024-01-02 00:00:00,1\n2024-01-01 00:00:00,1\n')], 1,
      `error: ${path.join(dir, 'order.csv')} row 3: timestamp 2024-01-01 00:00:00 is not after the previous row's; rows must be in increasing time order`],
    ['a negative value', [file('negative.csv', 'timestamp,value\n2024-01-01 00:00:00,-5\n')], 1, `error: ${path.join(dir, 'negative.csv')} row 2: value -5 is negative`],
    ['an unknown policy', [good, '--policy', 'cheapest'], 2,
      'error: unknown policy "cheapest"; policies are economy, balanced, safe, aws-sample, scaling-utils, substation, on-demand, fixed-peak, oracle'],
    ['an unknown option', [good, '--verbose'], 2, 'error: unknown option "--verbose"'],
  ])('%s', (_, args, status, message) => {
    const result = spawnSync(process.execPath, [...command, 'replay', ...(args as string[])], { encoding: 'utf8' });
    expect(result.status).toBe(status);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('error:'))).toEqual([message]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });
});

describe('the handler treats a corrupted setting or state tag as a logged error and changes nothing', () => {
  const { kinesis: client, kinesisMock, cloudwatch, cloudwatchMock, events } = mockedAws();
  const MIB = 1024 * 1024;
  test.each([
    ['minShards that is not a number', { minShards: 'two' }, {}, 'settings of stream orders: minShards must be a whole number from 1 to 10000, received two'],
    ['an unknown preset', { preset: 'turbo' }, {}, 'settings of stream orders: preset must be one of economy, balanced, safe, received "turbo"'],
    ['a target outside 0.1 to 0.9', { targetUtilization: 2 }, {}, 'settings of stream orders: targetUtilization must be from 0.1 to 0.9, received 2'],
    ['a kill switch that is neither true nor false', {}, { [STATE_TAGS.paused]: 'yes' }, `tag ${STATE_TAGS.paused} must be "true" or "false", received "yes"`],
    ['a garbled call history', {}, { [STATE_TAGS.updateShardCountCalls]: 'a b c' },
      `tag ${STATE_TAGS.updateShardCountCalls} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "a"`],
    ['a garbled last-scaling time', {}, { [STATE_TAGS.lastScalingAt]: 'noon' },
      `tag ${STATE_TAGS.lastScalingAt} must hold ISO-8601 UTC timestamps like 2026-01-31T12:00:00Z, received "noon"`],
  ])('%s', async (_, settings, tags, message) => {
    kinesisMock.reset();
    mockStream(kinesisMock, 'orders', { shards: 2, tags });
    cloudwatchMock.reset();
    cloudwatchMock.on(GetMetricDataCommand).callsFake(answerFromTraffic(() => ({ orders: { bytesPerSecond: 3.5 * MIB, recordsPerSecond: 1000 } })));
    const logs: Array<Record<string, unknown>> = [];
    const result = await runTick({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 8, ...settings }] }, {
      kinesis: client, cloudwatch, events, log: (entry) => logs.push(entry), now: Date.now, deadline: Date.now() + 10_000,
    });
    expect(result.outcomes).toEqual([expect.objectContaining({ streamName: 'orders', status: 'error', message, steps: [] })]);
    expect(logs.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ stream: 'orders', error: message })]);
    const mutations = [UpdateShardCountCommand, SplitShardCommand, MergeShardsCommand].map((c) => c.name);
    expect(kinesisMock.calls().map((call) => call.args[0].constructor.name).filter((name) => mutations.includes(name))).toEqual([]);
  });
});
