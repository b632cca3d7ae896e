/**
 * One MariaDB server on this machine, standing in for MySQL 8.0 (a local `mysql`
 * instance): mariadb-install-db into its own data directory, its own my.cnf (port on
 * 127.0.0.1, its own socket, MySQL 8.0's sql_mode), start (mariadbd, detached), stop,
 * and "does it answer". Every binary runs through the MariaDB toolbox, as the `mysql`
 * OS user when dbops is root.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { onEmergency } from '../../emergency.js';
import { EnvironmentError, messageOf } from '../../errors.js';
import type { Secret } from '../../secret.js';
import { isClusterProcess, killStragglers, processAlive } from './cluster.js';
import type { RegionLayout } from './layout.js';
import { giveTo } from './os-user.js';
import { childEnv, scrub, throwIfAborted } from './process.js';
import { LOCAL_HOST } from './records.js';
import { mariaRun, type MariaToolbox } from './toolbox.js';

/** Where one MariaDB instance keeps its things (all inside its instance directory, but the socket when that path is too long). */
export interface MariaPaths {
  id: string;
  instanceDir: string;
  dataDir: string;
  cnf: string;
  log: string;
  pidFile: string;
  socket: string;
}

/** A Unix socket path has room for 107 bytes; longer instance paths put the socket in /tmp under a name derived from them. */
const MAX_SOCKET_PATH = 100;

export function mariaPaths(layout: RegionLayout, id: string): MariaPaths {
  const instanceDir = layout.instanceDir(id);
  const inDir = join(instanceDir, 'mariadbd.sock');
  const socket =
    inDir.length <= MAX_SOCKET_PATH
      ? inDir
      : join('/tmp', `dbops-mariadb-${createHash('sha256').update(instanceDir).digest('hex').slice(0, 20)}.sock`);
  return {
    id,
    instanceDir,
    dataDir: layout.dataDir(id),
    cnf: join(instanceDir, 'my.cnf'),
    log: join(instanceDir, 'mariadb.log'),
    pidFile: join(instanceDir, 'mariadbd.pid'),
    socket,
  };
}

/** MySQL 8.0's default sql_mode (MariaDB 10.11's differs: no ONLY_FULL_GROUP_BY, NO_ZERO_DATE, ...). */
export const MYSQL80_SQL_MODE =
  'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/** A string literal for SQL that MariaDB reads with its default sql_mode (backslash escapes on). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export interface MariaAccounts {
  rootPassword: Secret;
  masterUsername: string;
  password: Secret;
  dbName: string;
}

/**
 * The SQL mariadb-install-db runs after its own bootstrap (--extra-file): root only on
 * the socket with its own password (Debian's bootstrap also makes password-less root
 * accounts for 127.0.0.1, ::1 and the host name: removed), the master user from anywhere
 * (the server listens on 127.0.0.1 only) with every privilege, as RDS' master user, and
 * the first database. The bootstrap runs without grant tables until FLUSH PRIVILEGES.
 */
export function bootstrapSql(a: MariaAccounts): string {
  return [
    'FLUSH PRIVILEGES;',
    "DELETE FROM mysql.global_priv WHERE (User = 'root' AND Host <> 'localhost') OR User = '';",
    "DELETE FROM mysql.proxies_priv WHERE User = 'root' AND Host <> 'localhost';",
    'FLUSH PRIVILEGES;',
    `ALTER USER 'root'@'localhost' IDENTIFIED BY ${sqlString(a.rootPassword.reveal())};`,
    `CREATE USER ${sqlString(a.masterUsername)}@'%' IDENTIFIED BY ${sqlString(a.password.reveal())};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${sqlString(a.masterUsername)}@'%' WITH GRANT OPTION;`,
    `CREATE DATABASE IF NOT EXISTS ${sqlIdent(a.dbName)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    '',
  ].join('\n');
}

/** mariadb-install-db into a new data directory; the accounts' SQL goes through a 0600 file removed right after. */
export async function installDb(tb: MariaToolbox, p: MariaPaths, a: MariaAccounts, signal?: AbortSignal): Promise<void> {
  await mkdir(p.dataDir, { mode: 0o700 });
  await giveTo(tb.runAs, p.dataDir);
  const sqlFile = join(p.instanceDir, `.bootstrap-${randomBytes(6).toString('hex')}.sql`);
  await writeFile(sqlFile, bootstrapSql(a), { mode: 0o600, flag: 'wx' });
  try {
    await giveTo(tb.runAs, sqlFile);
    const args = [
      '--no-defaults',
      `--datadir=${p.dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      `--extra-file=${sqlFile}`,
    ];
    await mariaRun(tb, 'mariadb-install-db', args, `Initializing the MariaDB data directory of instance ${p.id} (mariadb-install-db)`, {
      secrets: [a.password.reveal(), a.rootPassword.reveal()],
      signal,
    });
  } finally {
    await rm(sqlFile, { force: true });
  }
}

/** my.cnf of one instance: read by mariadbd (--defaults-file) and by mariadb-backup --copy-back. */
export function serverConfig(p: MariaPaths, port: number, opts: { temporary?: boolean } = {}): string {
  const lines = [
    '# Written by dbops: a MariaDB server standing in for MySQL 8.0 (local provider).',
    '[mariadbd]',
    `datadir=${p.dataDir}`,
    `port=${port}`,
    `bind-address=${LOCAL_HOST}`,
    `socket=${p.socket}`,
    `pid-file=${p.pidFile}`,
    `log-error=${p.log}`,
    'skip-name-resolve',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_unicode_ci',
    `sql_mode=${MYSQL80_SQL_MODE}`,
    'innodb_buffer_pool_size=128M',
  ];
  // A temporary restore (restore test, drill) is thrown away: commits need not reach the disk.
  if (opts.temporary) lines.push('innodb_flush_log_at_trx_commit=0');
  return `${lines.join('\n')}\n`;
}

export async function writeServerConfig(tb: MariaToolbox, p: MariaPaths, port: number, opts: { temporary?: boolean } = {}): Promise<void> {
  const tmp = `${p.cnf}.dbops-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, serverConfig(p, port, opts), { mode: 0o644, flag: 'wx' });
  await giveTo(tb.runAs, tmp);
  await rename(tmp, p.cnf);
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
const POLL_MS = 25;

/** The pid in the server's pid file, when it names this instance's live server (cwd = its data directory). */
export async function serverPid(p: MariaPaths): Promise<number | undefined> {
  const text = await readFile(p.pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isClusterProcess(pid, p.dataDir) ? pid : undefined;
}

export async function isServerRunning(p: MariaPaths): Promise<boolean> {
  return (await serverPid(p)) !== undefined;
}

/** Why a start failed: the first [ERROR] line this start wrote to the log ("Aborting" says nothing). */
function startError(logText: string): string {
  const lines = logText.split('\n').filter((l) => /\[ERROR\]/.test(l) && !/\[ERROR\]\s+Aborting\s*$/.test(l));
  const line = lines[0]?.replace(/^.*?\[ERROR\]\s*/, '').trim();
  return scrub(line ?? '');
}

async function logFrom(file: string, offset: number): Promise<string> {
  const buf = await readFile(file).catch(() => Buffer.alloc(0));
  return buf.subarray(Math.min(offset, buf.length)).toString('utf8');
}

/**
 * Starts mariadbd detached (it outlives dbops, as an instance should) and waits until its
 * log says "ready for connections" for this start. A server that exits first is a failure
 * quoting its log; an abort (Ctrl-C) kills it and is an interruption.
 */
export async function startServer(tb: MariaToolbox, p: MariaPaths, opts: { signal?: AbortSignal; keptLog?: string } = {}): Promise<void> {
  if (await isServerRunning(p)) return;
  const offset = (await stat(p.log).catch(() => ({ size: 0 }))).size;
  const env = childEnv({ step: '', env: tb.env, runAs: tb.runAs });
  const child = spawn(tb.bins.path('mariadbd'), [`--defaults-file=${p.cnf}`], {
    detached: true,
    stdio: 'ignore',
    env,
    cwd: '/',
    uid: tb.runAs?.uid,
    gid: tb.runAs?.gid,
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (spawnError = e));
  child.unref();
  const kill = (): void => {
    if (child.pid !== undefined && exited === undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  // A second Ctrl-C quits at once: never with a half-started server left behind.
  const forget = onEmergency(kill);
  try {
    const until = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (spawnError) {
        throw new EnvironmentError(`Starting instance ${p.id} (mariadbd) failed: ${scrub(messageOf(spawnError))}.`, {
          hint: 'Check that MariaDB is installed (apt-get install mariadb-server mariadb-backup).',
        });
      }
      if (opts.signal?.aborted) {
        kill();
        await waitExit(() => exited !== undefined, 10_000);
        throwIfAborted(opts.signal);
      }
      const text = await logFrom(p.log, offset);
      if (/ready for connections/.test(text) && exited === undefined) return;
      if (exited !== undefined || Date.now() > until) {
        kill();
        await waitExit(() => exited !== undefined, 10_000);
        const why =
          startError(await logFrom(p.log, offset)) ||
          (exited ? `mariadbd exited with code ${exited.code}` : 'it did not become ready within 120 s');
        throw new EnvironmentError(`Starting instance ${p.id} (mariadbd) failed: ${why}`, {
          hint: `The server log is ${opts.keptLog ?? p.log}.`,
        });
      }
      await sleep(POLL_MS);
    }
  } finally {
    forget();
  }
}

async function waitExit(done: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await sleep(10);
}

async function waitGone(pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && processAlive(pid)) await sleep(10);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/**
 * Stops the server whatever state it is in: SIGTERM (MariaDB's clean shutdown) and a wait,
 * then SIGKILL; 'immediate' (an instance about to be removed) kills at once. Then any
 * process still working in the data directory. A stale pid file is no reason to fail.
 */
export async function stopServer(p: MariaPaths, opts: { mode?: 'clean' | 'immediate' } = {}): Promise<void> {
  const pid = await serverPid(p);
  if (pid !== undefined) {
    if (opts.mode === 'immediate') {
      killQuietly(pid, 'SIGKILL');
      await waitGone(pid, 5_000);
    } else {
      killQuietly(pid, 'SIGTERM');
      await waitGone(pid, STOP_TIMEOUT_MS);
      if (processAlive(pid)) {
        killQuietly(pid, 'SIGKILL');
        await waitGone(pid, 5_000);
      }
    }
  }
  await killStragglers(p.dataDir);
  const still = await serverPid(p);
  if (still !== undefined) {
    throw new EnvironmentError(`Stopping instance ${p.id} failed: its server (PID ${still}) survived SIGKILL.`, {
      hint: `Look at it with \`ps -p ${still} -o pid,stat,cmd\`; the data directory is ${p.dataDir}.`,
    });
  }
  await rm(p.pidFile, { force: true });
}

/** Until a new instance is handed over, a second Ctrl-C that quits at once kills its server (as guardStartedServer does for PostgreSQL). */
export function guardMariaServer(p: MariaPaths): () => void {
  return onEmergency(() => {
    let text = '';
    try {
      text = readFileSync(p.pidFile, 'utf8');
    } catch {
      return;
    }
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0 && isClusterProcess(pid, p.dataDir)) killQuietly(pid, 'SIGKILL');
  });
}

export interface MariaConnection {
  port: number;
  user: string;
  password: Secret;
  database?: string;
}

/** Runs fn on a mysql2 connection; errors become EnvironmentError naming the step, secrets scrubbed. */
export async function withMariaClient<T>(conn: MariaConnection, step: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  let client: mysql.Connection | undefined;
  try {
    client = await mysql.createConnection({
      host: LOCAL_HOST,
      port: conn.port,
      user: conn.user,
      password: conn.password.reveal(),
      database: conn.database,
      connectTimeout: 30_000,
    });
    return await fn(client);
  } catch (e) {
    throw new EnvironmentError(`${step} failed: ${scrub(messageOf(e), [conn.password.reveal()])}`, { cause: e });
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** The server answers the master user on its database; returns what it says its version is. */
export async function checkAnswers(conn: MariaConnection & { database: string }, id: string): Promise<string> {
  return withMariaClient(conn, `Checking that instance ${id} answers`, async (c) => {
    const [rows] = await c.query('SELECT VERSION() AS version');
    return String((rows as { version: string }[])[0]?.version ?? '');
  });
}
