import { describe, expect, it } from 'vitest';
import { allowedRules, lintMigration, tableKey } from '../../../src/lib/migrate/lint.js';

const WITH_TIMEOUT = { lockTimeoutMs: 10_000 };
const NO_TIMEOUT = { lockTimeoutMs: 0 };
const lint = (sql: string, opts = WITH_TIMEOUT) => lintMigration({ file: '0009_x.sql', sql }, opts);

describe('lintMigration', () => {
  it('warns about CREATE INDEX without CONCURRENTLY on an existing table', () => {
    // GIVEN an index on a table this migration did not create
    const sql = '-- add an index\nCREATE INDEX recipes_title_idx ON public.recipes (title);';
    // WHEN linted
    // THEN one warning with the file, line, statement and advice
    expect(lint(sql)).toEqual([
      {
        rule: 'create-index-not-concurrently',
        file: '0009_x.sql',
        line: 2,
        statement: 'CREATE INDEX recipes_title_idx ON public.recipes (title)',
        message:
          'CREATE INDEX on existing table recipes without CONCURRENTLY blocks writes to it while the index builds; use CREATE INDEX CONCURRENTLY in its own migration whose first line is -- dbops:no-transaction.',
        runbook: 'runbooks/migrate.md#MG-R5',
      },
    ]);
  });

  it('leaves indexes alone when CONCURRENTLY, or when the table is created earlier in the same migration', () => {
    // GIVEN a concurrent index, and an index on a table created just before
    const sql = [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON recipes (title);',
      'CREATE TABLE "Tags" (id int);',
      'CREATE UNIQUE INDEX tags_id_key ON "Tags" (id);',
    ].join('\n');
    // WHEN linted THEN no warning
    expect(lint(sql)).toEqual([]);
  });

  it('warns about ADD COLUMN NOT NULL without DEFAULT, not with one or for identity columns', () => {
    // GIVEN three added columns in one ALTER TABLE, one of them unsafe
    const sql =
      "ALTER TABLE users ADD COLUMN country text NOT NULL, ADD COLUMN plan text NOT NULL DEFAULT 'free', ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL, ADD CONSTRAINT c CHECK (n > 0);";
    // WHEN linted
    const out = lint(sql);
    // THEN only the column without a default is reported
    expect(out.map((w) => [w.rule, w.message])).toEqual([
      [
        'add-column-not-null-without-default',
        'ADD COLUMN country NOT NULL without a DEFAULT fails on table users as soon as it has rows; add a DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, then SET NOT NULL.',
      ],
    ]);
  });

  it('warns about a column type change', () => {
    expect(lint('ALTER TABLE recipes ALTER COLUMN servings SET DATA TYPE bigint;').map((w) => [w.rule, w.message])).toEqual([
      [
        'alter-column-type',
        'ALTER COLUMN servings TYPE rewrites table recipes and its indexes under an ACCESS EXCLUSIVE lock (unless the new type is binary-compatible, such as varchar to text); prefer a new column, a backfill and a swap.',
      ],
    ]);
    expect(lint('ALTER TABLE recipes ALTER servings TYPE numeric(10,2) USING servings::numeric;').map((w) => w.rule)).toEqual([
      'alter-column-type',
    ]);
  });

  it('warns about DROP COLUMN and DROP TABLE, not DROP CONSTRAINT or ALTER COLUMN ... DROP DEFAULT', () => {
    // GIVEN drops of every kind
    const sql = [
      'ALTER TABLE users DROP COLUMN locale, DROP CONSTRAINT users_x, ALTER COLUMN email DROP DEFAULT, DROP IF EXISTS legacy;',
      'DROP TABLE IF EXISTS old_a, public.old_b CASCADE;',
    ].join('\n');
    // WHEN linted
    const out = lint(sql);
    // THEN the two columns and the two tables are reported, in order
    expect(out.map((w) => [w.rule, w.line, w.message])).toEqual([
      [
        'drop-column',
        1,
        'DROP COLUMN locale on table users deletes its data, and code still reading it breaks; deploy the code that stops using it first, and keep a snapshot.',
      ],
      [
        'drop-column',
        1,
        'DROP COLUMN legacy on table users deletes its data, and code still reading it breaks; deploy the code that stops using it first, and keep a snapshot.',
      ],
      ['drop-table', 2, 'DROP TABLE old_a deletes the table and its data; make sure nothing uses it and a snapshot exists.'],
      ['drop-table', 2, 'DROP TABLE old_b deletes the table and its data; make sure nothing uses it and a snapshot exists.'],
    ]);
  });

  it('ignores what hides in comments, strings and function bodies', () => {
    // GIVEN dangerous words only inside a comment, a string and a DO block
    const sql = "-- DROP TABLE users;\nSELECT 'ALTER TABLE t DROP COLUMN c';\nDO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$;";
    // WHEN linted THEN nothing is reported
    expect(lint(sql, NO_TIMEOUT)).toEqual([]);
  });

  it('warns about a strong lock without lock_timeout only when dbops sets none either', () => {
    // GIVEN an ALTER TABLE on an existing table, no SET lock_timeout in the file
    const sql = 'CREATE TABLE t2 (id int);\nALTER TABLE t2 ADD COLUMN a int;\nALTER TABLE recipes ADD COLUMN note text;';
    // WHEN linted with dbops' lock timeout off, and on
    const off = lint(sql, NO_TIMEOUT);
    const on = lint(sql, WITH_TIMEOUT);
    // THEN only the run without any lock timeout warns, at the first statement locking an existing table
    expect(off).toEqual([
      {
        rule: 'missing-lock-timeout',
        file: '0009_x.sql',
        line: 3,
        statement: 'ALTER TABLE recipes ADD COLUMN note text',
        message:
          'This migration takes a strong table lock with no lock_timeout: queued behind a long transaction it blocks every query on the table; SET lock_timeout at the top of the file or run with --lock-timeout.',
        runbook: 'runbooks/migrate.md#MG-R9',
      },
    ]);
    expect(on).toEqual([]);
  });

  it('accepts SET lock_timeout (or set_config) before the strong lock, not after', () => {
    expect(lint("SET lock_timeout = '5s';\nTRUNCATE recipes;", NO_TIMEOUT)).toEqual([]);
    expect(lint("SELECT set_config('lock_timeout', '5s', true);\nLOCK TABLE recipes IN ACCESS EXCLUSIVE MODE;", NO_TIMEOUT)).toEqual([]);
    expect(
      lint("CREATE TRIGGER x BEFORE UPDATE ON recipes FOR EACH ROW EXECUTE FUNCTION f();\nSET lock_timeout = '5s';", NO_TIMEOUT).map(
        (w) => [w.rule, w.line],
      ),
    ).toEqual([['missing-lock-timeout', 1]]);
  });

  it('is silenced per file by -- dbops:allow', () => {
    // GIVEN a deliberate drop with an allow comment
    const sql =
      '-- dbops:allow drop-table, drop-column\nDROP TABLE old;\nALTER TABLE users DROP COLUMN x;\nCREATE INDEX i ON users (email);';
    // WHEN linted THEN only the rule not allowed remains
    expect(lint(sql).map((w) => w.rule)).toEqual(['create-index-not-concurrently']);
  });

  it('cuts long statements at 80 characters', () => {
    const out = lint(`DROP TABLE ${'a'.repeat(100)};`);
    expect(out[0]!.statement).toBe(`DROP TABLE ${'a'.repeat(68)}…`);
  });
});

describe('tableKey', () => {
  it('drops the schema, folds unquoted names and keeps quoted ones', () => {
    expect(['public.Recipes', '"Public"."Recipes"', 'recipes', '"we""ird"'].map(tableKey)).toEqual([
      'recipes',
      'Recipes',
      'recipes',
      'we"ird',
    ]);
  });
});

describe('allowedRules', () => {
  it('reads every dbops:allow line', () => {
    expect([...allowedRules('-- dbops:allow drop-table\nSELECT 1;\n  --dbops:allow alter-column-type, drop-column\n')]).toEqual([
      'drop-table',
      'alter-column-type',
      'drop-column',
    ]);
  });
});
