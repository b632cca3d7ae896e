// Restore-test benchmark (local provider): the whole `dbops restore-test` of a database of
// about BENCH_DB_MB (default 1024) MB against the floor, the same work done directly with
// PostgreSQL's own tools — tar -x of the snapshot, pg_verifybackup, pg_ctl start,
// pg_amcheck --heapallindexed (what dbops' RT-5 checks), pg_ctl stop, rm — as a ratio
// (target <= 1.5x); and the check phase alone (RT-4 .. RT-10) with --concurrency 1 and 2.
//
//   npm run bench:restore                      # ~1 GB
//   BENCH_DB_MB=200 BENCH_RUNS=3 npm run bench:restore
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { execFileSync, spawnSync } from 'node:child_process';
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
const SOURCE = 'bench-rt-src';
const asRoot = process.getuid?.() === 0;

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-restore-'));
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

// ---- set-up: a source of about DB_MB with the recipe-book schema, and one snapshot ----

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
  return { size, snapshotId: snap.snapshotId, snapshotBytes: snap.snapshot.sizeBytes };
}

// ---- the floor: the same restore, start and amcheck with PostgreSQL's own tools ----

async function floor(snapshotId, jobs) {
  const snapDir = join(home, 'local', 'us-east-2', 'snapshots', snapshotId);
  const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
  const cred = secrets.snapshots[`us-east-2/${snapshotId}`];
  const dir = join(home, 'floor-data');
  const parts = {};
  const port = await freePort();
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
    parts.amcheck = timed(() => {
      const r = spawnSync(
        asRoot ? 'runuser' : join(PG, 'pg_amcheck'),
        [
          ...(asRoot ? ['-u', OS_USER, '--', join(PG, 'pg_amcheck')] : []),
          '--heapallindexed',
          '--install-missing',
          `--jobs=${jobs}`,
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          cred.masterUsername,
          '-d',
          'recipe_book',
        ],
        { env: { ...process.env, PGPASSWORD: cred.password }, encoding: 'utf8', cwd: '/' },
      );
      if (r.status !== 0) throw new Error(`pg_amcheck exited ${r.status}: ${r.stderr}${r.stdout}`);
    });
  } finally {
    parts.stop = timed(() => {
      asPg(join(PG, 'pg_ctl'), ['-D', dir, '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    });
  }
  parts.total = Object.values(parts).reduce((a, b) => a + b, 0);
  return parts;
}

function restoreTest(snapshotId, concurrency) {
  const r = dbops(['restore-test', '--instance', SOURCE, '--snapshot', snapshotId, '--concurrency', String(concurrency), '--json'], {
    json: true,
    allowFail: true,
  });
  if (r.status !== 0) throw new Error(`restore-test exited ${r.status}: ${r.out.verdict}\n${r.stderr}`);
  const step = (id) => r.out.report.steps.find((s) => s.id === id)?.durationMs ?? 0;
  const steps = Object.fromEntries(r.out.report.steps.map((s) => [s.id, s.durationMs ?? 0]));
  return {
    wall: r.ms,
    checks: r.out.timing.checksSeconds * 1000,
    amcheck: step('RT-5'),
    restore: step('RT-2') + step('RT-3'),
    counts: step('RT-7'),
    cleanup: step('RT-11'),
    steps,
  };
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('Build first: npm run build');
  console.log(
    `restore-test benchmark: local provider, ~${DB_MB} MB, ${RUNS} run(s) of each, PostgreSQL binaries ${PG}${asRoot ? `, as ${OS_USER}` : ''}`,
  );
  const t0 = performance.now();
  const { size, snapshotId, snapshotBytes } = setUp();
  console.log(
    `set-up: database ${size}, snapshot ${snapshotId} ${(snapshotBytes / 1048576).toFixed(0)} MiB (${sec(performance.now() - t0)})`,
  );
  const rows = { floor: [], c2: [], c1: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so machine noise hits all alike.
    rows.floor.push(await floor(snapshotId, 2));
    rows.c2.push(restoreTest(snapshotId, 2));
    rows.c1.push(restoreTest(snapshotId, 1));
  }
  const m = (list, key) => median(list.map((x) => x[key]));
  const f = {
    extract: m(rows.floor, 'extract'),
    verify: m(rows.floor, 'verify'),
    start: m(rows.floor, 'start'),
    amcheck: m(rows.floor, 'amcheck'),
    stop: m(rows.floor, 'stop'),
    total: m(rows.floor, 'total'),
  };
  const whole = m(rows.c2, 'wall');
  console.log('');
  console.log(`floor (tar -x, pg_verifybackup, pg_ctl start, pg_amcheck --heapallindexed --jobs=2, stop, rm): ${sec(f.total)}`);
  console.log(
    `  extract ${sec(f.extract)} · verify ${sec(f.verify)} · start ${sec(f.start)} · amcheck ${sec(f.amcheck)} · stop+rm ${sec(f.stop)}`,
  );
  console.log(`dbops restore-test --concurrency 2 (whole command, wall): ${sec(whole)}`);
  console.log(
    `  restore (RT-2+3) ${sec(m(rows.c2, 'restore'))} · checks (RT-4..10) ${sec(m(rows.c2, 'checks'))}, of which amcheck ${sec(m(rows.c2, 'amcheck'))}, counts ${sec(m(rows.c2, 'counts'))} · delete ${sec(m(rows.c2, 'cleanup'))}`,
  );
  const ids = Object.keys(rows.c2[0].steps);
  console.log(`  per step (median): ${ids.map((id) => `${id} ${sec(median(rows.c2.map((x) => x.steps[id])))}`).join(' · ')}`);
  const ratio = whole / f.total;
  console.log(`ratio dbops / floor: ${ratio.toFixed(2)}x  target <= 1.50x  ${ratio <= 1.5 ? 'OK' : 'OVER'}`);
  console.log('');
  console.log(
    `check phase alone (RT-4 .. RT-10): --concurrency 1 ${sec(m(rows.c1, 'checks'))} (amcheck ${sec(m(rows.c1, 'amcheck'))}) · --concurrency 2 ${sec(m(rows.c2, 'checks'))} (amcheck ${sec(m(rows.c2, 'amcheck'))}) · speed-up ${(m(rows.c1, 'checks') / m(rows.c2, 'checks')).toFixed(2)}x`,
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
