import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveInput, SsmSettingsSource } from '../../lambda/autoscaler/settings-store';
import { parseInput } from '../../src/core';
import { encodeSettingsDocument } from '../../src/core/settings-store';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const PATH = '/cdk-kinesis-autoscaling/fleet/';

function ssmWith(pages: Array<Array<{ Name: string; Value: string }>>) {
  const ssm = new SSMClient({ region: 'us-east-1', credentials });
  const mock = mockClient(ssm);
  pages.forEach((parameters, i) => {
    mock.on(GetParametersByPathCommand, { Path: PATH, Recursive: true, NextToken: i === 0 ? undefined : `page${i}` })
      .resolves({ Parameters: parameters, NextToken: i + 1 < pages.length ? `page${i + 1}` : undefined });
  });
  return { ssm, mock };
}

const doc = (...names: string[]) => encodeSettingsDocument(names.map((streamName) => ({ streamName, minShards: 1, maxShards: 4 })));

test('reads every stack\'s documents under the path, across pages', async () => {
  const { ssm, mock } = ssmWith([
    [{ Name: `${PATH}Orders/1`, Value: doc('orders-1', 'orders-2') }],
    [{ Name: `${PATH}Clicks/1`, Value: doc('clicks-1') }],
  ]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input.errors).toEqual([]);
  expect(input.streams.map((s) => s.streamName).sort()).toEqual(['clicks-1', 'orders-1', 'orders-2']);
  expect(mock.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
});

test('a stream seen twice in one stack\'s documents (mid-deploy) is managed once, silently', async () => {
  const { ssm } = ssmWith([[{ Name: `${PATH}Orders/1`, Value: doc('orders-1') }, { Name: `${PATH}Orders/2`, Value: doc('orders-1') }]]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input).toEqual({ streams: [expect.objectContaining({ streamName: 'orders-1' })], errors: [] });
});

test('a stream registered by two stacks is reported, and managed with the first settings', async () => {
  const { ssm } = ssmWith([[{ Name: `${PATH}A/1`, Value: doc('shared') }, { Name: `${PATH}B/1`, Value: doc('shared') }]]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input.streams).toHaveLength(1);
  expect(input.errors).toEqual([{ streamName: 'shared', message: expect.stringMatching(/listed twice/) }]);
});

test('a document that does not parse is reported by name, and the other documents still run', async () => {
  const { ssm } = ssmWith([[{ Name: `${PATH}A/1`, Value: '{not json' }, { Name: `${PATH}B/1`, Value: doc('fine') }]]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input.streams.map((s) => s.streamName)).toEqual(['fine']);
  expect(input.errors).toEqual([{ message: expect.stringContaining(`${PATH}A/1 is not JSON`) }]);
});

test('a document of another version is reported', async () => {
  const { ssm } = ssmWith([[{ Name: `${PATH}A/1`, Value: JSON.stringify({ version: 2, streams: [] }) }]]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input.errors).toEqual([{ message: expect.stringContaining('received version 2') }]);
});

test('invalid settings in a document are rejected by the core, entry by entry', async () => {
  const { ssm } = ssmWith([[{ Name: `${PATH}A/1`, Value: encodeSettingsDocument([{ streamName: 'bad', minShards: 5, maxShards: 2 }]) }]]);
  const input = parseInput(await new SsmSettingsSource(ssm, PATH).load());
  expect(input.errors).toEqual([{ streamName: 'bad', message: 'settings of stream bad: minShards (5) must not be greater than maxShards (2)' }]);
});

describe('resolveInput', () => {
  test('passes an event that lists the streams through unchanged', async () => {
    const event = { streams: [{ streamName: 'inline', minShards: 1, maxShards: 2 }] };
    expect(await resolveInput(event, new SSMClient({ region: 'us-east-1', credentials }))).toBe(event);
  });

  test('reads the settings an event points to', async () => {
    const { ssm } = ssmWith([[{ Name: `${PATH}A/1`, Value: doc('a') }]]);
    expect(await resolveInput({ settingsPath: PATH }, ssm)).toEqual({ streams: [{ streamName: 'a', minShards: 1, maxShards: 4 }] });
  });

  test('refuses a settings path that is not a folder', async () => {
    await expect(resolveInput({ settingsPath: 'fleet' }, new SSMClient({ region: 'us-east-1', credentials })))
      .rejects.toThrow('settingsPath must start and end with "/", received "fleet"');
  });
});
