/**
 * The local failover adapter on real servers: topology with measured lag, the pgbouncer
 * in front (0600 files, SHOW POOLS), and a switchover by hand through the port's calls.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, query, startCluster, type Cluster } from './_setup.js';

let cl: Cluster;

beforeAll(async () => {
  cl = await startCluster('dbops-fo-adapter-', { pool: true });
}, 120_000);

afterAll(async () => {
  await cl?.destroy();
});

describe('local failover adapter', () => {
  it('measures the topology and the pool', async () => {
    const info = await cl.provider.connectionInfo(cl.primaryId);
    await query(info, 'CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)');
    const topo = await cl.failover.topology(cl.primaryId);
    expect(topo.primary.id).toBe(cl.primaryId);
    expect(topo.primary.reachable).toBe(true);
    expect(topo.primary.walSenders).toEqual({ used: 1, max: 10 });
    expect(topo.replicas.map((r) => [r.id, r.state])).toEqual([[cl.replicaId, 'streaming']]);
    expect(topo.pooler?.running).toBe(true);
    expect(topo.pooler?.targetId).toBe(cl.primaryId);
    const dir = join(cl.home, 'local', 'us-east-2', 'poolers', cl.poolName!);
    expect((await stat(join(dir, 'userlist.txt'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'pgbouncer.ini'))).mode & 0o777).toBe(0o600);
  });

  it('switches over by hand through the port', async () => {
    const pool = await cl.failover.pooler!.connection(cl.poolName!);
    const c = await connect(pool);
    await c.query('CREATE TABLE IF NOT EXISTS w (id int)');
    await cl.failover.pooler!.pause(cl.poolName!, { timeoutMs: 5000 });
    const { lsn } = await cl.failover.stopWrites(cl.primaryId, {});
    await cl.failover.waitForReplay(cl.replicaId, lsn, { maxWaitSeconds: 10 });
    await cl.failover.demote(cl.primaryId, cl.replicaId);
    const promoted = await cl.failover.promote(cl.replicaId, {});
    await cl.failover.pooler!.retarget(cl.poolName!, cl.replicaId, { maxWaitSeconds: 10 });
    await cl.failover.pooler!.resume(cl.poolName!);
    await c.query('INSERT INTO w VALUES (1)');
    const follow = await cl.failover.follow(cl.primaryId, cl.replicaId);
    expect(follow.rewound).toBe(false);
    const topo = await cl.failover.topology(cl.replicaId);
    expect(promoted.lsn).toMatch(/\//);
    expect(topo.replicas.map((r) => r.id)).toEqual([cl.primaryId]);
    await c.end();
    const old = await cl.provider.connectionInfo(cl.primaryId);
    expect(await query<{ r: boolean }>(old, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
  }, 60_000);
});
