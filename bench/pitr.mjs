// Point-in-time restore benchmark (local provider): `dbops instances restore --to <time>`
// of a database of about BENCH_PITR_MB (default 300) MB whose archive holds
// BENCH_PITR_SEGMENTS (default 20) switched WAL segments of writes after the base backup,
// against, in the same process:
//   - the floor: the same restore with PostgreSQL's own tools (tar -x of the base backup,
//     pg_verifybackup, restore_command from the archive, recovery_target_time, promote,
//     pg_ctl start, wait until out of recovery), ratio target <= 1.3x;
//   - restoring the base backup alone (tar, pg_verifybackup, pg_ctl start: no WAL
//     replay), i.e. what the WAL replay adds;
// and the archive's overhead on a steady write load: pgbench TPS on an instance that
// archives beside one that does not (backupRetentionDays 0).
//
//   npm run bench:pitr                                   # ~300 MB, 20 segments
//   BENCH_PITR_MB=1024 BENCH_PITR_SEGMENTS=40 npm run bench:pitr
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'dbops');
const DB_MB = Number(process.env.BENCH_PITR_MB ?? 300);
const SEGMENTS = Number(process.env.BENCH_PITR_SEGMENTS ?? 20);
const TPS_SECONDS = Number(process.env.BENCH_TPS_SECONDS ?? 15);
const OS_USER = process.env.BENCH_OS_USER ?? 'postgres';
const SOURCE = 'bench-pitr-src';
const asRoot = process.getuid?.() === 0;

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-pitr-'));
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

function dbops(args, { json = false, extraEnv = {}, allowFail = false } = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...env, ...extraEnv },
    cwd: home,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !allowFail) throw new Error(`dbops ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return { ms, out: json ? JSON.parse(r.stdout) : r.stdout };
}

const sql = (id, text) => dbops(['psql', id, '--', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', text]).out.trim();

/** Runs a tool as the server's OS user (when root), like dbops does. */
function asPg(file, args, extraEnv = {}) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/', env: { ...process.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
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
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ---- set-up: ~DB_MB of data, the automated base backup, then SEGMENTS segments of writes ----

async function setUp() {
  dbops(['instances', 'create', SOURCE]);
  sql(SOURCE, 'CREATE TABLE bulk (id bigint PRIMARY KEY, payload text NOT NULL)');
  const rows = Math.round(DB_MB * 5200);
  sql(SOURCE, `INSERT INTO bulk SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, ${rows}) g`);
  sql(SOURCE, 'CREATE TABLE marks (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  const size = sql(SOURCE, 'SELECT pg_size_pretty(pg_database_size(current_database()))');
  const run = dbops(['backup', 'run', '--instance', SOURCE, '--force', '--json'], { json: true }).out;
  // Writes after the base backup: each round one mark and ~a segment of updates, then a switch.
  let target;
  for (let i = 1; i <= SEGMENTS; i++) {
    sql(
      SOURCE,
      `INSERT INTO marks (n) VALUES (${i}); UPDATE bulk SET payload = md5(payload) WHERE id % ${SEGMENTS} = ${i % SEGMENTS} AND id <= ${Math.min(rows, 60000)}`,
    );
    sql(SOURCE, 'SELECT pg_switch_wal()');
    if (i === Math.ceil(SEGMENTS * 0.75)) {
      await sleep(20);
      target = new Date();
      await sleep(20);
    }
  }
  const last = sql(SOURCE, `SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM marks`);
  for (let i = 0; i < 600; i++) {
    const st = dbops(['backup', 'status', '--instance', SOURCE, '--json'], { json: true, allowFail: true }).out;
    if (st.automated.latestRestorableTime && st.automated.latestRestorableTime >= last)
      return { size, snapshotId: run.run.snapshotId, target, window: st.automated };
    await sleep(200);
  }
  throw new Error('the archive never caught up');
}

// ---- the floors: PostgreSQL's own tools ----

async function floorRestore(snapshotId, target) {
  const snapDir = join(home, 'local', 'us-east-2', 'snapshots', snapshotId);
  const archive = join(home, 'local', 'us-east-2', 'wal-archive', SOURCE);
  const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
  const cred = secrets.snapshots[`us-east-2/${snapshotId}`];
  const dir = join(home, `floor-${target ? 'pitr' : 'base'}`);
  const port = await freePort();
  const total = await timed(async () => {
    mkdirSync(dir, { mode: 0o700 });
    if (asRoot) execFileSync('chown', [OS_USER, dir]);
    asPg('tar', ['-xf', join(snapDir, 'base.tar'), '-C', dir]);
    asPg('mkdir', ['-p', join(dir, 'pg_wal')]);
    asPg('tar', ['-xf', join(snapDir, 'pg_wal.tar'), '-C', join(dir, 'pg_wal')]);
    asPg(join(PG, 'pg_verifybackup'), ['-m', join(snapDir, 'backup_manifest'), dir]);
    for (const f of ['postmaster.pid', 'standby.signal', 'recovery.signal']) rmSync(join(dir, f), { force: true });
    const conf = [`port = ${port}`, "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''", "archive_mode = 'off'"];
    if (target) {
      conf.push(
        `restore_command = 'cp ${archive}/%f %p'`,
        `recovery_target_time = '${target.toISOString().slice(0, 23).replace('T', ' ')}+00'`,
        "recovery_target_action = 'promote'",
      );
    }
    asPg('sh', [
      '-c',
      `printf '%s\\n' ${conf.map((l) => `"${l}"`).join(' ')} >> ${dir}/postgresql.auto.conf${target ? ` && touch ${dir}/recovery.signal` : ''}`,
    ]);
    asPg(join(PG, 'pg_ctl'), ['-D', dir, '-l', join(dir, 'floor.log'), '-w', '-t', '600', 'start']);
    for (;;) {
      const r = spawnSync(
        join(PG, 'psql'),
        [
          '-X',
          '-A',
          '-t',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          cred.masterUsername,
          '-d',
          'postgres',
          '-c',
          'SELECT pg_is_in_recovery()',
        ],
        { env: { ...process.env, PGPASSWORD: cred.password }, encoding: 'utf8' },
      );
      if (r.status === 0 && r.stdout.trim() === 'f') break;
      await sleep(50);
    }
  });
  asPg(join(PG, 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop']);
  rmSync(dir, { recursive: true, force: true });
  return total;
}

function dbopsPitr(target, id) {
  const ms = dbops(['instances', 'restore', SOURCE, '--to', target.toISOString(), '--target', id, '--json'], { json: true }).ms;
  const marks = Number(sql(id, 'SELECT count(*) FROM marks'));
  dbops(['instances', 'delete', id, '--yes', '--skip-final-snapshot']);
  return { ms, marks };
}

// ---- the archive's overhead: pgbench with and without archiving ----

function tps(id) {
  const info = dbops(['psql', id, '--', '-X', '-A', '-t', '-c', 'SELECT inet_server_port()']).out.trim();
  const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'));
  const cred = secrets.instances[`us-east-2/${id}`];
  const common = ['-h', '127.0.0.1', '-p', info, '-U', cred.masterUsername];
  const pe = { ...process.env, PGPASSWORD: cred.password };
  execFileSync(join(PG, 'pgbench'), [...common, '-i', '-s', '5', '-q', 'recipe_book'], { env: pe, stdio: 'ignore' });
  const out = execFileSync(join(PG, 'pgbench'), [...common, '-c', '2', '-j', '2', '-T', String(TPS_SECONDS), 'recipe_book'], {
    env: pe,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('Build first: npm run build');
  console.log(
    `PITR benchmark: local provider, ~${DB_MB} MB, ${SEGMENTS} WAL segments of writes after the base backup, PostgreSQL binaries ${PG}${asRoot ? `, as ${OS_USER}` : ''}`,
  );
  const t0 = performance.now();
  const { size, snapshotId, target, window } = await setUp();
  console.log(
    `set-up: database ${size}, base backup ${snapshotId}, window ${window.earliestRestorableTime} to ${window.latestRestorableTime}, archive ${window.archive.segments} files (${sec(performance.now() - t0)})`,
  );
  console.log(`target: ${target.toISOString()} (after mark ${Math.ceil(SEGMENTS * 0.75)} of ${SEGMENTS})`);
  // Interleaved, so machine noise hits all alike.
  const base = await floorRestore(snapshotId, undefined);
  const floor = await floorRestore(snapshotId, target);
  const ours = dbopsPitr(target, 'bench-pitr-at');
  console.log('');
  console.log(`base backup alone (tar, pg_verifybackup, pg_ctl start; no WAL replay): ${sec(base)}`);
  console.log(
    `floor PITR (the same + restore_command, recovery_target_time, promote):   ${sec(floor)}   replay adds ${sec(floor - base)} (${(floor / base).toFixed(2)}x the base alone)`,
  );
  console.log(
    `dbops instances restore --to (whole command, wall):                        ${sec(ours.ms)}   restored ${ours.marks} of ${SEGMENTS} marks (expected ${Math.ceil(SEGMENTS * 0.75)})`,
  );
  const ratio = ours.ms / floor;
  console.log(`ratio dbops / floor: ${ratio.toFixed(2)}x  target <= 1.30x  ${ratio <= 1.3 ? 'OK' : 'OVER'}`);
  console.log(`ratio dbops PITR / base backup alone: ${(ours.ms / base).toFixed(2)}x`);
  console.log('');
  dbops(['instances', 'create', 'bench-noarch'], { extraEnv: { DBOPS_DATABASE__BACKUP_RETENTION_DAYS: '0' } });
  const withArchive = tps(SOURCE);
  const without = tps('bench-noarch');
  console.log(
    `pgbench -c 2 -T ${TPS_SECONDS} (scale 5): archiving ${withArchive.toFixed(0)} tps · no archiving ${without.toFixed(0)} tps · overhead ${(((without - withArchive) / without) * 100).toFixed(1)}%`,
  );
}

try {
  await main();
} finally {
  for (const id of [SOURCE, 'bench-noarch', 'bench-pitr-at'])
    spawnSync(process.execPath, [BIN, 'instances', 'delete', id, '--yes', '--skip-final-snapshot'], { env, cwd: home, stdio: 'ignore' });
  for (const d of ['floor-pitr', 'floor-base']) {
    const leftover = join(home, d);
    if (existsSync(join(leftover, 'postmaster.pid')))
      spawnSync(
        asRoot ? 'runuser' : join(PG, 'pg_ctl'),
        [...(asRoot ? ['-u', OS_USER, '--', join(PG, 'pg_ctl')] : []), '-D', leftover, '-m', 'immediate', 'stop'],
        { stdio: 'ignore' },
      );
  }
  rmSync(home, { recursive: true, force: true });
}
