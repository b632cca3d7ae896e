import { describe, expect, it } from 'vitest';
import { allowedDifference, judgeCount, judgeCounts } from '../../../src/lib/checks/counts.js';

const T = { percent: 5, rows: 100 };
const HOUR = 3_600_000;

describe('allowedDifference', () => {
  it.each([
    [0, 100],
    [1000, 100],
    [2000, 100],
    [2001, 101],
    [1_000_000, 50_000],
  ])('%i source rows allow %i', (rows, allowed) => {
    expect(allowedDifference(rows, T)).toBe(allowed);
  });
});

describe('judgeCount', () => {
  it('passes an exact match without a note', () => {
    expect(judgeCount({ table: 'public.users', source: 400, restore: 400 }, T)).toEqual({
      table: 'public.users',
      source: 400,
      restore: 400,
      status: 'passed',
      difference: 0,
      allowed: 100,
      explanation: undefined,
    });
  });

  it('passes rows written since the backup within the tolerance, and says so', () => {
    expect(judgeCount({ table: 'public.recipes', source: 3040, restore: 3000 }, T, 2 * HOUR)).toEqual({
      table: 'public.recipes',
      source: 3040,
      restore: 3000,
      status: 'passed',
      difference: -40,
      allowed: 152,
      explanation: '40 rows written to the source since the backup (taken 2h00m ago): within the tolerance of 152',
    });
  });

  it('fails fewer rows in the restore, explained', () => {
    expect(judgeCount({ table: 'public.recipes', source: 3000, restore: 1000 }, T, 2 * HOUR)).toEqual({
      table: 'public.recipes',
      source: 3000,
      restore: 1000,
      status: 'failed',
      difference: -2000,
      allowed: 150,
      explanation:
        'the restore has 2000 fewer rows (67% of the source), more than the 150 that writes since the backup (taken 2h00m ago) may explain: rows missing from the backup, or a bulk load on the source after it',
    });
  });

  it('fails more rows in the restore, explained as deletions on the source', () => {
    expect(judgeCount({ table: 'public.audit_logs', source: 10, restore: 500 }, T).explanation).toBe(
      'the restore has 490 more rows (4900% of the source), more than the 100 allowed: rows deleted on the source after the backup (a purge, a GDPR erasure), or the restore holds data the source lost',
    );
  });

  it('skips a table missing on one side, or one that could not be counted', () => {
    expect(judgeCount({ table: 'public.new', source: 5 }, T)).toEqual({
      table: 'public.new',
      source: 5,
      status: 'skipped',
      explanation: 'not in the restore (see the schema check)',
    });
    expect(judgeCount({ table: 'public.old', restore: 5 }, T)).toEqual({
      table: 'public.old',
      restore: 5,
      status: 'skipped',
      explanation: 'not on the source (see the schema check)',
    });
    expect(
      judgeCount({ table: 'public.busy', source: 1, restore: 1, error: 'on the source: canceling statement due to lock timeout' }, T)
        .explanation,
    ).toBe('not counted: on the source: canceling statement due to lock timeout');
  });
});

describe('judgeCounts', () => {
  it('passes when every table is within the tolerance', () => {
    const r = judgeCounts(
      [
        { table: 'a', source: 10, restore: 10 },
        { table: 'b', source: 5, restore: 4 },
      ],
      T,
    );
    expect([r.status, r.summary]).toEqual(['passed', '2 tables, 14 rows: every count within the tolerance.']);
    expect(r.evidence).toEqual([
      "2 tables compared (exact count(*)); tolerance 5% of the source's rows or 100 rows, whichever is larger",
      'b: source 5, restore 4 — 1 row written to the source since the backup: within the tolerance of 100',
    ]);
  });

  it('fails and names the tables outside it', () => {
    const r = judgeCounts(
      [
        { table: 'a', source: 1000, restore: 10 },
        { table: 'b', source: 5, restore: 5 },
      ],
      T,
    );
    expect([r.status, r.summary]).toEqual(['failed', '1 table outside the count tolerance: a.']);
  });
});
