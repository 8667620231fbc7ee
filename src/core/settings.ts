import { assertWholeNumber } from './checks';
import { MAX_SHARDS_PER_STREAM } from './limits';

/** The named trade-offs between cost and headroom. */
export type PresetName = 'economy' | 'balanced' | 'safe';

/** Everything the policy needs to know about one stream's scaling, validated. */
export interface PolicySettings {
  readonly minShards: number;
  readonly maxShards: number;
  /** The share of a shard's write limit the policy sizes the stream for (0.1 to 0.9). */
  readonly targetUtilization: number;
  /** Utilization of the current shards at which it scales out; above the target, which is the hysteresis. */
  readonly scaleOutUtilization: number;
  /** How many of the latest minutes with data a scale-out looks at. */
  readonly scaleOutMinutes: number;
  /** How many minutes, all with data, demand must stay low before a scale-in. */
  readonly scaleInMinutes: number;
  /** Minutes after any scaling action before a scale-in. */
  readonly scaleInCooldownMinutes: number;
  /** A scale-in waits while consumers are further behind than this. */
  readonly maxIteratorAgeMsForScaleIn: number;
  /** UpdateShardCount calls of the daily 10 that scale-ins leave for scale-outs (which are then much faster). */
  readonly updateShardCountReserve: number;
  /** How long scale-in stays above a shard count that throttled for capacity. */
  readonly throttleMemoryMinutes: number;
  /** How far past the same time yesterday the seasonal floor looks (at most SEASONAL_LOOKAHEAD_MINUTES); 0 turns it off. */
  readonly seasonalLookaheadMinutes: number;
  /**
   * A scale-out this soon after a scale-in undoes it, and an undone scale-in is remembered this long: each one
   * remembered doubles the cooldown before a scale-in (and merges wait it out), so traffic that keeps coming back
   * stops making the stream flap.
   */
  readonly undoneScaleInMemoryMinutes: number;
  /** Decide and log, but change nothing. */
  readonly dryRun: boolean;
  /**
   * Shared-throughput (GetRecords) consumer applications that read the whole stream: with any, the handler also reads
   * the read metrics, so the stream can be sized for reads. 0 sizes for writes only.
   */
  readonly sharedReaders: number;
}

type PresetValues = Omit<PolicySettings, 'minShards' | 'maxShards' | 'dryRun' | 'sharedReaders'>;

/**
 * The most shared-throughput consumer applications a stream is sized for: beyond 20, each would get one of a shard's
 * 5 GetRecords calls per second only every 4 seconds, and the stream wants enhanced fan-out instead.
 */
export const MAX_SHARED_READERS = 20;

/**
 * Whether reads can need more shards than writes: only beyond two shared-throughput readers, since a shard serves
 * 2 MiB/s of reads against 1 MiB/s of writes. With fewer, the autoscaler requests no read metrics (3 metrics per
 * stream and tick that would cost without ever changing a decision).
 */
export function readsCanBind(sharedReaders: number): boolean {
  return sharedReaders > 2;
}

/**
 * Tuned on the replay benchmark (docs/benchmarks.md explains the choice). economy sizes close to the limit; safe keeps
 * more than half of every shard free and waits an hour before a scale-in. All three scale out within one or two
 * minutes of data, and none scales in below the same stretch of yesterday's need or a count that throttled lately.
 */
export const PRESETS: Readonly<Record<PresetName, PresetValues>> = {
  economy: {
    targetUtilization: 0.7,
    scaleOutUtilization: 0.8,
    scaleOutMinutes: 2,
    scaleInMinutes: 30,
    scaleInCooldownMinutes: 15,
    maxIteratorAgeMsForScaleIn: 60_000,
    updateShardCountReserve: 2,
    throttleMemoryMinutes: 60,
    seasonalLookaheadMinutes: 60,
    undoneScaleInMemoryMinutes: 180,
  },
  balanced: {
    targetUtilization: 0.5,
    scaleOutUtilization: 0.65,
    scaleOutMinutes: 2,
    scaleInMinutes: 20,
    scaleInCooldownMinutes: 10,
    maxIteratorAgeMsForScaleIn: 60_000,
    updateShardCountReserve: 5,
    throttleMemoryMinutes: 60,
    seasonalLookaheadMinutes: 120,
    undoneScaleInMemoryMinutes: 240,
  },
  safe: {
    targetUtilization: 0.45,
    scaleOutUtilization: 0.55,
    scaleOutMinutes: 1,
    scaleInMinutes: 60,
    scaleInCooldownMinutes: 30,
    maxIteratorAgeMsForScaleIn: 30_000,
    updateShardCountReserve: 5,
    throttleMemoryMinutes: 180,
    seasonalLookaheadMinutes: 120,
    undoneScaleInMemoryMinutes: 360,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** What a user may set; everything else comes from the preset. */
export interface SettingsInput {
  readonly minShards: number;
  readonly maxShards: number;
  readonly preset?: string;
  readonly targetUtilization?: number;
  readonly scaleInCooldownMinutes?: number;
  readonly dryRun?: boolean;
  readonly sharedReaders?: number;
}

/**
 * Validates user settings and fills in the preset. The construct calls this at synth and the handler again at run
 * time (settings travel in SSM parameters, which anyone allowed to write them can change), so both reject
 * the same input with the same message.
 */
export function resolveSettings(input: SettingsInput): PolicySettings {
  const presetName = input.preset ?? 'balanced';
  if (!isPresetName(presetName)) {
    throw new Error(`preset must be one of ${PRESET_NAMES.join(', ')}, received ${JSON.stringify(presetName)}`);
  }
  const preset = PRESETS[presetName];
  assertWholeNumber('minShards', input.minShards, 1, MAX_SHARDS_PER_STREAM);
  assertWholeNumber('maxShards', input.maxShards, 1, MAX_SHARDS_PER_STREAM);
  if (input.minShards > input.maxShards) {
    throw new Error(`minShards (${input.minShards}) must not be greater than maxShards (${input.maxShards})`);
  }
  const targetUtilization = input.targetUtilization ?? preset.targetUtilization;
  if (!Number.isFinite(targetUtilization) || targetUtilization < 0.1 || targetUtilization > 0.9) {
    throw new Error(`targetUtilization must be from 0.1 to 0.9, received ${targetUtilization}`);
  }
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') {
    // A hand-edited "false" is truthy: accepting it would silently stop the stream's scaling.
    throw new Error(`dryRun must be true or false, received ${JSON.stringify(input.dryRun)}`);
  }
  const scaleInCooldownMinutes = input.scaleInCooldownMinutes ?? preset.scaleInCooldownMinutes;
  assertWholeNumber('scaleInCooldownMinutes', scaleInCooldownMinutes, 0, 24 * 60);
  const sharedReaders = input.sharedReaders ?? 0;
  assertWholeNumber('sharedReaders', sharedReaders, 0, MAX_SHARED_READERS);

  return {
    ...preset,
    minShards: input.minShards,
    maxShards: input.maxShards,
    targetUtilization,
    // Keep the preset's gap between target and trigger, so a custom target keeps its hysteresis.
    scaleOutUtilization: Math.min(0.95, targetUtilization + (preset.scaleOutUtilization - preset.targetUtilization)),
    scaleInCooldownMinutes,
    dryRun: input.dryRun ?? false,
    sharedReaders,
  };
}

function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as string[]).includes(name);
}
