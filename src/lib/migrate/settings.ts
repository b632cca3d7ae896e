/**
 * The migrate settings of one run: flags over the config's `migrate` section over the
 * built-in defaults (sql/migrations, lock timeout 10s, no statement timeout).
 */
import type { DbopsConfig } from '../config/schema.js';
import { parseDuration } from '../duration.js';

/**
 * The `migrate` section of the config: durations as written there ("10s", "2min"), or a
 * bare number of milliseconds (YAML and DBOPS_* env values read `0` and `500` as numbers).
 */
export interface MigrateConfig {
  dir: string;
  lockTimeout: string | number;
  statementTimeout: string | number;
}

export const MIGRATE_DEFAULTS: MigrateConfig = { dir: 'sql/migrations', lockTimeout: '10s', statementTimeout: '0' };

/** The flags a migrate command may carry. */
export interface MigrateFlags {
  dir?: string;
  lockTimeout?: string;
  statementTimeout?: string;
}

export interface MigrateSettings {
  dir: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export function migrateSettings(config: DbopsConfig, flags: MigrateFlags): MigrateSettings {
  const fromConfig = (config as DbopsConfig & { migrate?: Partial<MigrateConfig> }).migrate ?? {};
  const pick = <K extends keyof MigrateConfig>(k: K): MigrateConfig[K] => flags[k] ?? fromConfig[k] ?? MIGRATE_DEFAULTS[k];
  return {
    dir: pick('dir'),
    lockTimeoutMs: parseDuration(String(pick('lockTimeout')), flags.lockTimeout !== undefined ? '--lock-timeout' : 'migrate.lockTimeout'),
    statementTimeoutMs: parseDuration(String(pick('statementTimeout')), flags.statementTimeout !== undefined ? '--statement-timeout' : 'migrate.statementTimeout'),
  };
}
