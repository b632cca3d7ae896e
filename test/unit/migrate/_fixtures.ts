/** Small builders for the pure migrate tests. */
import type { AppliedMigration } from '../../../src/lib/migrate/drift.js';
import { checksumOf, type MigrationFile } from '../../../src/lib/migrate/files.js';

export function file(version: number, name: string, sql = `SELECT ${version};`, down?: string): MigrationFile {
  const prefix = String(version).padStart(4, '0');
  const f: MigrationFile = {
    version,
    name,
    file: `${prefix}_${name}.sql`,
    path: `/m/${prefix}_${name}.sql`,
    sql,
    checksum: checksumOf(sql),
    noTransaction: false,
  };
  if (down !== undefined)
    f.down = { file: `${prefix}_${name}.down.sql`, path: `/m/${prefix}_${name}.down.sql`, sql: down, noTransaction: false };
  return f;
}

export const AT = new Date('2025-06-01T10:00:00Z');

export function applied(f: MigrationFile, overrides: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    version: f.version,
    name: f.name,
    checksum: f.checksum,
    appliedAt: AT,
    durationMs: 5,
    appliedBy: 'app@host',
    kind: 'up',
    ...overrides,
  };
}
