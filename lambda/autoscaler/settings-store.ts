import { GetParametersByPathCommand, GetParametersByPathCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import { AutoscalerEvent, mergeSettingsDocuments, SettingsLocation } from '../../src/core/settings-store';

/** Where the managed streams and their settings come from on each tick. */
export interface SettingsSource {
  /** The input the core's `parseInput` validates: `{ streams: [...] }`. */
  load(): Promise<unknown>;
}

/**
 * Every stack's settings documents for one autoscaler, read from SSM Parameter Store: GetParametersByPath returns at
 * most 10 parameters a page, so 1,000 streams (about 60 documents) take 6 calls a tick.
 */
export class SsmSettingsSource implements SettingsSource {
  constructor(private readonly ssm: SSMClient, private readonly path: string) {}

  public async load(): Promise<unknown> {
    const parameters: Array<{ name: string; value: string }> = [];
    let nextToken: string | undefined;
    do {
      const page: GetParametersByPathCommandOutput = await this.ssm.send(new GetParametersByPathCommand({
        Path: this.path, Recursive: true, NextToken: nextToken,
      }));
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name !== undefined && parameter.Value !== undefined) parameters.push({ name: parameter.Name, value: parameter.Value });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return mergeSettingsDocuments(parameters);
  }
}

/**
 * The tick's input: the event itself when it lists the streams (`{ streams }`), or the settings stored where the
 * event points (`{ settingsPath }`, what the construct's schedule sends).
 */
export async function resolveInput(event: AutoscalerEvent, ssm: SSMClient): Promise<unknown> {
  const path = (event as Partial<SettingsLocation> | null)?.settingsPath;
  if (typeof path !== 'string') return event;
  if (!path.startsWith('/') || !path.endsWith('/')) {
    throw new Error(`settingsPath must start and end with "/", received ${JSON.stringify(path)}`);
  }
  return new SsmSettingsSource(ssm, path).load();
}
