/**
 * `dbops switchover` on real servers: a primary, a streaming replica and a real pgbouncer
 * in front (local provider). Under a write load with the probe no acknowledged write is
 * lost and the old primary follows the new one; a second switchover brings the roles
 * back; --dry-run changes nothing; refusals carry their numbers; --timeout rolls back;
 * Ctrl-C at a step leaves exactly one working primary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, Interrupted, UsageError } from '../../../src/lib/errors.js';
import { switchover } from '../../../src/lib/failover/switchover.js';
import { readFailovers } from '../../../src/lib/failover/history.js';
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
      expect(await query(await cl.provider.connectionInfo(to), "SELECT relname FROM pg_class WHERE relname LIKE 'switch_probe_%'")).toEqual([]);
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
    expect(result.report.steps.slice(1).map((s) => s.status)).toEqual(Array(10).fill('skipped'));
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
    expect(lag.error?.message).toMatch(new RegExp(`^Switchover refused: Replay running on ${replica}: paused; Replay lag of ${replica}: \\d+(\\.\\d)? kB \\(\\d+(\\.\\d+)? s\\) \\(limit ≤ 1 kB\\)\\.$`));
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
    expect(result.outcome).toBe('rolled-back');
    expect(error?.message).toMatch(new RegExp(`^${replica} had not replayed ${primary}'s last WAL \\(\\S+\\) when the write pause reached --timeout 2 s; it had replayed \\S+, [\\d.]+ k?B short$`));
    expect(result.rollback?.actions.slice(0, 2)).toEqual([`${primary} started again as the primary`, `${cl.poolName} resumed on ${primary}`]);
    // (a replica waiting on its apply delay reconnects only when replay needs WAL)
    expect(result.rollback?.actions[2]).toMatch(new RegExp(`^${replica} (streams from ${primary} again|is disconnected \\(a replica reconnects)`));
    expect(await roles(cl, [primary, replica])).toEqual({ [primary]: 'primary', [replica]: 'replica' });
    // AND writes through the pool land on the old primary again
    await query(await pool(), 'INSERT INTO load VALUES (2000002)');
    expect(await query(await cl.provider.connectionInfo(primary), 'SELECT n FROM load WHERE n = 2000002')).toEqual([{ n: 2000002 }]);
    expect(result.probe?.lostAcked).toBe(0);
    await query(rinfo, 'ALTER SYSTEM RESET recovery_min_apply_delay');
    await query(rinfo, 'SELECT pg_reload_conf()');
    await untilStreaming(primary, replica);
  }, 60_000);

  it.each(['SO-4', 'SO-6', 'SO-7', 'SO-9'])('Ctrl-C at %s leaves exactly one working primary', async (step) => {
    const before = await roles(cl, [primary, replica]);
    const from = Object.keys(before).find((k) => before[k] === 'primary')!;
    const t = await failoverContext(cl, from);
    const { Writable } = await import('node:stream');
    const { createOutput } = await import('../../../src/lib/output/output.js');
    let text = '';
    const out = await createOutput({
      json: false, quiet: false, verbose: false, color: false, ci: false,
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
    expect(result.report.cleanup.filter((c) => c.status !== 'done'), text).toEqual([]);
    const after = await roles(cl, [primary, replica]);
    expect(Object.values(after).sort()).toEqual(['primary', 'replica']);
    const now = Object.keys(after).find((k) => after[k] === 'primary')!;
    expect((await cl.failover.topology(now)).pooler?.targetId).toBe(now);
    await query(await pool(), 'SELECT txid_current()');
  }, 60_000);
});
