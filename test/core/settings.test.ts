import { PRESETS, resolveSettings } from '../../src/core';

test('balanced is the default preset', () => {
  expect(resolveSettings({ minShards: 1, maxShards: 4 })).toMatchObject({ ...PRESETS.balanced, minShards: 1, maxShards: 4, dryRun: false });
});

test('sizing is for writes only unless shared readers are named', () => {
  expect(resolveSettings({ minShards: 1, maxShards: 4 }).sharedReaders).toBe(0);
  expect(resolveSettings({ minShards: 1, maxShards: 4, sharedReaders: 3 }).sharedReaders).toBe(3);
});

test('a custom target keeps the preset\'s hysteresis', () => {
  const settings = resolveSettings({ minShards: 1, maxShards: 4, preset: 'safe', targetUtilization: 0.4 });
  expect(settings.scaleOutUtilization).toBeCloseTo(0.4 + PRESETS.safe.scaleOutUtilization - PRESETS.safe.targetUtilization);
});

test.each([
  [{ minShards: 5, maxShards: 4 }, 'minShards (5) must not be greater than maxShards (4)'],
  [{ minShards: 0, maxShards: 4 }, 'minShards must be a whole number from 1 to 10000, received 0'],
  [{ minShards: 1, maxShards: 10001 }, 'maxShards must be a whole number from 1 to 10000, received 10001'],
  [{ minShards: 1.5, maxShards: 4 }, 'minShards must be a whole number from 1 to 10000, received 1.5'],
  [{ minShards: 1, maxShards: 4, preset: 'cheap' }, 'preset must be one of economy, balanced, safe, received "cheap"'],
  [{ minShards: 1, maxShards: 4, targetUtilization: 0.95 }, 'targetUtilization must be from 0.1 to 0.9, received 0.95'],
  [{ minShards: 1, maxShards: 4, targetUtilization: Number.NaN }, 'targetUtilization must be from 0.1 to 0.9, received NaN'],
  [{ minShards: 1, maxShards: 4, scaleInCooldownMinutes: -1 }, 'scaleInCooldownMinutes must be a whole number from 0 to 1440, received -1'],
  [{ minShards: 1, maxShards: 4, dryRun: 'false' as unknown as boolean }, 'dryRun must be true or false, received "false"'],
  [{ minShards: 1, maxShards: 4, sharedReaders: -1 }, 'sharedReaders must be a whole number from 0 to 20, received -1'],
  [{ minShards: 1, maxShards: 4, sharedReaders: 21 }, 'sharedReaders must be a whole number from 0 to 20, received 21'],
  [{ minShards: 1, maxShards: 4, sharedReaders: 2.5 }, 'sharedReaders must be a whole number from 0 to 20, received 2.5'],
])('%j is rejected', (input, message) => {
  expect(() => resolveSettings(input)).toThrow(message);
});
