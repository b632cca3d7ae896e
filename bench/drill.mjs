// DR drill benchmark (local provider): the whole `dbops dr-drill` (region scenario) of a
// database of about BENCH_DB_MB (default 1024) MB whose snapshot copy is already in the DR
// region (us-west-2), against the floor: the same recovery done with PostgreSQL's own tools
// — tar -x of the copy, pg_verifybackup, pg_ctl start, pg_amcheck --heapallindexed, exact
// row counts, pg_ctl stop, rm — as a ratio (target <= 1.3x); and the RTO dbops reports beside
// the time measured outside it, from spawning the process to DR-14 (accepting writes)
// appearing on its stderr (they must agree within 1 s).
//
//   npm run bench:drill                      # ~1 GB
//   BENCH_DB_MB=200 BENCH_RUNS=1 npm run bench:drill
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'dbops');
const DB_MB = Number(process.env.BENCH_DB_MB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const OS_USER = process.env.BENCH_OS_USER ?? 'postgres';
const SOURCE = 'bench-dr-src';
const DR = 'us-west-2';
const asRoot = process.getuid?.() === 0;

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-drill-'));
chmodSync(home, 0o755);
const env = { ...process.env, DBOPS_HOME: home, DBOPS_PROVIDER: 'local', NO_COLOR: '1' };
for (const k of Object.keys(env))
  if (k.startsWith('AWS_') || (k.startsWith('DBOPS_') && !['DBOPS_HOME', 'DBOPS_PROVIDER'].includes(k))) delete env[k];

function pgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const dirs = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return join('/usr/lib/postgresql', dirs[0], 'bin');
  }
}
const PG = pgBin();

function dbops(args, { json = false, allowFail = false } = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: home, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !allowFail) throw new Error(`dbops ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return { ms, status: r.status, out: json ? JSON.parse(r.stdout) : r.stdout, stderr: r.stderr };
}

/** Runs a tool as the server's OS user (when root), like dbops does. */
function asPg(file, args) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function timed(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ---- set-up: a source of about DB_MB with the recipe-book schema, one snapshot, its copy in the DR region ----

function setUp() {
  dbops(['instances', 'create', SOURCE]);
  const psql = (file) => dbops(['psql', SOURCE, '--', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file]);
  const migrations = readdirSync(join(ROOT, 'sql', 'migrations'))
    .filter((n) => /^\d{4}_.+\.sql$/.test(n) && !n.endsWith('.down.sql'))
    .sort();
  for (const n of migrations) psql(join(ROOT, 'sql', 'migrations', n));
  psql(join(ROOT, 'sql', 'dbops', 'schema.sql'));
  const recipes = Math.round(DB_MB * 1650);
  const users = Math.max(1000, Math.round(recipes / 20));
  const data = join(home, 'bench-data.sql');
  writeFileSync(
    data,
    `SET client_min_messages = warning;
INSERT INTO users (email, display_name) SELECT 'cook' || g || '@example.com', 'Cook ' || g FROM generate_series(1, ${users}) g;
INSERT INTO recipes (author_id, title, description, ingredients, instructions, cuisine, dietary_tags, prep_minutes, cook_minutes, servings, is_public)
SELECT 1 + g % ${users}, 'Recipe ' || g,
       repeat(md5(g::text), 6),
       jsonb_build_array(md5((g + 1)::text), md5((g + 2)::text)),
       repeat(md5((g * 7)::text), 4),
       (ARRAY['italian', 'thai', 'mexican', 'french', 'indian'])[1 + g % 5],
       CASE WHEN g % 3 = 0 THEN ARRAY['vegetarian'] ELSE '{}' END,
       g % 60, g % 120, 1 + g % 8, g % 2 = 0
FROM generate_series(1, ${recipes}) g;
INSERT INTO taste_profiles (user_id) SELECT id FROM users;
INSERT INTO consent_records (user_id, purpose, policy_version) SELECT id, 'analytics', 'v1' FROM users;
INSERT INTO dbops.heartbeat (beat_at) SELECT now() - g * interval '5 minutes' FROM generate_series(0, 287) g;
VACUUM ANALYZE;
SELECT pg_size_pretty(pg_database_size(current_database()));
`,
  );
  const size = dbops(['psql', SOURCE, '--', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', data]).out.trim();
  const snap = dbops(['snapshot', 'create', '--instance', SOURCE, '--wait', '--json'], { json: true }).out;
  const copy = dbops(['snapshot', 'copy', snap.snapshotId, '--to-region', DR, '--json'], { json: true }).out;
  return { size, snapshotId: copy.targetSnapshotId, snapshotBytes: snap.snapshot.sizeBytes };
}

// ---- the floor: the same recovery in the DR region with PostgreSQL's own tools ----

const TABLES = ['users', 'recipes', 'taste_profiles', 'consent_records', 'dbops.heartbeat', 'dbops.schema_migrations'];

async function floor(snapshotId, jobs) {
  const snapDir = join(home, 'local', DR, 'snapshots', snapshotId);
  const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
  const cred = secrets.snapshots[`${DR}/${snapshotId}`] ?? Object.values(secrets.instances ?? {})[0];
  const dir = join(home, 'floor-data');
  const parts = {};
  const port = await freePort();
  const client = (tool, args) => {
    const r = spawnSync(asRoot ? 'runuser' : join(PG, tool), [...(asRoot ? ['-u', OS_USER, '--', join(PG, tool)] : []), ...args], {
      env: { ...process.env, PGPASSWORD: cred.password },
      encoding: 'utf8',
      cwd: '/',
    });
    if (r.status !== 0) throw new Error(`${tool} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', cred.masterUsername, '-d', 'recipe_book'];
  parts.extract = timed(() => {
    mkdirSync(dir, { mode: 0o700 });
    if (asRoot) execFileSync('chown', [OS_USER, dir]);
    asPg('tar', ['-xf', join(snapDir, 'base.tar'), '-C', dir]);
    asPg('mkdir', ['-p', join(dir, 'pg_wal')]);
    asPg('tar', ['-xf', join(snapDir, 'pg_wal.tar'), '-C', join(dir, 'pg_wal')]);
  });
  parts.verify = timed(() => asPg(join(PG, 'pg_verifybackup'), ['-m', join(snapDir, 'backup_manifest'), dir]));
  parts.start = timed(() => {
    for (const f of ['postmaster.pid', 'standby.signal', 'recovery.signal']) rmSync(join(dir, f), { force: true });
    asPg('sh', [
      '-c',
      `printf "port = ${port}\\nlisten_addresses = '127.0.0.1'\\nunix_socket_directories = ''\\n" >> ${dir}/postgresql.auto.conf`,
    ]);
    asPg(join(PG, 'pg_ctl'), ['-D', dir, '-l', join(dir, 'floor.log'), '-w', '-t', '120', 'start']);
  });
  try {
    parts.amcheck = timed(() => client('pg_amcheck', ['--heapallindexed', '--install-missing', `--jobs=${jobs}`, ...conn]));
    parts.counts = timed(() =>
      client('psql', [...conn, '-X', '-q', '-A', '-t', '-c', TABLES.map((t) => `SELECT count(*) FROM ${t};`).join(' ')]),
    );
  } finally {
    parts.stop = timed(() => {
      asPg(join(PG, 'pg_ctl'), ['-D', dir, '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    });
  }
  parts.total = Object.values(parts).reduce((a, b) => a + b, 0);
  return parts;
}

/** The drill as a process; the time from spawning it to DR-14 (accepting writes) on its stderr, measured here. */
function drill() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let writesAt;
    let firstStepAt;
    let stderr = '';
    let stdout = '';
    const child = spawn(process.execPath, [BIN, 'dr-drill', '--instance', SOURCE, '--json'], { env, cwd: home });
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      if (firstStepAt === undefined && /\[DR-1\]/.test(stderr)) firstStepAt = performance.now() - t0;
      if (writesAt === undefined && /✔ \[DR-14\]/.test(stderr)) writesAt = performance.now() - t0;
    });
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.on('close', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0) return reject(new Error(`dr-drill exited ${code}\n${stderr}`));
      const rec = JSON.parse(stdout);
      resolve({
        wall,
        writesAt,
        firstStepAt,
        rto: rec.rto.seconds * 1000,
        phases: Object.fromEntries(rec.phases.map((p) => [p.name, p.seconds * 1000])),
        cleanup: rec.steps.find((s) => s.id === 'DR-17')?.durationMs ?? 0,
      });
    });
    child.on('error', reject);
  });
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('Build first: npm run build');
  console.log(
    `dr-drill benchmark: local provider, ~${DB_MB} MB, copy in ${DR}, ${RUNS} run(s) of each, PostgreSQL binaries ${PG}${asRoot ? `, as ${OS_USER}` : ''}`,
  );
  const t0 = performance.now();
  const { size, snapshotId, snapshotBytes } = setUp();
  console.log(
    `set-up: database ${size}, DR copy ${snapshotId} ${(snapshotBytes / 1048576).toFixed(0)} MiB (${sec(performance.now() - t0)})`,
  );
  const rows = { floor: [], drill: [] };
  for (let i = 0; i < RUNS; i++) {
    rows.floor.push(await floor(snapshotId, 2));
    rows.drill.push(await drill());
  }
  const m = (list, key) => median(list.map((x) => x[key]));
  const f = Object.fromEntries(['extract', 'verify', 'start', 'amcheck', 'counts', 'stop', 'total'].map((k) => [k, m(rows.floor, k)]));
  const whole = m(rows.drill, 'wall');
  console.log('');
  console.log(`floor (tar -x, pg_verifybackup, pg_ctl start, pg_amcheck --heapallindexed --jobs=2, count(*), stop, rm): ${sec(f.total)}`);
  console.log(
    `  extract ${sec(f.extract)} · verify ${sec(f.verify)} · start ${sec(f.start)} · amcheck ${sec(f.amcheck)} · counts ${sec(f.counts)} · stop+rm ${sec(f.stop)}`,
  );
  console.log(`dbops dr-drill --scenario region (whole command, wall): ${sec(whole)}`);
  const phases = Object.keys(rows.drill[0].phases);
  console.log(
    `  phases (median): ${phases.map((p) => `${p} ${sec(median(rows.drill.map((x) => x.phases[p] ?? 0)))}`).join(' · ')} · delete ${sec(m(rows.drill, 'cleanup'))}`,
  );
  const ratio = whole / f.total;
  console.log(`ratio dbops / floor: ${ratio.toFixed(2)}x  target <= 1.30x  ${ratio <= 1.3 ? 'OK' : 'OVER'}`);
  console.log('');
  const rto = m(rows.drill, 'rto');
  const outside = m(rows.drill, 'writesAt');
  const fromFirst = median(rows.drill.map((x) => x.writesAt - x.firstStepAt));
  console.log(`RTO reported by dbops: ${sec(rto)}`);
  console.log(
    `  measured outside, first DR-1 line -> DR-14 done on stderr: ${sec(fromFirst)} · difference ${((fromFirst - rto) / 1000).toFixed(2)} s  target <= 1 s  ${Math.abs(fromFirst - rto) <= 1000 ? 'OK' : 'OVER'}`,
  );
  console.log(
    `  measured outside, spawn -> DR-14 done (includes starting node and loading dbops): ${sec(outside)} · difference ${((outside - rto) / 1000).toFixed(2)} s`,
  );
}

try {
  await main();
} finally {
  spawnSync(process.execPath, [BIN, 'instances', 'delete', SOURCE, '--yes', '--skip-final-snapshot'], { env, cwd: home, stdio: 'ignore' });
  const leftover = join(home, 'floor-data');
  if (existsSync(join(leftover, 'postmaster.pid')))
    spawnSync(
      asRoot ? 'runuser' : join(PG, 'pg_ctl'),
      [...(asRoot ? ['-u', OS_USER, '--', join(PG, 'pg_ctl')] : []), '-D', leftover, '-m', 'immediate', 'stop'],
      { stdio: 'ignore' },
    );
  rmSync(home, { recursive: true, force: true });
}
