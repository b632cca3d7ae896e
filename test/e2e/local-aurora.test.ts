/**
 * An Aurora cluster on the local provider, as a user runs it: `provision apply` with
 * database.engine aurora-postgresql makes a writer (and, with readReplica, a reader) behind
 * a pgbouncer cluster endpoint; `instances clusters` and `status` show members, roles,
 * endpoints and the capacity as recorded; `snapshot create` takes a cluster snapshot;
 * `failover` of a cluster without a reader is refused (exit 2), with one it moves the
 * writer and the endpoint follows; `provision destroy` leaves no process and no directory.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/lib/providers/types.js';
import { destroyLocalHome, localProvider, makeLocalHome, processesUnder, withPg } from '../_helpers/local.js';
import { runDbops } from '../_helpers/run-dbops.js';

let home: string;
let provider: Provider;
const base = {
  DBOPS_PROVIDER: 'local',
  DBOPS_DATABASE__IDENTIFIER: 'hub',
  DBOPS_DATABASE__ENGINE: 'aurora-postgresql',
  DBOPS_DATABASE__INSTANCE_CLASS: 'db.serverless',
  DBOPS_CACHE__ENABLED: 'false',
};

function dbops(args: string, env: Record<string, string> = {}) {
  return runDbops(args, { env: { DBOPS_HOME: home, ...base, ...env }, cwd: home, timeoutMs: 120_000 });
}
const withReader = { DBOPS_DATABASE__READ_REPLICA__ENABLED: 'true' };

async function entries(dir: string): Promise<string[]> {
  return (await readdir(join(home, 'local', 'us-east-2', dir)).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-e2e-aurora-');
  provider = localProvider(home);
});

afterAll(async () => {
  await provider?.close();
  if (home) await destroyLocalHome(home);
});

describe('a local Aurora cluster, from provision to destroy', () => {
  it('provision apply creates the cluster and its writer; a failover without a reader is refused (exit 2)', async () => {
    const apply = await dbops('provision apply --yes');
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout + apply.stderr).toMatch(/PV-12 Aurora cluster: hub created: available, 0\.5-4 ACU/);
    const refused = await dbops('failover --yes');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(
      'error [step CF-1]: Failover refused: Aurora cluster hub has no reader to promote (its only instance is the writer hub-writer).',
    );
    expect(refused.stderr).toMatch(/^hint: Add a reader \(readReplica\.enabled: true/m);
  }, 120_000);

  it('with readReplica a reader joins; instances clusters and status show members, roles, endpoints, capacity', async () => {
    const apply = await dbops('provision apply --yes', withReader);
    expect(apply.exitCode, apply.stderr).toBe(0);
    const list = await dbops('instances clusters');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(
      /^hub\s+aurora-postgresql 15\.\d+\s+available\s+hub-writer \(writer\), hub-replica \(reader\)\s+0\.5-4 ACU/m,
    );
    const status = await dbops('status hub');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Capacity\s+0\.5-4 ACU; now not applicable on the local provider/m);
    const writer = await provider.describeInstance('hub-writer');
    const reader = await provider.describeInstance('hub-replica');
    const cluster = await provider.clusters!.describeCluster('hub');
    expect(status.stdout).toMatch(new RegExp(`^Writer endpoint\\s+127\\.0\\.0\\.1:${cluster.endpoint!.port}$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^Reader endpoint\\s+127\\.0\\.0\\.1:${reader.endpoint!.port}$`, 'm'));
    expect(cluster.endpoint!.port).not.toBe(writer.endpoint!.port);
    await withPg(await provider.connectionInfo('hub'), async (pg) => {
      await pg.query('CREATE TABLE notes (id int PRIMARY KEY)');
      await pg.query('INSERT INTO notes VALUES (1)');
    });
  }, 120_000);

  it('snapshot create takes a cluster snapshot', async () => {
    const snap = await dbops('snapshot create --id hub-before-failover');
    expect(snap.exitCode, snap.stderr).toBe(0);
    const [s] = await provider.clusters!.listClusterSnapshots({ clusterId: 'hub' });
    expect([s?.id, s?.of, s?.status]).toEqual(['hub-before-failover', 'cluster', 'available']);
  }, 120_000);

  it('failover moves the writer to the reader, and writes through the cluster endpoint go on', async () => {
    const before = await provider.clusters!.describeCluster('hub');
    const r = await dbops('failover --yes', withReader);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Aurora cluster hub failed over: hub-writer -> hub-replica is the writer.');
    const after = await provider.clusters!.describeCluster('hub');
    expect(after.members.map((m) => `${m.instanceId} ${m.role}`)).toEqual(['hub-replica writer', 'hub-writer reader']);
    expect(after.endpoint).toEqual(before.endpoint);
    await withPg(await provider.connectionInfo('hub'), async (pg) => {
      await pg.query('INSERT INTO notes VALUES (2)');
      expect((await pg.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 2 }]);
    });
  }, 120_000);

  it('provision destroy leaves no process and no directory (the manual snapshot stays, as on RDS)', async () => {
    const r = await dbops('provision destroy --yes --skip-final-snapshot', withReader);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const dir of ['instances', 'clusters', 'poolers', 'wal-archive']) expect(await entries(dir)).toEqual([]);
    expect(await entries('snapshots')).toEqual(['hub-before-failover']);
    expect(processesUnder(home)).toEqual([]);
  }, 120_000);
});
