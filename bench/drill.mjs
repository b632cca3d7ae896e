// DR drill benchmark (local provider): the whole `dbops dr-drill` (region scenario) of a
// database of about --size-mb (default 1024) MB whose snapshot copy is already in the DR
// region (us-west-2), against the floor: the same recovery done with PostgreSQL's own tools
// — tar -x of the copy, pg_verifybackup, pg_ctl start, pg_amcheck --heapallindexed, exact
// row counts, pg_ctl stop, rm — as a ratio (target <= 1.3x), both with PostgreSQL's defaults
// and as a throwaway copy (fsync = off, immediate stop: what dbops does to a drill's copy,
// the stricter floor); and the RTO dbops reports beside
// the time measured outside it, from spawning the process to DR-14 (accepting writes)
// appearing on its stderr (they must agree within 1 s).
//
//   npm run bench:drill                      # ~1 GB (the issue's size)
//   npm run bench:drill -- --quick           # ~100 MB, a quick check
//   npm run bench:drill -- --size-mb 200 --runs 3   (or BENCH_DB_MB, BENCH_RUNS)
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  BIN,
  benchHome,
  benchOptions,
  describePg,
  floorRestore,
  median,
  medians,
  RECIPE_TABLES,
  ratioLine,
  recipeBookSnapshot,
  requireBuild,
  sec,
  sum,
  sizeOption,
  runsOption,
} from './_common.mjs';

const opts = benchOptions('drill', { ...sizeOption(), ...runsOption(1) });
const DB_MB = opts['size-mb'];
const RUNS = opts.runs;
const SOURCE = 'bench-dr-src';
const DR = 'us-west-2';
const bench = benchHome('drill');
const { home, env, dbops } = bench;

// ---- set-up: a source of about DB_MB with the recipe-book schema, one snapshot, its copy in the DR region ----

function setUp() {
  const { size, snapshotId, snapshotBytes } = recipeBookSnapshot(bench, SOURCE, DB_MB);
  const copy = dbops(['snapshot', 'copy', snapshotId, '--to-region', DR, '--json'], { json: true }).out;
  return { size, snapshotId: copy.targetSnapshotId, snapshotBytes };
}

// ---- the floor: the same recovery in the DR region with PostgreSQL's own tools ----

async function floor(snapshotId, jobs, throwaway) {
  const parts = await floorRestore({
    throwaway,
    snapDir: join(home, 'local', DR, 'snapshots', snapshotId),
    dir: join(home, 'floor-data'),
    cred: bench.secret('snapshots', DR, snapshotId) ?? bench.secret('instances', 'us-east-2', SOURCE),
    amcheckJobs: jobs,
    countTables: RECIPE_TABLES,
  });
  parts.total = sum(parts);
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
  requireBuild();
  console.log(`dr-drill benchmark: local provider, ~${DB_MB} MB, copy in ${DR}, ${RUNS} run(s) of each, ${describePg()}`);
  const t0 = performance.now();
  const { size, snapshotId, snapshotBytes } = setUp();
  console.log(
    `set-up: database ${size}, DR copy ${snapshotId} ${(snapshotBytes / 1048576).toFixed(0)} MiB (${sec(performance.now() - t0)})`,
  );
  const rows = { floor: [], quick: [], drill: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so machine noise hits all alike.
    rows.floor.push(await floor(snapshotId, 2, false));
    rows.quick.push(await floor(snapshotId, 2, true));
    rows.drill.push(await drill());
  }
  const m = (list, key) => median(list.map((x) => x[key]));
  const whole = m(rows.drill, 'wall');
  console.log('');
  const floorLine = (f) =>
    `  extract ${sec(f.extract)} · verify ${sec(f.verify)} · start ${sec(f.start)} · amcheck ${sec(f.amcheck)} · counts ${sec(f.counts)} · stop+rm ${sec(f.stop)}`;
  const f = medians(rows.floor);
  console.log(`floor (tar -x, pg_verifybackup, pg_ctl start, pg_amcheck --heapallindexed --jobs=2, count(*), stop, rm): ${sec(f.total)}`);
  console.log(floorLine(f));
  // What dbops does to a temporary restore (src/lib/providers/local/restore.ts), done by hand.
  const q = medians(rows.quick);
  console.log(`floor for a throwaway copy (the same with fsync = off, stop -m immediate, as dbops treats a drill's copy): ${sec(q.total)}`);
  console.log(floorLine(q));
  console.log(`dbops dr-drill --scenario region (whole command, wall): ${sec(whole)}`);
  const phases = Object.keys(rows.drill[0].phases);
  console.log(
    `  phases (median): ${phases.map((p) => `${p} ${sec(median(rows.drill.map((x) => x.phases[p] ?? 0)))}`).join(' · ')} · delete ${sec(m(rows.drill, 'cleanup'))}`,
  );
  console.log(ratioLine(whole, q.total, 1.3, 'dbops / throwaway floor'));
  console.log(ratioLine(whole, f.total, 1.3, 'dbops / floor with PostgreSQL defaults'));
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

await bench.run(main, { instances: [SOURCE], dirs: ['floor-data'] });
