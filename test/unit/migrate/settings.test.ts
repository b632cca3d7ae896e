import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { migrateSettings } from '../../../src/lib/migrate/settings.js';

describe('migrateSettings', () => {
  it('uses the built-in defaults when neither config nor flags say otherwise', () => {
    expect(migrateSettings(DEFAULTS)).toEqual({ dir: 'sql/migrations', lockTimeoutMs: 10_000, statementTimeoutMs: 0 });
  });

  it("reads the config's migrate section, durations as written there", () => {
    const config: DbopsConfig = { ...DEFAULTS, migrate: { dir: 'db/migrations', lockTimeout: '3s', statementTimeout: '5min' } };
    expect(migrateSettings(config)).toEqual({ dir: 'db/migrations', lockTimeoutMs: 3000, statementTimeoutMs: 300_000 });
  });

  it('reads a bare number as milliseconds (YAML and env turn "0" into 0; a parsed flag is one)', () => {
    const config: DbopsConfig = { ...DEFAULTS, migrate: { dir: 'm', lockTimeout: 250, statementTimeout: 0 } };
    expect(migrateSettings(config)).toEqual({ dir: 'm', lockTimeoutMs: 250, statementTimeoutMs: 0 });
  });
});
