import { AutoscalerInput, ManagedStreamInput } from './config';

/**
 * Where an autoscaler's settings live: SSM parameters under one path per autoscaler, with one folder per stack that
 * registers streams with it (`/cdk-kinesis-autoscaling/<autoscaler>/<stack>/<n>`). A deploy writes only its own
 * stack's folder, so it never changes another stack's streams, and deleting a stack deletes its streams' settings.
 * The construct writes the documents and the handler reads them; both go through this module.
 */
export const SETTINGS_ROOT = '/cdk-kinesis-autoscaling';

/** An autoscaler's name is one path segment of an SSM parameter name, and a tag value. */
export const AUTOSCALER_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;

/** SSM standard-tier parameters (free) hold at most 4,096 characters. */
export const MAX_SETTINGS_DOCUMENT_CHARS = 4096;

/** The tag that names the autoscaler allowed to scale a stream; the autoscaler's IAM policy is conditioned on it. */
export const AUTOSCALER_TAG = 'cdk-kinesis-autoscaling:autoscaler';

const DOCUMENT_VERSION = 1;

/** The payload the schedule sends: where to read the settings, never the settings themselves. */
export interface SettingsLocation {
  readonly settingsPath: string;
}

/**
 * What the schedule sends the autoscaler: where the settings are stored (what the construct sends), or the settings
 * themselves. The handler still validates it: anyone allowed to edit the rule can change it.
 */
export type AutoscalerEvent = SettingsLocation | AutoscalerInput;

/** The path under which every stack's settings documents for `autoscalerName` live, with a trailing slash. */
export function settingsPath(autoscalerName: string): string {
  return `${SETTINGS_ROOT}/${autoscalerName}/`;
}

/** The autoscaler's name from its settings path, the inverse of `settingsPath`; undefined for any other path. */
export function autoscalerNameOf(path: string): string | undefined {
  const match = new RegExp(`^${SETTINGS_ROOT}/([^/]+)/$`).exec(path);
  return match && AUTOSCALER_NAME_PATTERN.test(match[1]) ? match[1] : undefined;
}

/** One parameter's value. */
export function encodeSettingsDocument(streams: readonly ManagedStreamInput[]): string {
  return JSON.stringify({ version: DOCUMENT_VERSION, streams });
}

/**
 * The entries of one parameter's value, or an entry that names what is wrong with the document, so that the core's
 * `parseInput` reports a broken document as it reports a broken entry and the other documents still run.
 */
export function decodeSettingsDocument(source: string, text: string): unknown[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [{ invalidSettingsDocument: `${source} is not JSON` }];
  }
  const { version, streams } = (document ?? {}) as { version?: unknown; streams?: unknown };
  if (version !== DOCUMENT_VERSION || !Array.isArray(streams)) {
    return [{ invalidSettingsDocument: `${source} must be {"version":${DOCUMENT_VERSION},"streams":[...]}, received version ${JSON.stringify(version)}` }];
  }
  return streams;
}

/**
 * Every stack's documents merged into the list `parseInput` validates. Within one stack's folder a stream can be
 * seen twice for a moment while CloudFormation rewrites its documents one by one, so those copies are dropped; a
 * stream listed by two stacks stays listed twice, which `parseInput` reports.
 */
export function mergeSettingsDocuments(parameters: ReadonlyArray<{ readonly name: string; readonly value: string }>): { streams: unknown[] } {
  const sorted = [...parameters].sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  const streams: unknown[] = [];
  for (const { name, value } of sorted) {
    const folder = name.slice(0, name.lastIndexOf('/'));
    for (const entry of decodeSettingsDocument(name, value)) {
      const streamName = (entry as { streamName?: unknown } | null)?.streamName;
      const key = typeof streamName === 'string' ? `${folder}\n${streamName}` : undefined;
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      streams.push(entry);
    }
  }
  return { streams };
}

/**
 * Packs entries into as few documents as fit the parameter size, in order. `measure` gives an entry's encoded
 * length, which for a name only known at deploy time is its longest possible length.
 */
export function packSettingsDocuments<T>(entries: readonly T[], measure: (entry: T) => number): T[][] {
  const overhead = encodeSettingsDocument([]).length;
  const documents: T[][] = [];
  let size = 0;
  for (const entry of entries) {
    const length = measure(entry) + 1;
    if (overhead + length > MAX_SETTINGS_DOCUMENT_CHARS) {
      throw new Error(`one stream's settings need ${overhead + length} characters, more than the ${MAX_SETTINGS_DOCUMENT_CHARS} a settings document holds`);
    }
    const last = documents[documents.length - 1];
    if (last && size + length <= MAX_SETTINGS_DOCUMENT_CHARS) {
      last.push(entry);
      size += length;
    } else {
      documents.push([entry]);
      size = overhead + length;
    }
  }
  return documents;
}
