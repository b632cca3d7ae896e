import { describe, expect, it } from 'vitest';
import { judgeCheckTable, judgeCheckTableRows } from '../../../src/lib/checks/check-table.js';
import { lintMysqlMigration } from '../../../src/lib/migrate/lint-mysql.js';

const lint = (sql: string, lockTimeoutMs = 10_000) => lintMysqlMigration({ file: '0009_x.sql', sql }, { lockTimeoutMs });
const rules = (sql: string, lockTimeoutMs?: number) => lint(sql, lockTimeoutMs).map((w) => [w.rule, w.line]);

describe('MySQL migration lint', () => {
  it('warns about an ALTER TABLE on an existing table without an online algorithm', () => {
    const w = lint('ALTER TABLE `recipes` ADD COLUMN tag_id INT;');
    expect(w).toEqual([
      {
        rule: 'alter-without-algorithm',
        file: '0009_x.sql',
        line: 1,
        statement: 'ALTER TABLE `recipes` ADD COLUMN tag_id INT',
        message:
          'ALTER TABLE recipes without ALGORITHM=INSTANT|INPLACE or LOCK=NONE may copy the table and block its writes until done, minutes on a large table; state ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT) so MySQL refuses instead of copying.',
        runbook: 'runbooks/migrate.md#MG-R10',
      },
    ]);
    expect(rules('ALTER TABLE recipes ADD COLUMN tag_id INT, ALGORITHM=INSTANT;')).toEqual([]);
    expect(rules('ALTER TABLE recipes ADD INDEX r_idx (title), ALGORITHM=INPLACE, LOCK=NONE;')).toEqual([]);
    expect(rules('CREATE INDEX r_idx ON recipes (title);')).toEqual([['alter-without-algorithm', 1]]);
    expect(rules('CREATE INDEX r_idx ON recipes (title) ALGORITHM=INPLACE LOCK=NONE;')).toEqual([]);
  });

  it('leaves tables created in the same file alone, and warns on a second DDL statement', () => {
    expect(rules('CREATE TABLE t (id INT PRIMARY KEY);\nALTER TABLE t ADD COLUMN x INT;\nDROP TABLE t;')).toEqual([['multiple-ddl', 2]]);
  });

  it('flags MODIFY/CHANGE COLUMN, DROP COLUMN (not DROP INDEX) and DROP TABLE', () => {
    expect(rules('ALTER TABLE recipes MODIFY COLUMN title TEXT, ALGORITHM=INPLACE;')).toEqual([['alter-column-type', 1]]);
    expect(rules('ALTER TABLE recipes DROP COLUMN title, DROP INDEX r_idx, LOCK=NONE;')).toEqual([['drop-column', 1]]);
    expect(rules('DROP TABLE IF EXISTS old_recipes;')).toEqual([['drop-table', 1]]);
  });

  it('asks for a lock_wait_timeout when dbops sets none, unless the file does', () => {
    expect(rules('ALTER TABLE recipes ADD COLUMN x INT, ALGORITHM=INSTANT;', 0)).toEqual([['missing-lock-timeout', 1]]);
    expect(rules('SET SESSION lock_wait_timeout = 5;\nALTER TABLE recipes ADD COLUMN x INT, ALGORITHM=INSTANT;', 0)).toEqual([]);
  });

  it('a file silences a rule it means', () => {
    expect(rules('-- dbops:allow alter-without-algorithm\nALTER TABLE recipes ADD COLUMN x INT;')).toEqual([]);
  });
});

describe('CHECK TABLE verdicts', () => {
  it('OK passes; an error row or a non-OK status fails with the server’s words', () => {
    expect(judgeCheckTableRows('`app`.`t`', [{ Table: 'app.t', Op: 'check', Msg_type: 'status', Msg_text: 'OK' }])).toEqual({
      table: '`app`.`t`',
      ok: true,
      messages: [],
    });
    const bad = judgeCheckTableRows('`app`.`t`', [
      { Table: 'app.t', Op: 'check', Msg_type: 'Warning', Msg_text: 'InnoDB: Index PRIMARY is marked as corrupted' },
      { Table: 'app.t', Op: 'check', Msg_type: 'error', Msg_text: 'Corrupt' },
    ]);
    expect(bad).toEqual({
      table: '`app`.`t`',
      ok: false,
      messages: ['warning: InnoDB: Index PRIMARY is marked as corrupted', 'error: Corrupt'],
    });
    const r = judgeCheckTable({ tables: 2, connections: 2, findings: [bad, { table: '`app`.`u`', ok: true, messages: [] }] });
    expect([r.id, r.status, r.summary]).toEqual(['check-table', 'failed', 'CHECK TABLE found 1 damaged table: `app`.`t`.']);
    expect(r.evidence).toEqual([
      'CHECK TABLE … EXTENDED over 2 InnoDB tables on 2 connections',
      'table `app`.`t`: warning: InnoDB: Index PRIMARY is marked as corrupted; error: Corrupt',
    ]);
  });
});
