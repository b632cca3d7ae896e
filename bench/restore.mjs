// Restore-test benchmark (local provider): the whole `dbops restore-test` of a database of
// about --size-mb (default 1024) MB against the floor, the same work done directly with
// PostgreSQL's own tools — tar -x of the snapshot, pg_verifybackup, pg_ctl start,
// pg_amcheck --heapallindexed (what dbops' RT-5 checks), pg_ctl stop, rm — as a ratio
// (target <= 1.5x); and the check phase alone (RT-4 .. RT-10) with --concurrency 1 and 2.
//
//   npm run bench:restore                      # ~1 GB
//   npm run bench:restore -- --quick           # ~100 MB, a quick check
//   npm run bench:restore -- --size-mb 200 --runs 3   (or BENCH_DB_MB, BENCH_RUNS)
//   npm run bench:restore -- --engine mysql        # a local mysql instance (bench/restore-mysql.mjs)
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { join } from 'node:path';
import {
  benchHome,
  benchOptions,
  describePg,
  floorRestore,
  median,
  medians,
  ratioLine,
  recipeBookSnapshot,
  requireBuild,
  sec,
  sum,
  sizeOption,
  runsOption,
} from './_common.mjs';

// --engine mysql: the same benchmark for a local mysql instance, in its own module.
const engineAt = process.argv.indexOf('--engine');
const ENGINE = engineAt >= 0 ? process.argv.splice(engineAt, 2)[1] : 'postgres';
if (ENGINE === 'mysql') {
  await import('./restore-mysql.mjs');
  process.exit(0);
}
if (ENGINE !== 'postgres') throw new Error(`--engine takes postgres or mysql, not ${ENGINE}`);

const opts = benchOptions('restore', { ...sizeOption(), ...runsOption(1) });
const DB_MB = opts['size-mb'];
const RUNS = opts.runs;
const SOURCE = 'bench-rt-src';
const bench = benchHome('restore');
const { home, dbops } = bench;

// ---- set-up: a source of about DB_MB with the recipe-book schema, and one snapshot ----

const setUp = () => recipeBookSnapshot(bench, SOURCE, DB_MB);

// ---- the floor: the same restore, start and amcheck with PostgreSQL's own tools ----

async function floor(snapshotId, jobs) {
  const parts = await floorRestore({
    snapDir: join(home, 'local', 'us-east-2', 'snapshots', snapshotId),
    dir: join(home, 'floor-data'),
    cred: bench.secret('snapshots', 'us-east-2', snapshotId),
    amcheckJobs: jobs,
  });
  parts.total = sum(parts);
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
  requireBuild();
  console.log(`restore-test benchmark: local provider, ~${DB_MB} MB, ${RUNS} run(s) of each, ${describePg()}`);
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
  const f = medians(rows.floor);
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
  console.log(ratioLine(whole, f.total, 1.5));
  console.log('');
  console.log(
    `check phase alone (RT-4 .. RT-10): --concurrency 1 ${sec(m(rows.c1, 'checks'))} (amcheck ${sec(m(rows.c1, 'amcheck'))}) · --concurrency 2 ${sec(m(rows.c2, 'checks'))} (amcheck ${sec(m(rows.c2, 'amcheck'))}) · speed-up ${(m(rows.c1, 'checks') / m(rows.c2, 'checks')).toFixed(2)}x`,
  );
}

await bench.run(main, { instances: [SOURCE], dirs: ['floor-data'] });
