// Restore-test benchmark of a local mysql instance (MariaDB 10.11 standing in for MySQL 8.0):
// the whole `dbops restore-test` of a database of about --size-mb (default 1024) MB against
// the floor, the same work done with the server's own tools — mariadb-backup --prepare and
// --copy-back of the snapshot, mariadbd start, mariadb-check --extended --all-databases
// (what RT-5's CHECK TABLE … EXTENDED does), stop, rm — as a ratio (target <= 1.5x).
//
//   npm run bench:restore -- --engine mysql              # ~1 GB
//   npm run bench:restore -- --engine mysql --quick      # ~100 MB
//   npm run bench:restore -- --engine mysql --size-mb 200 --runs 3
//
// MariaDB binaries run as the `mysql` OS user when this runs as root (as dbops does).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  asRoot,
  benchHome,
  benchOptions,
  freePort,
  median,
  medians,
  ratioLine,
  requireBuild,
  runsOption,
  sec,
  sizeOption,
  sum,
  timed,
} from './_common.mjs';

const opts = benchOptions('restore', { ...sizeOption(), ...runsOption(1) });
const DB_MB = opts['size-mb'];
const RUNS = opts.runs;
const SOURCE = 'bench-rt-mysql';
const MARIA_USER = process.env.BENCH_MARIADB_USER ?? 'mysql';
const MARIA_BIN = process.env.MARIADB_BIN ?? '/usr/bin';
const tool = (name) => (existsSync(join(MARIA_BIN, name)) ? join(MARIA_BIN, name) : join('/usr/sbin', name));
const bench = benchHome('restore-mysql');
const { home } = bench;
const ENGINE_ENV = { DBOPS_DATABASE__ENGINE: 'mysql', DBOPS_DATABASE__IDENTIFIER: SOURCE };
const dbops = (args, o = {}) => bench.dbops(args, { ...o, extraEnv: ENGINE_ENV });

/** Runs a MariaDB tool as the server's OS user (when root), like dbops does. */
function asMaria(file, args) {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', MARIA_USER, '--', file, ...args]] : [file, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

// ---- set-up: a source of about DB_MB (customers, orders with a note and two indexes), a heartbeat, one snapshot ----

async function setUp() {
  dbops(['instances', 'create', SOURCE, '--yes']);
  const inst = dbops(['instances', '--json'], { json: true }).out.find((i) => i.id === SOURCE);
  const cred = bench.secret('instances', 'us-east-2', SOURCE);
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: inst.endpoint.port,
    user: cred.masterUsername,
    password: cred.password,
    multipleStatements: true,
  });
  try {
    // The instance's application database (database.dbName): the one that is not the server's or dbops' own.
    const [dbs] = await c.query(
      "SELECT schema_name AS db FROM information_schema.schemata WHERE schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys', 'dbops') ORDER BY 1",
    );
    const db = dbs[0].db;
    await c.query(`USE \`${db}\``);
    await c.query(`
      CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(120) NOT NULL, UNIQUE KEY customers_email (email)) ENGINE=InnoDB;
      CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, placed_at DATETIME NOT NULL,
        note VARCHAR(255) NOT NULL, KEY orders_customer (customer_id), KEY orders_placed (placed_at),
        CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
      INSERT INTO customers SELECT seq, CONCAT('c', seq, '@example.com') FROM seq_1_to_10000;
      INSERT INTO orders (customer_id, placed_at, note)
        SELECT 1 + seq % 10000, '2026-01-01' + INTERVAL seq SECOND, REPEAT(MD5(seq), 6) FROM seq_1_to_100000;`);
    const size = async () => {
      await c.query('ANALYZE TABLE orders'); // information_schema's sizes are the statistics' estimates
      const [[{ b }]] = await c.query('SELECT SUM(data_length + index_length) AS b FROM information_schema.tables WHERE table_schema = ?', [
        db,
      ]);
      return Number(b);
    };
    // Batches of 400k rows from the sequence engine (no self-referencing INSERT … SELECT, so no temporary table) until about DB_MB.
    for (let from = 100_001, bytes = await size(); bytes < DB_MB * 1048576; from += 400_000, bytes = await size()) {
      await c.query(
        `INSERT INTO orders (customer_id, placed_at, note) SELECT 1 + seq % 10000, '2026-01-01' + INTERVAL seq SECOND, REPEAT(MD5(seq), 6) FROM seq_${from}_to_${from + 399_999}`,
      );
    }
    await c.query('ANALYZE TABLE customers, orders');
    const total = await size();
    const [[{ n }]] = await c.query('SELECT COUNT(*) AS n FROM orders');
    dbops(['heartbeat', '--instance', SOURCE]);
    dbops(['snapshot', 'create', '--instance', SOURCE, '--id', 'bench-rt-mysql-snap', '--wait']);
    const snap = dbops(['snapshot', 'list', '--instance', SOURCE, '--json'], { json: true }).out.find(
      (s) => s.id === 'bench-rt-mysql-snap',
    );
    return {
      size: `${(total / 1048576).toFixed(0)} MiB (${n} orders)`,
      snapshotId: 'bench-rt-mysql-snap',
      snapshotBytes: snap?.sizeBytes ?? 0,
      db,
      cred,
    };
  } finally {
    await c.end();
  }
}

// ---- the floor: prepare, copy-back, start, mariadb-check --extended, stop, rm ----

async function floor(snapshotId, cred) {
  const snapBackup = join(home, 'local', 'us-east-2', 'snapshots', snapshotId, 'backup');
  const dir = join(home, 'floor');
  const data = join(dir, 'data');
  const port = await freePort();
  const cnf = join(dir, 'my.cnf');
  const sock = join(dir, 'mariadb.sock');
  const pidFile = join(dir, 'mariadbd.pid');
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(
    cnf,
    [
      '[mariadbd]',
      `datadir=${data}`,
      `port=${port}`,
      'bind-address=127.0.0.1',
      `socket=${sock}`,
      `pid-file=${pidFile}`,
      `log-error=${join(dir, 'error.log')}`,
      'skip-name-resolve',
      'innodb_buffer_pool_size=128M',
      'innodb_flush_log_at_trx_commit=0',
      '',
    ].join('\n'),
  );
  if (asRoot) execFileSync('chown', ['-R', MARIA_USER, dir]);
  const parts = {};
  // A prepared backup is prepared again in place (nothing left to apply: what a restore of an unprepared one would add).
  parts.prepare = timed(() => asMaria(tool('mariadb-backup'), ['--no-defaults', '--prepare', `--target-dir=${snapBackup}`]));
  parts.copyBack = timed(() =>
    asMaria(tool('mariadb-backup'), [`--defaults-file=${cnf}`, '--copy-back', `--target-dir=${snapBackup}`, `--datadir=${data}`]),
  );
  parts.start = await timed(async () => {
    const args = [`--defaults-file=${cnf}`];
    const [cmd, argv] = asRoot ? ['runuser', ['-u', MARIA_USER, '--', tool('mariadbd'), ...args]] : [tool('mariadbd'), args];
    spawn(cmd, argv, { detached: true, stdio: 'ignore', cwd: '/' }).unref();
    for (;;) {
      const r = spawnSync(tool('mariadb-admin'), ['--no-defaults', `--socket=${sock}`, '-uroot', `-p${cred.rootPassword}`, 'ping'], {
        encoding: 'utf8',
      });
      if (r.status === 0) break;
      await new Promise((res) => setTimeout(res, 25));
    }
  });
  try {
    parts.check = timed(() =>
      execFileSync(
        tool('mariadb-check'),
        ['--no-defaults', `--socket=${sock}`, '-uroot', `-p${cred.rootPassword}`, '--extended', '--all-databases'],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      ),
    );
  } finally {
    parts.stop = await timed(async () => {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      process.kill(pid, 'SIGTERM');
      while (spawnSync('kill', ['-0', String(pid)]).status === 0) await new Promise((res) => setTimeout(res, 25));
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return parts;
}

function restoreTest(snapshotId, concurrency) {
  const r = dbops(['restore-test', '--instance', SOURCE, '--snapshot', snapshotId, '--concurrency', String(concurrency), '--json'], {
    json: true,
    allowFail: true,
  });
  if (r.status !== 0) throw new Error(`restore-test exited ${r.status}: ${r.out.verdict}\n${r.stderr}`);
  const step = (id) => r.out.report.steps.find((s) => s.id === id)?.durationMs ?? 0;
  return {
    wall: r.ms,
    checks: r.out.timing.checksSeconds * 1000,
    checkTable: step('RT-12'),
    restore: step('RT-2') + step('RT-3'),
    counts: step('RT-7'),
    cleanup: step('RT-11'),
    steps: Object.fromEntries(r.out.report.steps.map((s) => [s.id, s.durationMs ?? 0])),
  };
}

async function main() {
  requireBuild();
  const version = execFileSync(tool('mariadbd'), ['--version'], { encoding: 'utf8' }).trim();
  console.log(`restore-test benchmark (mysql): local provider, ~${DB_MB} MB, ${RUNS} run(s) of each, ${version}`);
  const t0 = performance.now();
  const { size, snapshotId, snapshotBytes, cred } = await setUp();
  console.log(
    `set-up: database ${size}, snapshot ${snapshotId} ${(snapshotBytes / 1048576).toFixed(0)} MiB (${sec(performance.now() - t0)})`,
  );
  const rows = { floor: [], c2: [] };
  for (let i = 0; i < RUNS; i++) {
    rows.c2.push(restoreTest(snapshotId, 2));
    rows.floor.push(await floor(snapshotId, cred));
  }
  const m = (list, key) => median(list.map((x) => x[key]));
  const f = medians(rows.floor);
  f.total = sum(f);
  const whole = m(rows.c2, 'wall');
  console.log('');
  console.log(
    `floor (mariadb-backup --prepare, --copy-back, mariadbd start, mariadb-check --extended --all-databases, stop, rm): ${sec(f.total)}`,
  );
  console.log(
    `  prepare ${sec(f.prepare)} · copy-back ${sec(f.copyBack)} · start ${sec(f.start)} · check ${sec(f.check)} · stop+rm ${sec(f.stop)}`,
  );
  console.log(`dbops restore-test --concurrency 2 (whole command, wall): ${sec(whole)}`);
  console.log(
    `  restore (RT-2+3) ${sec(m(rows.c2, 'restore'))} · checks (RT-4..10) ${sec(m(rows.c2, 'checks'))}, of which CHECK TABLE ${sec(m(rows.c2, 'checkTable'))}, counts ${sec(m(rows.c2, 'counts'))} · delete ${sec(m(rows.c2, 'cleanup'))}`,
  );
  const ids = Object.keys(rows.c2[0].steps);
  console.log(`  per step (median): ${ids.map((id) => `${id} ${sec(median(rows.c2.map((x) => x.steps[id])))}`).join(' · ')}`);
  console.log(ratioLine(whole, f.total, 1.5));
}

await bench.run(main, { instances: [SOURCE], dirs: ['floor'] });
