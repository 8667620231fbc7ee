import { parseInput } from '../../src/core';
import {
  autoscalerNameOf, decodeSettingsDocument, encodeSettingsDocument, MAX_SETTINGS_DOCUMENT_CHARS, mergeSettingsDocuments, packSettingsDocuments,
  settingsPath,
} from '../../src/core/settings-store';

const entry = (streamName: string) => ({ streamName, minShards: 1, maxShards: 4 });
const measure = (e: ReturnType<typeof entry>) => JSON.stringify(e).length;

test('a document round-trips through the same parser the handler uses', () => {
  const text = encodeSettingsDocument([entry('a'), entry('b')]);
  expect(parseInput({ streams: decodeSettingsDocument('/x/1', text) }).streams.map((s) => s.streamName)).toEqual(['a', 'b']);
});

test('packs entries in order into documents that each fit a standard SSM parameter', () => {
  const entries = Array.from({ length: 1000 }, (_, i) => entry(`stream-${'x'.repeat(100)}-${i}`));
  const documents = packSettingsDocuments(entries, measure);
  expect(documents.flat()).toEqual(entries);
  for (const document of documents) expect(encodeSettingsDocument(document).length).toBeLessThanOrEqual(MAX_SETTINGS_DOCUMENT_CHARS);
  // Full documents: no more than one more than the total size needs.
  const total = entries.reduce((sum, e) => sum + measure(e) + 1, 0);
  expect(documents.length).toBeLessThanOrEqual(Math.ceil(total / (MAX_SETTINGS_DOCUMENT_CHARS - 30)) + 1);
});

test('adding an entry at the end never moves an earlier one', () => {
  const entries = Array.from({ length: 50 }, (_, i) => entry(`s${i}`));
  const before = packSettingsDocuments(entries, measure);
  const after = packSettingsDocuments([...entries, entry('new')], measure);
  expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
});

test('refuses an entry that no document can hold', () => {
  expect(() => packSettingsDocuments([entry('x'.repeat(5000))], measure)).toThrow(/more than the 4096 a settings document holds/);
});

test('merges documents in name order, so every tick reads them the same way', () => {
  const merged = mergeSettingsDocuments([
    { name: '/r/fleet/B/1', value: encodeSettingsDocument([entry('b')]) },
    { name: '/r/fleet/A/1', value: encodeSettingsDocument([entry('a')]) },
  ]);
  expect(merged.streams).toEqual([entry('a'), entry('b')]);
});

test('the settings path of an autoscaler is its own folder', () => {
  expect(settingsPath('fleet')).toBe('/cdk-kinesis-autoscaling/fleet/');
});

test('the autoscaler\'s name comes back from its settings path, and only from one', () => {
  expect(autoscalerNameOf(settingsPath('fleet.prod-1'))).toBe('fleet.prod-1');
  expect(autoscalerNameOf('/cdk-kinesis-autoscaling/fleet/team/')).toBeUndefined();
  expect(autoscalerNameOf('/elsewhere/fleet/')).toBeUndefined();
});
