import { DEFAULT_RATE_SHARE, RateLimiter } from '../../lambda/shared/rate-limiter';
import { KINESIS_API_RATES } from '../../src/core';

/** A clock that only the limiter's own sleeps move. */
function virtualLimiter() {
  let clock = 0;
  const starts: number[] = [];
  const limiter = new RateLimiter(() => clock, async (ms) => { clock += ms; });
  const call = async (api: string, stream?: string) => {
    await limiter.acquire(api, stream);
    starts.push(clock);
  };
  return { limiter, starts, call };
}

test('calls of one API are spaced evenly at the share of its documented account rate', async () => {
  const { starts, call } = virtualLimiter();
  for (let i = 0; i < 9; i++) await call('ListTagsForStream');

  const spacing = 1000 / (KINESIS_API_RATES.ListTagsForStream.perSecond * DEFAULT_RATE_SHARE);
  expect(spacing).toBe(250);
  expect(starts).toEqual(Array.from({ length: 9 }, (_, i) => i * spacing));
});

test('different APIs, and ListShards on different streams, do not wait for each other', async () => {
  const { starts, call } = virtualLimiter();
  await call('ListTagsForStream');
  await call('DescribeStreamSummary');
  await call('ListShards', 'a');
  await call('ListShards', 'b');
  expect(starts).toEqual([0, 0, 0, 0]);
});

test('an API refused for rate is paced at half the speed, and recovers as calls are accepted', async () => {
  const { limiter } = virtualLimiter();
  limiter.throttled('DescribeStreamSummary');
  limiter.throttled('DescribeStreamSummary');
  expect(limiter.slowdownOf('DescribeStreamSummary')).toBe(4);
  for (let i = 0; i < 100; i++) limiter.accepted('DescribeStreamSummary');
  expect(limiter.slowdownOf('DescribeStreamSummary')).toBe(1);
});

test('the slowdown is bounded', () => {
  const { limiter } = virtualLimiter();
  for (let i = 0; i < 10; i++) limiter.throttled('AddTagsToStream');
  expect(limiter.slowdownOf('AddTagsToStream')).toBe(8);
});

test('APIs without a documented control-plane rate (data plane) are not paced', async () => {
  const { starts, call } = virtualLimiter();
  for (let i = 0; i < 3; i++) await call('PutRecords');
  expect(starts).toEqual([0, 0, 0]);
});
