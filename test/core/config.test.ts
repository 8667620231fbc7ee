import { parseInput, PRESETS } from '../../src/core';

test('each valid entry becomes a stream with its preset filled in', () => {
  const parsed = parseInput({ streams: [{ streamName: 'orders', minShards: 1, maxShards: 8, preset: 'safe' }] });
  expect(parsed.errors).toEqual([]);
  expect(parsed.streams[0]).toMatchObject({ streamName: 'orders', settings: { minShards: 1, maxShards: 8, targetUtilization: PRESETS.safe.targetUtilization } });
});

test('numbers that arrive as strings (deploy-time parameters) are read as numbers', () => {
  const parsed = parseInput({ streams: [{ streamName: 'orders', minShards: '2', maxShards: '8' }] });
  expect(parsed.streams[0].settings).toMatchObject({ minShards: 2, maxShards: 8 });
});

test.each([
  [{ streams: [{ minShards: 1, maxShards: 2 }] }, undefined, 'every entry needs a streamName, received {"minShards":1,"maxShards":2}'],
  [{ streams: [{ streamName: 'a', minShards: 0, maxShards: 2 }] }, 'a', 'settings of stream a: minShards must be a whole number from 1 to 10000, received 0'],
  [{ streams: [{ streamName: 'a', minShards: 1, maxShards: 2, preset: 'cheap' }] }, 'a', 'settings of stream a: preset must be one of economy, balanced, safe, received "cheap"'],
  [{ streams: [{ streamName: 'a', minShards: 1, maxShards: 2 }, { streamName: 'a', minShards: 1, maxShards: 3 }] }, 'a', 'stream a is listed twice; it is managed once, with its first settings'],
  [{}, undefined, 'the event has no "streams" list: nothing to manage'],
])('rejects %j with a message naming the problem', (event, streamName, message) => {
  expect(parseInput(event).errors).toEqual([streamName === undefined ? { message } : { streamName, message }]);
});
