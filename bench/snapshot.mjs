// Snapshot benchmark (local provider): throughput of `dbops snapshot create --wait` and
// `dbops snapshot copy --to-region` beside plain `pg_basebackup -Ft -X stream` and plain
// `cp -r` of the same data, and their ratios (target >= 0.8 of the plain tools).
//
//   npm run bench:snapshot                       # about 1 GB of table data
//   BENCH_SNAPSHOT_MB=256 BENCH_REPEAT=2 npm run bench:snapshot
//
// dbops does more than the plain tools: it verifies every snapshot and every copy and
// fsyncs copies. pg_basebackup fsyncs what it writes too, so the durable copy baseline is
// `cp -r` followed by `sync`; plain `cp -r` returns while the data is still only in the
// page cache, and its ratio is printed beside, for the record. Every timed run starts
// after a `sync`, so no run pays for the dirty pages of the one before.
//
// The same runs with local.snapshotVerifier=pg_verifybackup (extract the tars, then
// pg_verifybackup, as PostgreSQL 15 requires) are the in-process baseline for the
// default streaming verifier.
// Runs as root (server binaries as the `postgres` user, like dbops) or as a normal user.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './_common.mjs';

const bin = fileURLToPath(new URL('../bin/dbops', import.meta.url));
const targetMb = Number(process.env.BENCH_SNAPSHOT_MB ?? 1024);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
// Copies take a second or two and the disk is noisy: more runs for a steadier median.
const copyRepeat = Number(process.env.BENCH_COPY_REPEAT ?? 9);
const osUser = process.env.BENCH_OS_USER ?? 'postgres';
const root = userInfo().uid === 0;
const DB = 'bench-db';

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-snapshot-'));
chmodSync(home, 0o755);
const env = { ...process.env, DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: DB, NO_COLOR: '1' };

function run(file, args, opts = {}) {
  const r = spawnSync(file, args, { env: opts.env ?? env, encoding: 'utf8', maxBuffer: 64 << 20, input: opts.input });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** As the server's OS user when we are root (PostgreSQL tools refuse root, and file ownership must match). */
function runAsPg(file, args, extraEnv = {}) {
  // runuser keeps the environment, so a password travels there, never on the command line.
  if (!root) return run(file, args, { env: { ...env, ...extraEnv } });
  return run('runuser', ['-u', osUser, '--', file, ...args], { env: { ...env, ...extraEnv } });
}

function dbops(args, extraEnv = {}) {
  return run(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv } });
}

const PG_VERIFYBACKUP = { DBOPS_LOCAL__SNAPSHOT_VERIFIER: 'pg_verifybackup' };

/**
 * Before a timed run: flush dirty pages and give the disk a moment (the filesystem may
 * discard the blocks of what was just removed), so each run starts from the same state.
 */
function settle() {
  spawnSync('sync');
  spawnSync('sleep', ['0.5']);
  spawnSync('sync');
}

function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

function bytesUnder(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

function scratch(name) {
  mkdirSync(join(home, 'bench'), { recursive: true, mode: 0o755 });
  const dir = join(home, 'bench', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (root) chownSync(dir, Number(run('id', ['-u', osUser]).trim()), Number(run('id', ['-g', osUser]).trim()));
  return dir;
}

const mbps = (bytes, ms) => bytes / (1024 * 1024) / (ms / 1000);
const fmt = (x, d = 1) => x.toFixed(d);

function pgBin(name) {
  const dirs = [
    process.env.PG_BIN,
    ...readdirSync('/usr/lib/postgresql')
      .sort()
      .reverse()
      .map((v) => `/usr/lib/postgresql/${v}/bin`),
  ].filter(Boolean);
  for (const d of dirs) {
    try {
      statSync(join(d, name));
      return join(d, name);
    } catch {
      // next
    }
  }
  return name;
}

async function main() {
  const { createLocalProvider } = await import('../dist/lib/providers/local/provider.js');
  console.log(`snapshot benchmark: ${targetMb} MB of table data, ${repeat} runs each, DBOPS_HOME=${home}`);
  dbops(['instances', 'create', DB, '--json']);
  const provider = createLocalProvider({ home, region: 'us-east-2', osUser, pgBin: process.env.PG_BIN, env });
  const info = await provider.connectionInfo(DB);
  const password = info.password?.reveal() ?? '';
  const conn = ['-h', info.host, '-p', String(info.port), '-U', info.user];
  const psql = (sql) =>
    run(pgBin('psql'), [...conn, '-d', info.database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { env: { ...env, PGPASSWORD: password } });

  // ~300 bytes a row on disk (a 256-byte text stays inline and uncompressed).
  const rows = Math.round((targetMb * 1024 * 1024) / 300);
  const load = timed(() =>
    psql(`CREATE TABLE bench AS SELECT g AS id, repeat(md5(g::text), 8) AS payload FROM generate_series(1, ${rows}) g; CHECKPOINT;`),
  );
  const dbBytes = Number(psql('SELECT sum(pg_database_size(datname)) FROM pg_database').trim());
  console.log(`loaded ${rows} rows in ${fmt(load.ms / 1000)} s; cluster databases ${fmt(dbBytes / 1048576, 0)} MiB\n`);

  const plainBb = [];
  const dbopsCreate = [];
  const dbopsCreateOld = [];
  const snapshots = [];
  for (let i = 0; i < repeat; i++) {
    // Interleaved, so cache and machine noise hit both alike.
    const dir = scratch(`basebackup-${i}`);
    rmSync(dir, { recursive: true, force: true }); // pg_basebackup creates it
    if (root) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, Number(run('id', ['-u', osUser]).trim()), Number(run('id', ['-g', osUser]).trim()));
    }
    settle();
    const bb = timed(() =>
      runAsPg(pgBin('pg_basebackup'), [...conn, '--no-password', '--checkpoint=fast', '-D', dir, '-Ft', '-X', 'stream'], {
        PGPASSWORD: password,
      }),
    );
    plainBb.push({ ms: bb.ms, bytes: bytesUnder(dir) });
    rmSync(dir, { recursive: true, force: true });
    settle();
    const c = timed(() => JSON.parse(dbops(['snapshot', 'create', '--wait', '--json'])));
    dbopsCreate.push({ ms: c.ms, bytes: c.value.snapshot.sizeBytes });
    snapshots.push(c.value.snapshotId);
    settle();
    const o = timed(() => JSON.parse(dbops(['snapshot', 'create', '--wait', '--json'], PG_VERIFYBACKUP)));
    dbopsCreateOld.push({ ms: o.ms, bytes: o.value.snapshot.sizeBytes });
    dbops(['snapshot', 'delete', o.value.snapshotId, '--yes']);
  }

  const plainCp = [];
  const plainCpSync = [];
  const dbopsCopy = [];
  const dbopsCopyOld = [];
  for (let i = 0; i < copyRepeat; i++) {
    const snapshot = snapshots[i % snapshots.length];
    const src = join(home, 'local', 'us-east-2', 'snapshots', snapshot);
    const bytes = bytesUnder(src);
    const to = join(home, 'bench', `cp-${i}`);
    rmSync(to, { recursive: true, force: true });
    settle();
    plainCp.push({ ms: timed(() => run('cp', ['-r', src, to])).ms, bytes });
    rmSync(to, { recursive: true, force: true });
    // The durable copies in a rotating order, each after the same cleanup and settle.
    const durable = [
      () => {
        plainCpSync.push({
          ms: timed(() => {
            run('cp', ['-r', src, to]);
            run('sync', ['-f', to]);
          }).ms,
          bytes,
        });
        rmSync(to, { recursive: true, force: true });
      },
      () => {
        const c = timed(() => JSON.parse(dbops(['snapshot', 'copy', snapshot, '--to-region', 'us-west-2', '--json'])));
        dbopsCopy.push({ ms: c.ms, bytes });
        dbops(['snapshot', 'delete', c.value.targetSnapshotId, '--region', 'us-west-2', '--yes']);
      },
      () => {
        const o = timed(() => JSON.parse(dbops(['snapshot', 'copy', snapshot, '--to-region', 'eu-west-1', '--json'], PG_VERIFYBACKUP)));
        dbopsCopyOld.push({ ms: o.ms, bytes });
        dbops(['snapshot', 'delete', o.value.targetSnapshotId, '--region', 'eu-west-1', '--yes']);
      },
    ];
    for (let k = 0; k < durable.length; k++) {
      settle();
      durable[(i + k) % durable.length]();
    }
  }

  // Where dbops' time goes: the verification on its own (PostgreSQL 15: extract, then verify).
  const snapDir = join(home, 'local', 'us-east-2', 'snapshots', snapshots[0]);
  const verifyDir = scratch('verify');
  const extract = timed(() => {
    runAsPg('tar', ['-xf', join(snapDir, 'base.tar'), '-C', verifyDir]);
    mkdirSync(join(verifyDir, 'pg_wal'), { recursive: true });
    if (root) run('chown', [osUser, join(verifyDir, 'pg_wal')]);
    runAsPg('tar', ['-xf', join(snapDir, 'pg_wal.tar'), '-C', join(verifyDir, 'pg_wal')]);
  });
  const verify = timed(() => runAsPg(pgBin('pg_verifybackup'), ['-m', join(snapDir, 'backup_manifest'), verifyDir]));
  const cleanup = timed(() => rmSync(verifyDir, { recursive: true, force: true }));
  // The same extraction into memory (tmpfs), to show how much of it is the disk.
  let shm;
  if (existsSync('/dev/shm')) {
    const dir = mkdtempSync('/dev/shm/dbops-bench-');
    if (root) run('chown', [osUser, dir]);
    const ex = timed(() => runAsPg('tar', ['-xf', join(snapDir, 'base.tar'), '-C', dir]));
    const rm = timed(() => rmSync(dir, { recursive: true, force: true }));
    shm = { extract: ex.ms, rm: rm.ms };
  }
  const startup = median(Array.from({ length: 5 }, () => timed(() => dbops(['--version'])).ms));

  const med = (xs) => ({ ms: median(xs.map((x) => x.ms)), bytes: median(xs.map((x) => x.bytes)) });
  const rowsOut = [
    ['pg_basebackup -Ft -X stream', med(plainBb)],
    ['dbops snapshot create --wait', med(dbopsCreate)],
    ['  same, verifier pg_verifybackup', med(dbopsCreateOld)],
    ['cp -r + sync (durable)', med(plainCpSync)],
    ['cp -r (page cache only)', med(plainCp)],
    ['dbops snapshot copy --to-region', med(dbopsCopy)],
    ['  same, verifier pg_verifybackup', med(dbopsCopyOld)],
  ];
  console.log(`median of ${repeat} runs (copies ${copyRepeat}) size MiB    time s     MB/s`);
  for (const [name, m] of rowsOut) {
    console.log(
      `${name.padEnd(34)} ${fmt(m.bytes / 1048576, 0).padStart(8)} ${fmt(m.ms / 1000, 2).padStart(9)} ${fmt(mbps(m.bytes, m.ms)).padStart(8)}`,
    );
  }
  console.log('');
  console.log('every run, seconds:');
  for (const [name, xs] of [
    ['pg_basebackup', plainBb],
    ['dbops create', dbopsCreate],
    ['  pg_verifybackup', dbopsCreateOld],
    ['cp -r + sync', plainCpSync],
    ['dbops copy', dbopsCopy],
    ['  pg_verifybackup', dbopsCopyOld],
  ])
    console.log(`  ${name.padEnd(18)} ${xs.map((x) => fmt(x.ms / 1000, 2)).join(' ')}`);
  const tput = (k) => mbps(rowsOut[k][1].bytes, rowsOut[k][1].ms);
  const createRatio = tput(1) / tput(0);
  const copyRatio = tput(5) / tput(3);
  const line = (label, r, target) =>
    console.log(`${label.padEnd(44)} ${fmt(r, 2)}${target ? `  target >= 0.80  ${r >= 0.8 ? 'OK' : 'UNDER'}` : ''}`);
  console.log('');
  line('ratio create / pg_basebackup:', createRatio, true);
  line('ratio copy / (cp -r + sync):', copyRatio, true);
  line('ratio copy / cp -r (not durable, for the record):', tput(5) / tput(4), false);
  line('with verifier pg_verifybackup: create ratio', tput(2) / tput(0), false);
  line('with verifier pg_verifybackup: copy ratio', tput(6) / tput(3), false);
  console.log('');
  console.log('what the pg_verifybackup verifier costs on PostgreSQL 15 (one snapshot, measured alone):');
  console.log(`  extract base.tar + pg_wal.tar   ${fmt(extract.ms / 1000, 2)} s`);
  console.log(`  pg_verifybackup (extracted)     ${fmt(verify.ms / 1000, 2)} s`);
  console.log(`  remove the scratch copy         ${fmt(cleanup.ms / 1000, 2)} s`);
  console.log(`  dbops process start (--version) ${fmt(startup / 1000, 2)} s`);
  if (shm)
    console.log(`  (extract base.tar into tmpfs /dev/shm instead: ${fmt(shm.extract / 1000, 2)} s, remove ${fmt(shm.rm / 1000, 2)} s)`);

  if (process.env.BENCH_KEEP) {
    console.log(`\nkept: ${home} (instance ${DB} running)`);
    return;
  }
  dbops(['instances', 'delete', DB, '--yes', '--skip-final-snapshot']);
  rmSync(home, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  try {
    dbops(['instances', 'delete', DB, '--yes', '--skip-final-snapshot']);
  } catch {
    // best effort
  }
  rmSync(home, { recursive: true, force: true });
  process.exitCode = 1;
});
