import { describe, expect, it } from 'vitest';
import { errorLine, guardDb, isTransientSqlState, migrationError } from '../../../src/lib/migrate/errors.js';

/** An error shaped like the ones pg raises. */
function pgError(code: string, message: string, extra: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('migrationError', () => {
  const sql = 'CREATE TABLE a (id int);\n\nCREATE TABLE b (id intt);\n';

  it("names the file, the line and PostgreSQL's message; exit 1 for an SQL error", () => {
    // GIVEN a type error at offset 42 (1-based position 43) of the file
    const e = pgError('42704', 'type "intt" does not exist', { position: String(sql.indexOf('intt') + 1) });
    // WHEN turned into a dbops error
    const out = migrationError(e, { file: '0002_b.sql', sql, baseOffset: 0, rolledBack: true, earlier: 1 });
    // THEN
    expect(out.exitCode).toBe(1);
    expect(out.message).toBe(
      'Migration 0002_b.sql failed at line 3: type "intt" does not exist (SQLSTATE 42704); it was rolled back and not recorded; the migration before it in this run stays applied.',
    );
    expect(out.hint).toBe('Fix 0002_b.sql (or the data it trips on) and run `dbops migrate up` again.');
  });

  it('treats a lock timeout as retry-later (exit 3)', () => {
    const out = migrationError(pgError('55P03', 'canceling statement due to lock timeout'), {
      file: 'x.sql',
      sql: '',
      baseOffset: 0,
      rolledBack: true,
      earlier: 0,
    });
    expect([out.exitCode, out.message]).toEqual([
      3,
      'Migration x.sql failed: canceling statement due to lock timeout (SQLSTATE 55P03); it was rolled back and not recorded.',
    ]);
    expect(out.hint).toMatch(/--lock-timeout/);
  });

  it('says what stays applied without a transaction, and counts from the statement', () => {
    const out = migrationError(pgError('42P07', 'relation "i" already exists'), {
      file: 'c.sql',
      sql: 'x',
      baseOffset: 0,
      rolledBack: false,
      earlier: 0,
      statement: { index: 2, line: 5 },
    });
    expect(out.message).toBe(
      'Migration c.sql failed at line 5 (statement 2): relation "i" already exists (SQLSTATE 42P07); it ran without a transaction: statements before the failing one stay applied, and it was not recorded.',
    );
  });
});

describe('errorLine and isTransientSqlState', () => {
  it('maps a 1-based position after an offset to a line', () => {
    expect(errorLine('a\nb\nc', 2, '1')).toBe(2);
    expect(errorLine('abc', 0, undefined)).toBeUndefined();
  });

  it('knows which failures a retry may cure', () => {
    expect(['55P03', '57014', '40P01', '40001', '08006', '57P01', '53300', '25006'].every(isTransientSqlState)).toBe(true);
    expect(['42601', '23505', '42P01', '22P02'].some(isTransientSqlState)).toBe(false);
  });
});

describe('guardDb', () => {
  it('turns a PostgreSQL refusal into one sentence, exit 3; lets bugs through', async () => {
    await expect(
      guardDb('the heartbeat', async () => Promise.reject(pgError('42501', 'permission denied for schema dbops'))),
    ).rejects.toMatchObject({
      exitCode: 3,
      message: 'PostgreSQL refused the heartbeat: permission denied for schema dbops (SQLSTATE 42501).',
    });
    await expect(guardDb('x', async () => Promise.reject(new TypeError('undefined is not a function')))).rejects.toBeInstanceOf(TypeError);
  });
});
