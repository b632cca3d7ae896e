// Shared helpers of the local-provider benchmarks (bench/*.mjs): command-line sizes, a
// DBOPS_HOME of its own, running dbops and PostgreSQL's tools (as the `postgres` OS user
// when root, as dbops does), building a recipe-book database of a given size, the floor
// (the same restore done with PostgreSQL's own tools), timing, medians and formatting.
// Importing it starts nothing; everything a benchmark starts is removed by its `cleanup`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'dbops');
export const OS_USER = process.env.BENCH_OS_USER ?? 'postgres';
export const asRoot = process.getuid?.() === 0;

// ---- figures ----

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The median of each key over a list of objects of milliseconds. */
export const medians = (list) => Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list.map((x) => x[k] ?? 0))]));
export const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Milliseconds fn took (fn may be async: then a promise of them). */
export function timed(fn) {
  const t0 = performance.now();
  const r = fn();
  return r instanceof Promise ? r.then(() => performance.now() - t0) : performance.now() - t0;
}

/** `ratio dbops / floor: 1.12x  target <= 1.30x  OK` */
export function ratioLine(ours, floor, target, label = 'dbops / floor') {
  const ratio = ours / floor;
  return `ratio ${label}: ${ratio.toFixed(2)}x  target <= ${target.toFixed(2)}x  ${ratio <= target ? 'OK' : 'OVER'}`;
}

// ---- command line ----

/**
 * Numeric options from flags, with an environment variable as fallback and a smaller
 * value under --quick: spec is { name: { default, quick?, env?, help } }. --help prints them.
 */
export function benchOptions(script, spec) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' }])),
    },
  });
  if (values.help) {
    console.log(
      `usage: npm run bench:${script} -- [--quick] ${Object.keys(spec)
        .map((k) => `[--${k} N]`)
        .join(' ')}`,
    );
    console.log('  --quick  a small, quick check (the values in brackets)');
    for (const [k, s] of Object.entries(spec))
      console.log(
        `  --${k} N  ${s.help} (default ${s.default}${s.quick !== undefined ? `, [${s.quick}]` : ''}${s.env ? `; env ${s.env}` : ''})`,
      );
    process.exit(0);
  }
  const out = { quick: values.quick };
  for (const [k, s] of Object.entries(spec)) {
    const raw = values[k] ?? (s.env ? process.env[s.env] : undefined);
    const v = raw !== undefined ? Number(raw) : values.quick && s.quick !== undefined ? s.quick : s.default;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} takes a positive number, not ${raw}`);
    out[k] = v;
  }
  return out;
}

/** The options most benchmarks take: the database size (1 GB, --quick 100 MB) and the runs of each. */
export const sizeOption = (env = 'BENCH_DB_MB') => ({ 'size-mb': { default: 1024, quick: 100, env, help: 'database size in MB' } });
export const runsOption = (runs, quick) => ({ runs: { default: runs, quick, env: 'BENCH_RUNS', help: 'runs of each' } });

// ---- PostgreSQL's tools ----

function pgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const dirs = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return join('/usr/lib/postgresql', dirs[0], 'bin');
  }
}
export const PG = pgBin();
export const pgTool = (name) => join(PG, name);
const pgDescription = `PostgreSQL binaries ${PG}${asRoot ? `, as ${OS_USER}` : ''}`;

/** Runs a tool as the server's OS user (when root), like dbops does; its stdout. */
export function asPg(file, args, extraEnv = {}) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/', env: { ...process.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Reads every file under the given directories once (into the page cache). */
export function warmCache(dirs) {
  for (const d of dirs)
    if (existsSync(d)) spawnSync('sh', ['-c', 'find "$1" -type f -exec cat {} + > /dev/null', 'sh', d], { stdio: 'ignore' });
}

/** Stops a server left running in dir (after an error), immediately. */
export function stopLeftover(dir) {
  if (existsSync(join(dir, 'postmaster.pid')))
    spawnSync(
      asRoot ? 'runuser' : pgTool('pg_ctl'),
      [...(asRoot ? ['-u', OS_USER, '--', pgTool('pg_ctl')] : []), '-D', dir, '-m', 'immediate', 'stop'],
      { stdio: 'ignore' },
    );
}

// ---- a DBOPS_HOME of the benchmark's own, and dbops in it ----

/**
 * A fresh DBOPS_HOME (local provider, no AWS_ or other DBOPS_ variables) and dbops run in it.
 * cleanup({ instances, dirs }) deletes the instances, stops servers left in dirs (under the
 * home) and removes the home; run(main, leftovers) does it after main, on an error or a signal.
 */
export function benchHome(name) {
  const home = mkdtempSync(join(tmpdir(), `dbops-bench-${name}-`));
  chmodSync(home, 0o755);
  const env = { ...process.env, DBOPS_HOME: home, DBOPS_PROVIDER: 'local', NO_COLOR: '1' };
  for (const k of Object.keys(env))
    if (k.startsWith('AWS_') || (k.startsWith('DBOPS_') && !['DBOPS_HOME', 'DBOPS_PROVIDER'].includes(k))) delete env[k];

  function dbops(args, { json = false, allowFail = false, extraEnv = {} } = {}) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...env, ...extraEnv },
      cwd: home,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - t0;
    if (r.status !== 0 && !allowFail) throw new Error(`dbops ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    return { ms, status: r.status, out: json ? JSON.parse(r.stdout) : r.stdout, stderr: r.stderr };
  }

  /** One SQL text through `dbops psql`, its unaligned output. */
  const sql = (id, text) => dbops(['psql', id, '--', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', text]).out.trim();

  /** The stored credentials of an instance (`instances/<region>/<id>`) or snapshot. */
  function secret(kind, region, id) {
    const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
    return secrets[kind]?.[`${region}/${id}`];
  }

  let cleaned = false;
  function cleanup({ instances = [], dirs = [] } = {}) {
    if (cleaned) return;
    cleaned = true;
    for (const id of instances)
      spawnSync(process.execPath, [BIN, 'instances', 'delete', id, '--yes', '--skip-final-snapshot'], { env, cwd: home, stdio: 'ignore' });
    for (const d of dirs) stopLeftover(join(home, d));
    rmSync(home, { recursive: true, force: true });
  }

  /** Runs main, then (also on an error, SIGINT, SIGTERM or SIGHUP) cleans up what it names. */
  async function run(main, leftovers) {
    const onSignal = (sig) => {
      cleanup(typeof leftovers === 'function' ? leftovers() : leftovers);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, onSignal);
    try {
      await main();
    } finally {
      cleanup(typeof leftovers === 'function' ? leftovers() : leftovers);
    }
  }

  return { home, env, dbops, sql, secret, cleanup, run };
}

export function requireBuild() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('Build first: npm run build');
}

export const describePg = () => pgDescription;

// ---- a recipe-book database of about `mb` MB ----

/** Creates instance id with the recipe-book schema and dbops' schema, filled to about mb MB; its size. */
export function buildRecipeBook(bench, id, mb) {
  const { dbops, home } = bench;
  dbops(['instances', 'create', id]);
  const psql = (file) => dbops(['psql', id, '--', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file]);
  const migrations = readdirSync(join(ROOT, 'sql', 'migrations'))
    .filter((n) => /^\d{4}_.+\.sql$/.test(n) && !n.endsWith('.down.sql'))
    .sort();
  for (const n of migrations) psql(join(ROOT, 'sql', 'migrations', n));
  psql(join(ROOT, 'sql', 'dbops', 'schema.sql'));
  const recipes = Math.round(mb * 1650);
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
  return dbops(['psql', id, '--', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', data]).out.trim();
}

/** buildRecipeBook, then a manual snapshot of it: the database's size and the snapshot's id and bytes. */
export function recipeBookSnapshot(bench, id, mb) {
  const size = buildRecipeBook(bench, id, mb);
  const snap = bench.dbops(['snapshot', 'create', '--instance', id, '--wait', '--json'], { json: true }).out;
  return { size, snapshotId: snap.snapshotId, snapshotBytes: snap.snapshot.sizeBytes };
}

export const RECIPE_TABLES = ['users', 'recipes', 'taste_profiles', 'consent_records', 'dbops.heartbeat', 'dbops.schema_migrations'];

// ---- the floor: a snapshot restored with PostgreSQL's own tools ----

/** Runs a client tool (pg_amcheck, psql) against 127.0.0.1:port as cred's user; its stdout. */
export function pgClient(tool, args, cred) {
  const r = spawnSync(asRoot ? 'runuser' : pgTool(tool), [...(asRoot ? ['-u', OS_USER, '--', pgTool(tool)] : []), ...args], {
    env: { ...process.env, PGPASSWORD: cred.password },
    encoding: 'utf8',
    cwd: '/',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${tool} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * The floor: snapDir (base.tar, pg_wal.tar, backup_manifest) restored into dir with
 * tar -x, pg_verifybackup, pg_ctl start (with `recovery` = { archive, target }: a
 * restore_command from the archive, recovery_target_time, promote, and waiting until out
 * of recovery), then optionally pg_amcheck --heapallindexed --jobs=<amcheckJobs> and exact
 * row counts of countTables, then pg_ctl stop and rm. The milliseconds of each part
 * (extract, verify, start[, amcheck][, counts], stop). With throwaway, the copy is treated
 * as dbops treats a temporary restore: fsync = off (no fsync of the data directory at
 * start) and an immediate stop.
 */
export async function floorRestore({ snapDir, dir, cred, amcheckJobs, countTables, recovery, throwaway = false }) {
  const port = await freePort();
  const conn = (db) => ['-h', '127.0.0.1', '-p', String(port), '-U', cred.masterUsername, '-d', db];
  const parts = {};
  parts.extract = timed(() => {
    mkdirSync(dir, { mode: 0o700 });
    if (asRoot) execFileSync('chown', [OS_USER, dir]);
    asPg('tar', ['-xf', join(snapDir, 'base.tar'), '-C', dir]);
    asPg('mkdir', ['-p', join(dir, 'pg_wal')]);
    asPg('tar', ['-xf', join(snapDir, 'pg_wal.tar'), '-C', join(dir, 'pg_wal')]);
  });
  parts.verify = timed(() => asPg(pgTool('pg_verifybackup'), ['-m', join(snapDir, 'backup_manifest'), dir]));
  parts.start = await timed(async () => {
    for (const f of ['postmaster.pid', 'standby.signal', 'recovery.signal']) rmSync(join(dir, f), { force: true });
    // archive_mode off: the copy never archives into the source's archive.
    const conf = [`port = ${port}`, "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''", "archive_mode = 'off'"];
    if (throwaway) conf.push("fsync = 'off'");
    if (recovery)
      conf.push(
        `restore_command = 'cp ${recovery.archive}/%f %p'`,
        `recovery_target_time = '${recovery.target.toISOString().slice(0, 23).replace('T', ' ')}+00'`,
        "recovery_target_action = 'promote'",
      );
    asPg('sh', [
      '-c',
      `printf '%s\\n' ${conf.map((l) => `"${l}"`).join(' ')} >> ${dir}/postgresql.auto.conf${recovery ? ` && touch ${dir}/recovery.signal` : ''}`,
    ]);
    asPg(pgTool('pg_ctl'), ['-D', dir, '-l', join(dir, 'floor.log'), '-w', '-t', '600', 'start']);
    if (recovery)
      for (;;) {
        const r = spawnSync(pgTool('psql'), ['-X', '-A', '-t', ...conn('postgres'), '-c', 'SELECT pg_is_in_recovery()'], {
          env: { ...process.env, PGPASSWORD: cred.password },
          encoding: 'utf8',
        });
        if (r.status === 0 && r.stdout.trim() === 'f') break;
        await sleep(50);
      }
  });
  try {
    if (amcheckJobs)
      parts.amcheck = timed(() =>
        pgClient('pg_amcheck', ['--heapallindexed', '--install-missing', `--jobs=${amcheckJobs}`, ...conn('recipe_book')], cred),
      );
    if (countTables)
      parts.counts = timed(() =>
        pgClient(
          'psql',
          [...conn('recipe_book'), '-X', '-q', '-A', '-t', '-c', countTables.map((t) => `SELECT count(*) FROM ${t};`).join(' ')],
          cred,
        ),
      );
  } finally {
    parts.stop = timed(() => {
      asPg(pgTool('pg_ctl'), ['-D', dir, '-m', throwaway ? 'immediate' : 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return parts;
}

export const sum = (parts, keys = Object.keys(parts)) => keys.reduce((a, k) => a + (parts[k] ?? 0), 0);
