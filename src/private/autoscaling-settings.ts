import { Duration, Token } from 'aws-cdk-lib';
import { assertIntegerInRange } from './validation';
import { MAX_SHARDS_PER_STREAM } from '../core/limits';
import { PresetName, resolveSettings, SettingsInput } from '../core/settings';
import type { AutoscalingOptions, ScalingPreset } from '../shard-autoscaler';

/** True only when the two types hold exactly the same values. */
type SameValues<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The public enum and the core's preset names are one list: this stops compiling when either gains a name. */
const PRESETS_MATCH: SameValues<`${ScalingPreset}`, PresetName> = true;
void PRESETS_MATCH;

/**
 * Checks the options at synth and turns them into the settings the handler reads. The cross-field rules come from
 * the scaling core's own `resolveSettings`, so synth and run time reject the same input with the same message; a
 * setting that is a token is checked at run time instead.
 */
export function validateAutoscaling(options: AutoscalingOptions): SettingsInput {
  assertIntegerInRange('minShards', options.minShards, 1, MAX_SHARDS_PER_STREAM);
  assertIntegerInRange('maxShards', options.maxShards, 1, MAX_SHARDS_PER_STREAM);
  if (options.targetUtilizationPercent !== undefined && Token.isUnresolved(options.targetUtilizationPercent)) {
    throw new Error('targetUtilizationPercent must be known at synth time, received a token');
  }
  assertIntegerInRange('targetUtilizationPercent', options.targetUtilizationPercent, 10, 90);
  if (options.sharedReaders !== undefined && Token.isUnresolved(options.sharedReaders)) {
    throw new Error('sharedReaders must be known at synth time, received a token');
  }
  const settings: SettingsInput = {
    minShards: options.minShards,
    maxShards: options.maxShards,
    preset: options.preset,
    targetUtilization: options.targetUtilizationPercent === undefined ? undefined : options.targetUtilizationPercent / 100,
    scaleInCooldownMinutes: cooldownMinutes(options.scaleInCooldown),
    dryRun: options.dryRun,
    sharedReaders: options.sharedReaders,
  };
  if (!Token.isUnresolved(settings.minShards) && !Token.isUnresolved(settings.maxShards)) resolveSettings(settings);
  return settings;
}

function cooldownMinutes(cooldown: Duration | undefined): number | undefined {
  if (cooldown === undefined) return undefined;
  if (cooldown.isUnresolved()) throw new Error('scaleInCooldown must be known at synth time, received a token');
  const seconds = cooldown.toSeconds();
  if (seconds % 60 !== 0 || seconds < 0 || seconds > 24 * 3600) {
    throw new Error(`scaleInCooldown must be whole minutes from 0 to 24 hours, received ${cooldown.toHumanString()}`);
  }
  return seconds / 60;
}
