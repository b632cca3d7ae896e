/**
 * database.engineVersion against database.engine: MySQL is 8.0 or 8.0.x (locally MariaDB
 * 10.11 stands in for it), PostgreSQL a major or major.minor. Bad input is one sentence
 * naming the source, the key and the value, with a hint; exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/config/load.js';
import { ConfigError } from '../../../src/lib/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dbops-engine-version-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function withFile(yaml: string): { file: string; load: (env?: Record<string, string>) => ReturnType<typeof loadConfig> } {
  const file = join(root, 'dbops.config.yaml');
  writeFileSync(file, yaml);
  return { file, load: (env = {}) => loadConfig({ cwd: root, env, flags: {} }) };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('database.engineVersion for engine mysql', () => {
  it('defaults to 8.0 when only the engine is set (the default 15 is PostgreSQL’s)', () => {
    const { load } = withFile('database:\n  engine: mysql\n');
    expect(load().config.database).toMatchObject({ engine: 'mysql', engineVersion: '8.0' });
  });

  it('accepts 8.0 (YAML reads it as the number 8) and 8.0.x', () => {
    expect(withFile('database:\n  engine: mysql\n  engineVersion: 8.0\n').load().config.database.engineVersion).toBe('8.0');
    expect(withFile('database:\n  engine: mysql\n  engineVersion: "8.0.35"\n').load().config.database.engineVersion).toBe('8.0.35');
  });

  it('refuses 5.7 in one sentence naming the file, the key and the value, with a hint; exit 2', () => {
    const { file, load } = withFile('database:\n  engine: mysql\n  engineVersion: "5.7"\n');
    const e = configError(() => load());
    expect(e.message).toBe(
      `Invalid config: ${file}: database.engineVersion: expected MySQL 8.0 (8.0 or 8.0.x) for engine mysql, found the string "5.7".`,
    );
    expect(e.hint).toBe(
      'Set database.engineVersion to 8.0 or 8.0.x, or leave it out (engine mysql defaults to 8.0); locally MariaDB 10.11 stands in for MySQL 8.0.',
    );
    expect(e.exitCode).toBe(2);
  });

  it('refuses a PostgreSQL version given with engine mysql from the environment', () => {
    withFile('database:\n  engine: mysql\n');
    const e = configError(() => loadConfig({ cwd: root, env: { DBOPS_DATABASE__ENGINE_VERSION: '15' }, flags: {} }));
    expect(e.message).toBe(
      'Invalid config: env DBOPS_DATABASE__ENGINE_VERSION: database.engineVersion: expected MySQL 8.0 (8.0 or 8.0.x) for engine mysql, found number 15.',
    );
  });
});

describe('database.engineVersion for engine postgres', () => {
  it('keeps 15 and 15.4 and refuses three parts', () => {
    expect(withFile('database:\n  engineVersion: 15.4\n').load().config.database.engineVersion).toBe('15.4');
    const { file, load } = withFile('database:\n  engineVersion: "15.4.1"\n');
    const e = configError(() => load());
    expect(e.message).toBe(
      `Invalid config: ${file}: database.engineVersion: expected a PostgreSQL version such as 15 or 15.4, found the string "15.4.1".`,
    );
    expect(e.hint).toMatch(/^Fix the values named above/);
  });
});

describe('seed 003 defaults for engine mysql', () => {
  it('gives engine mysql 30-day backups when retention is left at its default; a set value wins; postgres keeps 7', () => {
    expect(withFile('database:\n  engine: mysql\n').load().config.database.backupRetentionDays).toBe(30);
    expect(withFile('database:\n  engine: mysql\n  backupRetentionDays: 7\n').load().config.database.backupRetentionDays).toBe(7);
    expect(withFile('database:\n  engine: postgres\n').load().config.database.backupRetentionDays).toBe(7);
  });
});
