import { PolicyResult, recommend, Recommendation, TUNED_PREFIX } from './advisor';
import { awsSamplePolicy } from './baselines/aws-sample';
import { simulateOnDemand } from './baselines/on-demand';
import { scalingUtilsPolicy } from './baselines/scaling-utils';
import { simulateFixedPeak, simulateOracle } from './baselines/schedules';
import { substationPolicy } from './baselines/substation';
import { corePolicy } from './core-policy';
import { AutoscalerRun, costOf, CostOptions, monthly, totalOf } from './costs';
import { ProvisionedPolicy, simulateProvisioned } from './engine';
import { Demand, KeyDistribution, MODEL, UNIFORM } from './model';
import { Simulation, SimulationInput, TimelineRow } from './outcome';
import { DEFAULT_REGION, priceTable } from './prices';
import { Trace } from './trace';
import { MAX_SHARDS_PER_STREAM, MAX_SHARED_READERS, MIB, PresetName, readsCanBind } from '../core';

/** Every policy the replay knows, in report order. */
export const POLICY_NAMES = ['economy', 'balanced', 'safe', 'aws-sample', 'scaling-utils', 'substation', 'on-demand', 'fixed-peak', 'oracle'] as const;
export type PolicyName = typeof POLICY_NAMES[number];

/** Lower targets tried, in order, when no preset keeps throttling within the limit. */
export const TUNED_TARGETS = [0.4, 0.3, 0.2] as const;

export interface ReplayOptions {
  /**
   * The trace's largest rate maps to this many MiB/s of write demand. Undefined: a measured trace replays as it was
   * measured, a relative one at DEFAULT_PEAK_MIBPS.
   */
  readonly peakMiBps?: number;
  /** Record size for relative traces (measured traces carry their own). */
  readonly recordBytes: number;
  readonly metricLagMinutes: number;
  /** The share of traffic on one hot partition key; 0 spreads keys uniformly. */
  readonly hotKeyShare: number;
  readonly policies: readonly PolicyName[];
  /** Our autoscaler reads (and the stream bills) shard-level metrics; always so when keys are skewed. */
  readonly shardLevelMetrics: boolean;
  /** Per-second peak over the minute average, 1 to 2 (see StreamConditions). */
  readonly burstiness: number;
  /** How many times producers try a refused record, 1 to 20: CloudWatch counts each refused attempt. */
  readonly producerAttempts: number;
  /** Minutes an UpdateShardCount to a multiple of 25 % of the current count takes; other targets take longer. */
  readonly resizeMinutes: number;
  /**
   * Prices, and `costs.readers`: the shared-throughput readers, each reading every byte once. One number serves both
   * the On-Demand read bill and the read model (GetRecords bytes, calls and refusals against each shard's limits).
   */
  readonly costs: CostOptions;
}

export const DEFAULT_PEAK_MIBPS = 32;

export const DEFAULT_OPTIONS: ReplayOptions = {
  recordBytes: 2048,
  metricLagMinutes: 2,
  hotKeyShare: 0,
  policies: POLICY_NAMES,
  shardLevelMetrics: false,
  burstiness: 1,
  producerAttempts: 1,
  resizeMinutes: MODEL.updateShardCountMinutes,
  costs: { prices: priceTable(DEFAULT_REGION), readers: 1, efoConsumers: 0 },
};

/** A replayed option: its priced result and its minute-by-minute timeline. */
export interface Replayed {
  readonly result: PolicyResult;
  readonly timeline: readonly TimelineRow[];
}

/** The peak write rate a replay runs at, in MiB/s. */
export function peakOf(trace: Trace, options: ReplayOptions): number {
  if (options.peakMiBps !== undefined) return options.peakMiBps;
  return trace.format === 'measured' ? trace.peak / MIB : DEFAULT_PEAK_MIBPS;
}

/**
 * Write demand per minute. Relative: the peak becomes the peak rate, records/s = bytes/s / recordBytes. Measured: the
 * trace's bytes and records, scaled together when a peak is given.
 */
export function demandOf(trace: Trace, options: ReplayOptions): Demand[] {
  const scale = (peakOf(trace, options) * MIB) / trace.peak;
  const records = trace.records;
  return trace.minutes.map((value, m) => ({
    bytesPerSecond: value * scale,
    recordsPerSecond: records ? records[m] * scale : (value * scale) / options.recordBytes,
  }));
}

/** Replays the trace through each selected policy and prices each. */
export function replay(trace: Trace, options: ReplayOptions): Replayed[] {
  const input = inputOf(trace, options);
  return options.policies.map((name) => priced(name, input, options));
}

/** The replay, the tuned options tried when they can help, and the recommendation. */
export interface Plan {
  readonly replayed: readonly Replayed[];
  readonly recommendation?: Recommendation;
}

/**
 * Replays, then, when some preset was replayed but none kept throttling within `maxThrottlePct`, tries the `safe`
 * preset at lower targets until one does (each is replayed like any other option), and recommends from the results.
 */
export function plan(trace: Trace, options: ReplayOptions, maxThrottlePct: number): Plan {
  const input = inputOf(trace, options);
  const replayed = options.policies.map((name) => priced(name, input, options));
  const presets = replayed.filter((r) => ['economy', 'balanced', 'safe'].includes(r.result.policy));
  if (presets.length > 0 && presets.every((r) => r.result.throttledBytesPct > maxThrottlePct)) {
    for (const target of TUNED_TARGETS) {
      const tuned = run(`${TUNED_PREFIX}${target}`, presetPolicy('safe', options, target), input, options);
      replayed.push(tuned);
      if (tuned.result.throttledBytesPct <= maxThrottlePct) break;
    }
  }
  return { replayed, recommendation: recommend(replayed.map((r) => r.result), maxThrottlePct) };
}

function inputOf(trace: Trace, options: ReplayOptions): SimulationInput {
  const keys: KeyDistribution = { ...UNIFORM, hotKeyShare: options.hotKeyShare };
  return {
    demand: demandOf(trace, options),
    keys,
    metricLagMinutes: options.metricLagMinutes,
    conditions: { burstiness: options.burstiness, readers: options.costs.readers },
    producerAttempts: options.producerAttempts,
    resizeMinutes: options.resizeMinutes,
  };
}

/** Our presets read shard-level metrics when asked to, and when keys are skewed, which is when a hot shard can exist. */
function shardMetrics(options: ReplayOptions): boolean {
  return options.shardLevelMetrics || options.hotKeyShare > 0;
}

/** Our core with a preset, told the readers the construct would count (the replay's `--readers`). */
function presetPolicy(preset: PresetName, options: ReplayOptions, targetUtilization?: number): ProvisionedPolicy {
  return corePolicy(preset, shardMetrics(options), MAX_SHARDS_PER_STREAM, targetUtilization, options.costs.readers);
}

function priced(name: PolicyName, input: SimulationInput, options: ReplayOptions): Replayed {
  const provisioned = (policy: ProvisionedPolicy) => simulateProvisioned(policy, input);
  const preset = (p: PresetName) => () => run(p, presetPolicy(p, options), input, options);
  const baseline = (policy: () => ProvisionedPolicy) => () => price(provisioned(policy()), options);
  const runs: Record<PolicyName, () => Replayed> = {
    'economy': preset('economy'),
    'balanced': preset('balanced'),
    'safe': preset('safe'),
    'aws-sample': baseline(awsSamplePolicy),
    'scaling-utils': baseline(scalingUtilsPolicy),
    'substation': baseline(substationPolicy),
    'on-demand': () => price(simulateOnDemand(input), options),
    'fixed-peak': () => price(simulateFixedPeak(input), options),
    'oracle': () => price(simulateOracle(input), options),
  };
  return runs[name]();
}

/** One of our presets (or a tuned target): billed with the autoscaler's own running cost. */
function run(name: string, policy: ProvisionedPolicy, input: SimulationInput, options: ReplayOptions): Replayed {
  const simulation = simulateProvisioned({ ...policy, name }, input);
  const readMetrics = readsCanBind(Math.min(options.costs.readers, MAX_SHARED_READERS));
  return price(simulation, options, { shardLevelMetrics: policy.shardLevelMetrics, readMetrics });
}

function price(simulation: Simulation, options: ReplayOptions, autoscaler?: AutoscalerRun): Replayed {
  const breakdown = costOf(simulation.usage, options.costs, autoscaler);
  const costUsd = totalOf(breakdown);
  const { policy, throttledBytesPct, throttledMinutes, shardHours, scalingActions, updateShardCountCalls, readThrottledMinutes } = simulation.outcome;
  return {
    result: {
      policy,
      throttledBytesPct,
      throttledMinutes,
      shardHours,
      costUsd: round(costUsd, 2),
      scalingActions,
      updateShardCountCalls,
      monthlyCostUsd: round(monthly(costUsd, simulation.usage.minutes), 2),
      costBreakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, round(v, 4)])) as unknown as typeof breakdown,
      readThrottledMinutes,
    },
    timeline: simulation.timeline,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

