/**
 * The local connection layer: a real pgbouncer (Debian package `pgbouncer`) in front of a
 * local primary, on its own free port on 127.0.0.1, run as the unprivileged OS user like
 * PostgreSQL (pgbouncer refuses to run as root). Its auth file (plain passwords, which
 * pgbouncer needs to log in to the server with SCRAM) and its ini are mode 0600. The
 * admin console (database `pgbouncer`, user `dbops_pool_admin`) does PAUSE / RELOAD /
 * RESUME and SHOW POOLS.
 *
 *   $DBOPS_HOME/local/<region>/poolers/<name>/pooler.json      record (no password)
 *   $DBOPS_HOME/local/<region>/poolers/<name>/pgbouncer.ini    0600
 *   $DBOPS_HOME/local/<region>/poolers/<name>/userlist.txt     0600 auth file
 *   $DBOPS_HOME/local/<region>/poolers/<name>/pgbouncer.{pid,log}
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type pg from 'pg';
import { EnvironmentError, NotFoundError, UsageError, messageOf } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import {
  type EnsurePoolerInput,
  type PoolFigures,
  type PoolerApi,
  type PoolerConnection,
  type PoolerState,
  refusePgbouncerOnMysql,
} from '../failover-types.js';
import type { WaitOptions } from '../types.js';
import { processAlive, writeOwned } from './cluster.js';
import { prepareRegion, type RegionContext } from './context.js';
import { instanceCredential, requireInstance } from './instance-store.js';
import { giveTo } from './os-user.js';
import { assertPortFree, freePort } from './ports.js';
import { runUnchecked } from './process.js';
import { LOCAL_HOST, managedTags } from './records.js';
import { readJson, writeJsonAtomic } from './state.js';
import { validateInstanceId } from './validate.js';

export const POOL_ADMIN_USER = 'dbops_pool_admin';
const SECRET_PREFIX = 'pgbouncer:';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/** pooler.json */
export interface PoolerRecord {
  version: 1;
  name: string;
  region: string;
  port: number;
  targetId: string;
  /** The target's database name and master user (the application's). */
  dbName: string;
  user: string;
  settings: Pick<EnsurePoolerInput, 'poolMode' | 'defaultPoolSize' | 'minPoolSize' | 'maxDbConnections' | 'reservePoolSize'>;
  tags: Record<string, string>;
  createdAt: string;
}

export function poolersDir(rc: RegionContext): string {
  return join(rc.layout.regionDir, 'poolers');
}

function dirOf(rc: RegionContext, name: string): string {
  validateInstanceId(name);
  return join(poolersDir(rc), name);
}

/** Where pgbouncer is: PATH, then Debian's /usr/sbin. */
export async function findPgbouncer(env: Record<string, string | undefined>): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
  for (const dir of dirs) {
    const file = join(dir, 'pgbouncer');
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

/** A pgbouncer.ini value: quoted when it has anything but plain characters. */
function iniValue(v: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(v) ? v : `'${v.replace(/'/g, "''")}'`;
}

/** The pgbouncer.ini dbops writes. Pure. */
export function pgbouncerIni(dir: string, rec: PoolerRecord, targetPort: number): string {
  const s = rec.settings;
  const conn = (db: string) => `host=${LOCAL_HOST} port=${targetPort} dbname=${iniValue(db)}`;
  const dbs = [...new Set([rec.dbName, 'postgres'])];
  return [
    '; Written by dbops: loopback only, SCRAM, the seed 001 pool sizes. Do not edit: dbops rewrites it.',
    '[databases]',
    ...dbs.map((db) => `${db} = ${conn(db)}`),
    '',
    '[pgbouncer]',
    `listen_addr = ${LOCAL_HOST}`,
    `listen_port = ${rec.port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `admin_users = ${POOL_ADMIN_USER}`,
    `stats_users = ${POOL_ADMIN_USER}`,
    `pool_mode = ${s.poolMode}`,
    `default_pool_size = ${s.defaultPoolSize}`,
    `min_pool_size = ${s.minPoolSize}`,
    `reserve_pool_size = ${s.reservePoolSize}`,
    `max_db_connections = ${s.maxDbConnections}`,
    'max_client_conn = 500',
    // A switchover stops the old server: log in to the new one at once, not after 15 s.
    'server_login_retry = 1',
    'server_connect_timeout = 5',
    'ignore_startup_parameters = extra_float_digits,options',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n');
}

/** userlist.txt: "user" "password" per line. Pure. */
export function userlist(entries: { user: string; password: Secret }[]): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  return entries.map((e) => `${q(e.user)} ${q(e.password.reveal())}`).join('\n') + '\n';
}

export async function pgbouncerPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'pgbouncer.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SHOW POOLS rows -> figures. Pure. */
export function poolFigures(rows: Record<string, unknown>[]): PoolFigures[] {
  const n = (v: unknown) => Number(v ?? 0);
  return rows
    .filter((r) => r.database !== 'pgbouncer')
    .map((r) => ({
      database: String(r.database),
      user: String(r.user),
      clientsActive: n(r.cl_active),
      clientsWaiting: n(r.cl_waiting),
      serversActive: n(r.sv_active),
      serversIdle: n(r.sv_idle),
      maxWaitSeconds: n(r.maxwait) + n(r.maxwait_us) / 1e6,
      poolMode: String(r.pool_mode ?? ''),
    }));
}

export class LocalPgbouncer implements PoolerApi {
  readonly kind = 'pgbouncer' as const;
  /** The admin session that sent PAUSE, kept for RELOAD and RESUME: no logins inside the write pause. */
  readonly #held = new Map<string, pg.Client>();
  constructor(
    private readonly rc: RegionContext,
    private readonly binary: string | undefined,
  ) {}

  #record(name: string): Promise<PoolerRecord | undefined> {
    return readJson<PoolerRecord>(join(dirOf(this.rc, name), 'pooler.json'));
  }

  async #require(name: string): Promise<PoolerRecord> {
    const rec = await this.#record(name);
    if (!rec) {
      throw new NotFoundError(`No connection pool ${name} in ${this.rc.region} (local provider).`, {
        hint: 'Configure connectionPool in dbops.config.yaml and run `dbops provision apply`.',
      });
    }
    return rec;
  }

  async #adminPassword(name: string): Promise<Secret> {
    const cred = await this.rc.shared.secrets.get('instances', this.rc.region, SECRET_PREFIX + name);
    if (!cred) throw new EnvironmentError(`The secrets file has no admin password for connection pool ${name}.`);
    return cred.password;
  }

  /** Runs admin console commands on one connection. */
  async #admin<T>(rec: PoolerRecord, fn: (c: pg.Client) => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const { default: pgLib } = await import('pg');
    const password = await this.#adminPassword(rec.name);
    const client = new pgLib.Client({
      host: LOCAL_HOST,
      port: rec.port,
      user: POOL_ADMIN_USER,
      password: password.reveal(),
      database: 'pgbouncer',
      ssl: false,
      connectionTimeoutMillis: timeoutMs,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async #answers(rec: PoolerRecord): Promise<boolean> {
    return this.#admin(rec, async (c) => (await c.query('SHOW VERSION')).rows.length > 0, 2000).catch(() => false);
  }

  async #state(rec: PoolerRecord): Promise<PoolerState> {
    const running = (await pgbouncerPid(dirOf(this.rc, rec.name))) !== undefined && (await this.#answers(rec));
    const pools = running ? await this.#admin(rec, async (c) => poolFigures((await c.query('SHOW POOLS')).rows)).catch(() => []) : [];
    return {
      kind: 'pgbouncer',
      name: rec.name,
      endpoint: { host: LOCAL_HOST, port: rec.port },
      running,
      targetId: rec.targetId,
      pools,
      targets: [
        {
          instanceId: rec.targetId,
          state: running ? 'AVAILABLE' : 'UNAVAILABLE',
          ...(running ? {} : { reason: 'pgbouncer is not running' }),
        },
      ],
      requireTls: false,
    };
  }

  async find(primaryId: string): Promise<PoolerState | undefined> {
    const names = await readdir(poolersDir(this.rc)).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const rec = await this.#record(name).catch(() => undefined);
      if (rec && rec.targetId === primaryId) return this.#state(rec);
    }
    return undefined;
  }

  async describe(name: string): Promise<PoolerState> {
    return this.#state(await this.#require(name));
  }

  #needBinary(): string {
    if (this.binary) return this.binary;
    throw new EnvironmentError('pgbouncer is not installed, so the local provider cannot run the connection pool.', {
      hint: 'Install it (Debian/Ubuntu: apt-get install pgbouncer; macOS: brew install pgbouncer), or turn connectionPool off.',
    });
  }

  async ensure(input: EnsurePoolerInput): Promise<PoolerState> {
    const binary = this.#needBinary();
    const target = await requireInstance(this.rc, input.targetId);
    refusePgbouncerOnMysql(target.engine, 'pgbouncer');
    if (target.replicaSourceId) {
      throw new UsageError(`Instance ${target.id} is a read replica; a connection pool fronts the primary.`, {
        hint: `Point connectionPool at the primary, ${target.replicaSourceId}.`,
      });
    }
    const tb = await prepareRegion(this.rc);
    const dir = dirOf(this.rc, input.name);
    let rec = await this.#record(input.name);
    if (!rec) {
      await mkdir(poolersDir(this.rc), { recursive: true, mode: 0o755 });
      await mkdir(dir, { mode: 0o755 });
      await giveTo(tb.runAs, dir);
      if (input.port !== undefined) await assertPortFree(this.rc.shared.opts.home, input.port);
      rec = {
        version: 1,
        name: input.name,
        region: this.rc.region,
        port: input.port ?? (await freePort(this.rc.shared.opts.home)),
        targetId: target.id,
        dbName: target.dbName,
        user: target.masterUsername,
        settings: {
          poolMode: input.poolMode,
          defaultPoolSize: input.defaultPoolSize,
          minPoolSize: input.minPoolSize,
          maxDbConnections: input.maxDbConnections,
          reservePoolSize: input.reservePoolSize,
        },
        tags: managedTags(input.tags),
        createdAt: this.rc.shared.now().toISOString(),
      };
      const admin = new Secret(randomBytes(24).toString('base64url'));
      registerSecret(admin);
      await this.rc.shared.secrets.put('instances', this.rc.region, SECRET_PREFIX + input.name, {
        masterUsername: POOL_ADMIN_USER,
        password: admin,
      });
      await writeJsonAtomic(join(dir, 'pooler.json'), rec);
    }
    await this.#writeFiles(rec);
    if (!(await pgbouncerPid(dir))) await this.#start(rec, binary);
    return this.#state(rec);
  }

  async #writeFiles(rec: PoolerRecord): Promise<void> {
    const tb = await this.rc.shared.toolbox();
    const dir = dirOf(this.rc, rec.name);
    const target = await requireInstance(this.rc, rec.targetId);
    const cred = await instanceCredential(this.rc, rec.targetId);
    const admin = await this.#adminPassword(rec.name);
    await writeOwned(
      tb,
      join(dir, 'userlist.txt'),
      userlist([
        { user: cred.masterUsername, password: cred.password },
        { user: POOL_ADMIN_USER, password: admin },
      ]),
    );
    await writeOwned(tb, join(dir, 'pgbouncer.ini'), pgbouncerIni(dir, rec, target.port));
  }

  async #start(rec: PoolerRecord, binary: string): Promise<void> {
    const tb = await this.rc.shared.toolbox();
    const dir = dirOf(this.rc, rec.name);
    const res = await runUnchecked(binary, ['-d', '-q', join(dir, 'pgbouncer.ini')], {
      step: `Starting pgbouncer for ${rec.name}`,
      env: tb.env,
      runAs: tb.runAs,
      timeoutMs: START_TIMEOUT_MS,
    });
    const end = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < end) {
      if ((await pgbouncerPid(dir)) && (await this.#answers(rec))) return;
      await sleep(100);
    }
    const log = (await readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' ');
    throw new EnvironmentError(
      `pgbouncer for ${rec.name} did not start on ${LOCAL_HOST}:${rec.port}: ${(res.stderr.trim() || log || `exit code ${res.code}`).slice(0, 400)}`,
      {
        hint: `Its log is ${join(dir, 'pgbouncer.log')}.`,
      },
    );
  }

  async #adminClient(rec: PoolerRecord): Promise<pg.Client> {
    const { default: pgLib } = await import('pg');
    const password = await this.#adminPassword(rec.name);
    const client = new pgLib.Client({
      host: LOCAL_HOST,
      port: rec.port,
      user: POOL_ADMIN_USER,
      password: password.reveal(),
      database: 'pgbouncer',
      ssl: false,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async prepare(name: string): Promise<void> {
    const rec = await this.#require(name);
    await this.#running(rec);
    if (!this.#held.has(name)) this.#held.set(name, await this.#adminClient(rec));
  }

  /** Closes admin sessions still held (a run that ended between prepare and resume). */
  async release(): Promise<void> {
    const all = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  }

  async pause(name: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    const rec = await this.#require(name);
    let client = this.#held.get(name);
    if (!client) {
      await this.#running(rec);
      client = await this.#adminClient(rec);
    }
    let timer: NodeJS.Timeout | undefined;
    let held = false;
    try {
      await Promise.race([
        client.query('PAUSE'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new EnvironmentError(`pgbouncer ${name} could not pause within ${opts.timeoutMs} ms: transactions were still running.`, {
                  hint: 'Retry when long transactions have finished, or give a longer --timeout.',
                }),
              ),
            opts.timeoutMs,
          );
        }),
      ]);
      this.#held.set(name, client);
      held = true;
    } catch (e) {
      // The PAUSE is still pending on this session: RESUME on a fresh one cancels it.
      this.#held.delete(name);
      await this.resume(name).catch(() => undefined);
      throw e;
    } finally {
      clearTimeout(timer);
      if (!held) await client.end().catch(() => undefined);
    }
  }

  /** Runs one admin command on the held session, or on a new one. */
  async #command(rec: PoolerRecord, sql: string): Promise<void> {
    const held = this.#held.get(rec.name);
    if (held) {
      try {
        await held.query(sql);
        return;
      } catch (e) {
        if (/not paused/i.test(messageOf(e))) throw e;
        this.#held.delete(rec.name);
        await held.end().catch(() => undefined);
      }
    }
    await this.#admin(rec, async (c) => {
      await c.query(sql);
    });
  }

  async #running(rec: PoolerRecord): Promise<void> {
    if ((await pgbouncerPid(dirOf(this.rc, rec.name))) && (await this.#answers(rec))) return;
    throw new EnvironmentError(`The connection pool ${rec.name} is configured but pgbouncer is not running.`, {
      hint: 'Start it with `dbops provision apply` (it starts a configured pool), then retry.',
    });
  }

  async retarget(name: string, instanceId: string, _opts: WaitOptions): Promise<void> {
    const rec = await this.#require(name);
    const target = await requireInstance(this.rc, instanceId);
    const next: PoolerRecord = { ...rec, targetId: instanceId };
    const tb = await this.rc.shared.toolbox();
    await writeOwned(tb, join(dirOf(this.rc, name), 'pgbouncer.ini'), pgbouncerIni(dirOf(this.rc, name), next, target.port));
    await this.#command(next, 'RELOAD');
    await writeJsonAtomic(join(dirOf(this.rc, name), 'pooler.json'), next);
  }

  async resume(name: string): Promise<void> {
    const rec = await this.#require(name);
    try {
      await this.#command(rec, 'RESUME');
    } catch (e) {
      // "pooler is not paused/suspended": already flowing.
      if (!/not paused/i.test(messageOf(e))) throw e;
    } finally {
      const held = this.#held.get(name);
      this.#held.delete(name);
      await held?.end().catch(() => undefined);
    }
  }

  async connection(name: string): Promise<PoolerConnection> {
    const rec = await this.#require(name);
    const cred = await instanceCredential(this.rc, rec.targetId);
    return { host: LOCAL_HOST, port: rec.port, user: rec.user, database: rec.dbName, password: cred.password, ssl: 'disable' };
  }

  async stop(name: string): Promise<void> {
    await stopPgbouncerIn(dirOf(this.rc, name));
  }

  async remove(name: string): Promise<void> {
    await this.stop(name);
    await rm(dirOf(this.rc, name), { recursive: true, force: true });
    await this.rc.shared.secrets.remove('instances', this.rc.region, SECRET_PREFIX + name);
  }

  /** Stops (and removes) every pool in front of an instance that is being deleted. */
  async removeFor(instanceId: string): Promise<void> {
    const names = await readdir(poolersDir(this.rc)).catch(() => [] as string[]);
    for (const name of names) {
      const rec = await this.#record(name).catch(() => undefined);
      if (rec?.targetId === instanceId) await this.remove(name);
    }
  }

  /** Stops every pool in front of an instance that stops (they start again with provision apply). */
  async stopFor(instanceId: string): Promise<void> {
    const names = await readdir(poolersDir(this.rc)).catch(() => [] as string[]);
    for (const name of names) {
      const rec = await this.#record(name).catch(() => undefined);
      if (rec?.targetId === instanceId) await this.stop(name);
    }
  }
}

/** SIGTERM (immediate shutdown), then SIGKILL if it lingers. */
export async function stopPgbouncerIn(dir: string): Promise<void> {
  const pid = await pgbouncerPid(dir);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < end && processAlive(pid)) await sleep(50);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(join(dir, 'pgbouncer.pid'), { force: true });
}
