/**
 * `dbops restore-test` of a local mysql instance (a real MariaDB 10.11 standing in for
 * MySQL 8.0) as a process: the newest snapshot restored into a temporary instance, checked
 * through the engine port (server version, CHECK TABLE … EXTENDED, information_schema,
 * migration history, row counts, heartbeat RPO), the same report and JSON as PostgreSQL's;
 * rows deleted on the source explained; a damaged InnoDB page fails the test (exit 1);
 * an interrupt leaves nothing. Needs `npm run build`.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFor } from '../../src/lib/engines/index.js';
import type { EngineSession } from '../../src/lib/engines/types.js';
import type { Provider } from '../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, processesUnder } from '../_helpers/local.js';
import { ANSI, runDbops, type RunOptions, type RunResult } from '../_helpers/run-dbops.js';

const LABEL = 'MariaDB 10.11 standing in for MySQL 8.0';
let home: string;
let provider: Provider;

function dbops(args: string, opts: RunOptions = {}): Promise<RunResult> {
  return runDbops(`restore-test --instance shop-db ${args}`, {
    env: { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__ENGINE: 'mysql', DBOPS_DATABASE__IDENTIFIER: 'shop-db' },
    cwd: home,
    timeoutMs: 120_000,
    ...opts,
  });
}

async function onSource<T>(fn: (db: EngineSession) => Promise<T>): Promise<T> {
  const db = await engineFor('mysql').connect(await provider.connectionInfo('shop-db'));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Nothing of a run is left: only the source instance, no temporary directory, no process of a temporary instance. */
async function expectNothingLeft(): Promise<void> {
  expect((await provider.listInstances()).map((i) => i.id)).toEqual(['shop-db']);
  expect(await readdir(join(home, 'local', 'us-east-2', 'instances'))).toEqual(['shop-db']);
  for (const dir of await readdir(join(home, 'local', 'us-east-2', 'instances'))) {
    if (dir !== 'shop-db') expect(processesUnder(join(home, 'local', 'us-east-2', 'instances', dir))).toEqual([]);
  }
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-rt-mysql-');
  provider = localProvider(home);
  await provider.createInstance(
    instanceInput('shop-db', { engine: 'mysql', engineVersion: '8.0', masterUsername: 'dbadmin', dbName: 'shop' }),
  );
  await onSource(async (db) => {
    await db.query(
      'CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(120) NOT NULL, UNIQUE KEY customers_email (email)) ENGINE=InnoDB',
    );
    await db.query(
      'CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, note VARCHAR(200) NOT NULL, KEY orders_customer (customer_id), CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB',
    );
    const customers = Array.from({ length: 200 }, (_, i) => `(${i + 1}, 'c${i + 1}@example.com')`).join(',');
    await db.query(`INSERT INTO customers VALUES ${customers}`);
    for (let batch = 0; batch < 4; batch++) {
      const rows = Array.from({ length: 1000 }, (_, i) => {
        const id = batch * 1000 + i + 1;
        return `(${id}, ${1 + (id % 200)}, '${'order note '.repeat(12)}${id}')`;
      }).join(',');
      await db.query(`INSERT INTO orders VALUES ${rows}`);
    }
    await db.migrations.ensure();
    await db.migrations.baseline([
      { version: 1, name: 'customers', checksum: 'a'.repeat(64), durationMs: 1, hostname: 'test', kind: 'baseline' },
      { version: 2, name: 'orders', checksum: 'b'.repeat(64), durationMs: 1, hostname: 'test', kind: 'baseline' },
    ]);
    await db.heartbeat.ensure();
    await db.heartbeat.write('cron');
  });
  await provider.createSnapshot({ instanceId: 'shop-db', snapshotId: 'shop-snap-1', tags: {} });
}, 120_000);

afterAll(async () => {
  await provider?.close();
  if (home) await destroyLocalHome(home);
});

describe('dbops restore-test of a local mysql instance', () => {
  it('passes: every check through the MySQL side of the port, the PostgreSQL JSON shape, MariaDB labelled, nothing left', async () => {
    const r = await dbops('--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      verdict: string;
      source: { engine: string; engineLabel: string };
      backup: { snapshotId: string };
      checks: { id: string; status: string; summary: string }[];
      temporary: { deleted: boolean };
      rpo: { measured: boolean };
      report: { runbookFile: string };
    };
    expect(doc.verdict).toBe('passed');
    expect(doc.source).toMatchObject({ engine: 'mysql', engineLabel: LABEL });
    expect(doc.backup.snapshotId).toBe('shop-snap-1');
    expect(doc.checks.map((c) => [c.id, c.status])).toEqual([
      ['rto', 'passed'],
      ['server', 'passed'],
      ['check-table', 'passed'],
      ['schema', 'passed'],
      ['row-counts', 'passed'],
      ['rpo', 'passed'],
      ['pgvector', 'skipped'],
      ['performance', 'skipped'],
    ]);
    expect(doc.checks.find((c) => c.id === 'check-table')!.summary).toMatch(/^CHECK TABLE found no corruption in \d+ InnoDB tables\.$/);
    // RT-10 times MySQL's own queries (sql/checks/mysql/): none fits this shop schema.
    expect(doc.checks.find((c) => c.id === 'performance')!.summary).toBe('None of the 5 queries fits this schema.');
    expect(doc.rpo.measured).toBe(true);
    expect(doc.temporary.deleted).toBe(true);
    expect(doc.report.runbookFile).toBe('runbooks/restore-test.md');
    expect(r.stderr).toMatch(/\[RT-12\] Check physical integrity \(MySQL\)/);
    expect(r.stderr).not.toMatch(/\[RT-5\]/);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    await expectNothingLeft();
  });

  it('human output and the Markdown report carry the MariaDB label', async () => {
    const report = join(home, 'rt.md');
    const r = await dbops(`--report ${report}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/RT-4 .*MariaDB 10\.11\.\d+/);
    const md = await readFile(report, 'utf8');
    expect(md).toContain(`- Source: \`shop-db\`, MySQL 8.0 (${LABEL}), db.t3.micro`);
    await expectNothingLeft();
  });

  it('rows deleted on the source since the snapshot are explained, and the test passes', async () => {
    await onSource((db) => db.query('DELETE FROM orders WHERE id > 3990'));
    const r = await dbops('--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const counts = (JSON.parse(r.stdout) as { checks: { id: string; status: string; evidence: string[] }[] }).checks.find(
      (c) => c.id === 'row-counts',
    )!;
    expect(counts.status).toBe('passed');
    expect(counts.evidence.join('\n')).toMatch(/orders/);
    expect(counts.evidence.join('\n')).toMatch(/deleted/i);
    await expectNothingLeft();
  });

  it('a damaged InnoDB page fails the test: exit 1, check-table failed, nothing left', async () => {
    // A snapshot whose orders.ibd carries a damaged page, with its manifest rewritten to match
    // (the damage was in the data when the backup was taken): only CHECK TABLE can find it.
    await provider.copySnapshot({
      snapshotId: 'shop-snap-1',
      targetSnapshotId: 'shop-snap-bad',
      targetRegion: 'us-east-2',
      copyTags: true,
      tags: {},
    });
    const dir = join(home, 'local', 'us-east-2', 'snapshots', 'shop-snap-bad');
    const ibd = join(dir, 'backup', 'shop', 'orders.ibd');
    const bytes = await readFile(ibd);
    const page = 16384 * 4; // a leaf page of the clustered index
    for (let i = 200; i < 1200; i++) bytes[page + i] = bytes[page + i]! ^ 0x5a;
    await writeFile(ibd, bytes);
    const manifestFile = join(dir, 'mariadb-manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: { path: string; sha256: string }[] };
    manifest.files.find((f) => f.path === 'shop/orders.ibd')!.sha256 = createHash('sha256').update(bytes).digest('hex');
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(manifestFile, manifestBytes);
    const snapFile = join(dir, 'snapshot.json');
    const snap = JSON.parse(await readFile(snapFile, 'utf8')) as { mariadb: { manifestSha256: string } };
    snap.mariadb.manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
    await writeFile(snapFile, JSON.stringify(snap, null, 2));
    try {
      const r = await dbops('--snapshot shop-snap-bad --json');
      expect(r.exitCode, r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout) as { verdict: string; failedChecks: string[]; checks: { id: string; summary: string }[] };
      expect(doc.verdict).toBe('failed');
      expect(doc.failedChecks).toContain('check-table');
      expect(doc.checks.find((c) => c.id === 'check-table')!.summary).toMatch(/orders/);
      await expectNothingLeft();
    } finally {
      await provider.deleteSnapshot('shop-snap-bad');
    }
  });

  it('an interrupt (SIGINT) during the checks leaves nothing: exit 130', async () => {
    const r = await dbops('--json', { signal: { name: 'SIGINT', whenStderrMatches: /\[RT-12\]/ } });
    expect(r.exitCode, r.stderr).toBe(130);
    await expectNothingLeft();
  });
});
