import { describe, expect, it } from 'vitest';
import { lineAt, splitStatements } from '../../../src/lib/migrate/sql-split.js';

describe('splitStatements', () => {
  it('splits on top-level semicolons and reports each start line', () => {
    // GIVEN two statements on separate lines, with a comment before the first
    const sql = '-- header\nCREATE TABLE a (id int);\n\n  SELECT 1;\n';
    // WHEN split
    const out = splitStatements(sql);
    // THEN the comment is not a statement and the lines point at the first tokens
    expect(out).toEqual([
      { text: 'CREATE TABLE a (id int)', normalized: 'CREATE TABLE a (id int)', line: 2, offset: 10 },
      { text: 'SELECT 1', normalized: 'SELECT 1', line: 4, offset: 38 },
    ]);
  });

  it('does not split inside strings, quoted identifiers, comments or dollar quotes', () => {
    // GIVEN semicolons hidden in every kind of quoting
    const sql = [
      "INSERT INTO t VALUES ('a;b', E'c\\';d', \"we;ird\");",
      '/* block; /* nested; */ still */ SELECT 2;',
      'DO $body$ BEGIN PERFORM 1; END $body$;',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;',
    ].join('\n');
    // WHEN split
    const out = splitStatements(sql);
    // THEN there are four statements, literals emptied in the normalized form
    expect(out.map((s) => s.normalized)).toEqual([
      `INSERT INTO t VALUES ('', E'', "we;ird")`,
      'SELECT 2',
      'DO $$$$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$$$',
    ]);
    expect(out.map((s) => s.line)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a BEGIN ATOMIC function body in one statement', () => {
    // GIVEN an SQL-standard function body with semicolons and a CASE ... END inside
    const sql =
      'CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 2; END; SELECT 3;';
    // WHEN split
    const out = splitStatements(sql);
    // THEN the body stays whole and the next statement follows
    expect(out.map((s) => s.text)).toEqual([
      'CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 2; END',
      'SELECT 3',
    ]);
  });

  it('keeps semicolons inside parentheses (CREATE RULE ... DO (a; b))', () => {
    const out = splitStatements('CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); SELECT 3');
    expect(out.map((s) => s.normalized)).toEqual(['CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)', 'SELECT 3']);
  });

  it('collapses whitespace and drops comments in the normalized form', () => {
    const out = splitStatements('ALTER   TABLE\n\t recipes -- why\n  ADD COLUMN x int /* later */ NOT NULL');
    expect(out.map((s) => s.normalized)).toEqual(['ALTER TABLE recipes ADD COLUMN x int NOT NULL']);
  });

  it('returns nothing for comments and empty statements only', () => {
    expect(splitStatements('-- nothing\n;;\n/* here */')).toEqual([]);
  });
});

describe('lineAt', () => {
  it('counts newlines before the offset', () => {
    expect([lineAt('a\nb\nc', 0), lineAt('a\nb\nc', 2), lineAt('a\nb\nc', 4)]).toEqual([1, 2, 3]);
  });
});
