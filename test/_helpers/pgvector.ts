/**
 * Real pgvector for tests: PGlite (PostgreSQL in wasm) with @electric-sql/pglite-pgvector,
 * served over the wire protocol by @electric-sql/pglite-socket on 127.0.0.1 and reached
 * with `pg`, as dbops reaches any PostgreSQL.
 *
 * PGlite runs in a worker thread: a long statement (an index build) blocks the thread it
 * runs on, and the code under test must keep its own event loop (timers, progress
 * polling) as it would against a real server.
 *
 * What PGlite does and does not do (checked in test/integration/vector/build.test.ts):
 * one backend behind a multiplexer (sessions share settings; a second connection is
 * refused with maxConnections 1, or queued behind the running statement); no parallel
 * workers; no statement_timeout (no timer signals); pg_stat_progress_create_index is
 * never seen during a build; CREATE/DROP INDEX CONCURRENTLY are accepted.
 * The first start keeps a fresh cluster's data directory in the temp dir (initdb in wasm
 * takes seconds); later starts load it.
 *
 * Also: a seeded clustered data set, a loader, and a Context for lib calls.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { loadConfig } from '../../src/lib/config/load.js';
import type { Context } from '../../src/lib/context.js';
import { testContext } from './context.js';
import type { TestOutput } from './output.js';
import { tempDir } from './tmp.js';

const require = createRequire(import.meta.url);

/** ESM entry of a package's dist, as a file URL the worker can import. */
function entry(pkg: string): string {
  // require.resolve finds the CommonJS entry (dist/index.cjs); the ESM one sits beside it.
  return pathToFileURL(join(dirname(require.resolve(pkg)), 'index.js')).href;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
(async () => {
  const { PGlite } = await import(workerData.pglite);
  const { vector } = await import(workerData.vector);
  const { PGLiteSocketServer } = await import(workerData.socket);
  // initdb in wasm takes seconds; a fresh cluster's data directory is kept in the temp dir and reused.
  let db;
  if (fs.existsSync(workerData.cache)) {
    try {
      db = await PGlite.create({ extensions: { vector }, loadDataDir: new Blob([fs.readFileSync(workerData.cache)]) });
    } catch {
      db = undefined;
    }
  }
  if (!db) {
    db = await PGlite.create({ extensions: { vector } });
    const dump = await db.dumpDataDir('none');
    const tmp = workerData.cache + '.' + process.pid + '.' + Date.now();
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, workerData.cache);
  }
  if (workerData.createExtension) await db.exec('CREATE EXTENSION vector');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: workerData.maxConnections });
  await server.start();
  parentPort.postMessage({ conn: server.getServerConn() });
  parentPort.on('message', async (m) => {
    if (m !== 'stop') return;
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    parentPort.postMessage({ stopped: true });
  });
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

/** The cached data directory of a fresh PGlite cluster, per PGlite version. */
function dataDirCache(): string {
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  return join(tmpdir(), `dbops-test-pglite-${version}.tar`);
}

/** A running PGlite + pgvector server on 127.0.0.1. */
export interface PgvectorServer {
  host: string;
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** A new connected `pg` client (the caller ends it). */
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

/** How to start it. */
export interface StartOptions {
  /** Concurrent connections the socket server admits (PGlite's default: 1). */
  maxConnections?: number;
  /** CREATE EXTENSION vector at start (default true). */
  createExtension?: boolean;
}

export async function startPgvector(opts: StartOptions = {}): Promise<PgvectorServer> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      pglite: entry('@electric-sql/pglite'),
      vector: entry('@electric-sql/pglite-pgvector'),
      socket: entry('@electric-sql/pglite-socket'),
      maxConnections: opts.maxConnections ?? 4,
      createExtension: opts.createExtension ?? true,
      cache: dataDirCache(),
    },
  });
  const first = await new Promise<{ conn?: string; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (!first.conn) throw new Error(`PGlite did not start: ${first.error}`);
  const [host, port] = first.conn.split(':') as [string, string];
  const server: PgvectorServer = {
    host,
    port: Number(port),
    url: `postgres://postgres@${host}:${port}/postgres`,
    async connect() {
      const client = new pg.Client({ host, port: Number(port), user: 'postgres', database: 'postgres' });
      await client.connect();
      return client;
    },
    async stop() {
      const stopped = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
      await worker.terminate();
    },
  };
  return server;
}

/** Mulberry32: a small seeded PRNG, so data sets are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * `rows` vectors of `dims` dimensions around `clusters` random centres (spread is the
 * noise relative to the centres' scale), each component rounded to float32 as pgvector
 * stores it.
 */
export function clusteredVectors(o: { rows: number; dims: number; clusters: number; spread: number; seed: number }): number[][] {
  const rand = mulberry32(o.seed);
  const centres = Array.from({ length: o.clusters }, () => Array.from({ length: o.dims }, () => gaussian(rand)));
  return Array.from({ length: o.rows }, () => {
    const c = centres[Math.floor(rand() * o.clusters)]!;
    return c.map((x) => Math.fround(x + o.spread * gaussian(rand)));
  });
}

/** Creates `table (id int primary key, cat int, embedding vector(dims))` and loads the vectors; cat = id % categories. */
export async function loadVectors(
  client: pg.Client,
  o: { table: string; vectors: number[][]; categories?: number; primaryKey?: boolean },
): Promise<void> {
  const dims = o.vectors[0]!.length;
  await client.query(`CREATE TABLE ${o.table} (id int${o.primaryKey === false ? '' : ' PRIMARY KEY'}, cat int, embedding vector(${dims}))`);
  for (let start = 0; start < o.vectors.length; start += 500) {
    const batch = o.vectors.slice(start, start + 500);
    const ids = batch.map((_, i) => start + i + 1);
    await client.query(
      `INSERT INTO ${o.table} (id, cat, embedding) SELECT u.id, u.cat, u.v::vector FROM unnest($1::int[], $2::int[], $3::text[]) AS u(id, cat, v)`,
      [ids, ids.map((id) => id % (o.categories ?? 100)), batch.map((v) => JSON.stringify(v))],
    );
  }
  await client.query(`ANALYZE ${o.table}`);
}

/** Cosine distance in double precision, written here independently of dbops. */
export function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return 1 - dot / Math.sqrt(na * nb);
}

/** A Context for lib calls, its captured output and what the prompt was asked. */
export interface TestContext {
  ctx: Context;
  output: TestOutput;
  /** Messages the prompt was asked. */
  asked: string[];
  controller: AbortController;
  close(): Promise<void>;
}

/**
 * A Context for calling lib functions directly: default config (no file), output to
 * memory, --yes / --dry-run as given, and a prompt that answers `answer` (or refuses like
 * a non-TTY when answer is undefined and yes is false).
 */
export async function vectorContext(o: { yes?: boolean; dryRun?: boolean; json?: boolean; answer?: boolean } = {}): Promise<TestContext> {
  const loaded = loadConfig({ cwd: tempDir('dbops-vector-'), env: {}, flags: {} });
  const t = await testContext({
    config: loaded.config,
    loaded,
    provider: () => Promise.reject(new Error('no provider in vector tests: use --url')),
    yes: o.yes,
    dryRun: o.dryRun,
    output: { json: o.json ?? false },
    ...(o.answer !== undefined ? { answer: o.answer } : {}),
  });
  return { ctx: t.ctx, output: t.io, asked: t.asked, controller: t.controller, close: t.close };
}
