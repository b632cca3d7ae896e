// Migration benchmark (`npm run bench:migrate`): 500 small generated migrations applied by
// `dbops migrate up` (bin/dbops as a process: startup, checksums, lint, advisory lock, one
// transaction and one history row per migration) beside the same SQL run by `psql -f` of
// their concatenation (autocommit, one round trip per statement), each against a fresh
// database on a local-provider instance. Prints both wall times, median of BENCH_RUNS
// (default 3), and the ratio (target <= 2x). Needs `npm run build` (the npm script does it)
// and PostgreSQL server binaries for the local provider.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { median } from './_common.mjs';

const bin = fileURLToPath(new URL('../bin/dbops', import.meta.url));
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ID = 'bench-migrate';

/** One small migration: a table, an index, a row. */
function migrationSql(n) {
  return [
    `CREATE TABLE bench_t${n} (id bigint PRIMARY KEY, label text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now());`,
    `CREATE INDEX bench_t${n}_label_idx ON bench_t${n} (label);`,
    `INSERT INTO bench_t${n} (id, label) VALUES (1, 'm${n}');`,
    '',
  ].join('\n');
}

function run(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function psqlBinary() {
  const r = spawnSync('sh', ['-c', 'command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1'], { encoding: 'utf8' });
  const p = r.stdout.trim().split('\n')[0];
  if (!p) throw new Error('psql not found: install the PostgreSQL client (apt-get install postgresql-client).');
  return p;
}

const home = mkdtempSync(join(tmpdir(), 'dbops-bench-migrate-'));
chmodSync(home, 0o755);
const env = { ...process.env, DBOPS_HOME: home, DBOPS_PROVIDER: 'local' };
const dir = join(home, 'migrations');
mkdirSync(dir);
for (let n = 1; n <= COUNT; n++) writeFileSync(join(dir, `${String(n).padStart(4, '0')}_bench_${n}.sql`), migrationSql(n));
const all = join(home, 'all.sql');
writeFileSync(
  all,
  readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n'),
);

const { createLocalProvider } = await import('../dist/lib/providers/local/provider.js');
const provider = createLocalProvider({
  home,
  region: 'us-east-2',
  osUser: process.env.DBOPS_LOCAL__OS_USER ?? 'postgres',
  pgBin: process.env.PG_BIN,
  env,
});
let exitCode = 0;
try {
  console.log(`bench:migrate: ${COUNT} migrations (table + index + row each), median of ${RUNS} runs, local PostgreSQL`);
  run(process.execPath, [bin, 'instances', 'create', ID, '--quiet'], { env });
  const info = await provider.connectionInfo(ID);
  const admin = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password?.reveal(),
    database: info.database,
  });
  await admin.connect();
  const psql = psqlBinary();
  const url = (db) =>
    `postgres://${encodeURIComponent(info.user)}:${encodeURIComponent(info.password?.reveal() ?? '')}@${info.host}:${info.port}/${db}`;
  const dbopsMs = [];
  const psqlMs = [];
  for (let i = 0; i < RUNS; i++) {
    // Fresh databases each run, alternating which goes first so cache effects even out.
    await admin.query(`DROP DATABASE IF EXISTS bench_dbops`);
    await admin.query(`DROP DATABASE IF EXISTS bench_psql`);
    await admin.query(`CREATE DATABASE bench_dbops`);
    await admin.query(`CREATE DATABASE bench_psql`);
    const viaDbops = () =>
      dbopsMs.push(run(process.execPath, [bin, 'migrate', 'up', '--url', url('bench_dbops'), '--dir', dir, '--quiet'], { env }));
    const viaPsql = () =>
      psqlMs.push(
        run(
          psql,
          ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', info.host, '-p', String(info.port), '-U', info.user, '-d', 'bench_psql', '-f', all],
          {
            env: { ...env, PGPASSWORD: info.password?.reveal() ?? '' },
          },
        ),
      );
    if (i % 2 === 0) {
      viaDbops();
      viaPsql();
    } else {
      viaPsql();
      viaDbops();
    }
  }
  await admin.end();
  const d = median(dbopsMs);
  const p = median(psqlMs);
  const ratio = d / p;
  console.log(
    `dbops migrate up   ${d.toFixed(0).padStart(7)} ms   (${(d / COUNT).toFixed(2)} ms/migration; runs: ${dbopsMs.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `psql -f all.sql    ${p.toFixed(0).padStart(7)} ms   (${(p / COUNT).toFixed(2)} ms/migration; runs: ${psqlMs.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(`ratio: ${ratio.toFixed(2)}x  target <= 2.00x  ${ratio <= 2 ? 'OK' : 'OVER'}`);
} catch (e) {
  console.error(`bench:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  exitCode = 1;
} finally {
  await provider.deleteInstance(ID, { skipFinalSnapshot: true }).catch(() => undefined);
  await provider.close();
  rmSync(home, { recursive: true, force: true });
}
process.exitCode = exitCode;
