/**
 * The migration lock: one session-level PostgreSQL advisory lock held for a whole
 * `migrate up` / `down` / `baseline` run, so two runners (two deploys, two cron jobs) never
 * apply the same migration. A runner that finds it taken polls pg_try_advisory_lock until
 * its lock timeout, the way lock_timeout bounds any lock wait, then gives up (exit 3)
 * naming who holds it. Advisory locks are per database; a crashed runner's lock goes with
 * its session.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { Client } from 'pg';
import { EnvironmentError, Interrupted } from '../errors.js';
import { describeDuration } from '../duration.js';

/** The advisory lock key of dbops migrations: the bytes of "dbopmigr" as a bigint. */
export const MIGRATE_LOCK_KEY = 0x64626f706d696772n;

/** The session holding the lock, from pg_locks and pg_stat_activity. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  user: string;
  since?: Date;
}

export interface AcquireOptions {
  /** Give up after this long; 0 waits until the lock is free or the signal aborts. */
  timeoutMs: number;
  /** Shown in the error: the database, e.g. "demo-db". */
  label: string;
  signal?: AbortSignal;
  /** Called once, when the lock is taken and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Seams for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

async function tryLock(client: Client): Promise<boolean> {
  const r = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${MIGRATE_LOCK_KEY}) AS locked`);
  return r.rows[0]!.locked;
}

/** Who holds the migration lock in this database (undefined when nobody, or not visible). */
export async function lockHolder(client: Client): Promise<LockHolder | undefined> {
  const hi = Number(MIGRATE_LOCK_KEY >> 32n);
  const lo = Number(MIGRATE_LOCK_KEY & 0xffffffffn);
  try {
    const r = await client.query<{
      pid: number;
      application_name: string | null;
      usename: string | null;
      xact_start: Date | null;
      backend_start: Date | null;
    }>(
      `SELECT l.pid, a.application_name, a.usename, a.backend_start, a.xact_start
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        LIMIT 1`,
      [hi, lo],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return { pid: row.pid, applicationName: row.application_name ?? '', user: row.usename ?? '', since: row.backend_start ?? undefined };
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another session';
  const app = h.applicationName ? `, application "${h.applicationName}"` : '';
  const user = h.user ? `, user ${h.user}` : '';
  const since = h.since ? `, connected since ${h.since.toISOString()}` : '';
  return `pid ${h.pid}${app}${user}${since}`;
}

/** How one engine takes the lock without waiting and names who holds it (engines/). */
export interface LockOps {
  tryLock(): Promise<boolean>;
  holder(): Promise<LockHolder | undefined>;
  /**
   * Waits for the lock on the server for up to `timeoutMs` (0: no limit); true when taken.
   * Engines with a server-side wait (MySQL's GET_LOCK(name, timeout)) use it instead of polling.
   */
  wait?(timeoutMs: number): Promise<boolean>;
}

/** Takes the PostgreSQL migration lock, waiting up to `timeoutMs`. Returns how long it waited. */
export function acquireMigrationLock(client: Client, opts: AcquireOptions): Promise<{ waitedMs: number }> {
  return acquireLock({ tryLock: () => tryLock(client), holder: () => lockHolder(client) }, opts);
}

/** Takes a migration lock through an engine's operations, polling up to `timeoutMs`. Returns how long it waited. */
export async function acquireLock(lock: LockOps, opts: AcquireOptions): Promise<{ waitedMs: number }> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? pause;
  const started = now();
  if (await lock.tryLock()) return { waitedMs: 0 };
  let holder = await lock.holder();
  opts.onWait?.(holder);
  const gaveUp = async () => {
    holder = (await lock.holder()) ?? holder;
    return new EnvironmentError(
      `Another migration run holds the dbops migration lock on ${opts.label} (${describeHolder(holder)}); gave up after ${describeDuration(opts.timeoutMs)}.`,
      {
        hint: 'Let it finish and run again, or wait longer with --lock-timeout (0 waits until it is free). A crashed run releases the lock when its connection closes.',
        details: { holder },
      },
    );
  };
  if (lock.wait) {
    const taken = await lock.wait(opts.timeoutMs).catch((e: unknown) => {
      if (opts.signal?.aborted) return false;
      throw e;
    });
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    if (taken) return { waitedMs: now() - started };
    throw await gaveUp();
  }
  let delay = 25;
  for (;;) {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    const elapsed = now() - started;
    if (opts.timeoutMs > 0 && elapsed >= opts.timeoutMs) throw await gaveUp();
    const left = opts.timeoutMs > 0 ? opts.timeoutMs - elapsed : Infinity;
    await sleep(Math.max(1, Math.min(delay, left)));
    delay = Math.min(delay * 2, 250);
    if (await lock.tryLock()) return { waitedMs: now() - started };
  }
}

/** Releases the lock (closing the session releases it too). */
export async function releaseMigrationLock(client: Client): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`);
}
