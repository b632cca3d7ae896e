// Interrupt benchmark (local provider): how long `dbops restore-test` takes from a SIGINT to
// its exit with the cleanup done (the temporary instance stopped and removed), during
// RT-2 (extracting a ~BENCH_DB_MB MB snapshot, default 1024: early, and once the whole
// base.tar is out, when pg_wal.tar / pg_verifybackup run and the most is to remove) and
// during RT-5 (amcheck on the restored copy). Median of BENCH_RUNS (default 5) each;
// target <= 1 s. The baseline, run in the same process, is the floor of any process: a
// Node child that exits on SIGINT.
//
//   npm run bench:interrupt                 # ~1 GB, 5 runs each
//   npm run bench:interrupt -- --size-mb 200 --runs 3   (or BENCH_DB_MB, BENCH_RUNS; --quick: 100 MB, 1 run)
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, benchHome, benchOptions, median, requireBuild, runsOption, sizeOption } from './_common.mjs';

const opts = benchOptions('interrupt', { ...sizeOption(), ...runsOption(5, 1) });
const DB_MB = opts['size-mb'];
const RUNS = opts.runs;
const SOURCE = 'bench-int-src';
const TARGET_MS = 1000;

const bench = benchHome('interrupt');
const { home, env } = bench;
const instancesDir = join(home, 'local', 'us-east-2', 'instances');
const dbops = (args) => bench.dbops(args).out;
const ms = (x) => `${Math.round(x)} ms`;

function setUp() {
  dbops(['instances', 'create', SOURCE]);
  const rows = Math.round(DB_MB * 1000);
  dbops([
    'psql',
    SOURCE,
    '--',
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `CREATE TABLE bulk AS SELECT g, repeat(md5(g::text), 30) AS t FROM generate_series(1, ${rows}) g; CREATE INDEX ON bulk (g); ANALYZE;`,
  ]);
  const snap = JSON.parse(dbops(['snapshot', 'create', '--instance', SOURCE, '--wait', '--json']));
  return { snapshotId: snap.snapshotId, bytes: snap.snapshot.sizeBytes };
}

/** Processes working in a directory under the instances of the home, other than the source's. */
function leftovers() {
  const dirs = existsSync(instancesDir) ? readdirSync(instancesDir).filter((d) => d !== SOURCE) : [];
  const procs = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${e}/cwd`);
    } catch {
      continue;
    }
    if (cwd.startsWith(instancesDir) && !cwd.startsWith(join(instancesDir, SOURCE))) procs.push(Number(e));
  }
  return { dirs, procs };
}

/** One restore-test, SIGINT when `ready(stderr)` says so; returns SIGINT -> exit in ms. */
function interruptedRun(snapshotId, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'restore-test', '--instance', SOURCE, '--snapshot', snapshotId], {
      env,
      cwd: home,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sentAt;
    const send = () => {
      if (sentAt !== undefined || child.exitCode !== null) return;
      sentAt = performance.now();
      child.kill('SIGINT');
    };
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      ready(stderr, send);
    });
    child.on('exit', (code) => {
      const took = performance.now() - sentAt;
      if (sentAt === undefined) return reject(new Error(`the run ended before the signal (exit ${code})\n${stderr}`));
      if (code !== 130) return reject(new Error(`exit ${code}, expected 130\n${stderr}`));
      resolve(took);
    });
  });
}

/** RT-2: as soon as the temporary data directory fills (tar is extracting), or 1 s into RT-2 at the latest. */
function duringExtraction(stderr, send) {
  const tmp = /(bench-int-src-rt-[a-z0-9]+)/.exec(stderr)?.[1];
  if (!tmp || !/\[RT-2\]/.test(stderr) || duringExtraction.armed === tmp) return;
  duringExtraction.armed = tmp;
  const data = join(instancesDir, tmp, 'data');
  const started = performance.now();
  const timer = setInterval(() => {
    let filling = false;
    try {
      filling = readdirSync(data).length > 0;
    } catch {
      // not there yet
    }
    if (filling || performance.now() - started > 1000) {
      clearInterval(timer);
      setTimeout(send, 200); // well inside the extraction of a large snapshot
    }
  }, 5);
}

/** RT-2, late: the first WAL segment is out of pg_wal.tar, so all of base.tar is extracted. */
function afterExtraction(stderr, send) {
  const tmp = /(bench-int-src-rt-[a-z0-9]+)/.exec(stderr)?.[1];
  if (!tmp || !/\[RT-2\]/.test(stderr) || afterExtraction.armed === tmp) return;
  afterExtraction.armed = tmp;
  const wal = join(instancesDir, tmp, 'data', 'pg_wal');
  const timer = setInterval(() => {
    let segments = false;
    try {
      segments = readdirSync(wal).some((f) => /^[0-9A-F]{24}$/.test(f));
    } catch {
      // not there yet
    }
    if (segments) {
      clearInterval(timer);
      send();
    }
  }, 5);
}

/** RT-5: a moment after amcheck starts on the restored copy. */
function duringAmcheck(stderr, send) {
  if (/\[RT-5\]/.test(stderr)) setTimeout(send, 300);
}

function baseline() {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-e', "process.on('SIGINT', () => process.exit(130)); process.stderr.write('ready\\n'); setInterval(() => {}, 1000);"],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let t0;
    child.stderr.on('data', () => {
      t0 = performance.now();
      child.kill('SIGINT');
    });
    child.on('exit', () => resolve(performance.now() - t0));
  });
}

async function main() {
  requireBuild();
  console.log(`interrupt benchmark: local provider, ~${DB_MB} MB, ${RUNS} run(s) each, SIGINT -> exit with cleanup done`);
  const t0 = performance.now();
  const { snapshotId, bytes } = setUp();
  console.log(`set-up: snapshot ${snapshotId} ${(bytes / 1048576).toFixed(0)} MiB (${((performance.now() - t0) / 1000) | 0} s)`);
  const moments = [
    ['during RT-2 (extracting the snapshot)', 'rt2', duringExtraction],
    ['during RT-2 (all of base.tar extracted)', 'rt2late', afterExtraction],
    ['during RT-5 (amcheck)', 'rt5', duringAmcheck],
  ];
  const rows = { base: [], rt2: [], rt2late: [], rt5: [] };
  for (let i = 0; i < RUNS; i++) {
    rows.base.push(await baseline());
    for (const [name, key, ready] of moments) {
      rows[key].push(await interruptedRun(snapshotId, ready));
      const left = leftovers();
      if (left.dirs.length || left.procs.length) throw new Error(`run ${i + 1} ${name} left ${JSON.stringify(left)}`);
    }
  }
  const base = median(rows.base);
  console.log('');
  console.log(`baseline (a Node process exiting on SIGINT): ${ms(base)}`);
  for (const [name, key] of moments) {
    const m = median(rows[key]);
    console.log(
      `${name}: median ${ms(m)} (runs ${rows[key].map(ms).join(', ')}) · ${(m / base).toFixed(1)}x baseline · target <= ${ms(TARGET_MS)} ${m <= TARGET_MS ? 'OK' : 'OVER'}`,
    );
  }
  console.log('left behind after every run: nothing (no instance directory, no process)');
}

try {
  await main();
} finally {
  // Stop whatever runs under the home, then remove it.
  for (const id of existsSync(instancesDir) ? readdirSync(instancesDir) : []) {
    const pidFile = join(instancesDir, id, 'data', 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  rmSync(home, { recursive: true, force: true });
}
