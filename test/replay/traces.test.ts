import * as fs from 'fs';
import * as path from 'path';
import { isCandidate } from '../../src/replay/advisor';
import { DEFAULT_OPTIONS, plan } from '../../src/replay/replay';
import { parseTrace } from '../../src/replay/trace';

/** The shared public traces: beside the clone in CI, beside the folder of work trees on a developer's machine. */
const ROOT = path.join(__dirname, '..', '..');
const TRACES = [path.join(ROOT, '..', 'shared', 'traces'), path.join(ROOT, '..', '..', 'shared', 'traces')].find((dir) => fs.existsSync(dir));
const FILES = ['Twitter_volume_AAPL.csv', 'Twitter_volume_GOOG.csv', 'ec2_network_in_257a54.csv', 'elb_request_count_8c0756.csv', 'nyc_taxi.csv'];
const LIMIT = 0.5;

test('the shared traces are there', () => {
  expect(TRACES).toBeDefined();
});

describe.each(FILES)('%s at --max-throttle-pct 0.5', (file) => {
  test('the recommendation is the cheapest replayed option that actually meets the limit', () => {
    const trace = parseTrace(fs.readFileSync(path.join(TRACES!, file), 'utf8'), file);
    // The deployable options only, to keep CI short: the baselines and the oracle are never recommended
    // (npm run bench replays them all and checks the same on both scalings).
    const { replayed, recommendation } = plan(trace, { ...DEFAULT_OPTIONS, policies: ['economy', 'balanced', 'safe', 'on-demand', 'fixed-peak'] }, LIMIT);
    const results = replayed.map((r) => r.result);
    const within = results.filter((r) => isCandidate(r.policy) && r.throttledBytesPct <= LIMIT).sort((a, b) => a.costUsd - b.costUsd);
    expect(within.length).toBeGreaterThan(0);
    expect(recommendation!.policy).toBe(within[0].policy);
    expect(recommendation!.throttledBytesPct).toBeLessThanOrEqual(LIMIT);
    expect(results.map((r) => r.policy)).toContain(recommendation!.policy);
    const onDemand = results.find((r) => r.policy === 'on-demand')!;
    expect(recommendation!.savingsVsOnDemandPct).toBeCloseTo(100 * (1 - within[0].costUsd / onDemand.costUsd), 0);
  });
});
