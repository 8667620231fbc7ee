import { dominated, PolicyResult, recommend } from '../../src/replay/advisor';
import { costOf } from '../../src/replay/costs';
import { PRICE_TABLES } from '../../src/replay/prices';

const ZERO = costOf({ mode: 'provisioned', minutes: 0, shardHours: 0, acceptedBytes: 0, acceptedRecords: 0, putPayloadUnits: 0, onDemandBilledBytes: 0 },
  { prices: PRICE_TABLES['us-east-1'], readers: 1, efoConsumers: 0 });

function result(policy: string, throttledBytesPct: number, costUsd: number): PolicyResult {
  return {
    policy,
    throttledBytesPct,
    throttledMinutes: 0,
    shardHours: 0,
    costUsd,
    scalingActions: 0,
    updateShardCountCalls: 0,
    monthlyCostUsd: costUsd * 10,
    costBreakdown: ZERO,
    readThrottledMinutes: 0,
  };
}

test('the cheapest deployable option within the limit wins; baselines and the oracle are not deployable', () => {
  const results = [
    result('economy', 0.8, 40), result('balanced', 0.3, 50), result('safe', 0.05, 70), result('aws-sample', 0.1, 30),
    result('on-demand', 0.01, 200), result('fixed-peak', 0, 300), result('oracle', 0, 20),
  ];
  const r = recommend(results, 0.5)!;
  expect(r).toMatchObject({ policy: 'balanced', throttledBytesPct: 0.3, costUsd: 50, monthlyCostUsd: 500, savingsVsOnDemandPct: 75 });
  expect(r.reason).toBe('balanced is the cheapest option that kept throttling within 0.500 %: 0.300 % at $500/month, 75 % less than On-Demand ($2,000/month). '
    + 'Cheaper options throttled more than that: economy 0.800 %.');
});

test('On-Demand wins when it is the cheapest within the limit, and the reason names the cheapest provisioned one', () => {
  const r = recommend([result('balanced', 4.5, 40), result('safe', 3.8, 60), result('on-demand', 0.28, 166), result('fixed-peak', 0, 643)], 0.5)!;
  expect(r.policy).toBe('on-demand');
  expect(r.savingsVsOnDemandPct).toBe(0);
  expect(r.reason).toMatch(/^On-Demand is the cheapest option that kept throttling within 0\.500 % \(it throttled 0\.280 % at \$1,660\/month\); the cheapest provisioned option within the limit, fixed-peak, costs \$6,430\/month\./);
  expect(r.reason).toMatch(/Cheaper options throttled more than that: balanced 4\.50 %, safe 3\.80 %\.$/);
});

test('when nothing provisioned qualifies, On-Demand, saying by how much provisioned misses', () => {
  const r = recommend([result('balanced', 4.5, 40), result('safe', 1.2, 60), result('on-demand', 0.9, 166), result('fixed-peak', 0.7, 643)], 0.5)!;
  expect(r.policy).toBe('on-demand');
  expect(r.reason).toBe('On-Demand throttled least (0.900 %, itself over the 0.500 % limit) at $1,660/month. '
    + 'No provisioned option stayed within 0.500 %: the least throttled, fixed-peak, lost 0.700 %, 0.200 points over the limit.');
});

test('without On-Demand among the results and nothing within the limit, the least throttled option, said so', () => {
  const r = recommend([result('balanced', 4.5, 40), result('safe', 1.2, 60)], 0.1)!;
  expect(r.policy).toBe('safe');
  expect(r.savingsVsOnDemandPct).toBeNull();
  expect(r.reason).toMatch(/^No replayed option stayed within 0\.100 %; safe throttled least/);
});

test('nothing deployable replayed: no recommendation', () => {
  expect(recommend([result('aws-sample', 0, 1), result('oracle', 0, 1)], 0.5)).toBeUndefined();
});

test('a tuned target is a candidate like the presets', () => {
  expect(recommend([result('safe', 1, 60), result('safe-target-0.3', 0.2, 90), result('on-demand', 0.1, 200)], 0.5)!.policy).toBe('safe-target-0.3');
});

test('dominated: beaten on both cost and throttling by another option; the oracle beats nothing', () => {
  const results = [result('safe', 0.4, 70), result('fixed-peak', 0, 60), result('balanced', 0.5, 50), result('oracle', 0, 10), result('twin', 0.5, 50)];
  expect([...dominated(results)].sort()).toEqual(['safe']);
});

test('a provisioned option dearer than On-Demand is chosen when On-Demand misses the limit, and the reason says so', () => {
  const r = recommend([result('balanced', 11.9, 20), result('on-demand', 4.7, 51), result('fixed-peak', 0, 352)], 0.5)!;
  expect(r.policy).toBe('fixed-peak');
  expect(r.savingsVsOnDemandPct).toBe(-590.2);
  expect(r.reason).toBe('fixed-peak is the cheapest option that kept throttling within 0.500 %: 0.000 % at $3,520/month, 6.9 times On-Demand\'s $510/month, '
    + 'which throttled 4.70 %. Cheaper options throttled more than that: balanced 11.90 %.');
});
