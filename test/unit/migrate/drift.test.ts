import { describe, expect, it } from 'vitest';
import { detectDrift, pendingMigrations, planBaseline, planDown, statusRows } from '../../../src/lib/migrate/drift.js';
import { AT, applied, file } from './_fixtures.js';

const f1 = file(1, 'users', 'CREATE TABLE users ();', 'DROP TABLE users;');
const f2 = file(2, 'recipes', 'CREATE TABLE recipes ();', 'DROP TABLE recipes;');
const f3 = file(3, 'tags', 'CREATE TABLE tags ();');

describe('detectDrift', () => {
  it('finds nothing when the history matches the files', () => {
    expect(detectDrift([f1, f2, f3], [applied(f1), applied(f2)])).toEqual([]);
  });

  it('reports an applied migration edited since (checksum differs)', () => {
    // GIVEN 0002 applied with another checksum
    const recorded = applied(f2, { checksum: 'a'.repeat(64) });
    // WHEN compared THEN it is 'edited', with both checksums shortened
    expect(detectDrift([f1, f2], [applied(f1), recorded])).toEqual([
      {
        kind: 'edited',
        version: 2,
        name: 'recipes',
        file: '0002_recipes.sql',
        message: `0002_recipes.sql was edited after it was applied (checksum aaaaaaaaaaaa recorded, ${f2.checksum.slice(0, 12)} on disk)`,
        runbook: 'runbooks/migrate.md#MG-R1',
      },
    ]);
  });

  it('reports an applied migration missing from disk', () => {
    expect(detectDrift([f1], [applied(f1), applied(f2)])).toEqual([
      {
        kind: 'missing',
        version: 2,
        name: 'recipes',
        message: 'version 2 (recipes) is applied but no file has that version any more',
        runbook: 'runbooks/migrate.md#MG-R2',
      },
    ]);
  });

  it('reports a pending migration older than the newest applied (out of order)', () => {
    expect(detectDrift([f1, f2, f3], [applied(f1), applied(f3)])).toEqual([
      {
        kind: 'out-of-order',
        version: 2,
        name: 'recipes',
        file: '0002_recipes.sql',
        message: '0002_recipes.sql is not applied but a higher version (3) is: it would run out of order',
        runbook: 'runbooks/migrate.md#MG-R3',
      },
    ]);
  });

  it('reports a renamed file with the same version', () => {
    expect(detectDrift([f1], [applied(f1, { name: 'people' })]).map((d) => [d.kind, d.message])).toEqual([
      ['renamed', '0001_users.sql is recorded as applied under the name people'],
    ]);
  });
});

describe('pendingMigrations', () => {
  it('lists unapplied files in order, up to --to', () => {
    expect(pendingMigrations([f1, f2, f3], [applied(f1)]).map((f) => f.version)).toEqual([2, 3]);
    expect(pendingMigrations([f1, f2, f3], [applied(f1)], 2).map((f) => f.version)).toEqual([2]);
    expect(pendingMigrations([f1, f2, f3], [applied(f1)], 1)).toEqual([]);
  });

  it('refuses a --to that is no file version (exit 2)', () => {
    expect(() => pendingMigrations([f1], [], 7)).toThrow('--to 7 is not the version of a migration file.');
  });
});

describe('planDown', () => {
  it('takes the newest applied first', () => {
    expect(planDown([f1, f2, f3], [applied(f1), applied(f2)], 2).map((s) => s.file.down.file)).toEqual([
      '0002_recipes.down.sql',
      '0001_users.down.sql',
    ]);
  });

  it('refuses (nothing changed) when one of them has no .down.sql', () => {
    // GIVEN 0003 applied without a down file
    // WHEN two steps are asked for
    // THEN the whole plan is refused, naming the file
    expect(() => planDown([f1, f2, f3], [applied(f1), applied(f2), applied(f3)], 2)).toThrow(
      'Refusing to revert: 0003_tags.sql has no .down.sql file; nothing was changed.',
    );
  });

  it('refuses when the file is gone, when nothing is applied, and a bad step count', () => {
    expect(() => planDown([f1], [applied(f1), applied(f2)], 1)).toThrow(
      'Refusing to revert: version 2 (recipes, file missing) has no .down.sql file; nothing was changed.',
    );
    expect(() => planDown([f1], [], 1)).toThrow('There is nothing to revert: no migration is applied.');
    expect(() => planDown([f1], [applied(f1)], 0)).toThrow('--steps expects a whole number of at least 1, got 0.');
  });

  it('stops at what is applied when more steps are asked for', () => {
    expect(planDown([f1, f2], [applied(f1)], 5).map((s) => s.applied.version)).toEqual([1]);
  });
});

describe('planBaseline', () => {
  it('marks every unapplied file up to the version', () => {
    expect(planBaseline([f1, f2, f3], [applied(f1)], 2).map((f) => f.version)).toEqual([2]);
    expect(planBaseline([f1, f2, f3], [], 3).map((f) => f.version)).toEqual([1, 2, 3]);
  });

  it('refuses a version that is no file', () => {
    expect(() => planBaseline([f1], [], 4)).toThrow('Version 4 is not the version of a migration file.');
  });
});

describe('statusRows', () => {
  it('gives each version its state, drift first', () => {
    // GIVEN 1 applied, 2 edited, 3 baselined, 4 missing on disk, 5 pending
    const f5 = file(5, 'five');
    const files = [f1, f2, f3, f5];
    const rows = statusRows(files, [
      applied(f1),
      applied(f2, { checksum: 'b'.repeat(64) }),
      applied(f3, { kind: 'baseline', durationMs: 0 }),
      { version: 4, name: 'gone', checksum: null, appliedAt: AT, durationMs: 1, appliedBy: 'x@y', kind: 'up' },
    ]);
    // WHEN listed THEN
    expect(rows.map((r) => [r.version, r.name, r.state, r.hasDown])).toEqual([
      [1, 'users', 'applied', true],
      [2, 'recipes', 'edited', true],
      [3, 'tags', 'baselined', false],
      [4, 'gone', 'missing', false],
      [5, 'five', 'pending', false],
    ]);
    expect(rows[0]).toEqual({
      version: 1,
      name: 'users',
      file: '0001_users.sql',
      state: 'applied',
      hasDown: true,
      noTransaction: false,
      appliedAt: AT,
      durationMs: 5,
      appliedBy: 'app@host',
    });
  });
});
