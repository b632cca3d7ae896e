/**
 * The migrate settings of one run, from the config's `migrate` section: the config layer
 * has already merged the flags (--dir, --lock-timeout, --statement-timeout) over env, file
 * and the built-in defaults (sql/migrations, lock timeout 10s, no statement timeout), and
 * validated the durations.
 */
import type { DbopsConfig } from '../config/schema.js';
import { configDurationMs } from '../duration.js';

export interface MigrateSettings {
  dir: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export function migrateSettings(config: DbopsConfig): MigrateSettings {
  const m = config.migrate;
  return {
    dir: m.dir,
    lockTimeoutMs: configDurationMs(m.lockTimeout, 'migrate.lockTimeout'),
    statementTimeoutMs: configDurationMs(m.statementTimeout, 'migrate.statementTimeout'),
  };
}
