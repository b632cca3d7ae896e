/**
 * The local adapter of the failover port: real streaming replication between local
 * clusters.
 *
 * - topology: pg_stat_replication on the primary, pg_last_wal_receive_lsn /
 *   pg_last_wal_replay_lsn / pg_last_xact_replay_timestamp on each replica;
 * - stop writes: a clean shutdown (`pg_ctl stop -m fast`): the WAL senders do not exit
 *   before their standbys confirmed the shutdown checkpoint, so a caught-up candidate
 *   has every byte; its position comes from pg_controldata;
 * - demote: standby.signal + primary_conninfo (password in a passfile outside PGDATA) in
 *   the stopped old primary before the candidate is promoted, so from then on it can only
 *   ever start as a replica;
 * - promote: `pg_ctl promote`; the fork point is read from the new timeline's history;
 * - follow: `pg_rewind` (a no-op when nothing diverged), then start as a standby;
 * - fence (failover): stop it if it runs, standby.signal, and a fence record that dbops'
 *   own start refuses;
 * - loss: pg_waldump of the dead primary's WAL past the fork point.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { EnvironmentError } from '../../errors.js';
import { lsnAtLeast, lsnBytesBehind } from '../../failover/lsn.js';
import type { LocalProviderOptions } from '../index.js';
import type {
  FailoverApi,
  FenceRecord,
  FollowResult,
  PrimaryState,
  ReplicaState,
  ReplicaStreamState,
  RepointResult,
  Topology,
  WalLoss,
} from '../failover-types.js';
import type { Provider, WaitOptions } from '../types.js';
import {
  configureCluster,
  isRunning,
  postmasterPid,
  processAlive,
  setAutoConf,
  startCluster,
  stopCluster,
  withMasterClient,
  writeOwned,
} from './cluster.js';
import { createShared, prepareRegion, regionContext, type LocalProviderInternals, type RegionContext } from './context.js';
import { instanceCredential, readInstance, requireInstance, updateInstance } from './instance-store.js';
import { findPgbouncer, LocalPgbouncer } from './pgbouncer.js';
import { pgRun, pgRunUnchecked, type Toolbox } from './toolbox.js';
import { LOCAL_HOST, type InstanceRecord } from './records.js';
import { standbySettings, writePassFile } from './replicas.js';
import { controlData, newestSwitchpoint, walSince } from './wal.js';
import { waitUntil } from './wait.js';
import { meaningfulLine } from './process.js';
import { instanceSettings } from './wal-archive.js';

const QUERY_TIMEOUT_MS = 5000;

/** Runs one query on an instance; undefined with the reason when it cannot be reached. */
async function ask<T>(rc: RegionContext, rec: InstanceRecord, fn: (c: pg.Client) => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    const cred = await instanceCredential(rc, rec.id);
    const value = await withMasterClient(
      { port: rec.port, user: cred.masterUsername, password: cred.password, database: 'postgres' },
      `Querying instance ${rec.id}`,
      async (c) => {
        await c.query(`SET statement_timeout = ${QUERY_TIMEOUT_MS}`);
        return fn(c);
      },
    );
    return { value };
  } catch (e) {
    return { error: (e as Error).message.replace(/^Querying instance \S+ failed: /, '') };
  }
}

interface SenderRow {
  application_name: string;
  state: string;
}

export class LocalFailover implements FailoverApi {
  readonly name = 'local' as const;
  readonly pooler?: LocalPgbouncer;

  constructor(
    private readonly rc: RegionContext,
    pgbouncer: string | undefined,
  ) {
    this.pooler = new LocalPgbouncer(rc, pgbouncer);
  }

  async role(id: string): Promise<'primary' | 'replica' | 'down'> {
    const rec = await requireInstance(this.rc, id);
    const tb = await this.rc.shared.toolbox();
    if (!(await isRunning(tb, this.rc.layout.dataDir(id)))) return 'down';
    const res = await ask(this.rc, rec, async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r);
    return res.value === undefined ? 'down' : res.value ? 'replica' : 'primary';
  }

  async topology(primaryId: string): Promise<Topology> {
    const rec = await requireInstance(this.rc, primaryId);
    const primary = await this.#primary(rec);
    const senders = primary.senders;
    const replicas: ReplicaState[] = [];
    for (const id of rec.replicaIds) {
      const r = await readInstance(this.rc, id);
      if (r) replicas.push(await this.#replica(r, primary.state.lsn, senders));
    }
    const pooler = await this.pooler?.find(primaryId);
    return { observedAt: this.rc.shared.now().toISOString(), primary: primary.state, replicas, ...(pooler ? { pooler } : {}) };
  }

  #member(rec: InstanceRecord) {
    return {
      id: rec.id,
      instanceClass: rec.instanceClass,
      allocatedStorageGb: rec.allocatedStorageGb,
      multiAz: rec.multiAz,
      endpoint: { host: LOCAL_HOST, port: rec.port },
      pendingMaintenance: [] as string[],
      ...(rec.fenced ? { fenced: rec.fenced } : {}),
    };
  }

  async #primary(rec: InstanceRecord): Promise<{ state: PrimaryState; senders: SenderRow[] }> {
    const tb = await this.rc.shared.toolbox();
    const running = await isRunning(tb, this.rc.layout.dataDir(rec.id));
    const base = { ...this.#member(rec), status: rec.fenced ? 'fenced' : running ? rec.status : 'stopped', backingUp: false };
    if (!running) return { state: { ...base, reachable: false, unreachableReason: 'the server is not running' }, senders: [] };
    const res = await ask(this.rc, rec, async (c) => {
      const s = await c.query<{
        lsn: string;
        senders: number;
        max_senders: number;
        slots: number;
        max_slots: number;
        backups: number;
        recovery: boolean;
      }>(
        `SELECT pg_is_in_recovery() AS recovery,
                CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text ELSE pg_current_wal_lsn()::text END AS lsn,
                (SELECT count(*)::int FROM pg_stat_replication) AS senders,
                current_setting('max_wal_senders')::int AS max_senders,
                (SELECT count(*)::int FROM pg_replication_slots) AS slots,
                current_setting('max_replication_slots')::int AS max_slots,
                (SELECT count(*)::int FROM pg_stat_progress_basebackup) AS backups`,
      );
      const senders = await c.query<SenderRow>('SELECT application_name, state FROM pg_stat_replication');
      return { row: s.rows[0]!, senders: senders.rows };
    });
    if (!res.value) return { state: { ...base, reachable: false, unreachableReason: res.error }, senders: [] };
    const { row, senders } = res.value;
    return {
      state: {
        ...base,
        reachable: true,
        backingUp: row.backups > 0,
        lsn: row.lsn,
        walSenders: { used: row.senders, max: row.max_senders },
        replicationSlots: { used: row.slots, max: row.max_slots },
        ...(row.recovery ? { pendingMaintenance: ['the server is in recovery (it is a standby)'] } : {}),
      },
      senders,
    };
  }

  async #replica(rec: InstanceRecord, primaryLsn: string | undefined, senders: SenderRow[]): Promise<ReplicaState> {
    const tb = await this.rc.shared.toolbox();
    const running = await isRunning(tb, this.rc.layout.dataDir(rec.id));
    const base = { ...this.#member(rec), sourceId: rec.replicaSourceId ?? '', backingUp: false };
    if (!running) return { ...base, status: 'stopped', reachable: false, unreachableReason: 'the server is not running', state: 'stopped' };
    const res = await ask(this.rc, rec, async (c) => {
      const r = await c.query<{ recovery: boolean; receive: string | null; replay: string | null; paused: boolean; lag: number | null }>(
        `SELECT pg_is_in_recovery() AS recovery,
                pg_last_wal_receive_lsn()::text AS receive,
                pg_last_wal_replay_lsn()::text AS replay,
                CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused,
                CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                     ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag`,
      );
      return r.rows[0]!;
    });
    if (!res.value) return { ...base, status: rec.status, reachable: false, unreachableReason: res.error, state: 'unknown' };
    const row = res.value;
    const sender = senders.find((s) => s.application_name === rec.id);
    const state: ReplicaStreamState = !row.recovery ? 'unknown' : sender ? (sender.state as ReplicaStreamState) : 'disconnected';
    const replay = row.replay ?? row.receive ?? undefined;
    return {
      ...base,
      status: rec.status,
      reachable: true,
      state,
      ...(row.receive ? { receiveLsn: row.receive } : {}),
      ...(replay ? { replayLsn: replay } : {}),
      ...(primaryLsn && replay ? { lagBytes: lsnBytesBehind(primaryLsn, replay) } : {}),
      ...(row.lag !== null ? { lagSeconds: Math.max(0, Math.round(row.lag * 1000) / 1000) } : {}),
      replayPaused: row.paused,
      ...(!row.recovery ? { pendingMaintenance: ['the server is not in recovery: it is no longer a replica'] } : {}),
    };
  }

  async #tb(): Promise<Toolbox> {
    return prepareRegion(this.rc);
  }

  /** Sessions opened by prepare(), used by the calls inside the write pause. */
  readonly #held = new Map<string, pg.Client>();

  async prepare(primaryId: string, candidateId: string): Promise<void> {
    const c = await this.#session(await requireInstance(this.rc, primaryId));
    try {
      await c.query('CHECKPOINT');
      // The fork will sit near the start of a segment: promotion copies the old timeline's
      // last segment up to the fork point, and a short copy is a short promotion.
      await c.query('SELECT pg_switch_wal()');
    } finally {
      await c.end().catch(() => undefined);
    }
    if (!this.#held.has(candidateId)) this.#held.set(candidateId, await this.#session(await requireInstance(this.rc, candidateId)));
  }

  async release(): Promise<void> {
    const all = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  }

  /** The held session for an instance, or a fresh one; `done` closes only a fresh one. */
  async #use(rec: InstanceRecord): Promise<{ c: pg.Client; done: () => Promise<void> }> {
    const held = this.#held.get(rec.id);
    if (held) return { c: held, done: async () => undefined };
    const c = await this.#session(rec);
    return { c, done: () => c.end().catch(() => undefined) };
  }

  async stopWrites(primaryId: string): Promise<{ lsn: string }> {
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(primaryId);
    await fastStop(primaryId, dataDir);
    await updateInstance(this.rc, primaryId, (r) => ({ ...r, status: 'stopped' }));
    const ctl = await controlData(tb, dataDir);
    if (ctl.state !== 'shut down') {
      throw new EnvironmentError(`Instance ${primaryId} did not shut down cleanly (control file says "${ctl.state}").`);
    }
    return { lsn: ctl.checkpointLsn };
  }

  async resumeWrites(primaryId: string): Promise<void> {
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(primaryId);
    if (!(await isRunning(tb, dataDir))) await startCluster(tb, primaryId, dataDir, this.rc.layout.logFile(primaryId));
    await updateInstance(this.rc, primaryId, (r) => ({ ...r, status: 'available' }));
  }

  async waitForReplay(replicaId: string, lsn: string, opts: WaitOptions): Promise<{ replayLsn: string }> {
    const rec = await requireInstance(this.rc, replicaId);
    let last = '';
    // One session polled every 10 ms: the write pause is waiting on this.
    const { c, done } = await this.#use(rec);
    try {
      const found = await waitUntil(
        `replica ${replicaId} to replay WAL up to ${lsn}`,
        async () => {
          const replay = (await c.query<{ replay: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replay')).rows[0]!.replay;
          last = replay ?? last;
          // The record at `lsn` (the shutdown checkpoint) is replayed once the position is past it.
          const done = replay ? lsnAtLeast(replay, lsn) && replay !== lsn : false;
          return done
            ? { status: `replayed ${replay}`, done: true, value: replay! }
            : { status: `replayed ${last || 'unknown'}`, done: false };
        },
        opts,
        10,
      );
      return { replayLsn: found ?? last };
    } finally {
      await done();
    }
  }

  async #standbyFiles(tb: Toolbox, id: string, newPrimaryId: string): Promise<void> {
    const target = await requireInstance(this.rc, newPrimaryId);
    const cred = await instanceCredential(this.rc, newPrimaryId);
    await writePassFile(tb, this.rc.layout.passFile(id), target.port, cred);
    await setAutoConf(tb, this.rc.layout.dataDir(id), {
      ...standbySettings(this.rc, id, target, cred),
      recovery_target_timeline: 'latest',
    });
    await writeOwned(tb, join(this.rc.layout.dataDir(id), 'standby.signal'), '');
  }

  async demote(oldPrimaryId: string, newPrimaryId: string): Promise<void> {
    const tb = await this.#tb();
    await this.#standbyFiles(tb, oldPrimaryId, newPrimaryId);
  }

  async undoDemote(oldPrimaryId: string): Promise<void> {
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(oldPrimaryId);
    await rm(join(dataDir, 'standby.signal'), { force: true });
    await setAutoConf(tb, dataDir, { primary_conninfo: undefined, recovery_target_timeline: undefined });
    await rm(this.rc.layout.passFile(oldPrimaryId), { force: true });
  }

  /** A master session on an instance, for tight polling loops. */
  async #session(rec: InstanceRecord): Promise<pg.Client> {
    const { default: pgLib } = await import('pg');
    const cred = await instanceCredential(this.rc, rec.id);
    const c = new pgLib.Client({
      host: LOCAL_HOST,
      port: rec.port,
      user: cred.masterUsername,
      password: cred.password.reveal(),
      database: 'postgres',
      ssl: false,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      throw new EnvironmentError(`Connecting to instance ${rec.id} failed: ${(e as Error).message}`, { cause: e });
    }
    return c;
  }

  async promote(replicaId: string): Promise<{ lsn: string }> {
    const rec = await requireInstance(this.rc, replicaId);
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(replicaId);
    // pg_promote without waiting, then a 10 ms poll (pg_ctl promote -w polls every 100 ms).
    const { c, done } = await this.#use(rec);
    try {
      await c.query('SELECT pg_promote(false)');
      const end = Date.now() + 60_000;
      while ((await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r) {
        if (Date.now() > end)
          throw new EnvironmentError(`Instance ${replicaId} did not leave recovery within 60 s of pg_promote().`, {
            hint: `Look at ${this.rc.layout.logFile(replicaId)}.`,
          });
        await sleep(10);
      }
    } finally {
      await done();
      this.#held.delete(replicaId);
      await c.end().catch(() => undefined);
    }
    await setAutoConf(tb, dataDir, { primary_conninfo: undefined, recovery_target_timeline: undefined });
    await rm(this.rc.layout.passFile(replicaId), { force: true });
    const oldId = rec.replicaSourceId;
    const old = oldId ? await readInstance(this.rc, oldId) : undefined;
    const siblings = (old?.replicaIds ?? []).filter((x) => x !== replicaId);
    await updateInstance(this.rc, replicaId, (r) => ({
      ...r,
      status: 'available',
      replicaSourceId: undefined,
      replicaIds: [...new Set([...r.replicaIds, ...siblings])],
    }));
    if (old) await updateInstance(this.rc, old.id, (r) => ({ ...r, replicaIds: [] }));
    const fork = await newestSwitchpoint(dataDir);
    if (!fork) throw new EnvironmentError(`Instance ${replicaId} was promoted but wrote no timeline history.`);
    return { lsn: fork.switchpoint };
  }

  async follow(oldPrimaryId: string, newPrimaryId: string): Promise<FollowResult> {
    const tb = await this.#tb();
    const old = await requireInstance(this.rc, oldPrimaryId);
    const target = await requireInstance(this.rc, newPrimaryId);
    const dataDir = this.rc.layout.dataDir(oldPrimaryId);
    if (await isRunning(tb, dataDir)) await stopCluster(tb, oldPrimaryId, dataDir);
    const cred = await instanceCredential(this.rc, newPrimaryId);
    // pg_rewind (15) reads the source's timeline from its control file: a just-promoted
    // server has not written its new timeline there until a checkpoint.
    const src = await this.#session(target);
    try {
      await src.query('CHECKPOINT');
    } finally {
      await src.end().catch(() => undefined);
    }
    await writePassFile(tb, this.rc.layout.passFile(oldPrimaryId), target.port, cred);
    const source = [
      `host=${LOCAL_HOST}`,
      `port=${target.port}`,
      `user=${cred.masterUsername}`,
      `passfile=${this.rc.layout.passFile(oldPrimaryId)}`,
      'dbname=postgres',
    ].join(' ');
    const res = await pgRunUnchecked(
      tb,
      'pg_rewind',
      ['--target-pgdata', dataDir, '--source-server', source],
      `Rewinding instance ${oldPrimaryId} (pg_rewind)`,
    );
    if (res.code !== 0) {
      throw new EnvironmentError(`Rewinding instance ${oldPrimaryId} (pg_rewind) failed: ${meaningfulLine(res.stderr || res.stdout)}`, {
        hint: `It stays stopped with standby.signal (it cannot take writes). Rebuild it as a replica by hand: runbooks/switchover.md, step SO-9.`,
      });
    }
    const rewound = !/no rewind required/i.test(res.stderr + res.stdout);
    // pg_rewind copies the source's configuration: put this instance's own settings back.
    await configureCluster(
      tb,
      dataDir,
      await instanceSettings(this.rc, tb, { id: oldPrimaryId, port: old.port, backupRetentionDays: old.backupRetentionDays }),
    );
    await this.#standbyFiles(tb, oldPrimaryId, newPrimaryId);
    await startCluster(tb, oldPrimaryId, dataDir, this.rc.layout.logFile(oldPrimaryId));
    await updateInstance(this.rc, oldPrimaryId, (r) => ({
      ...r,
      status: 'available',
      replicaSourceId: newPrimaryId,
      replicaIds: [],
      fenced: undefined,
    }));
    await updateInstance(this.rc, newPrimaryId, (r) => ({ ...r, replicaIds: [...new Set([...r.replicaIds, oldPrimaryId])] }));
    return {
      rewound,
      replicaId: oldPrimaryId,
      detail: rewound ? 'pg_rewind rewrote diverged pages, then standby' : 'no rewind needed; started as a standby',
    };
  }

  async repoint(replicaId: string, newPrimaryId: string): Promise<RepointResult> {
    const tb = await this.#tb();
    await this.#standbyFiles(tb, replicaId, newPrimaryId);
    const dataDir = this.rc.layout.dataDir(replicaId);
    if (await isRunning(tb, dataDir))
      await pgRun(tb, 'pg_ctl', ['-D', dataDir, 'reload'], `Reloading instance ${replicaId} (pg_ctl reload)`);
    await updateInstance(this.rc, replicaId, (r) => ({ ...r, replicaSourceId: newPrimaryId }));
    return { follows: true, detail: `${replicaId} follows ${newPrimaryId}` };
  }

  async fence(oldPrimaryId: string, record: Omit<FenceRecord, 'actions'>): Promise<FenceRecord> {
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(oldPrimaryId);
    const actions: string[] = [];
    const pid = await postmasterPid(dataDir);
    if (pid && processAlive(pid)) {
      const res = await pgRunUnchecked(
        tb,
        'pg_ctl',
        ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
        `Stopping instance ${oldPrimaryId} (pg_ctl stop -m immediate)`,
      );
      // pg_ctl returns once the postmaster has removed its pid file, a moment before the process is gone.
      for (let i = 0; i < 500 && processAlive(pid); i++) await sleep(10);
      if (processAlive(pid))
        throw new EnvironmentError(
          `Stopping instance ${oldPrimaryId} (pg_ctl stop -m immediate) failed: ${meaningfulLine(res.stderr || res.stdout)}`,
          { hint: `Stop its postmaster (pid ${pid}) by hand, then run the failover again.` },
        );
      actions.push('server stopped (pg_ctl stop -m immediate)');
    } else {
      actions.push('server was not running');
    }
    // A dead postmaster's pid file (a kill -9 whose zombie nobody reaped) would block a start forever.
    if (pid && !processAlive(pid)) await rm(join(dataDir, 'postmaster.pid'), { force: true });
    await this.#standbyFiles(tb, oldPrimaryId, record.newPrimaryId);
    actions.push(`standby.signal written: a manual start comes up read-only, following ${record.newPrimaryId}`);
    const fenced: FenceRecord = { ...record, actions: [...actions, 'fence recorded: dbops refuses to start it'] };
    await updateInstance(this.rc, oldPrimaryId, (r) => ({ ...r, status: 'stopped', fenced, replicaIds: [] }));
    return fenced;
  }

  async lossSince(oldPrimaryId: string, promotedAtLsn: string): Promise<WalLoss | undefined> {
    const tb = await this.#tb();
    const dataDir = this.rc.layout.dataDir(oldPrimaryId);
    try {
      const wal = await walSince(tb, dataDir, promotedAtLsn);
      return {
        oldPrimaryLsn: wal.endLsn,
        promotedAtLsn,
        bytes: lsnBytesBehind(wal.endLsn, promotedAtLsn),
        transactions: wal.commits,
        source: `pg_waldump of ${oldPrimaryId}'s WAL past the fork point`,
      };
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.release();
    await this.pooler?.release();
  }
}

export async function createLocalFailover(
  opts: LocalProviderOptions,
  _base: Provider,
  internals: LocalProviderInternals & { pgbouncer?: string | null } = {},
): Promise<FailoverApi> {
  const rc = regionContext(createShared(opts, internals), opts.region);
  const bouncer = internals.pgbouncer === null ? undefined : (internals.pgbouncer ?? (await findPgbouncer(opts.env)));
  return new LocalFailover(rc, bouncer);
}

/**
 * A fast shutdown by signal (what `pg_ctl stop -m fast` sends), polled every 10 ms rather
 * than pg_ctl's 100 ms: the write pause waits on it. Still a clean shutdown: the shutdown
 * checkpoint is written and handed to every connected standby before the postmaster exits.
 */
async function fastStop(id: string, dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw new EnvironmentError(`Stopping instance ${id} failed: ${(e as Error).message}`, { cause: e });
  }
  const pidFile = join(dataDir, 'postmaster.pid');
  const end = Date.now() + 120_000;
  for (;;) {
    const gone = await access(pidFile).then(
      () => false,
      () => true,
    );
    if (gone) return;
    if (Date.now() > end) throw new EnvironmentError(`Instance ${id} did not stop within 120 s of a fast shutdown.`);
    await sleep(10);
  }
}
