// Switchover benchmark (local provider): a primary, a streaming replica, a real pgbouncer
// in front, and a steady write load (BENCH_CLIENTS clients inserting back to back). Five
// switchovers (alternating direction) through the pooler, then five without it (the
// pool removed: clients reconnect to the new primary by themselves), all in this
// process. For each: the longest gap between two acknowledged writes of the probe (what
// the application saw), the write pause dbops measured, client errors, and acknowledged
// writes missing on the new primary. Prints medians, the ratio of the gaps, and the
// targets: gap <= 1 s through the pooler, 0 client errors, 0 lost acknowledged writes.
//
//   npm run bench:switchover
//   BENCH_RUNS=3 BENCH_CLIENTS=8 npm run bench:switchover
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { median } from './_common.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const lib = (p) => import(join(ROOT, 'dist', 'lib', p));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const OS_USER = process.env.BENCH_OS_USER ?? 'postgres';

const { createLocalProvider } = await lib('providers/local/provider.js');
const { createLocalFailover } = await lib('providers/local/failover.js');
const { stopPgbouncerIn } = await lib('providers/local/pgbouncer.js');
const { switchover } = await lib('failover/switchover.js');
const { DEFAULTS } = await lib('config/defaults.js');
const { createOutput } = await lib('output/output.js');

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-switchover-'));
chmodSync(home, 0o755);
const env = { ...process.env, DBOPS_HOME: home };
const opts = { home, region: 'us-east-2', osUser: OS_USER, pgBin: process.env.PG_BIN, env };
const provider = createLocalProvider(opts);
const api = await createLocalFailover(opts, provider);
const A = 'bench-so';
const B = 'bench-so-replica';
const POOL = 'bench-so-pool';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

async function context(primaryId, pooled) {
  const config = structuredClone(DEFAULTS);
  config.provider = 'local';
  config.database.identifier = primaryId;
  config.connectionPool = { ...config.connectionPool, enabled: pooled, name: POOL };
  const out = await createOutput({ json: false, quiet: true, verbose: false, color: false, ci: true, stdout: sink(), stderr: sink() });
  return {
    config,
    loaded: { config, sources: {} },
    out,
    prompt: { confirm: async () => true },
    clock: { now: () => new Date() },
    env,
    signal: new AbortController().signal,
    flags: { yes: true, dryRun: false, verbose: false },
    provider: async () => provider,
    onClose: () => undefined,
  };
}

async function primaryNow() {
  for (const id of [A, B]) if ((await api.role(id)) === 'primary') return id;
  throw new Error('no primary');
}

/** CLIENTS writers through the pool, or straight to the primary of the moment (reconnecting themselves). */
function load(pooled, first) {
  const acked = [];
  const errors = [];
  let next = first;
  let running = true;
  const target = async () => (pooled ? api.pooler.connection(POOL) : provider.connectionInfo(await primaryNow()));
  const loops = Array.from({ length: CLIENTS }, async () => {
    let c;
    while (running) {
      const n = next++;
      try {
        if (!c) {
          const t = await target();
          c = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database, password: t.password?.reveal(), ssl: false });
          c.on('error', () => undefined);
          await c.connect();
        }
        await c.query('INSERT INTO bench_load (n) VALUES ($1)', [n]);
        acked.push(n);
      } catch (e) {
        errors.push(e.message);
        await c?.end().catch(() => undefined);
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await c?.end().catch(() => undefined);
  });
  return {
    acked,
    errors,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function rowsOn(id) {
  const t = await provider.connectionInfo(id);
  const c = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database, password: t.password?.reveal(), ssl: false });
  await c.connect();
  try {
    return new Set((await c.query('SELECT n FROM bench_load')).rows.map((r) => Number(r.n)));
  } finally {
    await c.end();
  }
}

async function series(pooled, label, offset) {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const from = await primaryNow();
    const l = load(pooled, offset + i * 1_000_000);
    await new Promise((r) => setTimeout(r, 500));
    const { result, error } = await switchover(await context(from, pooled), { probe: true, timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    await l.stop();
    if (error) throw new Error(`${label} switchover ${i + 1} failed: ${error.message}`);
    const to = result.candidateId;
    const have = await rowsOn(to);
    const lost = l.acked.filter((n) => !have.has(n)).length + result.probe.lostAcked;
    out.push({
      gap: result.probe.longestGapMs,
      pause: result.writePauseMs,
      errors: result.probe.clientErrors + l.errors.length,
      lost,
      acked: l.acked.length + result.probe.acked,
    });
    const steps = result.report.steps
      .filter((st) => ['SO-4', 'SO-5', 'SO-6', 'SO-7', 'SO-8'].includes(st.id) && st.durationMs !== undefined)
      .map((st) => `${st.id} ${Math.round(st.durationMs)}`)
      .join(', ');
    console.log(
      `  ${label} ${i + 1}/${RUNS} ${from} -> ${to}: probe gap ${result.probe.longestGapMs} ms, pause ${result.writePauseMs} ms (${steps} ms), client errors ${out.at(-1).errors}, lost ${lost} of ${out.at(-1).acked} acknowledged`,
    );
  }
  return out;
}

function stopEverything() {
  for (const region of readdirSync(join(home, 'local'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const poolers = join(home, 'local', region.name, 'poolers');
    for (const p of readdirSync(poolers, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(poolers, d.name)))
      void stopPgbouncerIn(p);
    const inst = join(home, 'local', region.name, 'instances');
    for (const d of readdirSync(inst)) {
      const data = join(inst, d, 'data');
      let pid = 0;
      try {
        pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        continue;
      }
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone
      }
    }
  }
}

try {
  console.log(`switchover benchmark: ${RUNS} switchovers each way, ${CLIENTS} writing clients, local provider (PostgreSQL + pgbouncer)`);
  const base = {
    engine: 'postgres',
    engineVersion: '15',
    instanceClass: 'db.t3.micro',
    allocatedStorageGb: 20,
    storageType: 'gp2',
    storageEncrypted: false,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    dbName: 'app',
    masterUsername: 'dbadmin',
    masterPassword: { kind: 'managed' },
    tags: {},
  };
  await provider.createInstance({ ...base, id: A });
  await provider.createReadReplica({ sourceInstanceId: A, replicaId: B, tags: {} });
  const s = DEFAULTS.connectionPool;
  await api.pooler.ensure({
    name: POOL,
    targetId: A,
    poolMode: s.poolMode,
    defaultPoolSize: s.defaultPoolSize,
    minPoolSize: s.minPoolSize,
    maxDbConnections: s.maxDbConnections,
    reservePoolSize: s.reservePoolSize,
    requireTls: false,
    tags: {},
  });
  const t = await provider.connectionInfo(A);
  const c = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database, password: t.password.reveal(), ssl: false });
  await c.connect();
  await c.query('CREATE TABLE bench_load (n bigint PRIMARY KEY)');
  await c.end();

  const pooled = await series(true, 'through pgbouncer', 1_000_000_000);
  await api.pooler.remove(POOL);
  const direct = await series(false, 'without a pooler', 2_000_000_000);

  const row = (label, xs) =>
    `${label.padEnd(20)} gap ${String(median(xs.map((x) => x.gap))).padStart(6)} ms   pause ${String(median(xs.map((x) => x.pause))).padStart(6)} ms   client errors ${String(median(xs.map((x) => x.errors))).padStart(4)}   lost ${Math.max(...xs.map((x) => x.lost))}`;
  console.log('\nmedians of', RUNS, 'switchovers (lost: the worst run)');
  console.log(row('through pgbouncer', pooled));
  console.log(row('without a pooler', direct));
  const g1 = median(pooled.map((x) => x.gap));
  const g0 = median(direct.map((x) => x.gap));
  console.log(`gap through the pooler / without: ${(g1 / g0).toFixed(2)}x`);
  const ok = (b) => (b ? 'met' : 'MISSED');
  console.log(
    `targets: gap <= 1 s through the pooler: ${ok(g1 <= 1000)} (${g1} ms); 0 client errors: ${ok(pooled.every((x) => x.errors === 0))}; 0 lost acknowledged writes: ${ok([...pooled, ...direct].every((x) => x.lost === 0))}`,
  );
} finally {
  stopEverything();
  spawnSync('sleep', ['1']);
  rmSync(home, { recursive: true, force: true });
}
