/**
 * The local provider's cache: a redis-server from this machine, daemonized on its own
 * free port on 127.0.0.1, with its own directory under $DBOPS_HOME and AUTH
 * (requirepass) with a generated password kept in the 0600 secrets file. Never the
 * system Redis on 6379.
 *
 *   $DBOPS_HOME/local/<region>/caches/<id>/cache.json   record (no password)
 *   $DBOPS_HOME/local/<region>/caches/<id>/redis.conf   0600 (holds requirepass)
 *   $DBOPS_HOME/local/<region>/caches/<id>/redis.pid, redis.log, data/
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { processAlive } from './cluster.js';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ConflictError, EnvironmentError, NotFoundError } from '../../errors.js';
import { findExecutable, pathDirs } from '../../executables.js';
import { Secret, registerSecret } from '../../secret.js';
import type { CacheApi, CacheState, CreateCacheInput } from '../provision-types.js';
import type { Tags, WaitOptions } from '../types.js';
import type { RegionContext } from './context.js';
import { ensureHome } from './context.js';
import { freePort } from './ports.js';
import { runUnchecked } from './process.js';
import { LOCAL_HOST, managedTags } from './records.js';
import { readJson, writeJsonAtomic } from './state.js';
import { waitUntil } from './wait.js';

/** cache.json */
export interface CacheRecord {
  version: 1;
  id: string;
  region: string;
  port: number;
  engine: string;
  engineVersion: string;
  nodeType: string;
  status: string;
  tags: Tags;
  createdAt: string;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;
const SECRET_PREFIX = 'redis:';

/** Where redis-server is looked for: PATH, then the usual places. */
export function findRedisServer(env: Record<string, string | undefined>): Promise<string | undefined> {
  return findExecutable('redis-server', [...pathDirs(env.PATH), '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']);
}

export function cachesDir(rc: RegionContext): string {
  return join(rc.layout.regionDir, 'caches');
}

function dirOf(rc: RegionContext, id: string): string {
  return join(cachesDir(rc), id);
}

/** The redis.conf dbops writes. Pure. */
export function redisConf(dir: string, port: number, password: Secret): string {
  return [
    '# Written by dbops: loopback only, AUTH, no persistence (it is a cache).',
    `bind ${LOCAL_HOST}`,
    `port ${port}`,
    'protected-mode yes',
    'daemonize yes',
    `pidfile ${join(dir, 'redis.pid')}`,
    `logfile ${join(dir, 'redis.log')}`,
    `dir ${join(dir, 'data')}`,
    'save ""',
    'appendonly no',
    `requirepass ${password.reveal()}`,
    '',
  ].join('\n');
}

/** One RESP exchange: AUTH, then `args`; resolves with the reply to `args` ("" when the server hung up, as SHUTDOWN does). */
export function redisCommand(port: number, password: Secret, args: string[], timeoutMs = 3000): Promise<string> {
  const encode = (parts: string[]) => `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: LOCAL_HOST, port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('timed out'));
    }, timeoutMs);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      sock.destroy();
      fn();
    };
    sock.on('connect', () => sock.write(encode(['AUTH', password.reveal()]) + encode(args)));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const lines = buf.split('\r\n');
      if (lines.length < 3) return;
      const [auth, reply] = lines;
      if (!auth!.startsWith('+OK')) return done(() => reject(new Error(auth!.replace(/^-/, ''))));
      done(() => (reply!.startsWith('-') ? reject(new Error(reply!.slice(1))) : resolve(reply!.replace(/^[+:]/, ''))));
    });
    sock.on('error', (e) => done(() => reject(e)));
    sock.on('close', () => done(() => (buf.startsWith('+OK') ? resolve('') : reject(new Error('connection closed')))));
  });
}

async function pidOf(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'redis.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

export class LocalRedis implements CacheApi {
  constructor(
    private readonly rc: RegionContext,
    private readonly binary: string,
  ) {}

  #record(id: string): Promise<CacheRecord | undefined> {
    return readJson<CacheRecord>(join(dirOf(this.rc, id), 'cache.json'));
  }

  async #password(id: string): Promise<Secret | undefined> {
    const cred = await this.rc.shared.secrets.get('instances', this.rc.region, SECRET_PREFIX + id);
    return cred?.password;
  }

  async #answers(rec: CacheRecord): Promise<boolean> {
    const pw = await this.#password(rec.id);
    if (!pw) return false;
    return redisCommand(rec.port, pw, ['PING']).then(
      (r) => r === 'PONG',
      () => false,
    );
  }

  #state(rec: CacheRecord, status: string): CacheState {
    return {
      id: rec.id,
      kind: 'local-redis',
      engine: rec.engine,
      engineVersion: rec.engineVersion,
      nodeType: rec.nodeType,
      status,
      endpoint: { host: LOCAL_HOST, port: rec.port },
      transitEncryption: false,
      atRestEncryption: false,
      authEnabled: true,
      securityGroupIds: [],
      tags: { ...rec.tags },
    };
  }

  async findCache(id: string): Promise<CacheState | undefined> {
    const rec = await this.#record(id);
    if (!rec) return undefined;
    const running = rec.status === 'available' ? await this.#answers(rec) : false;
    return this.#state(rec, rec.status === 'available' && !running ? 'stopped' : rec.status);
  }

  async #version(): Promise<string> {
    const res = await runUnchecked(this.binary, ['--version'], { step: 'Asking redis-server its version', env: this.rc.shared.opts.env });
    return /v=(\d+\.\d+\.\d+)/.exec(res.stdout)?.[1] ?? 'unknown';
  }

  /** Ports of other local caches: a stopped one would clash when it starts again. */
  async #port(): Promise<number> {
    const taken = new Set<number>();
    for (const id of await readdir(cachesDir(this.rc)).catch(() => [] as string[])) {
      const rec = await this.#record(id);
      if (rec) taken.add(rec.port);
    }
    for (let i = 0; i < 20; i++) {
      const port = await freePort(this.rc.shared.opts.home);
      if (port !== 6379 && !taken.has(port)) return port;
    }
    throw new EnvironmentError(`Could not find a free port on ${LOCAL_HOST} for the cache.`);
  }

  async #start(rec: CacheRecord): Promise<void> {
    const dir = dirOf(this.rc, rec.id);
    const res = await runUnchecked(this.binary, [join(dir, 'redis.conf')], {
      step: `Starting cache ${rec.id} (redis-server)`,
      env: this.rc.shared.opts.env,
      timeoutMs: 30_000,
    });
    const ready = res.code === 0 && (await until(() => this.#answers(rec), READY_TIMEOUT_MS));
    if (!ready) {
      const log = (await readFile(join(dir, 'redis.log'), 'utf8').catch(() => '')).trim().split('\n').pop() ?? '';
      throw new EnvironmentError(`Starting cache ${rec.id} (redis-server) failed: ${log || res.stderr.trim() || `exit code ${res.code}`}`, {
        hint: `The cache log is ${join(dir, 'redis.log')}.`,
      });
    }
  }

  async #stop(id: string): Promise<void> {
    const dir = dirOf(this.rc, id);
    const rec = await this.#record(id);
    const pid = await pidOf(dir);
    const pw = await this.#password(id);
    if (rec && pw) await redisCommand(rec.port, pw, ['SHUTDOWN', 'NOSAVE']).catch(() => undefined);
    if (pid === undefined) return;
    if (await until(async () => !processAlive(pid), STOP_TIMEOUT_MS)) return;
    process.kill(pid, 'SIGTERM');
    if (await until(async () => !processAlive(pid), STOP_TIMEOUT_MS)) return;
    process.kill(pid, 'SIGKILL');
  }

  async createCache(input: CreateCacheInput): Promise<CacheState> {
    await ensureHome(this.rc.shared.opts.home);
    await mkdir(cachesDir(this.rc), { recursive: true });
    const dir = dirOf(this.rc, input.id);
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new ConflictError(`Cache ${input.id} already exists in ${this.rc.region} (local provider).`);
      throw e;
    }
    try {
      const password = input.authToken ?? (await this.authToken(input.id, input.tags)).token;
      const port = await this.#port();
      const rec: CacheRecord = {
        version: 1,
        id: input.id,
        region: this.rc.region,
        port,
        engine: input.engine,
        engineVersion: await this.#version(),
        nodeType: input.nodeType,
        status: 'creating',
        tags: managedTags(input.tags),
        createdAt: this.rc.shared.now().toISOString(),
      };
      await mkdir(join(dir, 'data'), { mode: 0o700 });
      await writeFile(join(dir, 'redis.conf'), redisConf(dir, port, password), { mode: 0o600 });
      await writeJsonAtomic(join(dir, 'cache.json'), rec);
      await this.#start(rec);
      await writeJsonAtomic(join(dir, 'cache.json'), { ...rec, status: 'available' });
      return this.#state(rec, 'available');
    } catch (e) {
      await this.#stop(input.id).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async modifyCache(id: string, input: { nodeType?: string }): Promise<CacheState> {
    const rec = await this.#record(id);
    if (!rec) throw new NotFoundError(`No cache ${id} in ${this.rc.region} (local provider).`);
    const next = { ...rec, ...(input.nodeType ? { nodeType: input.nodeType } : {}) };
    await writeJsonAtomic(join(dirOf(this.rc, id), 'cache.json'), next);
    return (await this.findCache(id))!;
  }

  async deleteCache(id: string): Promise<void> {
    await this.#stop(id);
    await rm(dirOf(this.rc, id), { recursive: true, force: true });
  }

  /** A stopped cache (after a host reboot) is started again by the wait for "available". */
  async waitForCache(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<CacheState | undefined> {
    if (target === 'available') {
      const rec = await this.#record(id);
      if (rec?.status === 'available' && !(await this.#answers(rec))) await this.#start(rec);
    }
    return waitUntil(
      `cache ${id} to be ${target}`,
      async () => {
        const c = await this.findCache(id);
        if (target === 'deleted') return c ? { status: c.status, done: false } : { status: 'deleted', done: true, value: undefined };
        if (!c)
          return { status: 'not-found', done: false, fatal: new NotFoundError(`No cache ${id} in ${this.rc.region} (local provider).`) };
        return c.status === 'available' ? { status: c.status, done: true, value: c } : { status: c.status, done: false };
      },
      opts,
    );
  }

  async authToken(cacheId: string, _tags: Tags): Promise<{ token: Secret; secret: { ref: string; created: boolean } }> {
    const existing = await this.#password(cacheId);
    if (existing) return { token: existing, secret: { ref: this.rc.shared.secrets.file, created: false } };
    const token = new Secret(randomBytes(24).toString('base64url'));
    registerSecret(token);
    await this.rc.shared.secrets.put('instances', this.rc.region, SECRET_PREFIX + cacheId, { masterUsername: 'default', password: token });
    return { token, secret: { ref: this.rc.shared.secrets.file, created: true } };
  }

  async deleteAuthToken(cacheId: string): Promise<void> {
    await this.rc.shared.secrets.remove('instances', this.rc.region, SECRET_PREFIX + cacheId);
  }
}
