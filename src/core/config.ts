import { PolicySettings, resolveSettings, SettingsInput } from './settings';

/**
 * The payload the schedule sends the autoscaler each tick: which streams it manages and their settings. It is the
 * only place settings live, so changing one updates the schedule's target and never the stream resource.
 */
export interface AutoscalerInput {
  readonly streams: readonly ManagedStreamInput[];
}

export interface ManagedStreamInput extends SettingsInput {
  readonly streamName: string;
}

export interface ManagedStream {
  readonly streamName: string;
  readonly settings: PolicySettings;
}

export interface ParsedInput {
  readonly streams: readonly ManagedStream[];
  /** One per entry that was rejected; the other streams still run. */
  readonly errors: ReadonlyArray<{ readonly streamName?: string; readonly message: string }>;
}

/** Validates each stream's entry on its own, so one bad entry never stops the others. */
export function parseInput(event: unknown): ParsedInput {
  const list = (event as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(list)) {
    return { streams: [], errors: [{ message: 'the event has no "streams" list: nothing to manage' }] };
  }
  const streams: ManagedStream[] = [];
  const errors: Array<{ streamName?: string; message: string }> = [];
  const seen = new Set<string>();
  for (const entry of list as Array<Partial<ManagedStreamInput> | null>) {
    const streamName = entry?.streamName;
    if (typeof streamName !== 'string' || streamName.length === 0) {
      errors.push({ message: `every entry needs a streamName, received ${JSON.stringify(entry)}` });
      continue;
    }
    if (seen.has(streamName)) {
      errors.push({ streamName, message: `stream ${streamName} is listed twice; it is managed once, with its first settings` });
      continue;
    }
    seen.add(streamName);
    try {
      streams.push({ streamName, settings: resolveSettings(withNumbers(entry as ManagedStreamInput)) });
    } catch (e) {
      errors.push({ streamName, message: `settings of stream ${streamName}: ${(e as Error).message}` });
    }
  }
  return { streams, errors };
}

/** A setting given as a deploy-time parameter arrives as a numeric string; anything else is left for validation. */
function withNumbers(entry: ManagedStreamInput): ManagedStreamInput {
  const numeric = (value: unknown) => (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value) as number;
  return {
    ...entry,
    minShards: numeric(entry.minShards),
    maxShards: numeric(entry.maxShards),
    targetUtilization: entry.targetUtilization === undefined ? undefined : numeric(entry.targetUtilization),
    scaleInCooldownMinutes: entry.scaleInCooldownMinutes === undefined ? undefined : numeric(entry.scaleInCooldownMinutes),
    sharedReaders: entry.sharedReaders === undefined ? undefined : numeric(entry.sharedReaders),
  };
}
