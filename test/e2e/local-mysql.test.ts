/**
 * The CLI as a process with a local mysql instance (a real MariaDB 10.11 standing in for
 * MySQL 8.0): `instances`, `status` and `snapshot list` carry the label, in text and
 * --json; a machine without the MariaDB binaries gets what to install (exit 3); a MySQL
 * version other than 8.0 is refused by the config (exit 2). Needs `npm run build`.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../_helpers/local.js';
import { ANSI, runDbops } from '../_helpers/run-dbops.js';

const LABEL = 'MariaDB 10.11 standing in for MySQL 8.0';
let home: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__ENGINE: 'mysql', DBOPS_DATABASE__IDENTIFIER: 'shop-db', ...extra };
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-e2e-mysql-');
  const provider = localProvider(home);
  await provider.createInstance(
    instanceInput('shop-db', { engine: 'mysql', engineVersion: '8.0', masterUsername: 'dbadmin', dbName: 'shop' }),
  );
  await provider.createSnapshot({ instanceId: 'shop-db', snapshotId: 'shop-snap', tags: {} });
});

afterAll(async () => {
  if (home) await destroyLocalHome(home);
});

describe('dbops with a local mysql instance', () => {
  it('`instances` and `status` show the MariaDB label, in text and --json', async () => {
    const list = await runDbops('instances', { env: env(), cwd: home });
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`^shop-db\\s+mysql 8\\.0 \\(${LABEL.replace(/\./g, '\\.')}\\)\\s+db\\.t3\\.micro\\s+available`, 'm'),
    );
    expect(list.stdout).not.toMatch(ANSI);
    const json = await runDbops('instances --json', { env: env(), cwd: home });
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: 'shop-db', engine: 'mysql', engineVersion: '8.0', engineLabel: LABEL }),
    ]);
    const status = await runDbops('status', { env: env(), cwd: home });
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Engine\\s+mysql 8\\.0 \\(${LABEL.replace(/\./g, '\\.')}\\)$`, 'm'));
  });

  it('`snapshot list` shows the label on the snapshot', async () => {
    const r = await runDbops('snapshot list --instance shop-db', { env: env(), cwd: home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^shop-snap\s+manual\s+available\s.*mysql 8\.0 \(MariaDB 10\.11 standing in for MySQL 8\.0\)/m);
  });

  it('`instances create` checks the new instance through the MySQL client (IC-4), MariaDB label shown', async () => {
    const r = await runDbops('instances create made-db --yes', { env: env(), cwd: home });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/IC-4.*MariaDB 10\.11\.\d+ answers \(MariaDB 10\.11 standing in for MySQL 8\.0\)/);
    const json = await runDbops('instances --json', { env: env(), cwd: home });
    expect(JSON.parse(json.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'made-db', engine: 'mysql', status: 'available' })]),
    );
    const del = await runDbops('instances delete made-db --skip-final-snapshot --yes', { env: env(), cwd: home });
    expect(del.exitCode).toBe(0);
  });

  it('refuses pgbouncer in front of a mysql instance in one sentence (exit 2), before anything is created', async () => {
    const r = await runDbops('provision apply --yes', { env: env({ DBOPS_CONNECTION_POOL__ENABLED: 'true' }), cwd: home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[step PV-1\]: pgbouncer speaks only the PostgreSQL protocol, so it cannot pool connections to a mysql instance \(MariaDB locally\)\.$/m,
    );
    expect(r.stderr).toMatch(/^hint: Set connectionPool\.enabled: false for a local mysql instance/m);
    expect(await readdir(join(home, 'local', 'us-east-2'))).not.toContain('poolers');
  });

  it('refuses a point-in-time restore of a local mysql instance in one sentence (exit 2) and points at snapshots', async () => {
    const refusal =
      /^error \[step (PR|RT)-1\]: Instance shop-db has no point in time to restore to: a local mysql instance \(MariaDB standing in for MySQL 8\.0\) keeps no binary-log archive\.$/m;
    const hint =
      /^hint: Restore a snapshot instead: `dbops restore-test --instance shop-db` tests the newest one; `dbops snapshot create` takes one now\.$/m;
    for (const args of [
      'instances restore shop-db --to 2026-05-01T09:30:00Z --target shop-0930 --yes',
      'instances restore shop-db --latest-restorable --target shop-latest --dry-run',
      'restore-test --latest-restorable --yes',
    ]) {
      const r = await runDbops(args, { env: env(), cwd: home });
      expect(r.exitCode, `${args}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(refusal);
      expect(r.stderr).toMatch(hint);
    }
    expect((await readdir(join(home, 'local', 'us-east-2', 'instances'))).sort()).toEqual(['shop-db']);
  });

  it('says exactly what to install when the MariaDB binaries are missing (exit 3)', async () => {
    const empty = `${home}/no-mariadb`;
    await mkdir(empty, { recursive: true });
    const r = await runDbops('instances create other-db', { env: env({ MARIADB_BIN: empty }), cwd: home });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error \[step IC-2\]: The MariaDB binaries that run local mysql instances \(mariadb-install-db, mariadbd, mariadb-backup\) were not found in MARIADB_BIN .*no-mariadb\.$/m,
    );
    expect(r.stderr).toMatch(/^hint: .*apt-get install mariadb-server mariadb-backup/m);
  });

  it('refuses a MySQL version other than 8.0 before anything runs (exit 2)', async () => {
    const r = await runDbops('instances create other-db', { env: env({ DBOPS_DATABASE__ENGINE_VERSION: '"5.7"' }), cwd: home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: Invalid config: env DBOPS_DATABASE__ENGINE_VERSION: database\.engineVersion: expected MySQL 8\.0 \(8\.0 or 8\.0\.x\) for engine mysql, found the string "5\.7"\.$/m,
    );
    expect(r.stderr).toMatch(/^hint: Set database\.engineVersion to 8\.0 or 8\.0\.x/m);
  });
});
