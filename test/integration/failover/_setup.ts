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

export const POOL_SETTINGS = {
  poolMode: 'transaction',
  defaultPoolSize: 20,
  minPoolSize: 5,
  maxDbConnections: 50,
  reservePoolSize: 5,
  requireTls: false,
} as const;

export async function startCluster(
  prefix: string,
  opts: { pool?: boolean; primaryId?: string; replicaId?: string } = {},
): Promise<Cluster> {
  const home = await makeLocalHome(prefix);
  const provider = localProvider(home);
  const primaryId = opts.primaryId ?? 'fo-db';
  const replicaId = opts.replicaId ?? `${primaryId}-replica`;
  try {
    await provider.createInstance(instanceInput(primaryId));
    await provider.createReadReplica({ sourceInstanceId: primaryId, replicaId, tags: {} });
    const failover = await createLocalFailover(
      { home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env } },
      provider,
    );
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
  const c = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    database: info.database,
    password: info.password?.reveal(),
    ssl: false,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export async function query<T extends pg.QueryResultRow>(
  info: Pick<ConnectionInfo, 'host' | 'port' | 'user' | 'database' | 'password'>,
  sql: string,
): Promise<T[]> {
  const c = await connect(info);
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A Context on the cluster's home: provider local, the primary as database.identifier, the pool configured when there is one. */
export async function failoverContext(cl: Cluster, primaryId = cl.primaryId, opts: { dryRun?: boolean; yes?: boolean } = {}) {
  const { config, restoreTestContext } = await import('../../unit/restore/_context.js');
  const t = await restoreTestContext({
    config: config({
      provider: 'local',
      database: { identifier: primaryId },
      connectionPool: cl.poolName ? { enabled: true, name: cl.poolName } : { enabled: false },
    }),
    provider: cl.provider,
    home: cl.home,
    ...(opts.dryRun ? { dryRun: true } : {}),
  });
  return t;
}

/** Which of the ids is a writable primary, which a replica, which down. */
export async function roles(cl: Cluster, ids: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) out[id] = await cl.failover.role(id);
  return out;
}

/**
 * A pgbench-like load through an address: `clients` connections each inserting numbered
 * rows into `table` back to back; records what was acknowledged.
 */
export function writeLoad(
  target: Pick<ConnectionInfo, 'host' | 'port' | 'user' | 'database' | 'password'>,
  table: string,
  clients = 4,
  first = 1,
) {
  const acked: number[] = [];
  const errors: string[] = [];
  let next = first - 1;
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    let c: pg.Client | undefined;
    while (running) {
      const n = ++next;
      try {
        c ??= await connect(target);
        await c.query(`INSERT INTO ${table} (n) VALUES ($1)`, [n]);
        acked.push(n);
      } catch (e) {
        errors.push((e as Error).message);
        await c?.end().catch(() => undefined);
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await c?.end().catch(() => undefined);
  });
  return {
    acked,
    errors,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
