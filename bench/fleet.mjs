// Fleet benchmark (issue 19), two parts:
//  1. `backup status --all` over --databases (default 200) instances in the stateful FakeRds,
//     in-process (bench/_fleet-fake.ts, bundled here with esbuild): the AWS calls and the wall
//     time, against the same-process baseline of the single-database `backup status` run once
//     per database; and the calls at a tenth of the size (they must not grow with databases).
//     Then `status --all` over as many in 2 accounts × 3 regions: calls (GetMetricData batched
//     500 queries a call) at a tenth of the size and at full size.
//  2. `restore-test --all` (the built CLI, local provider, real PostgreSQL) over --instances
//     (default 6) tiny instances at --concurrency 1 and 3: wall time of each and the speed-up.
//
//   npm run bench:fleet
//   npm run bench:fleet -- --quick              # 50 fake databases, 3 local instances
//   npm run bench:fleet -- --databases 500 --instances 4
//
// Server binaries run as the `postgres` OS user when this runs as root (as dbops does).
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { benchHome, benchOptions, describePg, ROOT, requireBuild, sec } from './_common.mjs';

const opts = benchOptions('fleet', {
  databases: { default: 200, quick: 50, help: 'instances in the fake for backup status --all' },
  instances: { default: 6, quick: 3, help: 'local instances for restore-test --all' },
});

// ---- 1. backup status --all in the fake ----

async function fakePart() {
  const dir = mkdtempSync(join(tmpdir(), 'dbops-bench-fleet-fake-'));
  try {
    const outfile = join(dir, 'fleet-fake.mjs');
    await build({
      entryPoints: [join(ROOT, 'bench', '_fleet-fake.ts')],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    // The bundle lives outside the repository: resolve node_modules from here.
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const m = await import(pathToFileURL(outfile).href);
    const n = opts.databases;
    const small = Math.max(2, Math.round(n / 10));
    await m.fleetRun(small); // warm-up (module loading, SDK clients)
    const fleetSmall = await m.fleetRun(small);
    const fleet = await m.fleetRun(n);
    const single = await m.singleLoop(n);
    const ops = (f) =>
      Object.entries(f.byOperation)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    console.log(`backup status --all in the fake (2 regions + the DR region, concurrency 8)`);
    console.log(
      `  ${String(small).padStart(4)} databases: ${String(fleetSmall.calls).padStart(5)} AWS calls (${ops(fleetSmall)}), ${fleetSmall.ms.toFixed(0)} ms`,
    );
    console.log(
      `  ${String(n).padStart(4)} databases: ${String(fleet.calls).padStart(5)} AWS calls (${ops(fleet)}), ${fleet.ms.toFixed(0)} ms, exit ${fleet.exitCode}`,
    );
    console.log(`  baseline, single backup status × ${n}: ${single.calls} AWS calls (${ops(single)}), ${single.ms.toFixed(0)} ms`);
    console.log(
      `  ratio fleet / baseline: calls ${(fleet.calls / single.calls).toFixed(3)}x, wall time ${(fleet.ms / single.ms).toFixed(2)}x`,
    );
    // The listings are paginated (100 a page): the calls grow with pages of a region's listing, never with databases × checks.
    console.log(`  calls per database: ${(fleet.calls / n).toFixed(3)} (fleet), ${(single.calls / n).toFixed(1)} (baseline)`);
    await m.statusRun(small); // warm-up
    const sSmall = await m.statusRun(small);
    const sLarge = await m.statusRun(n);
    console.log(`\nstatus --all in the fake (2 accounts by their roles × 3 regions, 3 metrics a database, concurrency 8)`);
    for (const s of [sSmall, sLarge]) {
      console.log(
        `  ${String(s.databases).padStart(4)} databases: ${String(s.calls).padStart(5)} AWS calls (${ops(s)}), ${s.queries} metric queries, ${s.ms.toFixed(0)} ms, exit ${s.exitCode}`,
      );
    }
    console.log(`  without batching: ${sLarge.databases * 3} GetMetricData calls (one per database and metric)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. restore-test --all over local instances ----

async function localPart() {
  requireBuild();
  const bench = benchHome('fleet');
  const ids = Array.from({ length: opts.instances }, (_, i) => `fleet-${i + 1}`);
  await bench.run(
    async () => {
      writeFileSync(join(bench.home, 'dbops.config.yaml'), 'provider: local\nregion: us-east-2\nfleet:\n  regions: [us-east-2]\n');
      const schema = join(ROOT, 'sql', 'dbops', 'schema.sql');
      for (const id of ids) {
        bench.dbops(['instances', 'create', id]);
        bench.dbops(['psql', id, '--', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', schema]);
        bench.sql(
          id,
          `CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
           INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
           INSERT INTO dbops.heartbeat (beat_at) SELECT now() - g * interval '5 minutes' FROM generate_series(0, 3) g; ANALYZE;`,
        );
        bench.dbops(['snapshot', 'create', '--instance', id, '--wait', '--json'], { json: true });
      }
      const runAt = (c) => {
        const load = loadavg()[0].toFixed(1);
        const r = bench.dbops(['restore-test', '--all', '--concurrency', String(c), '--yes', '--json'], { json: true, allowFail: true });
        r.load = load;
        if (r.status !== 0) throw new Error(`restore-test --all --concurrency ${c} exited ${r.status}: ${r.out.verdict}\n${r.stderr}`);
        return r;
      };
      const one = runAt(1);
      const three = runAt(3);
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const part = (r, key) => mean(r.out.rows.map((row) => row.result.timing[key] ?? 0)).toFixed(1);
      const detail = (r) =>
        `mean per database: restore ${part(r, 'restoreSeconds')} s, checks ${part(r, 'checksSeconds')} s, whole test ${part(r, 'totalSeconds')} s; load average before ${r.load}`;
      console.log(`\nrestore-test --all over ${ids.length} local instances (~1 MB each; ${describePg()})`);
      console.log(`  --concurrency 1: ${sec(one.ms)}  (${detail(one)})`);
      console.log(`  --concurrency 3: ${sec(three.ms)}  (${detail(three)})`);
      console.log(
        `  speed-up 1 -> 3: ${(one.ms / three.ms).toFixed(2)}x (ideal 3.00x on ${cpus().length} cores, less when the cores are busy)`,
      );
    },
    () => ({ instances: ids }),
  );
}

await fakePart();
await localPart();
