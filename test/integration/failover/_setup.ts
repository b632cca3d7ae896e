/**
 * Shared set-up of the failover integration tests: a real primary (local provider,
 * PostgreSQL 15), a streaming read replica of it, and a real pgbouncer in front of the
 * primary (seed 001's pool sizes), all under one temporary $DBOPS_HOME.
 */
import pg from 'pg';
import { createLocalFailover } from '../../../src/lib/providers/local/failover.js';
import type { FailoverApi } from '../../../src/lib/providers/failover-types.js';
import type { ConnectionInfo, Provider } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, TEST_OS_USER } from '../../_helpers/local.js';

export interface Cluster {
  home: string;
  provider: Provider;
  failover: FailoverApi;
  primaryId: string;
  replicaId: string;
  poolName?: string;
  destroy(): Promise<void>;
}

export const POOL_SETTINGS = { poolMode: 'transaction', defaultPoolSize: 20, minPoolSize: 5, maxDbConnections: 50, reservePoolSize: 5, requireTls: false } as const;

export async function startCluster(prefix: string, opts: { pool?: boolean; primaryId?: string; replicaId?: string } = {}): Promise<Cluster> {
  const home = await makeLocalHome(prefix);
  const provider = localProvider(home);
  const primaryId = opts.primaryId ?? 'fo-db';
  const replicaId = opts.replicaId ?? `${primaryId}-replica`;
  try {
    await provider.createInstance(instanceInput(primaryId));
    await provider.createReadReplica({ sourceInstanceId: primaryId, replicaId, tags: {} });
    const failover = await createLocalFailover({ home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env } }, provider);
    let poolName: string | undefined;
    if (opts.pool) {
      poolName = `${primaryId}-pool`;
      await failover.pooler!.ensure({ name: poolName, targetId: primaryId, ...POOL_SETTINGS, tags: {} });
    }
    return {
      home,
      provider,
      failover,
      primaryId,
      replicaId,
      ...(poolName ? { poolName } : {}),
      async destroy() {
        await provider.close();
        await destroyLocalHome(home);
      },
    };
  } catch (e) {
    await provider.close();
    await destroyLocalHome(home);
    throw e;
  }
}

/** A pg client on a ConnectionInfo-like target. */
export async function connect(info: Pick<ConnectionInfo, 'host' | 'port' | 'user' | 'database' | 'password'>): Promise<pg.Client> {
  const c = new pg.Client({ host: info.host, port: info.port, user: info.user, database: info.database, password: info.password?.reveal(), ssl: false });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export async function query<T extends pg.QueryResultRow>(info: Pick<ConnectionInfo, 'host' | 'port' | 'user' | 'database' | 'password'>, sql: string): Promise<T[]> {
  const c = await connect(info);
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}
