// `npm run demo`: dbops on the local provider, end to end, with real PostgreSQL.
// Creates a local instance, applies the recipe-book migrations, loads sample data,
// writes a heartbeat, takes a snapshot, copies it to the DR region (us-west-2), runs a
// DR drill there (region scenario), lists instances and snapshots. Safe to run again: it replaces the previous demo
// instance. State lives in ./.demo (or $DBOPS_HOME).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'dbops');
const env = { ...process.env, DBOPS_HOME: process.env.DBOPS_HOME ?? join(repo, '.demo') };
const config = ['--config', join(repo, 'scripts', 'demo.config.yaml')];

if (!existsSync(join(repo, 'dist', 'cli.js'))) {
  const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

function dbops(args, { show = true, allowFail = false } = {}) {
  if (show) console.log(`\n$ dbops ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...config, ...args], { cwd: repo, env, stdio: show ? 'inherit' : 'pipe' });
  if (r.status !== 0 && !allowFail) {
    console.error(`\ndemo: \`dbops ${args.join(' ')}\` exited ${r.status}; see the message above.`);
    process.exit(r.status ?? 1);
  }
  return r.status;
}

console.log(`dbops demo (local provider, DBOPS_HOME=${env.DBOPS_HOME})`);
if (dbops(['status', 'demo-db', '--quiet'], { show: false, allowFail: true }) === 0) {
  dbops(['instances', 'delete', 'demo-db', '--yes', '--skip-final-snapshot']);
}
dbops(['instances', 'create', 'demo-db']);
dbops(['migrate', 'up', '--instance', 'demo-db']); // the recipe-book schema, sql/migrations
dbops(['psql', 'demo-db', '--', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', join(repo, 'sql', 'examples', 'demo-data.sql')]);
dbops(['heartbeat', '--instance', 'demo-db']);
dbops(['migrate', 'status', '--instance', 'demo-db']);
dbops(['snapshot', 'create', '--instance', 'demo-db', '--wait']);
const latest = spawnSync(process.execPath, [bin, ...config, 'snapshot', 'latest', '--instance', 'demo-db', '--json'], {
  cwd: repo,
  env,
  encoding: 'utf8',
});
const snapshotId = JSON.parse(latest.stdout).id;
dbops(['snapshot', 'copy', snapshotId, '--to-region', 'us-west-2']);
dbops(['dr-drill', '--instance', 'demo-db', '--participant', 'demo']);
dbops(['instances']);
dbops(['snapshot', 'list', '--instance', 'demo-db']);
console.log('\nDone. The demo instance keeps running; remove it with:');
console.log(
  `  DBOPS_HOME=${env.DBOPS_HOME} ./bin/dbops instances delete demo-db --yes --skip-final-snapshot --config scripts/demo.config.yaml`,
);
