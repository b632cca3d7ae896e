/**
 * A local Aurora cluster on real PostgreSQL and pgbouncer: a writer and a reader under one
 * id, the cluster endpoint (pgbouncer) following the writer, a cluster snapshot restored
 * into a temporary cluster (writer only) and removed instance-then-cluster, a failover that
 * moves the writer (the endpoint follows, the old writer comes back read-only), and a
 * removal that leaves no process and no directory.
 */
import { readdir } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/lib/errors.js';
import type { ClusterApi, Provider } from '../../../../src/lib/providers/types.js';
import type { LocalClusters } from '../../../../src/lib/providers/local/clusters.js';
import { destroyLocalHome, exists, localProvider, makeLocalHome, processesUnder, TEST_OS_USER, withPg } from '../../../_helpers/local.js';
import { createLocalProvider } from '../../../../src/lib/providers/local/provider.js';

const ID = 'hub';
let home: string;
let provider: Provider;
let clusters: LocalClusters;

const writerInput = (clusterId: string, instanceId: string, promotionTier = 0) => ({
  clusterId,
  instanceId,
  instanceClass: 'db.serverless',
  publiclyAccessible: false,
  autoMinorVersionUpgrade: true,
  promotionTier,
  tags: { 'dbops:purpose': 'test' },
});

async function entries(dir: string): Promise<string[]> {
  return (await readdir(join(home, 'local', 'us-east-2', dir)).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-aurora-');
  provider = localProvider(home);
  clusters = provider.clusters as LocalClusters;
  await clusters.createCluster({
    id: ID,
    engine: 'postgres',
    engineVersion: '15',
    serverless: { minCapacity: 0.5, maxCapacity: 4 },
    storageEncrypted: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    copyTagsToSnapshot: true,
    dbName: 'app',
    masterUsername: 'dbops_admin',
    masterPassword: { kind: 'managed' },
    tags: { 'dbops:purpose': 'test' },
  });
  await clusters.createClusterInstance(writerInput(ID, 'hub-w1'));
  await clusters.createClusterInstance(writerInput(ID, 'hub-r1', 1));
}, 180_000);

afterAll(async () => {
  await provider?.close();
  if (home) await destroyLocalHome(home);
});

describe('a local Aurora cluster', () => {
  it('has a writer and a reader, a cluster endpoint in front of the writer, and its capacity recorded', async () => {
    const c = await clusters.describeCluster(ID);
    expect(c.members).toEqual([
      { instanceId: 'hub-w1', role: 'writer', promotionTier: 0 },
      { instanceId: 'hub-r1', role: 'reader', promotionTier: 1 },
    ]);
    expect(c.serverless).toEqual({ minCapacity: 0.5, maxCapacity: 4 });
    const [w, r] = await Promise.all([provider.describeInstance('hub-w1'), provider.describeInstance('hub-r1')]);
    expect(w.clusterId).toBe(ID);
    expect(r.replicaSourceId).toBe('hub-w1');
    expect(c.endpoint?.port).not.toBe(w.endpoint?.port);
    expect(c.readerEndpoint?.port).toBe(r.endpoint?.port);
    // Writes go through the cluster endpoint and reach the reader.
    await withPg(await provider.connectionInfo(ID), async (pg) => {
      await pg.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
      await pg.query("INSERT INTO notes VALUES (1, 'before the snapshot')");
    });
  });

  it('takes a cluster snapshot, which the instance calls do not take for an instance snapshot', async () => {
    const s = await clusters.createClusterSnapshot({ clusterId: ID, snapshotId: 'hub-snap-1', tags: {} });
    expect([s.of, s.instanceId, s.status]).toEqual(['cluster', ID, 'available']);
    expect((await clusters.listClusterSnapshots({ clusterId: ID })).map((x) => x.id)).toEqual(['hub-snap-1']);
    expect(await provider.findSnapshot('hub-snap-1')).toBeUndefined();
    const e = await provider.describeSnapshot('hub-snap-1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      'hub-snap-1 is a snapshot of the Aurora cluster hub, not a DB instance snapshot: instance snapshots and cluster snapshots are not interchangeable.',
    );
  });

  it('backs up as a cluster (the automated base backups of its writer are its own) and restores to a point in time', async () => {
    const run = await provider.runAutomatedBackups!(ID, { force: true });
    expect(run.instanceId).toBe(ID);
    const auto = await clusters.listClusterSnapshots({ clusterId: ID, type: 'automated' });
    expect(auto.map((x) => [x.id, x.of])).toEqual([[run.snapshotId, 'cluster']]);
    const window = await provider.restorableWindow!(ID);
    expect(window.latestRestorableTime).toBeInstanceOf(Date);
    await clusters.restoreCluster({
      clusterId: 'hub-pitr',
      from: { kind: 'point-in-time', sourceClusterId: ID, time: 'latest' },
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      tags: { 'dbops:expires-at': '2099-01-01T00:00:00Z' },
    });
    await clusters.createClusterInstance(writerInput('hub-pitr', 'hub-pitr-w'));
    const rows = await withPg(await provider.connectionInfo('hub-pitr'), async (pg) => (await pg.query('SELECT id FROM notes')).rows);
    expect(rows).toEqual([{ id: 1 }]);
    await provider.deleteInstance('hub-pitr-w', { skipFinalSnapshot: true });
    await clusters.deleteCluster('hub-pitr', { skipFinalSnapshot: true });
    expect(await entries('clusters')).toEqual([ID]);
  }, 120_000);

  it('restores the cluster snapshot into a temporary cluster (writer only), then removes the writer and the cluster', async () => {
    const api: ClusterApi = clusters;
    const tmp = await clusters.restoreCluster({
      clusterId: 'hub-rt',
      from: { kind: 'snapshot', snapshotId: 'hub-snap-1' },
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      tags: { 'dbops:expires-at': '2099-01-01T00:00:00Z' },
    });
    expect(tmp.members).toEqual([]);
    await api.createClusterInstance(writerInput('hub-rt', 'hub-rt-w'));
    expect((await api.describeCluster('hub-rt')).members).toEqual([{ instanceId: 'hub-rt-w', role: 'writer', promotionTier: 0 }]);
    const rows = await withPg(await provider.connectionInfo('hub-rt'), async (pg) => (await pg.query('SELECT body FROM notes')).rows);
    expect(rows).toEqual([{ body: 'before the snapshot' }]);
    // As RDS: the cluster refuses to go while it has an instance.
    await expect(api.deleteCluster('hub-rt', { skipFinalSnapshot: true })).rejects.toThrow(/still has instances \(hub-rt-w\)/);
    await provider.deleteInstance('hub-rt-w', { skipFinalSnapshot: true });
    await api.deleteCluster('hub-rt', { skipFinalSnapshot: true });
    expect(await api.findCluster('hub-rt')).toBeUndefined();
    expect(await entries('clusters')).toEqual([ID]);
    expect(await entries('poolers')).toEqual([ID]);
    expect((await entries('instances')).sort()).toEqual(['hub-r1', 'hub-w1']);
  }, 120_000);

  it('an interrupt while the temporary writer is restored leaves no instance; the cluster then goes, and nothing stays', async () => {
    const abort = new AbortController();
    const interrupted = createLocalProvider(
      { home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env }, signal: abort.signal },
      undefined,
    );
    const api = interrupted.clusters as LocalClusters;
    await api.restoreCluster({
      clusterId: 'hub-int',
      from: { kind: 'snapshot', snapshotId: 'hub-snap-1' },
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      tags: { 'dbops:expires-at': '2099-01-01T00:00:00Z' },
    });
    const writer = api.createClusterInstance(writerInput('hub-int', 'hub-int-w'));
    writer.catch(() => undefined);
    // Ctrl-C once the restore is under way (its data directory exists).
    const dataDir = join(home, 'local', 'us-east-2', 'instances', 'hub-int-w', 'data');
    while (!(await exists(dataDir))) await setTimeout(5);
    abort.abort();
    await expect(writer).rejects.toThrow();
    // What the restore test's cleanup then does: the writer (gone already), then the cluster.
    expect(await provider.findInstance('hub-int-w')).toBeUndefined();
    await clusters.deleteCluster('hub-int', { skipFinalSnapshot: true });
    expect(await entries('clusters')).toEqual([ID]);
    expect(await entries('poolers')).toEqual([ID]);
    expect((await entries('instances')).sort()).toEqual(['hub-r1', 'hub-w1']);
    expect(processesUnder(join(home, 'local', 'us-east-2', 'instances', 'hub-int-w'))).toEqual([]);
  }, 120_000);

  it('fails over to the reader: the endpoint follows the writer, the old writer comes back read-only', async () => {
    const before = await clusters.describeCluster(ID);
    const after = await clusters.failoverCluster(ID, 'hub-r1');
    expect(after.members.map((m) => `${m.instanceId} ${m.role}`)).toEqual(['hub-r1 writer', 'hub-w1 reader']);
    expect(after.endpoint).toEqual(before.endpoint);
    expect(after.readerEndpoint?.port).toBe((await provider.describeInstance('hub-w1')).endpoint?.port);
    await withPg(await provider.connectionInfo(ID), async (pg) => {
      await pg.query("INSERT INTO notes VALUES (2, 'after the failover')");
      expect((await pg.query('SELECT pg_is_in_recovery() AS r')).rows).toEqual([{ r: false }]);
    });
    const old = await provider.connectionInfo('hub-w1');
    await withPg(old, async (pg) => {
      expect((await pg.query('SELECT pg_is_in_recovery() AS r')).rows).toEqual([{ r: true }]);
      await expect(pg.query("INSERT INTO notes VALUES (3, 'split brain')")).rejects.toThrow(/read-only transaction/);
    });
  }, 120_000);

  it('deleting the writer hands over to the reader first, as Aurora does', async () => {
    await provider.deleteInstance('hub-r1', { skipFinalSnapshot: true });
    expect((await clusters.describeCluster(ID)).members).toEqual([{ instanceId: 'hub-w1', role: 'writer', promotionTier: 0 }]);
    await withPg(await provider.connectionInfo(ID), async (pg) => {
      expect((await pg.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 2 }]);
    });
  }, 120_000);

  it('keeps its data without instances (even from a stopped writer): a new writer has it, deleting the cluster leaves its final snapshot', async () => {
    await provider.stopInstance('hub-w1');
    await provider.deleteInstance('hub-w1', { skipFinalSnapshot: true });
    expect((await clusters.describeCluster(ID)).members).toEqual([]);
    // The kept volume is no snapshot anyone lists.
    expect((await clusters.listClusterSnapshots({ clusterId: ID })).map((x) => x.id)).toEqual(['hub-snap-1']);
    await clusters.createClusterInstance(writerInput(ID, 'hub-w2'));
    await withPg(await provider.connectionInfo(ID), async (pg) => {
      expect((await pg.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 2 }]);
    });
    await provider.deleteInstance('hub-w2', { skipFinalSnapshot: true });
    await clusters.deleteCluster(ID, { skipFinalSnapshot: false, finalSnapshotId: 'hub-final' });
    expect(await clusters.findCluster(ID)).toBeUndefined();
    const final = await clusters.describeClusterSnapshot('hub-final');
    expect([final.of, final.instanceId, final.status, final.tags['dbops:purpose']]).toEqual(['cluster', ID, 'available', 'final']);
  }, 120_000);

  it('a restore of the final snapshot has the data; then nothing stays (no process, no directory)', async () => {
    await clusters.restoreCluster({
      clusterId: 'hub-back',
      from: { kind: 'snapshot', snapshotId: 'hub-final' },
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      tags: {},
    });
    await clusters.createClusterInstance(writerInput('hub-back', 'hub-back-w'));
    await withPg(await provider.connectionInfo('hub-back'), async (pg) => {
      expect((await pg.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 2 }]);
    });
    await provider.deleteInstance('hub-back-w', { skipFinalSnapshot: true });
    await clusters.deleteCluster('hub-back', { skipFinalSnapshot: true });
    for (const id of ['hub-snap-1', 'hub-final']) await clusters.deleteClusterSnapshot(id);
    expect(await clusters.listClusters()).toEqual([]);
    for (const dir of ['instances', 'clusters', 'poolers', 'snapshots']) expect(await entries(dir)).toEqual([]);
    expect(processesUnder(home)).toEqual([]);
  }, 120_000);
});
