import { Demand, KeyDistribution, UNIFORM } from './model';
import {
  awsSamplePolicy, corePolicy, ProvisionedPolicy, Simulation, SimulationInput, simulateFixedPeak, simulateOnDemand, simulateOracle,
  simulateProvisioned, scalingUtilsPolicy, substationPolicy,
} from './simulator';
import { Trace } from './trace';
import { MIB } from '../core';

/** Every policy the replay knows, in report order. */
export const POLICY_NAMES = ['economy', 'balanced', 'safe', 'aws-sample', 'scaling-utils', 'substation', 'on-demand', 'fixed-peak', 'oracle'] as const;
export type PolicyName = typeof POLICY_NAMES[number];

export interface ReplayOptions {
  /** The trace's largest value maps to this many MiB/s of write demand. */
  readonly peakMiBps: number;
  readonly recordBytes: number;
  readonly metricLagMinutes: number;
  /** The share of traffic on one hot partition key; 0 spreads keys uniformly. */
  readonly hotKeyShare: number;
  readonly policies: readonly PolicyName[];
}

export const DEFAULT_OPTIONS: ReplayOptions = { peakMiBps: 32, recordBytes: 2048, metricLagMinutes: 2, hotKeyShare: 0, policies: POLICY_NAMES };

/** Scales a trace to write demand: the peak becomes `peakMiBps`, records/s = bytes/s / recordBytes. */
export function demandOf(trace: Trace, peakMiBps: number, recordBytes: number): Demand[] {
  const scale = (peakMiBps * MIB) / trace.peak;
  return trace.minutes.map((value) => ({ bytesPerSecond: value * scale, recordsPerSecond: (value * scale) / recordBytes }));
}

/** Replays the trace through each selected policy. */
export function replay(trace: Trace, options: ReplayOptions): Simulation[] {
  const keys: KeyDistribution = { ...UNIFORM, hotKeyShare: options.hotKeyShare };
  const input: SimulationInput = {
    demand: demandOf(trace, options.peakMiBps, options.recordBytes),
    keys,
    metricLagMinutes: options.metricLagMinutes,
    recordBytes: options.recordBytes,
  };
  // Our presets read shard-level metrics when keys are skewed, which is when a hot shard can exist.
  const provisioned = (policy: ProvisionedPolicy) => simulateProvisioned(policy, input);
  const run: Record<PolicyName, () => Simulation> = {
    'economy': () => provisioned(corePolicy('economy', keys.hotKeyShare > 0)),
    'balanced': () => provisioned(corePolicy('balanced', keys.hotKeyShare > 0)),
    'safe': () => provisioned(corePolicy('safe', keys.hotKeyShare > 0)),
    'aws-sample': () => provisioned(awsSamplePolicy()),
    'scaling-utils': () => provisioned(scalingUtilsPolicy()),
    'substation': () => provisioned(substationPolicy()),
    'on-demand': () => simulateOnDemand(input),
    'fixed-peak': () => simulateFixedPeak(input),
    'oracle': () => simulateOracle(input),
  };
  return options.policies.map((name) => run[name]());
}
