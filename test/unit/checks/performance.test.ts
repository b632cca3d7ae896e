import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  judgePerformance,
  loadQueryFiles,
  median,
  pgTimingSql,
  timeQueries,
  withinThreshold,
  type QueryTiming,
} from '../../../src/lib/checks/performance.js';
import type { Queryable } from '../../../src/lib/checks/types.js';

const S = { maxSlowdown: 3, slackMs: 50, runs: 3, statementTimeoutMs: 30_000 };

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('%j -> %d', (xs, m) => {
    expect(median(xs)).toBe(m);
  });
});

describe('withinThreshold', () => {
  it.each([
    [30, 10, true, 'exactly 3x'],
    [31, 10, true, 'over 3x but only 21 ms slower'],
    [400, 100, false, '4x and 300 ms slower'],
    [140, 100, true, '1.4x'],
    [61, 10, false, '6x and 51 ms slower'],
  ])('restore %d ms vs source %d ms -> %s (%s)', (restore, source, ok) => {
    expect(withinThreshold(restore, source, S)).toBe(ok);
  });
});

describe('loadQueryFiles', () => {
  it('reads *.sql in name order, drops a trailing semicolon and skips files with only comments; a missing dir is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dbops-checks-'));
    try {
      await writeFile(join(dir, '02_b.sql'), '-- b\nSELECT 2;\n');
      await writeFile(join(dir, '01_a.sql'), 'SELECT 1');
      await writeFile(join(dir, '03_empty.sql'), '-- nothing here\n');
      await writeFile(join(dir, 'notes.txt'), 'x');
      expect(await loadQueryFiles(dir)).toEqual([
        { name: '01_a', sql: 'SELECT 1', origin: join(dir, '01_a.sql') },
        { name: '02_b', sql: '-- b\nSELECT 2', origin: join(dir, '02_b.sql') },
      ]);
      expect(await loadQueryFiles(join(dir, 'absent'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('judgePerformance', () => {
  const ok: QueryTiming = {
    name: 'a',
    origin: 'f',
    status: 'passed',
    restoreFirstMs: 9,
    restoreMedianMs: 2,
    sourceMedianMs: 1.5,
    rows: 20,
  };

  it('passes, with the rule and each timing as evidence', () => {
    const r = judgePerformance(
      [ok, { name: 'b', origin: 'f', status: 'skipped', note: 'not for this schema: relation "recipes" does not exist' }],
      S,
      ['sql/checks'],
    );
    expect([r.status, r.summary, r.evidence]).toEqual([
      'passed',
      '1 query within the threshold on the restore, 1 skipped.',
      [
        'median of 3 runs after one warm-up; too slow = over 3x the source and more than 50 ms slower',
        'a: restore 2 ms (first run 9 ms), source 1.5 ms, 20 rows — ok',
        'b: skipped (not for this schema: relation "recipes" does not exist)',
      ],
    ]);
  });

  it('fails a slow query, skips when none is configured or none fits', () => {
    expect(judgePerformance([{ ...ok, status: 'failed', restoreMedianMs: 900 }], S, []).summary).toBe(
      '1 of 1 queries too slow or failing on the restore: a.',
    );
    expect(judgePerformance([], S, ['sql/checks']).status).toBe('skipped');
    expect(judgePerformance([{ name: 'b', origin: 'f', status: 'skipped' }], S, []).summary).toBe(
      'None of the 1 queries fits this schema.',
    );
  });
});

describe('timeQueries', () => {
  /** A database that answers everything, or fails the timed query with a SQLSTATE. */
  function fakeDb(failWith?: string): Queryable {
    return {
      query: async (sql: string) => {
        if (failWith && sql.startsWith('SELECT')) throw Object.assign(new Error('relation "recipes" does not exist'), { code: failWith });
        return { rows: [{ n: 1 }], rowCount: 1 };
      },
    } as unknown as Queryable;
  }
  const q = { name: 'recipes_page', sql: 'SELECT * FROM recipes LIMIT 20', origin: 'test' };

  it('skips a query whose table the backup does not have (the schema check judges that), and fails other errors', async () => {
    // GIVEN a source that runs the query and a restore without the table
    const [missing] = await timeQueries(fakeDb('42P01'), fakeDb(), [q], S);
    // THEN it is skipped with the reason, not failed
    expect(missing).toMatchObject({ name: 'recipes_page', status: 'skipped' });
    expect(missing!.note).toContain('not in the backup');
    // GIVEN a restore failing for another reason (division by zero)
    const [broken] = await timeQueries(fakeDb('22012'), fakeDb(), [q], S);
    expect(broken).toMatchObject({ status: 'failed' });
    expect(broken!.note).toContain('fails on the restore but not on the source');
  });

  it('brackets each query with the engine\'s statements on each side; a MySQL "no such table" (42S02) is skipped', async () => {
    // GIVEN a MySQL-like source and restore that record what they are sent
    const sent: string[][] = [[], []];
    const db = (i: number, failWith?: string): Queryable =>
      ({
        query: async (sql: string) => {
          sent[i]!.push(sql);
          if (failWith && sql.startsWith('SELECT'))
            throw Object.assign(new Error("Table 'app.recipes' doesn't exist"), { sqlState: failWith });
          return { rows: [{ n: 1 }] };
        },
      }) as unknown as Queryable;
    const sql = {
      begin: ['SET SESSION max_execution_time = 30000', 'START TRANSACTION READ ONLY'],
      end: ['ROLLBACK', 'SET SESSION max_execution_time = 0'],
    };
    const [timed] = await timeQueries({ db: db(0), sql }, { db: db(1), sql }, [q], { ...S, runs: 1 });
    expect(timed!.status).not.toBe('skipped');
    const expected = [...sql.begin, q.sql, q.sql, ...sql.end];
    expect(sent).toEqual([expected, expected]);
    // AND a restore without the table (MySQL's SQLSTATE 42S02): skipped, not failed
    const [missing] = await timeQueries({ db: db(0, '42S02'), sql }, { db: db(1), sql }, [q], S);
    expect(missing).toMatchObject({ status: 'skipped' });
    expect(missing!.note).toContain('not in the backup');
  });

  it('PostgreSQL: BEGIN READ ONLY and SET LOCAL statement_timeout, ended by ROLLBACK', () => {
    expect(pgTimingSql(30_000)).toEqual({ begin: ['BEGIN READ ONLY', 'SET LOCAL statement_timeout = 30000'], end: ['ROLLBACK'] });
  });
});
