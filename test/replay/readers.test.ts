import * as fs from 'fs';
import * as path from 'path';
import { PRESETS, PresetName, ShardRange, Step } from '../../src/core';
import { corePolicy } from '../../src/replay/core-policy';
import { ProvisionedPolicy, simulateProvisioned } from '../../src/replay/engine';
import { UNIFORM } from '../../src/replay/model';
import { TimelineRow } from '../../src/replay/outcome';
import { DEFAULT_OPTIONS, demandOf, replay } from '../../src/replay/replay';
import { parseTrace, Trace } from '../../src/replay/trace';

/** The shared public traces: beside the clone in CI, beside the folder of work trees on a developer's machine. */
const ROOT = path.join(__dirname, '..', '..');
const TRACES = [path.join(ROOT, '..', 'shared', 'traces'), path.join(ROOT, '..', '..', 'shared', 'traces')].find((dir) => fs.existsSync(dir));
const FILES = ['Twitter_volume_AAPL.csv', 'Twitter_volume_GOOG.csv', 'ec2_network_in_257a54.csv', 'elb_request_count_8c0756.csv', 'nyc_taxi.csv'];
const PRESET_NAMES: PresetName[] = ['economy', 'balanced', 'safe'];
const READERS = 3;
/** How long a scale-in answers for the reads on the shards it left. */
const RESPONSIBLE_MINUTES = 60;

/** A scale-in as the engine carried it out: when, from how many shards, and the newest minute the policy had seen. */
interface ScaleIn { readonly at: number; readonly from: number; readonly newestSeen: number }

function shrinks(step: Step, shards: readonly ShardRange[]): boolean {
  return step.kind === 'MergeShards' || (step.kind === 'UpdateShardCount' && step.targetShardCount < shards.length);
}

/** The policy, with every scale-in the engine applies recorded as it happens. */
function watched(policy: ProvisionedPolicy, scaleIns: ScaleIn[]): ProvisionedPolicy {
  return {
    ...policy,
    plan(view) {
      const planner = policy.plan(view);
      if (!planner) return undefined;
      return (shards, calls) => {
        const step = planner(shards, calls);
        if (step && shrinks(step, shards)) scaleIns.push({ at: view.minute, from: shards.length, newestSeen: view.visibleMinutes - 1 });
        return step;
      };
    },
  };
}

function load(file: string): Trace {
  return parseTrace(fs.readFileSync(path.join(TRACES!, file), 'utf8'), file);
}

/**
 * Read-throttled minutes that a scale-in caused: within RESPONSIBLE_MINUTES of the latest scale-in before them, on fewer
 * shards than it started from, at a write rate no higher than the peak of the minutes the scale-in was sized on (so not a new surge, which
 * is the scale-out's to answer, as it is for writes).
 */
function starvedByScaleIn(timeline: readonly TimelineRow[], scaleIns: readonly ScaleIn[], sizedOnMinutes: number): number[] {
  const starved: number[] = [];
  for (const row of timeline) {
    if (!row.readThrottled) continue;
    // The latest scale-in before the minute answers for it: an earlier one was re-decided since, on fresher minutes.
    const latest = [...scaleIns].reverse().find((s) => s.at < row.minute);
    const culprit = latest !== undefined && (() => {
      if (row.minute > latest.at + RESPONSIBLE_MINUTES || row.openShards >= latest.from) return false;
      const sizedOn = timeline.slice(Math.max(0, latest.newestSeen - sizedOnMinutes + 1), latest.newestSeen + 1);
      return row.demandBytesPerSecond <= Math.max(...sizedOn.map((r) => r.demandBytesPerSecond));
    })();
    if (culprit) starved.push(row.minute);
  }
  return starved;
}

test('the shared traces are there', () => {
  expect(TRACES).toBeDefined();
});

describe.each(FILES)('%s with --readers 3', (file) => {
  test.each(PRESET_NAMES)('%s never leaves reads throttled because of its own scale-in', (preset) => {
    const trace = load(file);
    const scaleIns: ScaleIn[] = [];
    const { timeline } = simulateProvisioned(watched(corePolicy(preset, false, undefined, undefined, READERS), scaleIns), {
      demand: demandOf(trace, DEFAULT_OPTIONS),
      keys: UNIFORM,
      metricLagMinutes: DEFAULT_OPTIONS.metricLagMinutes,
      conditions: { burstiness: DEFAULT_OPTIONS.burstiness, readers: READERS },
      producerAttempts: DEFAULT_OPTIONS.producerAttempts,
      resizeMinutes: DEFAULT_OPTIONS.resizeMinutes,
    });
    // The policy scales in on these traces at all, or the check would hold vacuously.
    expect(scaleIns.length).toBeGreaterThan(0);
    expect(starvedByScaleIn(timeline, scaleIns, PRESETS[preset].scaleInMinutes)).toEqual([]);
  });
});

test('with one or two readers, reads never bind, so the presets scale exactly as for writes alone', () => {
  const trace = load('ec2_network_in_257a54.csv');
  const withReaders = (readers: number) => replay(trace, { ...DEFAULT_OPTIONS, policies: PRESET_NAMES, costs: { ...DEFAULT_OPTIONS.costs, readers } })
    .map(({ result }) => [result.policy, result.throttledBytesPct, result.throttledMinutes, result.shardHours, result.readThrottledMinutes]);
  const one = withReaders(1);
  expect(withReaders(2)).toEqual(one);
  expect(one.every(([, , , , readThrottled]) => readThrottled === 0)).toBe(true);
});
