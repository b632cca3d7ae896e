/**
 * The engine port's MySQL implementation against a real MariaDB 10.11 (test/_helpers/mariadb.ts):
 * server facts, heartbeat, row counts, schema read and CHECK TABLE, as the domain code calls them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFor } from '../../../src/lib/engines/index.js';
import type { EngineSession } from '../../../src/lib/engines/types.js';
import { startMariadb, type TestMariadb } from '../../_helpers/mariadb.js';

let server: TestMariadb;
let db: EngineSession;

beforeAll(async () => {
  server = await startMariadb();
  await server.query(
    'CREATE TABLE app.authors (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(80) NOT NULL, UNIQUE KEY authors_name_key (name)) ENGINE=InnoDB',
  );
  await server.query(
    "CREATE TABLE app.recipes (id BIGINT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(200) NOT NULL DEFAULT '', " +
      'KEY recipes_author_idx (author_id), CONSTRAINT recipes_author_fk FOREIGN KEY (author_id) REFERENCES authors (id)) ENGINE=InnoDB',
  );
  await server.query("INSERT INTO app.authors (name) VALUES ('ada'), ('grace')");
  await server.query("INSERT INTO app.recipes VALUES (1, 1, 'soup'), (2, 1, 'bread'), (3, 2, 'cake')");
  db = await engineFor('mysql').connect(server.info, { applicationName: 'dbops test' });
});

afterAll(async () => {
  await db?.close();
  await server?.stop();
});

describe('the MySQL engine on MariaDB 10.11', () => {
  it('reads the server facts: MariaDB, its version, the database, writable', async () => {
    const f = await db.serverFacts();
    expect(f.product).toBe('MariaDB');
    expect(f.version).toMatch(/^10\.11\.\d+$/);
    expect(f.versionNum).toBeGreaterThanOrEqual(101100);
    expect([f.database, f.inRecovery]).toEqual(['app', false]);
  });

  it('lists the tables and counts their rows exactly', async () => {
    const tables = await db.listTables();
    expect([...tables].sort()).toEqual(['`app`.`authors`', '`app`.`recipes`']);
    expect(await db.countRows('`app`.`recipes`')).toBe(3);
    expect(await db.countRows('`app`.`authors`')).toBe(2);
  });

  it('reads the schema from information_schema', async () => {
    const s = await db.readSchema();
    expect(s.relations).toEqual([
      { name: '`app`.`authors`', kind: 'table' },
      { name: '`app`.`recipes`', kind: 'table' },
    ]);
    expect(s.columns.filter((c) => c.table === '`app`.`recipes`')).toEqual([
      { table: '`app`.`recipes`', name: '`id`', definition: 'bigint(20) NOT NULL' },
      { table: '`app`.`recipes`', name: '`author_id`', definition: 'int(11) NOT NULL' },
      { table: '`app`.`recipes`', name: '`title`', definition: "varchar(200) NOT NULL DEFAULT ''" },
    ]);
    expect(s.indexes).toEqual([
      { name: '`app`.`authors`.`authors_name_key`', table: '`app`.`authors`', definition: 'UNIQUE BTREE (name)' },
      { name: '`app`.`authors`.`PRIMARY`', table: '`app`.`authors`', definition: 'UNIQUE BTREE (id)' },
      { name: '`app`.`recipes`.`PRIMARY`', table: '`app`.`recipes`', definition: 'UNIQUE BTREE (id)' },
      { name: '`app`.`recipes`.`recipes_author_idx`', table: '`app`.`recipes`', definition: 'BTREE (author_id)' },
    ]);
    expect(s.constraints).toEqual([
      { table: '`app`.`authors`', name: '`authors_name_key`', definition: 'UNIQUE (name)' },
      { table: '`app`.`authors`', name: '`PRIMARY`', definition: 'PRIMARY KEY (id)' },
      { table: '`app`.`recipes`', name: '`PRIMARY`', definition: 'PRIMARY KEY (id)' },
      { table: '`app`.`recipes`', name: '`recipes_author_fk`', definition: 'FOREIGN KEY (author_id) REFERENCES `authors` (id)' },
    ]);
    expect([s.extensions, s.migrations]).toEqual([[], null]);
  });

  it('runs CHECK TABLE … EXTENDED on every InnoDB table and passes a healthy database', async () => {
    const progress: string[] = [];
    const r = await db.integrity({ progress: (p) => progress.push(p) });
    expect([r.id, r.status, r.summary]).toEqual(['check-table', 'passed', 'CHECK TABLE found no corruption in 2 InnoDB tables.']);
    expect(progress).toEqual(['0/2 tables', '1/2 tables', '2/2 tables']);
  });

  it('writes heartbeats in the dbops database, stamped by the server in UTC, and reads the newest', async () => {
    expect(await db.heartbeat.exists()).toBe(false);
    expect(await db.heartbeat.read()).toEqual({ table: false, rows: 0 });
    expect(await db.heartbeat.ensure()).toBe(true);
    const before = Date.now();
    const first = await db.heartbeat.write('test-host');
    const second = await db.heartbeat.write('test-host');
    expect(first.previous).toBeUndefined();
    expect(second.previous).toEqual(first.beatAt);
    expect(second.id).toBe(first.id + 1);
    expect(second.writtenBy).toBe('dbops_admin@127.0.0.1@test-host');
    // The server's clock and ours agree within a minute: the stamp is UTC, not local time read as UTC.
    expect(Math.abs(first.beatAt.getTime() - before)).toBeLessThan(60_000);
    expect(await db.heartbeat.read()).toEqual({ table: true, rows: 2, newest: second.beatAt });
  });
});
