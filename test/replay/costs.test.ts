import { AUTOSCALER, costOf, monthly, totalOf, Usage } from '../../src/replay/costs';
import { priceTable, PRICE_TABLES } from '../../src/replay/prices';

const prices = PRICE_TABLES['us-east-1'];
const GB = 2 ** 30;
const HOUR = 60;

function usage(extra: Partial<Usage>): Usage {
  return { mode: 'provisioned', minutes: 30 * 24 * HOUR, shardHours: 0, acceptedBytes: 0, acceptedRecords: 0, putPayloadUnits: 0, onDemandBilledBytes: 0, ...extra };
}

test('the well-known example: 1,000 records/s of 3 KB on 3 shards for a month is $69.64 provisioned (kinesis-facts.md)', () => {
  const seconds = 730 * 3600;
  const records = 1000 * seconds;
  const bytes = records * 3 * 1024;
  const u = usage({
    minutes: 730 * HOUR, shardHours: 3 * 730, acceptedRecords: records, acceptedBytes: bytes, putPayloadUnits: records, onDemandBilledBytes: bytes,
  });
  const provisioned = costOf(u, { prices, readers: 1, efoConsumers: 0 });
  expect(provisioned.shardHours).toBeCloseTo(32.85, 6);
  expect(provisioned.putPayloadUnits).toBeCloseTo(36.792, 6);
  expect(totalOf(provisioned)).toBeCloseTo(69.64, 2);
  const onDemand = costOf({ ...u, mode: 'on-demand', shardHours: 0 }, { prices, readers: 1, efoConsumers: 0 });
  expect(onDemand.onDemandStreamHours).toBeCloseTo(29.2, 6);
  expect(onDemand.onDemandDataIn).toBeCloseTo((records * 3 * 1024 / GB) * 0.08, 6);
  expect(onDemand.onDemandDataRetrieved).toBeCloseTo((records * 3 * 1024 / GB) * 0.04, 6);
  expect(onDemand.shardHours).toBe(0);
});

test('On-Demand bills every shared-throughput reader; provisioned shared reads are free', () => {
  const u = usage({ acceptedBytes: 10 * GB });
  expect(costOf({ ...u, mode: 'on-demand' }, { prices, readers: 3, efoConsumers: 0 }).onDemandDataRetrieved).toBeCloseTo(3 * 10 * 0.04, 9);
  expect(costOf(u, { prices, readers: 3, efoConsumers: 0 }).onDemandDataRetrieved).toBe(0);
});

test('enhanced fan-out: consumer-shard-hours and GB retrieved on provisioned, GB retrieved on On-Demand', () => {
  const u = usage({ shardHours: 100, acceptedBytes: 10 * GB });
  const p = costOf(u, { prices, readers: 0, efoConsumers: 2 });
  expect(p.efoConsumerShardHours).toBeCloseTo(2 * 100 * 0.015, 9);
  expect(p.efoDataRetrieved).toBeCloseTo(2 * 10 * 0.013, 9);
  const od = costOf({ ...u, mode: 'on-demand' }, { prices, readers: 0, efoConsumers: 2 });
  expect(od.efoConsumerShardHours).toBe(0);
  expect(od.efoDataRetrieved).toBeCloseTo(2 * 10 * 0.05, 9);
});

test('the autoscaler pays for its metrics and its Lambda; shard-level metrics per shard and metric', () => {
  const u = usage({ minutes: 1000, shardHours: 10 });
  const without = costOf(u, { prices, readers: 1, efoConsumers: 0 }, { shardLevelMetrics: false });
  // 5 metrics a tick, and 8 every 30 minutes for yesterday and the day before.
  expect(without.autoscalerGetMetricData).toBeCloseTo(((1000 * 5 + (1000 / 30) * 8) / 1000) * 0.01, 9);
  expect(without.shardLevelMetrics).toBe(0);
  expect(without.autoscalerLambda).toBeCloseTo(1000 * (0.2 / 1e6 + 0.25 * 1 * 0.0000166667), 9);
  const withShards = costOf(u, { prices, readers: 1, efoConsumers: 0 }, { shardLevelMetrics: true });
  expect(withShards.autoscalerGetMetricData - without.autoscalerGetMetricData).toBeCloseTo((10 * 60 * 2 / 1000) * 0.01, 9);
  expect(withShards.shardLevelMetrics).toBeCloseTo(10 * 2 * (0.3 / 730), 9);
  expect(costOf(u, { prices, readers: 1, efoConsumers: 0 }).autoscalerLambda).toBe(0);
});

test('with shared-throughput readers in its settings, the autoscaler also pays for the 3 read metrics it requests', () => {
  const u = usage({ minutes: 1000, shardHours: 10 });
  const options = { prices, readers: 3, efoConsumers: 0 };
  const readMetrics = costOf(u, options, { shardLevelMetrics: false, readMetrics: true }).autoscalerGetMetricData;
  expect(readMetrics - costOf(u, options, { shardLevelMetrics: false }).autoscalerGetMetricData)
    .toBeCloseTo((1000 * AUTOSCALER.readMetricsPerTick / 1000) * 0.01, 9);
});

test('a month is 730 hours', () => {
  expect(monthly(1, 60)).toBe(730);
  expect(monthly(5, 0)).toBe(0);
});

test('a price file replaces the built-in table, and must say where its numbers come from', () => {
  const file = JSON.stringify({ 'eu-west-1': { ...prices, region: undefined, shardHour: 0.017, source: 'my invoice', retrieved: '2026-11-01' } });
  expect(priceTable('eu-west-1', file, 'p.json')).toMatchObject({ region: 'eu-west-1', shardHour: 0.017, source: 'my invoice' });
  expect(() => priceTable('eu-west-1', JSON.stringify({ ...prices, shardHour: -1 }), 'p.json')).toThrow('p.json: "shardHour" must be a number of USD, 0 or more, received -1');
  expect(() => priceTable('eu-west-1', JSON.stringify({ ...prices, source: '' }), 'p.json')).toThrow('p.json: "source" must say where the prices come from and when');
  expect(() => priceTable('eu-west-1', '{', 'p.json')).toThrow(/^p\.json is not JSON/);
});
