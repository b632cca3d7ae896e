/**
 * A throwaway MariaDB 10.11 server for tests: `mariadb-install-db` into a temp directory,
 * `mariadbd` on a free port of 127.0.0.1 with its own socket (as the `mysql` OS user when
 * the tests run as root), an admin user with a password reached over TCP, and a stop()
 * that ends the server and removes the directory. It never touches the machine's MariaDB
 * service (3306) or its configuration files (--no-defaults).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import type { ConnectionInfo } from '../../src/lib/providers/types.js';
import { registerSecret, Secret } from '../../src/lib/secret.js';

const INSTALL_DB = '/usr/bin/mariadb-install-db';
const MARIADBD = '/usr/sbin/mariadbd';

export interface TestMariadb {
  port: number;
  socket: string;
  /** The admin user over TCP, database `app`. */
  info: ConnectionInfo;
  /** mysql://admin:pw@127.0.0.1:port/<db> */
  url(database: string): string;
  /** Creates a database and returns its URL. */
  freshDatabase(prefix?: string): Promise<string>;
  /** Runs SQL as the admin on a database (default: none selected). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'mysql'], { encoding: 'utf8' }).trim());
}

function chownTree(path: string, ids: { uid: number; gid: number }): void {
  execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, path]);
}

let counter = 0;

export async function startMariadb(prefix = 'dbops-mariadb-'): Promise<TestMariadb> {
  if (!existsSync(INSTALL_DB) || !existsSync(MARIADBD)) {
    throw new Error('MariaDB 10.11 is not installed: apt-get install mariadb-server (the tests need mariadb-install-db and mariadbd).');
  }
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o755);
  const datadir = join(root, 'data');
  const socket = join(root, 'mysqld.sock');
  await mkdir(datadir);
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: idOf('-u'), gid: idOf('-g') } : undefined;
  if (ids) chownSync(root, ids.uid, ids.gid);
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, pause(30_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    execFileSync(
      INSTALL_DB,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...(asRoot ? ['--user=mysql'] : []),
      ],
      { stdio: 'pipe' },
    );
    if (ids) chownTree(root, ids);
    const port = await freePort();
    child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(root, 'mysqld.pid')}`,
        `--log-error=${join(root, 'error.log')}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        '--max-connections=50',
        ...(asRoot ? ['--user=mysql'] : []),
      ],
      { stdio: 'ignore' },
    );
    const ready = await waitReady(socket, child);
    if (!ready) {
      const log = await readFile(join(root, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`mariadbd did not start on port ${port}:\n${log.slice(-2000)}`);
    }
    const password = `pw-${process.pid}-${Date.now()}`;
    registerSecret(password);
    const admin = await mysql.createConnection({ socketPath: socket, user: 'root' });
    try {
      await admin.query(`CREATE USER 'dbops_admin'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
      await admin.query(`GRANT ALL PRIVILEGES ON *.* TO 'dbops_admin'@'127.0.0.1' WITH GRANT OPTION`);
      await admin.query('CREATE DATABASE app');
    } finally {
      await admin.end();
    }
    const info: ConnectionInfo = {
      host: '127.0.0.1',
      port,
      user: 'dbops_admin',
      database: 'app',
      password: new Secret(password),
      ssl: 'disable',
      engine: 'mysql',
    };
    const query = async <T>(sql: string, params?: unknown[], database?: string): Promise<T[]> => {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'dbops_admin', password, database, timezone: 'Z' });
      try {
        const [rows] = await c.query(sql, params);
        return (Array.isArray(rows) ? rows : []) as T[];
      } finally {
        await c.end();
      }
    };
    const url = (database: string) => `mysql://dbops_admin:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    return {
      port,
      socket,
      info,
      url,
      query,
      async freshDatabase(p = 't') {
        const name = `${p}_${process.pid}_${++counter}`;
        await query(`CREATE DATABASE \`${name}\``);
        return url(name);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls the socket until the server answers (or the process died): true when ready. */
async function waitReady(socket: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (existsSync(socket)) {
      try {
        const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
        await c.end();
        return true;
      } catch {
        // not yet
      }
    }
    await pause(100);
  }
  return false;
}
