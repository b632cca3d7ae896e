/**
 * The SQL the MySQL engine sends, by exact string: the history, the lock, the heartbeat,
 * a migration run (statement by statement, recorded or marked failed), CHECK TABLE.
 * A fake mysql2 connection records every query and answers from a script.
 */
import { describe, expect, it } from 'vitest';
import { MysqlSession } from '../../../src/lib/engines/mysql/index.js';
import { runMysqlUnit } from '../../../src/lib/engines/mysql/run.js';
import { migrateLockName, parseVersion, timeoutSql, waitLockSql } from '../../../src/lib/engines/mysql/sql.js';
import { parseDatabaseUrl } from '../../../src/lib/db/target.js';
import { engineFor, requirePgvector } from '../../../src/lib/engines/index.js';
import { DbopsError } from '../../../src/lib/errors.js';
import { guardDb } from '../../../src/lib/migrate/errors.js';
import type { RunUnit } from '../../../src/lib/migrate/runner.js';

type Answer = unknown[] | { warningStatus?: number; affectedRows?: number } | Error;

/** A mysql2 connection double: records [sql, params], answers by the first matching rule. */
function fakeConnection(rules: [RegExp, Answer][] = []) {
  const sent: [string, unknown[] | undefined][] = [];
  const conn = {
    threadId: 42,
    async query(sql: string, params?: unknown[]) {
      sent.push([sql, params]);
      const rule = rules.find(([re]) => re.test(sql));
      const answer = rule ? rule[1] : { warningStatus: 0 };
      if (answer instanceof Error) throw answer;
      return [answer, []];
    },
    async end() {},
    destroy() {},
    on() {},
  };
  return { conn, sent };
}

function session(rules: [RegExp, Answer][] = []) {
  const { conn, sent } = fakeConnection(rules);
  // biome-ignore lint/suspicious/noExplicitAny: the double stands in for mysql2's Connection
  const s = new MysqlSession(conn as any, 'app', { host: 'h', port: 3306, user: 'u', database: 'app', ssl: 'disable' }, {});
  return { s, sent };
}

const mysqlError = (errno: number, sqlState: string, message: string) =>
  Object.assign(new Error(message), { errno, sqlState, sqlMessage: message, code: 'ER_X' });

const unit: RunUnit = {
  direction: 'up',
  version: 3,
  name: 'tags',
  file: '0003_tags.sql',
  sql: 'CREATE TABLE tags (id INT PRIMARY KEY);\nALTER TABLE recipes ADD COLUMN tag_id INT, ALGORITHM=INSTANT;\n',
  checksum: 'c'.repeat(64),
  noTransaction: false,
};
const settings = { lockTimeoutMs: 10_000, statementTimeoutMs: 300_000, hostname: 'deploy-1' };

describe('a MySQL migration run', () => {
  function runner(fail?: Error) {
    const sent: [string, unknown[] | undefined][] = [];
    return {
      sent,
      db: {
        database: 'app',
        mariadb: false,
        async exec(sql: string, params?: unknown[]) {
          sent.push([sql, params]);
          if (fail && sql.startsWith('ALTER')) throw fail;
          return {};
        },
        warnings: async () => [],
        notice: () => undefined,
      },
    };
  }

  it('sets the session limits, sends each statement, then records the row', async () => {
    const { db, sent } = runner();
    await runMysqlUnit(db, unit, settings, { earlier: 0 });
    expect(sent.map(([sql, params]) => (params ? [sql, params.map((p) => (typeof p === 'number' && p !== 3 ? 'n' : p))] : sql))).toEqual([
      'SET SESSION lock_wait_timeout = 10',
      'SET SESSION max_execution_time = 300000',
      'CREATE TABLE tags (id INT PRIMARY KEY)',
      'ALTER TABLE recipes ADD COLUMN tag_id INT, ALGORITHM=INSTANT',
      [
        "INSERT INTO dbops.schema_migrations (database_name, version, name, checksum, duration_ms, applied_by, kind) VALUES (?, ?, ?, ?, ?, CONCAT(CURRENT_USER(), '@', ?), ?)",
        ['app', 3, 'tags', 'c'.repeat(64), 'n', 'deploy-1', 'up'],
      ],
    ]);
  });

  it('marks the migration failed with the error when a statement fails, and says what stayed applied', async () => {
    const { db, sent } = runner(mysqlError(1054, '42S22', "Unknown column 'x' in 'recipes'"));
    const e = await runMysqlUnit(db, unit, settings, { earlier: 1 }).catch((x: unknown) => x);
    expect(sent.at(-1)![0]).toBe(
      "INSERT INTO dbops.schema_migrations (database_name, version, name, checksum, duration_ms, applied_by, kind, error) VALUES (?, ?, ?, ?, ?, CONCAT(CURRENT_USER(), '@', ?), 'failed', ?) " +
        "ON DUPLICATE KEY UPDATE name = VALUES(name), checksum = VALUES(checksum), duration_ms = VALUES(duration_ms), applied_by = VALUES(applied_by), kind = 'failed', error = VALUES(error), applied_at = CURRENT_TIMESTAMP(6)",
    );
    expect(sent.at(-1)![1]!.at(-1)).toBe("0003_tags.sql: Unknown column 'x' in 'recipes' (MySQL error 1054, SQLSTATE 42S22)");
    expect(e).toBeInstanceOf(DbopsError);
    const err = e as DbopsError;
    expect([err.code, err.exitCode]).toEqual(['migration-failed', 1]);
    expect(err.message).toBe(
      "Migration 0003_tags.sql failed at line 2 (statement 2 of 2): Unknown column 'x' in 'recipes' (MySQL error 1054, SQLSTATE 42S22); the statement before it stayed applied, and it is marked failed in dbops.schema_migrations; the migration before it in this run stays applied.",
    );
    expect(err.hint).toBe(
      'Fix 0003_tags.sql (or the data it trips on). MySQL commits DDL implicitly, so nothing was rolled back: check the schema, finish or undo the migration by hand, then run `dbops migrate resolve 3` (the next `migrate up` refuses until then).',
    );
  });

  it('a lock wait timeout is exit 3, and still marked failed', async () => {
    const { db, sent } = runner(mysqlError(1205, 'HY000', 'Lock wait timeout exceeded; try restarting transaction'));
    const e = (await runMysqlUnit(db, unit, settings, { earlier: 0 }).catch((x: unknown) => x)) as DbopsError;
    expect(e.exitCode).toBe(3);
    expect(sent.at(-1)![0]).toMatch(/^INSERT INTO dbops\.schema_migrations .* 'failed', \?\) ON DUPLICATE KEY UPDATE/);
  });

  it('MariaDB bounds statements with max_statement_time (seconds); no limit is a year of lock wait and 0', () => {
    expect(timeoutSql({ lockTimeoutMs: 1500, statementTimeoutMs: 2500 }, true)).toEqual([
      'SET SESSION lock_wait_timeout = 2',
      'SET SESSION max_statement_time = 2.500',
    ]);
    expect(timeoutSql({ lockTimeoutMs: 0, statementTimeoutMs: 0 }, false)).toEqual([
      'SET SESSION lock_wait_timeout = 31536000',
      'SET SESSION max_execution_time = 0',
    ]);
  });

  it('a down run deletes the history row', async () => {
    const { db, sent } = runner();
    await runMysqlUnit(db, { ...unit, direction: 'down', sql: 'DROP TABLE tags;' }, settings, { earlier: 0 });
    expect(sent.at(-1)).toEqual(['DELETE FROM dbops.schema_migrations WHERE database_name = ? AND version = ?', ['app', 3]]);
  });
});

describe('the MySQL session', () => {
  it('takes the lock with GET_LOCK per database, waits on the server, releases it', async () => {
    const { s, sent } = session([[/GET_LOCK/, [{ locked: 1 }]]]);
    expect(await s.migrations.tryLock()).toBe(true);
    expect(await s.migrations.wait!(2500)).toBe(true);
    await s.migrations.unlock();
    expect(sent).toEqual([
      ['SELECT GET_LOCK(?, 0) AS locked', ['dbops.migrate.app']],
      ['SELECT GET_LOCK(?, 3) AS locked', ['dbops.migrate.app']],
      ['SELECT RELEASE_LOCK(?) AS released', ['dbops.migrate.app']],
    ]);
    expect(waitLockSql(0)).toBe('SELECT GET_LOCK(?, -1) AS locked');
    expect(migrateLockName('x'.repeat(60))).toMatch(/^dbops\.migrate\.[0-9a-f]{48}$/);
  });

  it('names the holder from IS_USED_LOCK and the process list', async () => {
    const { s, sent } = session([
      [/IS_USED_LOCK/, [{ id: '17' }]],
      [/PROCESSLIST/, [{ id: '17', user: 'deploy', host: '10.0.0.5:5123', seconds: '4' }]],
    ]);
    const h = await s.migrations.lockHolder();
    expect([h?.pid, h?.user]).toEqual([17, 'deploy@10.0.0.5:5123']);
    expect(sent.map(([sql]) => sql)).toEqual([
      'SELECT IS_USED_LOCK(?) AS id',
      'SELECT ID AS id, USER AS user, HOST AS host, TIME AS seconds FROM information_schema.PROCESSLIST WHERE ID = ?',
    ]);
  });

  it('creates the dbops database and tables once, and reads the history of its own database', async () => {
    const { s, sent } = session([[/information_schema\.TABLES WHERE TABLE_SCHEMA = 'dbops'/, []]]);
    expect(await s.migrations.ensure()).toBe(true);
    expect(sent.map(([sql]) => sql.split('\n')[0])).toEqual([
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'dbops' AND TABLE_NAME IN ('schema_migrations', 'heartbeat')",
      'CREATE DATABASE IF NOT EXISTS dbops',
      'CREATE TABLE IF NOT EXISTS dbops.schema_migrations (',
      'CREATE TABLE IF NOT EXISTS dbops.heartbeat (',
    ]);
    const { s: s2, sent: sent2 } = session([
      [/information_schema\.TABLES WHERE TABLE_SCHEMA = 'dbops'/, [{ name: 'schema_migrations' }, { name: 'heartbeat' }]],
      [/FROM dbops\.schema_migrations/, []],
    ]);
    expect(await s2.migrations.readApplied()).toEqual([]);
    expect(sent2[1]).toEqual([
      'SELECT version, name, checksum, applied_at, duration_ms, applied_by, kind, error FROM dbops.schema_migrations WHERE database_name = ? ORDER BY version',
      ['app'],
    ]);
  });

  it('resolves a failed row: deleted (rerun) or baselined (applied), never another row', async () => {
    const { s, sent } = session();
    await s.migrations.resolve(3, 'rerun', 'h1');
    await s.migrations.resolve(4, 'applied', 'h1');
    expect(sent).toEqual([
      ["DELETE FROM dbops.schema_migrations WHERE database_name = ? AND version = ? AND kind = 'failed'", ['app', 3]],
      [
        "UPDATE dbops.schema_migrations SET kind = 'baseline', error = NULL, applied_by = CONCAT(CURRENT_USER(), '@', ?), applied_at = CURRENT_TIMESTAMP(6) WHERE database_name = ? AND version = ? AND kind = 'failed'",
        ['h1', 'app', 4],
      ],
    ]);
  });

  it('writes a heartbeat: the previous newest, the insert stamped by the server, the row back', async () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const { s, sent } = session([
      [/MAX\(beat_at\) AS previous/, [{ previous: null }]],
      [/LAST_INSERT_ID/, [{ id: '7', beat_at: at, written_by: 'u@h@cron' }]],
    ]);
    expect(await s.heartbeat.write('cron')).toEqual({ id: 7, beatAt: at, writtenBy: 'u@h@cron' });
    expect(sent).toEqual([
      ['SELECT MAX(beat_at) AS previous FROM dbops.heartbeat', undefined],
      ["INSERT INTO dbops.heartbeat (beat_at, written_by) VALUES (CURRENT_TIMESTAMP(6), CONCAT(CURRENT_USER(), '@', ?))", ['cron']],
      ['SELECT id, beat_at, written_by FROM dbops.heartbeat WHERE id = LAST_INSERT_ID()', undefined],
    ]);
  });

  it('counts rows and checks tables with backquoted names', async () => {
    const { s, sent } = session([
      [/ENGINE = 'InnoDB'/, [{ name: 'recipes' }]],
      [/^CHECK TABLE/, [{ Table: 'app.recipes', Op: 'check', Msg_type: 'status', Msg_text: 'OK' }]],
      [/COUNT\(\*\)/, [{ n: '12' }]],
    ]);
    expect(await s.countRows('`app`.`recipes`')).toBe(12);
    expect((await s.integrity({})).status).toBe('passed');
    expect(sent.map(([sql]) => sql)).toEqual([
      'SELECT COUNT(*) AS n FROM `app`.`recipes`',
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE = 'InnoDB' ORDER BY DATA_LENGTH DESC, TABLE_NAME",
      'CHECK TABLE `app`.`recipes` EXTENDED',
    ]);
  });

  it('reads the server facts from VERSION() and read_only', async () => {
    const { s, sent } = session([[/VERSION\(\)/, [{ version: '8.0.35', db: 'app', read_only: '0' }]]]);
    expect(await s.serverFacts()).toEqual({ version: '8.0.35', versionNum: 80035, database: 'app', inRecovery: false, product: 'MySQL' });
    expect(sent[0]![0]).toBe('SELECT VERSION() AS version, DATABASE() AS db, @@GLOBAL.read_only AS read_only');
    expect(parseVersion('10.11.19-MariaDB-0+deb12u1')).toEqual({ product: 'MariaDB', version: '10.11.19', versionNum: 101119 });
  });
});

describe('MySQL refusals outside a migration', () => {
  it('become one sentence, exit 3, naming the rights dbops needs', async () => {
    const e = (await guardDb('reading the migration history', async () => {
      throw mysqlError(1044, '42000', "Access denied for user 'app'@'%' to database 'dbops'");
    }).catch((x: unknown) => x)) as DbopsError;
    expect([e.exitCode, e.message, e.hint]).toEqual([
      3,
      "MySQL refused reading the migration history: Access denied for user 'app'@'%' to database 'dbops' (MySQL error 1044, SQLSTATE 42000).",
      'The user needs CREATE on the server (for the dbops database) and write access to dbops.* tables.',
    ]);
  });
});

describe('choosing the engine', () => {
  it('a mysql:// URL is a MySQL target on 3306 with TLS as ssl-mode says', () => {
    const info = parseDatabaseUrl('mysql://app:s3cret@db.example.com/shop?ssl-mode=REQUIRED');
    expect({ ...info, password: info.password?.reveal() }).toEqual({
      host: 'db.example.com',
      port: 3306,
      user: 'app',
      database: 'shop',
      password: 's3cret',
      ssl: 'require',
      engine: 'mysql',
    });
    expect(() => parseDatabaseUrl('mysql://app@db.example.com')).toThrow(
      'A mysql:// URL must name the database: mysql://user:password@host:3306/dbname.',
    );
    expect(parseDatabaseUrl('postgres://u@h/d').engine).toBeUndefined();
  });

  it('a bad %-escape in a URL is bad input (exit 2), not an internal "URI malformed" (exit 5)', () => {
    for (const url of ['mysql://u:S3cret%zzPW@h:3306/db', 'postgres://u:S3cret%zzPW@h/db']) {
      const e = (() => {
        try {
          parseDatabaseUrl(url);
        } catch (err) {
          return err as DbopsError;
        }
      })();
      expect(e).toBeInstanceOf(DbopsError);
      expect([e?.message, e?.exitCode]).toEqual(["The database URL's password has a % that is not a %-escape such as %40.", 2]);
    }
  });

  it('pgvector refuses a MySQL database in one sentence (exit 2)', () => {
    const e = (() => {
      try {
        requirePgvector('mysql', 'shop-db');
      } catch (x) {
        return x as DbopsError;
      }
      throw new Error('expected a refusal');
    })();
    expect([e.exitCode, e.message]).toEqual([
      2,
      'shop-db is a MySQL database: pgvector exists only on PostgreSQL, so `dbops vector` does not apply to it.',
    ]);
    expect(() => requirePgvector('postgres', 'demo-db')).not.toThrow();
    expect(() => requirePgvector(undefined, 'demo-db')).not.toThrow();
  });
});

describe('the write probe’s SQL per engine', () => {
  it('PostgreSQL and MySQL create, insert, read back and drop the same dbops table', () => {
    expect(engineFor('postgres').probeSql('probe_1')).toEqual({
      create: [
        'CREATE SCHEMA IF NOT EXISTS dbops; CREATE TABLE IF NOT EXISTS dbops.probe_1 (seq integer PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())',
      ],
      insert: 'INSERT INTO dbops.probe_1 (seq) VALUES ($1)',
      readBack: 'SELECT seq FROM dbops.probe_1',
      drop: 'DROP TABLE IF EXISTS dbops.probe_1',
    });
    expect(engineFor('mysql').probeSql('probe_1')).toEqual({
      create: [
        'CREATE DATABASE IF NOT EXISTS dbops',
        'CREATE TABLE IF NOT EXISTS dbops.probe_1 (seq INT PRIMARY KEY, written_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB',
      ],
      insert: 'INSERT INTO dbops.probe_1 (seq) VALUES (?)',
      readBack: 'SELECT seq FROM dbops.probe_1',
      drop: 'DROP TABLE IF EXISTS dbops.probe_1',
    });
    expect([engineFor(undefined).engine, engineFor('mysql').transactionalDdl, engineFor('postgres').transactionalDdl]).toEqual([
      'postgres',
      false,
      true,
    ]);
  });
});

describe('RT-10 on MySQL: the statements around a timed check query', () => {
  it('MySQL 8.0: max_execution_time in ms, a read-only transaction, then ROLLBACK and the limit lifted', async () => {
    const { s, sent } = session([[/^SELECT VERSION/, [{ version: '8.0.35', db: 'app', read_only: 0 }]]]);
    expect(await s.queryTimingSql(30_000)).toEqual({
      begin: ['SET SESSION max_execution_time = 30000', 'START TRANSACTION READ ONLY'],
      end: ['ROLLBACK', 'SET SESSION max_execution_time = 0'],
    });
    expect(sent.map(([sql]) => sql)).toEqual(['SELECT VERSION() AS version, DATABASE() AS db, @@GLOBAL.read_only AS read_only']);
  });

  it('MariaDB standing in for it: max_statement_time in seconds', async () => {
    const { s } = session([[/^SELECT VERSION/, [{ version: '10.11.6-MariaDB-0+deb12u1', db: 'app', read_only: 0 }]]]);
    expect(await s.queryTimingSql(2_500)).toEqual({
      begin: ['SET SESSION max_statement_time = 2.500', 'START TRANSACTION READ ONLY'],
      end: ['ROLLBACK', 'SET SESSION max_statement_time = 0'],
    });
  });

  it("MySQL's check queries are those of the queries directory's mysql/ subdirectory; PostgreSQL's the directory's own", () => {
    expect(engineFor('mysql').checkQueriesSubdir).toBe('mysql');
    expect(engineFor('postgres').checkQueriesSubdir).toBe('');
  });
});
