import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { migrateSettings } from '../../../src/lib/migrate/settings.js';

describe('migrateSettings', () => {
  it('uses the built-in defaults when neither config nor flags say otherwise', () => {
    expect(migrateSettings(DEFAULTS, {})).toEqual({ dir: 'sql/migrations', lockTimeoutMs: 10_000, statementTimeoutMs: 0 });
  });

  it('takes the config\'s migrate section over the defaults, and flags over both', () => {
    // GIVEN a config with a migrate section
    const config = { ...DEFAULTS, migrate: { dir: 'db/migrations', lockTimeout: '3s', statementTimeout: '5min' } } as DbopsConfig;
    // WHEN read with and without flags
    // THEN each flag wins over its config key
    expect(migrateSettings(config, {})).toEqual({ dir: 'db/migrations', lockTimeoutMs: 3000, statementTimeoutMs: 300_000 });
    expect(migrateSettings(config, { lockTimeout: '0', dir: 'other' })).toEqual({ dir: 'other', lockTimeoutMs: 0, statementTimeoutMs: 300_000 });
  });

  it('reads a bare number from the config as milliseconds (YAML and env turn "0" into 0)', () => {
    const config = { ...DEFAULTS, migrate: { dir: 'm', lockTimeout: 250, statementTimeout: 0 } } as unknown as DbopsConfig;
    expect(migrateSettings(config, {})).toEqual({ dir: 'm', lockTimeoutMs: 250, statementTimeoutMs: 0 });
  });

  it('names the flag, or the config key, when a duration does not parse', () => {
    expect(() => migrateSettings(DEFAULTS, { statementTimeout: 'forever' })).toThrow('--statement-timeout expects a duration');
    const config = { ...DEFAULTS, migrate: { dir: 'm', lockTimeout: 'soon', statementTimeout: 0 } } as unknown as DbopsConfig;
    expect(() => migrateSettings(config, {})).toThrow('migrate.lockTimeout expects a duration');
  });
});
