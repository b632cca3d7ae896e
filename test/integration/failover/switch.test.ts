/**
 * `dbops switchover` and `dbops failover` on real servers (one cluster for the file, the
 * failover last since it fences): a primary, a streaming replica and a real pgbouncer
 * in front (local provider). Under a write load with the probe no acknowledged write is
 * lost and the old primary follows the new one; a second switchover brings the roles
 * back; --dry-run changes nothing; refusals carry their numbers; --timeout rolls back;
 * Ctrl-C at a step leaves exactly one working primary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, Interrupted, UsageError } from '../../../src/lib/errors.js';
import { switchover } from '../../../src/lib/failover/switchover.js';
import { failover } from '../../../src/lib/failover/failover.js';
import { postmasterPid } from '../../../src/lib/providers/local/cluster.js';
import { runPgBinary } from '../../_helpers/local.js';
import { join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { readFailovers } from '../../../src/lib/failover/history.js';
import { instanceStatus } from '../../../src/lib/instances/instances.js';
import { renderInstanceStatus } from '../../../src/lib/instances/render.js';
import { Chalk } from 'chalk';
import { failoverContext, query, roles, startCluster, writeLoad, type Cluster } from './_setup.js';

let cl: Cluster;
let primary: string;
let replica: string;

beforeAll(async () => {
  cl = await startCluster('dbops-so-', { pool: true });
  primary = cl.primaryId;
  replica = cl.replicaId;
  const info = await cl.provider.connectionInfo(primary);
  await query(info, 'CREATE TABLE load (n integer PRIMARY KEY)');
}, 120_000);

afterAll(async () => {
  await cl?.destroy();
});

async function untilStreaming(p: string, r: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const topo = await cl.failover.topology(p);
    if (topo.replicas.find((x) => x.id === r)?.state === 'streaming') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${r} does not stream from ${p}`);
}

async function pool() {
  return cl.failover.pooler!.connection(cl.poolName!);
}

describe('switchover', () => {
  it('measures the topology and the pool; the pool files are 0600', async () => {
    await query(await pool(), 'SELECT 1');
    const topo = await cl.failover.topology(primary);
    expect(topo.primary.reachable).toBe(true);
    expect(topo.primary.walSenders).toEqual({ used: 1, max: 10 });
    expect(topo.replicas.map((r) => [r.id, r.state, r.sourceId])).toEqual([[replica, 'streaming', primary]]);
    expect(topo.pooler?.running).toBe(true);
    expect(topo.pooler?.targetId).toBe(primary);
    expect(topo.pooler?.pools.map((p) => p.poolMode)).toContain('transaction');
    const dir = join(cl.home, 'local', 'us-east-2', 'poolers', cl.poolName!);
    for (const f of ['userlist.txt', 'pgbouncer.ini']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    const ini = await readFile(join(dir, 'pgbouncer.ini'), 'utf8');
    for (const line of [
      'pool_mode = transaction',
      'default_pool_size = 20',
      'min_pool_size = 5',
      'reserve_pool_size = 5',
      'max_db_connections = 50',
      'listen_addr = 127.0.0.1',
    ])
      expect(ini).toContain(line);
  });

  it('dbops status shows the pool in front of the primary with its SHOW POOLS figures, and none for the replica', async () => {
    // GIVEN a client connected through the pool
    await query(await pool(), 'SELECT 1');
    const t = await failoverContext(cl);
    // WHEN the status of the primary and of the replica is read
    const st = await instanceStatus(t.ctx, primary);
    const rs = await instanceStatus(t.ctx, replica);
    // THEN the primary's carries the running pgbouncer and its figures; the replica's none
    expect(
      st.connectionPool && 'pools' in st.connectionPool
        ? [st.connectionPool.kind, st.connectionPool.running, st.connectionPool.targetId]
        : st.connectionPool,
    ).toEqual(['pgbouncer', true, primary]);
    expect(st.connectionPool && 'pools' in st.connectionPool ? st.connectionPool.pools.map((p) => p.poolMode) : []).toContain(
      'transaction',
    );
    expect(rs.connectionPool).toBeUndefined();
    const text = renderInstanceStatus(st, new Chalk({ level: 0 }));
    expect(text).toMatch(new RegExp(`^Connection pool\\npgbouncer ${cl.poolName} at 127\\.0\\.0\\.1:\\d+ -> ${primary}: running`, 'm'));
    expect(text).toMatch(/cl_waiting \d+, sv_active \d+, sv_idle \d+, maxwait \d+ s/);
  });

  it('moves the primary under write load without losing an acknowledged write, and back', async () => {
    for (const [from, to, first] of [
      [primary, replica, 10_000_000],
      [replica, primary, 20_000_000],
    ] as const) {
      // GIVEN a write load through the pooler
      const load = writeLoad(await pool(), 'load', 4, first);
      await new Promise((r) => setTimeout(r, 300));
      const t = await failoverContext(cl, from);

      // WHEN
      const { result, error } = await switchover(t.ctx, { probe: true, timeoutMs: 30_000 }, { failover: cl.failover });
      await new Promise((r) => setTimeout(r, 300));
      await load.stop();

      // THEN the roles moved, the old primary streams from the new one
      expect(error, t.output.stderr()).toBeUndefined();
      expect(result.outcome).toBe('switched');
      expect(await roles(cl, [from, to])).toEqual({ [from]: 'replica', [to]: 'primary' });
      expect(result.after?.replicas.map((r) => [r.id, r.state])).toEqual([[from, 'streaming']]);
      expect(result.after?.pooler?.targetId).toBe(to);
      // AND every acknowledged write of the load and of the probe is on the new primary
      const rows = await query<{ n: number }>(await cl.provider.connectionInfo(to), 'SELECT n FROM load');
      const have = new Set(rows.map((r) => r.n));
      expect(load.acked.filter((n) => !have.has(n))).toEqual([]);
      expect(load.acked.length, JSON.stringify(load.errors.slice(0, 3))).toBeGreaterThan(0);
      expect(result.probe?.lostAcked).toBe(0);
      expect(result.probe?.clientErrors).toBe(0);
      expect(load.errors).toEqual([]);
      expect(result.probe!.acked, JSON.stringify(result.probe)).toBeGreaterThan(0);
      // AND the probe's table is gone
      expect(await query(await cl.provider.connectionInfo(to), "SELECT relname FROM pg_class WHERE relname LIKE 'switch_probe_%'")).toEqual(
        [],
      );
    }
    const history = await readFailovers(cl.home);
    expect(history.map((h) => [h.operation, h.oldPrimaryId, h.candidateId, h.outcome, h.lostAcked])).toEqual([
      ['switchover', replica, primary, 'switched', 0],
      ['switchover', primary, replica, 'switched', 0],
    ]);
  }, 90_000);

  it('--dry-run prints the checks and the plan and changes nothing', async () => {
    const t = await failoverContext(cl, primary, { dryRun: true });
    const before = await cl.failover.topology(primary);
    const { result, error } = await switchover(t.ctx, { probe: true }, { failover: cl.failover });
    expect(error).toBeUndefined();
    expect(result.outcome).toBe('dry-run');
    expect(result.checks.every((c) => c.status !== 'fail')).toBe(true);
    expect(result.plan.length).toBeGreaterThan(5);
    expect(result.report.steps.slice(1).map((s) => s.status)).toEqual(Array(11).fill('skipped'));
    expect(await roles(cl, [primary, replica])).toEqual({ [primary]: 'primary', [replica]: 'replica' });
    expect((await cl.failover.topology(primary)).pooler?.targetId).toBe(before.pooler?.targetId);
  });

  it('refuses with the numbers: the named candidate is the primary; lag past --max-lag; a candidate not streaming', async () => {
    const t = await failoverContext(cl, primary);
    const self = await switchover(t.ctx, { probe: false, candidate: primary }, { failover: cl.failover });
    expect(self.error).toBeInstanceOf(UsageError);
    expect(self.error?.message).toBe(`--candidate ${primary} is the primary itself.`);

    // GIVEN replay paused on the replica and writes on the primary
    const rinfo = await cl.provider.connectionInfo(replica);
    await query(rinfo, 'SELECT pg_wal_replay_pause()');
    await query(await cl.provider.connectionInfo(primary), 'INSERT INTO load SELECT g FROM generate_series(1000000, 1001000) g');
    await new Promise((r) => setTimeout(r, 300));
    const lag = await switchover(t.ctx, { probe: false, maxLag: { kind: 'bytes', bytes: 1024 } }, { failover: cl.failover });
    expect(lag.error).toBeInstanceOf(CheckFailed);
    expect(lag.error?.message).toMatch(
      new RegExp(
        `^Switchover refused: Replay running on ${replica}: paused; Replay lag of ${replica}: \\d+(\\.\\d)? kB \\(\\d+(\\.\\d+)? s\\) \\(limit ≤ 1 kB\\)\\.$`,
      ),
    );
    expect(lag.result.outcome).toBe('refused');
    await query(rinfo, 'SELECT pg_wal_replay_resume()');

    // GIVEN the replica stopped
    const { runPgBinary } = await import('../../_helpers/local.js');
    const { join } = await import('node:path');
    await runPgBinary('pg_ctl', ['-D', join(cl.home, 'local', 'us-east-2', 'instances', replica, 'data'), '-m', 'fast', '-w', 'stop']);
    const stopped = await switchover(t.ctx, { probe: false }, { failover: cl.failover });
    expect(stopped.error?.message).toContain(`Candidate ${replica} is streaming: stopped (limit streaming)`);
    expect((stopped.error as CheckFailed).hint).toBe(`Start ${replica} (dbops instances reboot ${replica}) and wait until it streams.`);
    await cl.provider.rebootInstance(replica, { forceFailover: false });
    expect(await roles(cl, [primary, replica])).toEqual({ [primary]: 'primary', [replica]: 'replica' });
  }, 60_000);

  it('--timeout exceeded rolls back and writes resume on the old primary', async () => {
    // GIVEN a replica that applies WAL an hour late
    const rinfo = await cl.provider.connectionInfo(replica);
    await query(rinfo, "ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
    await query(rinfo, 'SELECT pg_reload_conf()');
    await query(await pool(), 'INSERT INTO load VALUES (2000001)');
    const t = await failoverContext(cl, primary);

    // WHEN the write pause may last 2 s
    const { result, error } = await switchover(t.ctx, { probe: true, timeoutMs: 2000 }, { failover: cl.failover });

    // THEN it rolled back and said why
    expect(result.outcome, error?.message).toBe('rolled-back');
    expect(error?.message).toMatch(
      new RegExp(
        `^${replica} had not replayed ${primary}'s last WAL \\(\\S+\\) when the write pause reached --timeout 2 s; it had replayed \\S+, [\\d.]+ [kMG]?B short$`,
      ),
    );
    expect(result.rollback?.actions.slice(0, 2)).toEqual([
      `${primary} started again as the primary`,
      `${cl.poolName} resumed on ${primary}`,
    ]);
    // (a replica waiting on its apply delay reconnects only when replay needs WAL)
    expect(result.rollback?.actions[2]).toMatch(
      new RegExp(`^${replica} (streams from ${primary} again|is disconnected \\(a replica reconnects)`),
    );
    expect(await roles(cl, [primary, replica])).toEqual({ [primary]: 'primary', [replica]: 'replica' });
    // AND writes through the pool land on the old primary again
    await query(await pool(), 'INSERT INTO load VALUES (2000002)');
    expect(await query(await cl.provider.connectionInfo(primary), 'SELECT n FROM load WHERE n = 2000002')).toEqual([{ n: 2000002 }]);
    expect(result.probe?.lostAcked).toBe(0);
    await query(rinfo, 'ALTER SYSTEM RESET recovery_min_apply_delay');
    await query(rinfo, 'SELECT pg_reload_conf()');
    await untilStreaming(primary, replica);
  }, 60_000);

  it.each(['SO-5', 'SO-7', 'SO-9'])(
    'Ctrl-C at %s leaves exactly one working primary',
    async (step) => {
      const before = await roles(cl, [primary, replica]);
      const from = Object.keys(before).find((k) => before[k] === 'primary')!;
      const t = await failoverContext(cl, from);
      const { Writable } = await import('node:stream');
      const { createOutput } = await import('../../../src/lib/output/output.js');
      let text = '';
      const out = await createOutput({
        json: false,
        quiet: false,
        verbose: false,
        color: false,
        ci: false,
        stdout: new Writable({ write: (_c, _e, cb) => cb() }),
        stderr: new Writable({
          write(chunk, _e, cb) {
            text += String(chunk);
            if (text.includes(`[${step}]`) && !t.controller.signal.aborted) t.controller.abort('SIGINT');
            cb();
          },
        }),
      });
      const { error, result } = await switchover({ ...t.ctx, out }, { probe: false }, { failover: cl.failover });
      expect(error, text).toBeInstanceOf(Interrupted);
      expect(
        result.report.cleanup.filter((c) => c.status !== 'done'),
        text,
      ).toEqual([]);
      const after = await roles(cl, [primary, replica]);
      expect(Object.values(after).sort()).toEqual(['primary', 'replica']);
      const now = Object.keys(after).find((k) => after[k] === 'primary')!;
      expect((await cl.failover.topology(now)).pooler?.targetId).toBe(now);
      await query(await pool(), 'SELECT txid_current()');
    },
    60_000,
  );
});

describe('failover', () => {
  it('refuses while the primary is healthy, with the numbers', async () => {
    const r = await roles(cl, [primary, replica]);
    const p = Object.keys(r).find((k) => r[k] === 'primary')!;
    const t = await failoverContext(cl, p);
    const { error, result } = await failover(t.ctx, { probe: false }, { failover: cl.failover });
    expect(error).toBeInstanceOf(CheckFailed);
    expect(error?.message).toMatch(new RegExp(`^Failover refused: Primary ${p} is unreachable or unhealthy: reachable at WAL \\S+\\.$`));
    expect((error as CheckFailed).hint).toBe(
      'It works: use `dbops switchover` (no data loss), or --force to fail over anyway (it will be fenced).',
    );
    expect(result.outcome).toBe('refused');
  });

  it('after kill -9 of the primary: promotes, fences, and reports the loss the test counts itself', async () => {
    const r = await roles(cl, [primary, replica]);
    const p = Object.keys(r).find((k) => r[k] === 'primary')!;
    const c = Object.keys(r).find((k) => r[k] === 'replica')!;
    const pinfo = await cl.provider.connectionInfo(p);
    const cinfo = await cl.provider.connectionInfo(c);
    // GIVEN a table both have, then a replica that stops receiving WAL
    await query(pinfo, 'CREATE TABLE lost (n integer PRIMARY KEY) WITH (autovacuum_enabled = off)');
    await untilStreaming(p, c);
    const lsn = (await query<{ l: string }>(pinfo, 'SELECT pg_current_wal_lsn()::text AS l'))[0]!.l;
    for (
      let i = 0;
      i < 100 && (await query<{ ok: boolean }>(cinfo, `SELECT pg_last_wal_replay_lsn() >= '${lsn}' AS ok`))[0]!.ok !== true;
      i++
    )
      await new Promise((x) => setTimeout(x, 50));
    await query(cinfo, "ALTER SYSTEM SET primary_conninfo = ''");
    await query(cinfo, 'SELECT pg_reload_conf()');
    for (let i = 0; i < 100 && (await cl.failover.topology(p)).replicas[0]?.state === 'streaming'; i++)
      await new Promise((x) => setTimeout(x, 50));
    // AND five acknowledged commits only the primary has
    const acked: number[] = [];
    for (let n = 1; n <= 5; n++) {
      await query(pinfo, `INSERT INTO lost VALUES (${n})`);
      acked.push(n);
    }
    // WHEN the primary's postmaster dies
    const dataDir = join(cl.home, 'local', 'us-east-2', 'instances', p, 'data');
    process.kill((await postmasterPid(dataDir))!, 'SIGKILL');
    const t = await failoverContext(cl, p);
    const { result, error } = await failover(t.ctx, { probe: true }, { failover: cl.failover });

    // THEN the replica is the primary, behind the same pool
    expect(error, t.output.stderr()).toBeUndefined();
    expect(result.outcome).toBe('switched');
    expect(await cl.failover.role(c)).toBe('primary');
    expect(result.after?.pooler?.targetId).toBe(c);
    await query(await pool(), 'INSERT INTO load VALUES (3000001)');
    // AND the reported loss is what the test counts: acknowledged rows missing on the new primary
    const have = new Set((await query<{ n: number }>(cinfo, 'SELECT n FROM lost')).map((x) => x.n));
    const missing = acked.filter((n) => !have.has(n));
    expect(missing).toEqual([1, 2, 3, 4, 5]);
    expect(result.loss?.transactions).toBe(missing.length);
    expect(result.loss?.bytes).toBeGreaterThan(0);
    expect(result.probe?.lostAcked).toBe(0);
    expect(result.probe!.acked).toBeGreaterThan(0);

    // AND the old primary is fenced: dbops refuses to start it ...
    expect((await cl.provider.describeInstance(p)).status).toBe('fenced');
    await expect(cl.provider.rebootInstance(p, { forceFailover: false })).rejects.toThrow(
      `Instance ${p} was fenced by failover run ${result.runId}`,
    );
    // ... and a start by hand gives a read-only server, never a second primary
    for (
      let i = 0;
      i < 50 && (await runPgBinary('pg_ctl', ['-D', dataDir, '-l', join(dataDir, '..', 'manual.log'), '-w', 'start'])).code !== 0;
      i++
    )
      await new Promise((x) => setTimeout(x, 200));
    try {
      expect(await query<{ r: boolean }>(pinfo, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
      await expect(query(pinfo, 'INSERT INTO load VALUES (4000001)')).rejects.toThrow('cannot execute INSERT in a read-only transaction');
    } finally {
      await runPgBinary('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    }

    // AND with no replica left, a switchover says how to get one
    const t2 = await failoverContext(cl, c);
    const none = await switchover(t2.ctx, { probe: false }, { failover: cl.failover });
    expect(none.error).toBeInstanceOf(UsageError);
    expect(none.error?.message).toBe(`Instance ${c} has no read replica to take over.`);
    expect((none.error as UsageError).hint).toBe(
      'Set database.readReplica.enabled: true in dbops.config.yaml and run `dbops provision apply`.',
    );
  }, 60_000);
});
