/**
 * The restore test's checks on MySQL, through the engine port, against two real MariaDB
 * 10.11 servers: a "source" and a "restore" that holds one row the source deleted since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckSession, type CheckSession } from '../../../src/lib/checks/session.js';
import { engineFor } from '../../../src/lib/engines/index.js';
import { startMariadb, type TestMariadb } from '../../_helpers/mariadb.js';

let source: TestMariadb;
let restore: TestMariadb;
let checks: CheckSession;

const SCHEMA = [
  'CREATE TABLE app.authors (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL) ENGINE=InnoDB',
  'CREATE TABLE app.recipes (id INT PRIMARY KEY, author_id INT NOT NULL, KEY recipes_author_idx (author_id)) ENGINE=InnoDB',
  "INSERT INTO app.authors VALUES (1, 'ada'), (2, 'grace')",
  'INSERT INTO app.recipes VALUES (1, 1), (2, 1), (3, 2), (4, 2)',
];

async function seed(server: TestMariadb): Promise<void> {
  for (const sql of SCHEMA) await server.query(sql);
  const db = await engineFor('mysql').connect(server.info);
  try {
    await db.heartbeat.ensure();
    await db.heartbeat.write('cron');
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  source = await startMariadb('dbops-mariadb-source-');
  restore = await startMariadb('dbops-mariadb-restore-');
  await seed(source);
  await seed(restore);
  // The source deleted a recipe after the backup the restore was made from.
  await source.query('DELETE FROM app.recipes WHERE id = 4');
  const now = new Date();
  checks = await openCheckSession(
    { restore: restore.info, source: source.info, concurrency: 2 },
    { reference: now, time: new Date(now.getTime() - 60_000) },
    {
      heapallindexed: true,
      countTolerance: { percent: 0, rows: 0 },
      rpoHours: 24,
      // A generous slack: the verdict, not the machine's speed, is under test.
      performance: { runs: 1, maxSlowdown: 2, slackMs: 5_000, statementTimeoutMs: 10_000 },
      queries: [
        { name: 'recipes_by_author', sql: 'SELECT id FROM recipes WHERE author_id = 1 ORDER BY id', origin: 'test' },
        { name: 'no_table', sql: 'SELECT id FROM app.orders', origin: 'test' },
        { name: 'no_column', sql: 'SELECT title FROM recipes', origin: 'test' },
      ],
      querySources: ['test'],
    },
  );
});

afterAll(async () => {
  await checks?.close();
  await source?.stop();
  await restore?.stop();
});

describe('restore-test checks on MySQL (MariaDB 10.11)', () => {
  it('RT-4: the restore answers with the source’s version', async () => {
    const r = await checks.server();
    expect(r.status).toBe('passed');
    expect(r.summary).toMatch(/^MariaDB 10\.11\.\d+ answers, as on the source\.$/);
  });

  it('RT-5: CHECK TABLE … EXTENDED on every InnoDB table, over two connections', async () => {
    const [r] = await checks.integrity(() => undefined);
    expect([r!.id, r!.status, r!.evidence[0]]).toEqual([
      'check-table',
      'passed',
      'CHECK TABLE … EXTENDED over 2 InnoDB tables on 2 connections',
    ]);
  });

  it('RT-6: the same schema on both sides', async () => {
    const r = await checks.schema();
    expect([r.status, r.summary]).toEqual(['passed', "The restored schema is identical to the source's."]);
  });

  it('RT-7: a row deleted on the source since the backup is counted and explained', async () => {
    const r = (await checks.counts(() => undefined)) as { status: string; data: { tables: { table: string; explanation?: string }[] } };
    expect(r.status).toBe('failed');
    const recipes = r.data.tables.find((t) => t.table === '`app`.`recipes`')!;
    expect(recipes).toMatchObject({ source: 3, restore: 4, difference: 1, status: 'failed' });
    expect(recipes.explanation).toContain('rows deleted on the source after the backup');
    expect(r.data.tables.find((t) => t.table === '`app`.`authors`')).toMatchObject({ source: 2, restore: 2, status: 'passed' });
  });

  it('RT-8: the heartbeat in the restore bounds the data loss', async () => {
    const r = await checks.freshness();
    expect(r.status).toBe('passed');
  });

  it('RT-9 does not apply to MySQL and says so', async () => {
    expect([(await checks.pgvector()).status, (await checks.pgvector()).summary]).toEqual([
      'skipped',
      'MySQL has no pgvector: nothing to check.',
    ]);
  });

  it('RT-10: the check queries are timed on both sides; those not for this schema are skipped; the limit is lifted after', async () => {
    const r = (await checks.performance(() => undefined)) as {
      status: string;
      summary: string;
      data: { queries: { name: string; status: string; rows?: number; note?: string }[] };
    };
    expect([r.status, r.summary]).toEqual(['passed', '1 query within the threshold on the restore, 2 skipped.']);
    expect(r.data.queries.map((q) => [q.name, q.status, q.rows])).toEqual([
      ['recipes_by_author', 'passed', 2],
      ['no_table', 'skipped', undefined],
      ['no_column', 'skipped', undefined],
    ]);
    expect(r.data.queries[1]!.note).toBe("not for this schema: Table 'app.orders' doesn't exist");
    // The restore's session is left as it was: no open transaction, no statement limit.
    const [state] = (await checks.onRestore((db) => db.query('SELECT @@SESSION.max_statement_time AS t, @@in_transaction AS tx'))).rows;
    expect(state).toEqual({ t: 0, tx: '0' });
  });

  it('the source session is read-only', async () => {
    // The restore test never writes to the source: its session refuses.
    const db = await engineFor('mysql').connect(source.info);
    try {
      await db.readOnly();
      await expect(db.query('INSERT INTO app.authors VALUES (3, "x")')).rejects.toThrow(/READ ONLY transaction/);
    } finally {
      await db.close();
    }
  });
});
