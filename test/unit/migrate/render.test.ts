import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderBaseline, renderDown, renderHeartbeat, renderStatus, renderUp, renderVerify } from '../../../src/lib/migrate/render.js';
import type { StatusResult, UpResult } from '../../../src/lib/migrate/migrate.js';

const c = new Chalk({ level: 0 });
const AT = new Date('2025-06-01T10:00:00.123Z');
const settings = { lockTimeout: '10s', statementTimeout: '0 (none)' };

describe('renderStatus', () => {
  it('prints a summary line, a table, the drift and the lint', () => {
    // GIVEN one applied, one edited and one pending migration, and one lint warning
    const r: StatusResult = {
      target: 'demo-db',
      engine: 'postgres',
      dir: 'sql/migrations',
      migrations: [
        {
          version: 1,
          name: 'users',
          file: '0001_users.sql',
          state: 'applied',
          appliedAt: AT,
          durationMs: 12,
          appliedBy: 'app@host',
          noTransaction: false,
          hasDown: true,
        },
        {
          version: 2,
          name: 'recipes',
          file: '0002_recipes.sql',
          state: 'edited',
          appliedAt: AT,
          durationMs: 1500,
          appliedBy: 'app@host',
          noTransaction: false,
          hasDown: false,
        },
        { version: 3, name: 'idx', file: '0003_idx.sql', state: 'pending', noTransaction: true, hasDown: false },
      ],
      drift: [
        {
          kind: 'edited',
          version: 2,
          name: 'recipes',
          file: '0002_recipes.sql',
          message: '0002_recipes.sql was edited after it was applied',
          runbook: 'runbooks/migrate.md#MG-R1',
        },
      ],
      lint: [
        {
          rule: 'drop-table',
          file: '0003_idx.sql',
          line: 4,
          statement: 'DROP TABLE x',
          message: 'DROP TABLE x deletes the table.',
          runbook: 'runbooks/migrate.md#MG-R8',
        },
      ],
      failed: [],
      summary: { files: 3, applied: 2, pending: 1, drift: 1, failed: 0, lint: 1 },
    };
    // WHEN rendered without colour THEN
    expect(renderStatus(r, c)).toBe(
      [
        'Migrations of demo-db (sql/migrations): 2 applied, 1 pending, 1 drift.',
        '',
        'VERSION  NAME     STATE    APPLIED AT            TOOK  BY        DOWN',
        '0001     users    applied  2025-06-01T10:00:00Z  12ms  app@host  yes',
        '0002     recipes  edited   2025-06-01T10:00:00Z  1.5s  app@host  no',
        '0003     idx      pending  -                        -  -         no',
        '',
        'Drift (1): migrate up refuses to run over it unless --allow-drift',
        '  ✖ edited: 0002_recipes.sql was edited after it was applied (see runbooks/migrate.md#MG-R1)',
        '',
        'Lint warnings for the pending migrations (1):',
        '  ! 0003_idx.sql:4 [drop-table] DROP TABLE x deletes the table. (see runbooks/migrate.md#MG-R8)',
      ].join('\n'),
    );
  });
});

describe('renderUp', () => {
  const base: Omit<UpResult, 'report'> = {
    status: 'applied',
    target: 'demo-db',
    engine: 'postgres',
    transactionalDdl: true,
    dir: 'sql/migrations',
    settings,
    applied: [],
    plan: [],
    remaining: 0,
    drift: [],
    lint: [],
  };

  it('lists what was applied and what is left', () => {
    const r: Omit<UpResult, 'report'> = {
      ...base,
      to: 2,
      remaining: 1,
      applied: [
        { version: 1, name: 'users', file: '0001_users.sql', noTransaction: false, durationMs: 12, notices: [] },
        { version: 2, name: 'idx', file: '0002_idx.sql', noTransaction: true, durationMs: 30, notices: [] },
      ],
    };
    expect(renderUp(r, c)).toBe(
      [
        '✔ Applied 2 migrations to demo-db in 42ms (lock_timeout 10s, statement_timeout 0 (none)):',
        '  0001_users.sql     12ms',
        '  0002_idx.sql       30ms  (no transaction)',
        '1 still pending beyond --to 2.',
      ].join('\n'),
    );
  });

  it("prints the plan of a dry run with each file's SQL, and says nothing changed", () => {
    const r: Omit<UpResult, 'report'> = {
      ...base,
      status: 'dry-run',
      plan: [{ version: 1, name: 'users', file: '0001_users.sql', noTransaction: false, sql: 'CREATE TABLE users ();\n' }],
    };
    expect(renderUp(r, c)).toBe(
      [
        'Dry run: would apply 1 migration to demo-db in this order (lock_timeout 10s, statement_timeout 0 (none)); nothing was changed.',
        '',
        '-- ==== 0001_users.sql (one transaction) ====',
        'CREATE TABLE users ();',
      ].join('\n'),
    );
  });

  it('says when it refused and when there was nothing to do', () => {
    expect(
      renderUp(
        {
          ...base,
          status: 'refused',
          drift: [
            {
              kind: 'missing',
              version: 3,
              name: 'x',
              message: 'version 3 (x) is applied but no file has that version any more',
              runbook: 'runbooks/migrate.md#MG-R2',
            },
          ],
        },
        c,
      ),
    ).toBe(
      [
        '✖ Refused to migrate demo-db: its history and the files in sql/migrations disagree; nothing was applied.',
        '',
        'Drift (1): migrate up refuses to run over it unless --allow-drift',
        '  ✖ missing: version 3 (x) is applied but no file has that version any more (see runbooks/migrate.md#MG-R2)',
      ].join('\n'),
    );
    expect(renderUp({ ...base, status: 'up-to-date' }, c)).toBe('demo-db is up to date: nothing to apply. Nothing is pending.');
  });
});

describe('the other renderings', () => {
  it('verify, down, baseline and heartbeat', () => {
    expect(
      renderVerify(
        { ok: true, target: 'db', dir: 'm', strict: false, checked: { files: 3, applied: 2, pending: 1 }, drift: [], failed: [], lint: [] },
        c,
      ),
    ).toBe('✔ db: 2 applied migrations match their files, 1 pending, no lint warnings.');
    expect(renderDown({ status: 'cancelled', target: 'db', dir: 'm', settings, reverted: [], plan: [], drift: [] }, c)).toBe(
      'Cancelled: nothing was reverted.',
    );
    expect(
      renderBaseline(
        {
          status: 'baselined',
          target: 'db',
          dir: 'm',
          version: 2,
          marked: [
            { version: 1, name: 'a', file: '0001_a.sql' },
            { version: 2, name: 'b', file: '0002_b.sql' },
          ],
        },
        c,
      ),
    ).toBe(['✔ Marked 2 migrations as applied on db (baseline at 0002); none of them ran:', '  0001_a.sql', '  0002_b.sql'].join('\n'));
    expect(
      renderHeartbeat(
        { target: 'db', id: 7, beatAt: AT, writtenBy: 'app@host', previousBeatAt: AT, gapSeconds: 300, createdSchema: false },
        c,
      ),
    ).toBe('✔ Heartbeat 7 written to db at 2025-06-01T10:00:00Z by app@host (5m00s after the previous one).');
  });
});
