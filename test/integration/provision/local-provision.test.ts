/**
 * `dbops provision` on the local provider, for real: a PostgreSQL cluster, its read
 * replica (a streaming standby) and a redis-server with AUTH on its own port. Apply, a
 * second apply that finds nothing to do, destroy that leaves no process and no directory.
 * Never the system PostgreSQL on 5432 or the system Redis on 6379.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { Prompter } from '../../../src/lib/context.js';
import { runAudit } from '../../../src/lib/audit/audit.js';
import { createLocalProvisionProvider } from '../../../src/lib/providers/local/provision.js';
import { findRedisServer, redisCommand } from '../../../src/lib/providers/local/provision-redis.js';
import type { ProvisionProvider } from '../../../src/lib/providers/provision-types.js';
import type { PoolerApi } from '../../../src/lib/providers/failover-types.js';
import { createLocalFailover } from '../../../src/lib/providers/local/failover.js';
import { pgbouncerPid } from '../../../src/lib/providers/local/pgbouncer.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { applyProvision, planProvision } from '../../../src/lib/provision/apply.js';
import type { ProvisionDeps } from '../../../src/lib/provision/deps.js';
import { destroyProvision } from '../../../src/lib/provision/destroy.js';
import { provisionSettings } from '../../../src/lib/provision/settings.js';
import { Secret } from '../../../src/lib/secret.js';
import { destroyLocalHome, localProvider, makeLocalHome, pidAlive, TEST_OS_USER, withPg } from '../../_helpers/local.js';
import { testOutput } from '../../_helpers/output.js';

const redis = await findRedisServer(process.env);
const config = {
  ...structuredClone(DEFAULTS),
  database: { ...DEFAULTS.database, identifier: 'pv-db' },
  connectionPool: { ...DEFAULTS.connectionPool, enabled: true },
};
const settings = provisionSettings(config, { replica: true });
const yes: Prompter = { confirm: async () => true };

let home: string;
let base: Provider;
let pp: ProvisionProvider;
let pooler: PoolerApi | undefined;

async function deps(): Promise<ProvisionDeps> {
  const { out } = await testOutput();
  return {
    config,
    settings,
    pp,
    out,
    clock: { now: () => new Date() },
    signal: new AbortController().signal,
    prompt: yes,
    dryRun: false,
    maxWaitSeconds: 120,
    pooler: async () => pooler,
  };
}

async function redisPassword(): Promise<string> {
  const doc = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: Record<string, { password: string }> };
  return doc.instances[`us-east-2/redis:${settings.cacheId}`]!.password;
}

describe.skipIf(!redis)('provision on the local provider (PostgreSQL + redis-server)', () => {
  beforeAll(async () => {
    home = await makeLocalHome('dbops-provision-');
    base = localProvider(home);
    pp = await createLocalProvisionProvider(
      { home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env } },
      base,
    );
    pooler = (
      await createLocalFailover(
        { home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env } },
        base,
      )
    ).pooler;
  });

  afterAll(async () => {
    await destroyLocalHome(home);
  });

  it('apply creates the database, its replica and the cache; the rest is not applicable', async () => {
    // WHEN applying to an empty DBOPS_HOME
    const result = await applyProvision(await deps(), { applyImmediately: false });
    // THEN the plan said what is not applicable here and why
    expect(result.plan.changes.map((c) => `${c.kind} ${c.action}`)).toEqual([
      'security-group not-applicable',
      'parameter-group not-applicable',
      'db-instance create',
      'read-replica create',
      'connection-pool create',
      'cache create',
      'sns-topic not-applicable',
      'alarm not-applicable',
      'budget not-applicable',
    ]);
    expect(result.after?.pending).toBe(0);
    // AND PostgreSQL answers, the replica streams from it
    const info = await base.connectionInfo('pv-db');
    expect(info.port).not.toBe(5432);
    await withPg(info, (c) => c.query('create table t (x int); insert into t values (42)'));
    const replica = await base.connectionInfo(settings.replicaId);
    const recovering = await withPg(replica, async (c) => (await c.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r);
    expect(recovering).toBe(true);
    // AND redis answers with AUTH only, on its own port
    const cache = (await pp.cache!.findCache(settings.cacheId))!;
    expect(cache).toMatchObject({ status: 'available', authEnabled: true, kind: 'local-redis' });
    expect(cache.endpoint!.port).not.toBe(6379);
    expect(await redisCommand(cache.endpoint!.port, new Secret(await redisPassword()), ['PING'])).toBe('PONG');
    await expect(redisCommand(cache.endpoint!.port, new Secret('wrong-password'), ['PING'])).rejects.toThrow(/WRONGPASS|invalid/i);
    // AND the connection pool (PV-11) runs in front of the primary and takes queries
    expect(result.report?.steps.find((s) => s.id === 'PV-11')?.status).toBe('ok');
    const pool = await pooler!.connection('pv-db-pool');
    expect(pool.port).not.toBe(info.port);
    expect(await withPg({ ...pool, ssl: 'disable' }, async (c) => (await c.query<{ x: number }>('select x from t')).rows)).toEqual([
      { x: 42 },
    ]);
  });

  it('apply starts a configured pool that is not running, even when nothing else changed', async () => {
    await pooler!.stop('pv-db-pool');
    expect((await pooler!.find('pv-db'))?.running).toBe(false);
    const again = await applyProvision(await deps(), { applyImmediately: false });
    expect(again.report?.steps.find((s) => s.id === 'PV-11')?.detail).toMatch(
      /^pgbouncer pv-db-pool started on 127\.0\.0\.1:\d+ -> pv-db$/,
    );
    expect((await pooler!.find('pv-db'))?.running).toBe(true);
  });

  it('a second apply finds nothing to do', async () => {
    const again = await applyProvision(await deps(), { applyImmediately: false });
    expect([again.plan.pending, again.applied]).toEqual([0, []]);
  });

  it('records a changed setting on the instance (modify) and plans nothing after', async () => {
    const changed = { ...config, database: { ...config.database, backupRetentionDays: 14 } };
    const d = { ...(await deps()), config: changed };
    const r = await applyProvision(d, { applyImmediately: false });
    expect(r.applied.map((a) => `${a.kind} ${a.action} ${a.detail}`)).toEqual(['db-instance modify modified backupRetentionDays']);
    expect((await planProvision(d)).pending).toBe(0);
    await applyProvision(await deps(), { applyImmediately: false });
  });

  it('audit reads the live local deployment (pgvector is checked over a real connection)', async () => {
    const r = await runAudit(await deps());
    expect(r.findings.map((f) => f.id)).toEqual([expect.stringMatching(/^pgvector-(unavailable|missing)$/)]);
    expect(r.counts.high).toBe(0);
  });

  it('destroy leaves no process and no directory behind', async () => {
    // GIVEN the pids of the servers
    const dataDir = join(home, 'local', 'us-east-2', 'instances', 'pv-db', 'data');
    const pgPid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const cacheDir = join(home, 'local', 'us-east-2', 'caches', settings.cacheId);
    const redisPid = Number((await readFile(join(cacheDir, 'redis.pid'), 'utf8')).trim());
    const poolDir = join(home, 'local', 'us-east-2', 'poolers', 'pv-db-pool');
    const poolPid = (await pgbouncerPid(poolDir))!;
    expect([pidAlive(pgPid), pidAlive(redisPid), pidAlive(poolPid)]).toEqual([true, true, true]);
    // WHEN destroying without a final snapshot
    const r = await destroyProvision(await deps(), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    // THEN everything went, in reverse order
    expect(r.items.map((i) => `${i.kind} ${i.id} ${i.action}`)).toEqual([
      `cache ${settings.cacheId} delete`,
      `read-replica ${settings.replicaId} delete`,
      'db-instance pv-db delete',
    ]);
    expect([pidAlive(pgPid), pidAlive(redisPid), pidAlive(poolPid)]).toEqual([false, false, false]);
    expect(await readdir(join(home, 'local', 'us-east-2', 'poolers'))).toEqual([]);
    expect(await readdir(join(home, 'local', 'us-east-2', 'instances'))).toEqual([]);
    expect(await readdir(join(home, 'local', 'us-east-2', 'caches'))).toEqual([]);
    expect(await readdir(join(home, 'local', 'us-east-2', 'snapshots'))).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: object };
    expect(secrets.instances).toEqual({});
  });
});
