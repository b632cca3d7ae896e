#!/usr/bin/env node
/**
 * npm run bench:vector — `dbops vector tune` on 20,000 x 256-dimension vectors (generated,
 * seeded) in real pgvector (PGlite in a worker thread, served over the wire protocol):
 * the time tune takes to reach its recommendation, the ef_search values it measured,
 * and the recall it reports beside an independent recomputation (brute-force exact
 * neighbours in JavaScript, HNSW results from this script's own queries).
 *
 * Runs the built CLI library (dist/), so build first (the npm script does). Takes a few
 * minutes, mostly loading and the HNSW build in wasm. Sizes: BENCH_ROWS, BENCH_DIMS, BENCH_QUERIES;
 * BENCH_TARGET is the target recall (default 0.99: at 20,000 rows HNSW m 16 reaches 0.95 at ef_search 10).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const DIMS = Number(process.env.BENCH_DIMS ?? 256);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const K = 10;
const TARGET = Number(process.env.BENCH_TARGET ?? 0.99);
const M = 16;
const EF_CONSTRUCTION = 64;

const require = createRequire(import.meta.url);
const entry = (pkg) => pathToFileURL(join(dirname(require.resolve(pkg)), 'index.js')).href;
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { default: pg } = await import('pg');

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
(async () => {
  const { PGlite } = await import(workerData.pglite);
  const { vector } = await import(workerData.vector);
  const { PGLiteSocketServer } = await import(workerData.socket);
  let db;
  if (fs.existsSync(workerData.cache)) {
    try { db = await PGlite.create({ extensions: { vector }, loadDataDir: new Blob([fs.readFileSync(workerData.cache)]) }); } catch { db = undefined; }
  }
  if (!db) {
    db = await PGlite.create({ extensions: { vector } });
    const dump = await db.dumpDataDir('none');
    const tmp = workerData.cache + '.' + process.pid;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, workerData.cache);
  }
  await db.exec('CREATE EXTENSION vector');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  parentPort.postMessage({ conn: server.getServerConn() });
  parentPort.on('message', async () => { await server.stop(); await db.close(); parentPort.postMessage({ stopped: true }); });
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clustered(rows, dims, clusters, spread, seed) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dims }, gauss));
  return Array.from({ length: rows }, () => {
    const c = centres[Math.floor(rand() * clusters)];
    // Multiples of 1/64: exact in float32 and short as text, so loading is quick.
    return c.map((x) => Math.round((x + spread * gauss()) * 64) / 64);
  });
}

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(na * nb);
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (s) => process.stderr.write(`${s}\n`);

async function startServer() {
  const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8'));
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      pglite: entry('@electric-sql/pglite'),
      vector: entry('@electric-sql/pglite-pgvector'),
      socket: entry('@electric-sql/pglite-socket'),
      cache: join(tmpdir(), `dbops-test-pglite-${pkg.version}.tar`),
    },
  });
  const first = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (!first.conn) throw new Error(`PGlite did not start: ${first.error}`);
  const [host, port] = first.conn.split(':');
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    client: async () => {
      const c = new pg.Client({ host, port: Number(port), user: 'postgres', database: 'postgres' });
      await c.connect();
      return c;
    },
    stop: async () => {
      const stopped = new Promise((r) => worker.once('message', r));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
      await worker.terminate();
    },
  };
}

async function main() {
  const t0 = performance.now();
  log(
    `bench:vector: ${ROWS} x ${DIMS} vectors, HNSW m ${M}, ef_construction ${EF_CONSTRUCTION}; tune k ${K}, target recall ${TARGET}, ${QUERIES} queries`,
  );
  // Overlapping clusters (noise as large as the centres): neighbours are hard to find, as in real embeddings.
  const vectors = clustered(ROWS, DIMS, 10, 1.0, 20_000);
  const server = await startServer();
  const sql = await server.client();
  const tLoad = performance.now();
  await sql.query(`CREATE TABLE items (id int PRIMARY KEY, embedding vector(${DIMS}))`);
  for (let start = 0; start < ROWS; start += 500) {
    const batch = vectors.slice(start, start + 500);
    await sql.query('INSERT INTO items SELECT u.id, u.v::vector FROM unnest($1::int[], $2::text[]) AS u(id, v)', [
      batch.map((_, i) => start + i + 1),
      batch.map((v) => JSON.stringify(v)),
    ]);
  }
  await sql.query('ANALYZE items');
  const loadMs = performance.now() - tLoad;
  log(`loaded in ${seconds(loadMs)}; building the index (minutes in wasm)…`);
  const tIndex = performance.now();
  await sql.query("SET maintenance_work_mem = '512MB'");
  await sql.query(
    `CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) WITH (m = ${M}, ef_construction = ${EF_CONSTRUCTION})`,
  );
  await sql.query('RESET maintenance_work_mem');
  const indexMs = performance.now() - tIndex;
  log(`index built in ${seconds(indexMs)}`);

  const { createContext } = await import(dist('lib/create-context.js'));
  const { vectorTune } = await import(dist('lib/vector/tune.js'));
  const created = await createContext({ quiet: true, color: false }, new AbortController().signal, {
    env: {},
    cwd: mkdtempSync(join(tmpdir(), 'dbops-bench-')),
  });
  const tTune = performance.now();
  const result = await vectorTune(created.context, {
    target: { url: server.url },
    table: 'items',
    column: 'embedding',
    k: K,
    targetRecall: TARGET,
    queries: QUERIES,
  });
  const tuneMs = performance.now() - tTune;
  await created.close();

  // Independent recomputation: exact neighbours by brute force here, HNSW results by our own queries.
  const tCheck = performance.now();
  const ids = result.sample.rowIds.map(Number);
  const truths = ids.map((id) => {
    const q = vectors[id - 1];
    const d = [];
    for (let i = 0; i < ROWS; i++) if (i + 1 !== id) d.push(cosine(q, vectors[i]));
    return d.sort((a, b) => a - b).slice(0, K);
  });
  const rows = [];
  for (const m of result.live.measurements) {
    let sum = 0;
    for (const [n, id] of ids.entries()) {
      await sql.query('BEGIN');
      await sql.query(`SET LOCAL hnsw.ef_search = ${m.efSearchSet}`);
      await sql.query('SET LOCAL enable_seqscan = off');
      await sql.query('SET LOCAL hnsw.iterative_scan = off');
      const r = await sql.query(`SELECT id, embedding <=> $1::vector AS d FROM items ORDER BY embedding <=> $1::vector LIMIT ${K + 1}`, [
        JSON.stringify(vectors[id - 1]),
      ]);
      await sql.query('COMMIT');
      const got = r.rows.filter((x) => Number(x.id) !== id).slice(0, K);
      const threshold = truths[n][K - 1] + 1e-3;
      sum += Math.min(got.filter((x) => Number(x.d) <= threshold).length, K) / K;
    }
    rows.push({ ef: m.ef, reported: m.recall, recomputed: sum / ids.length, p95: m.p95Ms });
  }
  const checkMs = performance.now() - tCheck;
  await sql.end();
  await server.stop();

  const chosen = result.live.choice;
  const maxDiff = Math.max(...rows.map((r) => Math.abs(r.reported - r.recomputed)));
  const out = [
    '',
    `vector tune benchmark (${ROWS} x ${DIMS}, HNSW m ${M} ef_construction ${EF_CONSTRUCTION}, cosine, k ${K}, target recall ${TARGET}, ${QUERIES} sample queries)`,
    `  data load                      ${seconds(loadMs)}`,
    `  index build (wasm)             ${seconds(indexMs)}`,
    `  tune, to its recommendation    ${seconds(tuneMs)}   (exact search ${seconds(result.exact.durationMs)})`,
    `  ef_search values measured      ${result.live.measurements.length}: ${result.live.measurements.map((m) => m.ef).join(', ')}`,
    `  recommendation                 ${result.recommendation.sql ? result.recommendation.sql.session.join(' ') : result.recommendation.message}`,
    chosen.status === 'recall-not-reached'
      ? `  recall                         target not reached (best ${chosen.best.recall.toFixed(4)} at ef_search ${chosen.best.ef})`
      : `  recall at ef_search ${String(chosen.ef).padEnd(10)} reported ${chosen.probe.recall.toFixed(4)}, recomputed ${rows.find((r) => r.ef === chosen.ef).recomputed.toFixed(4)}`,
    '',
    '  ef_search  reported  recomputed  p95',
    ...[...rows]
      .sort((a, b) => a.ef - b.ef)
      .map(
        (r) =>
          `  ${String(r.ef).padStart(9)}  ${r.reported.toFixed(4).padStart(8)}  ${r.recomputed.toFixed(4).padStart(10)}  ${r.p95.toFixed(2)} ms`,
      ),
    '',
    `  max |reported - recomputed|    ${maxDiff.toExponential(2)}   (recomputation took ${seconds(checkMs)})`,
    `  total                          ${seconds(performance.now() - t0)}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (maxDiff > 1e-9) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench:vector failed: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
