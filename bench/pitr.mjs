// Point-in-time restore benchmark (local provider): `dbops instances restore --to <time>`
// of a recipe-book database of about --size-mb (default 1024) MB whose archive holds
// --load-minutes (default 10) of steady write load after the base backup (pgbench's
// TPC-B-like transactions at --load-tps, default 200, plus a timestamped mark every 2 s),
// to a target three quarters into the load (median of --runs, default 1), against, in the same process:
//   - the floor: the same restore with PostgreSQL's own tools (tar -x of the base backup,
//     pg_verifybackup, restore_command from the archive, recovery_target_time, promote,
//     pg_ctl start, wait until out of recovery), ratio target <= 1.3x;
//   - restoring the base backup alone (tar, pg_verifybackup, pg_ctl start: no WAL
//     replay), i.e. what the WAL replay adds;
// and the archive's overhead on a steady write load: pgbench TPS (unthrottled, 2 clients,
// --tps-seconds per instance in alternating halves) on an instance that archives beside one
// that does not (backupRetentionDays 0).
//
//   npm run bench:pitr                                   # ~1 GB, 10 min of load (the figures)
//   npm run bench:pitr -- --quick                        # ~100 MB, 1 min of load, a quick check
//   npm run bench:pitr -- --size-mb 300 --load-minutes 3 (or BENCH_PITR_MB, BENCH_LOAD_MINUTES)
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchHome,
  benchOptions,
  buildRecipeBook,
  describePg,
  floorRestore,
  median,
  pgTool,
  ratioLine,
  requireBuild,
  runsOption,
  warmCache,
  sec,
  sum,
  sizeOption,
} from './_common.mjs';

const opts = benchOptions('pitr', {
  ...sizeOption('BENCH_PITR_MB'),
  ...runsOption(1),
  'load-minutes': { default: 10, quick: 1, env: 'BENCH_LOAD_MINUTES', help: 'minutes of write load after the base backup' },
  'load-tps': { default: 200, env: 'BENCH_LOAD_TPS', help: 'rate of the write load, transactions per second' },
  'tps-seconds': { default: 60, quick: 10, env: 'BENCH_TPS_SECONDS', help: 'seconds of pgbench per instance for the overhead' },
});
const DB_MB = opts['size-mb'];
const LOAD_S = opts['load-minutes'] * 60;
const LOAD_TPS = opts['load-tps'];
const TPS_SECONDS = opts['tps-seconds'];
const RUNS = opts.runs;
const SOURCE = 'bench-pitr-src';
const NOARCH = 'bench-noarch';
const RESTORED = 'bench-pitr-at';
const REGION = 'us-east-2';
const bench = benchHome('pitr');
const { home, dbops, sql } = bench;

/** pgbench's connection to an instance: arguments and environment. */
function pgbenchConn(id) {
  const port = sql(id, 'SELECT inet_server_port()');
  const cred = bench.secret('instances', REGION, id);
  return { args: ['-h', '127.0.0.1', '-p', port, '-U', cred.masterUsername], env: { ...process.env, PGPASSWORD: cred.password } };
}
const pgbenchInit = (id) => {
  const c = pgbenchConn(id);
  execFileSync(pgTool('pgbench'), [...c.args, '-i', '-s', '5', '-q', 'recipe_book'], { env: c.env, stdio: 'ignore' });
};

/** Runs pgbench (async); its TPS. */
function pgbench(id, args) {
  const c = pgbenchConn(id);
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(pgTool('pgbench'), [...c.args, ...args, 'recipe_book'], { env: c.env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN)) : reject(new Error(`pgbench exited ${code}`)),
    );
  });
}

// ---- set-up: ~DB_MB of data, the automated base backup, then LOAD_S of writes ----

async function setUp() {
  const size = buildRecipeBook(bench, SOURCE, DB_MB);
  sql(SOURCE, 'CREATE TABLE marks (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  pgbenchInit(SOURCE);
  const run = dbops(['backup', 'run', '--instance', SOURCE, '--force', '--json'], { json: true }).out;
  const walBefore = sql(SOURCE, 'SELECT pg_current_wal_lsn()');
  // The write load: pgbench at a steady rate, and a mark every 2 s; the target falls between two marks.
  const load = pgbench(SOURCE, ['-c', '2', '-j', '2', '-R', String(LOAD_TPS), '-T', String(LOAD_S)]);
  const t0 = performance.now();
  let n = 0;
  let target;
  while (performance.now() - t0 < LOAD_S * 1000) {
    sql(SOURCE, `INSERT INTO marks (n) VALUES (${++n})`);
    if (!target && performance.now() - t0 >= LOAD_S * 750) {
      await sleep(20);
      target = { at: new Date(), after: n };
      await sleep(20);
    }
    await sleep(2000);
  }
  const loadTps = await load;
  const wal = sql(SOURCE, `SELECT pg_size_pretty(pg_current_wal_lsn() - '${walBefore}'::pg_lsn)`);
  const last = sql(SOURCE, `SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM marks`);
  // The last segment goes to the archive now rather than at archive_timeout.
  sql(SOURCE, 'SELECT pg_switch_wal()');
  for (let i = 0; i < 600; i++) {
    const st = dbops(['backup', 'status', '--instance', SOURCE, '--json'], { json: true, allowFail: true }).out;
    if (st.automated.latestRestorableTime && st.automated.latestRestorableTime >= last)
      return { size, snapshotId: run.run.snapshotId, target, marks: n, loadTps, wal, window: st.automated };
    await sleep(1000);
  }
  throw new Error('the archive never caught up');
}

// ---- the floors: PostgreSQL's own tools ----

async function floor(snapshotId, target) {
  const parts = await floorRestore({
    snapDir: join(home, 'local', REGION, 'snapshots', snapshotId),
    dir: join(home, `floor-${target ? 'pitr' : 'base'}`),
    cred: bench.secret('snapshots', REGION, snapshotId),
    recovery: target ? { archive: join(home, 'local', REGION, 'wal-archive', SOURCE), target: target.at } : undefined,
  });
  // dbops' command ends when the restored instance accepts writes: the floor's stop and rm are not counted.
  return sum(parts, ['extract', 'verify', 'start']);
}

function dbopsPitr(target) {
  const r = dbops(['instances', 'restore', SOURCE, '--to', target.at.toISOString(), '--target', RESTORED, '--json'], { json: true });
  const steps = (r.out.report?.steps ?? []).map((s) => `${s.id} ${sec(s.durationMs ?? 0)}`).join(' · ');
  const marks = Number(sql(RESTORED, 'SELECT count(*) FROM marks'));
  dbops(['instances', 'delete', RESTORED, '--yes', '--skip-final-snapshot']);
  return { ms: r.ms, marks, steps };
}

async function main() {
  requireBuild();
  console.log(
    `PITR benchmark: local provider, ~${DB_MB} MB, ${LOAD_S / 60} min of write load (${LOAD_TPS} tps) after the base backup, ${RUNS} run(s) of each, ${describePg()}`,
  );
  const t0 = performance.now();
  const { size, snapshotId, target, marks, loadTps, wal, window } = await setUp();
  console.log(
    `set-up: database ${size}, base backup ${snapshotId}, load ${loadTps.toFixed(0)} tps, ${wal} of WAL, window ${window.earliestRestorableTime} to ${window.latestRestorableTime}, archive ${window.archive.segments} files (${sec(performance.now() - t0)})`,
  );
  console.log(`target: ${target.at.toISOString()} (after mark ${target.after} of ${marks})`);
  // The base backup and the archive were written long ago: read them once, so the first
  // timed restore does not alone pay for reading them from disk.
  warmCache([join(home, 'local', REGION, 'snapshots', snapshotId), join(home, 'local', REGION, 'wal-archive', SOURCE)]);
  const rows = { base: [], floor: [], ours: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so machine noise hits all alike.
    rows.base.push(await floor(snapshotId, undefined));
    rows.floor.push(await floor(snapshotId, target));
    rows.ours.push(dbopsPitr(target));
  }
  const base = median(rows.base);
  const pitrFloor = median(rows.floor);
  const ours = { ms: median(rows.ours.map((r) => r.ms)), marks: rows.ours.map((r) => r.marks).join(', '), steps: rows.ours.at(-1).steps };
  console.log('');
  console.log(`base backup alone (tar, pg_verifybackup, pg_ctl start; no WAL replay): ${sec(base)}`);
  console.log(
    `floor PITR (the same + restore_command, recovery_target_time, promote):   ${sec(pitrFloor)}   replay adds ${sec(pitrFloor - base)} (${(pitrFloor / base).toFixed(2)}x the base alone)`,
  );
  console.log(
    `dbops instances restore --to (whole command, wall):                        ${sec(ours.ms)}   restored ${ours.marks} of ${marks} marks (expected ${target.after})`,
  );
  console.log(`  per step (last run): ${ours.steps}`);
  console.log(ratioLine(ours.ms, pitrFloor, 1.3));
  console.log(`ratio dbops PITR / base backup alone: ${(ours.ms / base).toFixed(2)}x`);
  console.log('');
  dbops(['instances', 'create', NOARCH], { extraEnv: { DBOPS_DATABASE__BACKUP_RETENTION_DAYS: '0' } });
  for (const id of [SOURCE, NOARCH]) pgbenchInit(id);
  // Alternating halves, so machine noise hits both alike.
  const half = String(Math.max(1, Math.round(TPS_SECONDS / 2)));
  const rounds = { [SOURCE]: [], [NOARCH]: [] };
  for (let i = 0; i < 2; i++)
    for (const id of i ? [NOARCH, SOURCE] : [SOURCE, NOARCH]) rounds[id].push(await pgbench(id, ['-c', '2', '-j', '2', '-T', half]));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withArchive = mean(rounds[SOURCE]);
  const without = mean(rounds[NOARCH]);
  console.log(
    `pgbench -c 2 -T ${TPS_SECONDS} (scale 5, 2 alternating halves): archiving ${withArchive.toFixed(0)} tps · no archiving ${without.toFixed(0)} tps · overhead ${(((without - withArchive) / without) * 100).toFixed(1)}%`,
  );
}

await bench.run(main, { instances: [SOURCE, NOARCH, RESTORED], dirs: ['floor-pitr', 'floor-base'] });
