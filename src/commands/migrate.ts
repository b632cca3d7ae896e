/** `dbops migrate status|up|down|new|verify|baseline`: the definitions (handlers: migrate.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, examples, type Lazy, opt } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

/** Where to migrate: shared with `dbops heartbeat`. */
export const target = {
  url: opt.string(
    '--url <url>',
    'any PostgreSQL: postgres://user:password@host:5432/db (password also from PGPASSWORD), or MySQL: mysql://user:password@host:3306/db',
  ),
  instance: opt.string('--instance <id>', 'an instance of the provider (default: database.identifier)'),
  connectHost: opt.string(
    '--connect-host <host[:port]>',
    'reach the database there (an SSH tunnel or bastion); TLS still verifies its own name',
  ),
};
// These flags set the config's `migrate` keys for the run (flags > env > file > defaults).
const migrationsDir = {
  dir: opt.overrides('migrate.dir', opt.string('--dir <dir>', 'migrations directory (default: migrate.dir, sql/migrations)')),
};
const lockTimeout = {
  lockTimeout: opt.overrides(
    'migrate.lockTimeout',
    opt.duration(
      '--lock-timeout <duration>',
      'wait this long for the migration lock, and SET LOCAL lock_timeout in each migration; 0 = no limit (default: migrate.lockTimeout, 10s)',
    ),
  ),
};
const timeouts = {
  ...lockTimeout,
  statementTimeout: opt.overrides(
    'migrate.statementTimeout',
    opt.duration(
      '--statement-timeout <duration>',
      'SET LOCAL statement_timeout in each migration; 0 = none (default: migrate.statementTimeout, 0)',
    ),
  ),
};
const allowDrift = {
  allowDrift: opt.flag('--allow-drift', 'run although the history and the files disagree (edited, missing or out-of-order migrations)'),
};

export const status = defineCommand({
  name: 'status',
  runbook: 'migrate',
  summary: 'Each migration (applied, pending, edited, missing, out-of-order), drift and lint; exit 0',
  description:
    'Each migration of the directory against the database: applied, pending, edited, missing or out-of-order, the drift, and lint of what is pending; exit 0.',
  fleet:
    'With --all or --select (docs/fleet.md): the same migrations directory against every database of the fleet, --concurrency at a time, one row each (applied, pending, drift, failed); exit 1 when a database has drift or a failed migration, 3 when one could not be reached.',
  isDefault: true,
  options: { ...target, ...migrationsDir, ...lockTimeout, ...fleetRunOptions },
  examples: examples(`
    $ dbops migrate status --instance demo-db            # the table of migrations
    $ dbops migrate status --json                        # the same as JSON
    $ dbops migrate status --all --report-dir reports/   # every database of the fleet against sql/migrations
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.status),
});

export const up = defineCommand({
  name: 'up',
  runbook: 'migrate',
  summary: 'Apply the pending migrations (refuses over drift: exit 1)',
  options: {
    ...target,
    ...migrationsDir,
    to: opt.string('--to <version>', 'apply up to and including this version'),
    ...timeouts,
    ...allowDrift,
  },
  mutates: true,
  examples: examples(`
    $ dbops migrate up                                              # apply everything pending to the configured instance
    $ dbops migrate up --to 0003                                    # stop after version 3
    $ dbops migrate up --dry-run --json                             # the plan with its SQL, nothing changed
    $ dbops migrate up --lock-timeout 2s --statement-timeout 5min   # tighter lock wait, bounded statements
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.up),
});

export const down = defineCommand({
  name: 'down',
  runbook: 'migrate',
  summary: 'Revert the newest N migrations with their .down.sql (refuses where one is missing: exit 2)',
  options: {
    ...target,
    ...migrationsDir,
    steps: opt.int('--steps <n>', 'how many to revert, newest first', { default: 1 }),
    ...timeouts,
    ...allowDrift,
  },
  mutates: true,
  examples: examples(`
    $ dbops migrate down --dry-run         # show the .down.sql that would run
    $ dbops migrate down --steps 2 --yes   # revert the two newest without asking
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.down),
});

export const newMigration = defineCommand({
  name: 'new',
  summary: 'Create the next NNNN_name.sql and NNNN_name.down.sql from a template',
  args: { name: arg('<name>', 'what the migration does, e.g. add_recipe_tags') },
  options: {
    ...migrationsDir,
    noTransaction: opt.flag('--no-transaction', 'start the file with -- dbops:no-transaction (CREATE INDEX CONCURRENTLY; PostgreSQL only)'),
    noDown: opt.flag('--no-down', 'no .down.sql file'),
  },
  mutates: true,
  examples: examples(`
    $ dbops migrate new add_recipe_tags                      # the next number, e.g. sql/migrations/0009_add_recipe_tags.sql and .down.sql
    $ dbops migrate new recipes_title_idx --no-transaction   # for CREATE INDEX CONCURRENTLY
    $ dbops migrate new add_rating                           # database.engine mysql: the MySQL template (no transaction, ALGORITHM/LOCK)
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.newMigration),
});

export const verify = defineCommand({
  name: 'verify',
  runbook: 'migrate',
  summary: 'Check the history against the files (drift: exit 1) and lint the pending migrations',
  options: { ...target, ...migrationsDir, ...lockTimeout, strict: opt.flag('--strict', 'lint warnings fail too (exit 1)') },
  examples: examples(`
    $ dbops migrate verify                   # exit 0 when the history matches the files
    $ dbops migrate verify --strict --json   # CI: warnings fail as well
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.verify),
});

export const baseline = defineCommand({
  name: 'baseline',
  runbook: 'migrate',
  summary: 'Mark the migrations up to <version> as applied without running them (an existing database)',
  args: { version: arg('<version>', 'the version the database is already at, e.g. 0003') },
  options: { ...target, ...migrationsDir, ...lockTimeout },
  mutates: true,
  examples: examples(`
    $ dbops migrate baseline 0003             # the schema of 0001-0003 exists already: record them
    $ dbops migrate baseline 0003 --dry-run   # show what would be marked
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.baseline),
});

export const resolve = defineCommand({
  name: 'resolve',
  runbook: 'migrate',
  summary: 'Clear a migration marked failed (MySQL: DDL commits implicitly) once you checked the schema',
  args: { version: arg('<version>', 'the failed migration, e.g. 0004') },
  options: {
    ...target,
    ...migrationsDir,
    ...lockTimeout,
    as: opt.choice(
      '--as <state>',
      'pending: the next migrate up runs it again (you undid its changes); applied: record it as applied (you completed it by hand)',
      ['pending', 'applied'],
      { default: 'pending' },
    ),
  },
  mutates: true,
  examples: examples(`
    $ dbops migrate resolve 0004 --dry-run       # show what is marked failed and why
    $ dbops migrate resolve 0004 --yes           # you undid its changes: the next migrate up runs it again
    $ dbops migrate resolve 0004 --as applied    # you completed it by hand: record it as applied
  `),
  load: (): Lazy => import('./migrate.run.js').then((m) => m.resolve),
});

export const migrate = defineGroup({
  name: 'migrate',
  runbook: 'migrate',
  summary: 'Apply, revert and verify SQL migrations (NNNN_name.sql) under an advisory lock',
  description: [
    'Migrations are SQL files NNNN_name.sql (optional NNNN_name.down.sql) in --dir, applied in version order, each in its own transaction with lock_timeout and statement_timeout set, and recorded in dbops.schema_migrations (version, name, sha256 checksum, applied_at, duration, applied_by). A file whose first line is "-- dbops:no-transaction" runs outside a transaction, statement by statement (CREATE INDEX CONCURRENTLY). One advisory lock per database serializes runners.',
    'Drift: a migration applied and since edited, applied and missing from disk, or pending but older than the newest applied. Lint warns about the pending migrations: CREATE INDEX without CONCURRENTLY on an existing table, ADD COLUMN NOT NULL without DEFAULT, ALTER COLUMN TYPE, DROP COLUMN, DROP TABLE, strong locks with no lock_timeout (a file silences a rule with "-- dbops:allow <rule>").',
    'MySQL (mysql:// or a mysql instance): the history lives in the dbops database, the lock is GET_LOCK, and each file runs statement by statement. MySQL commits DDL implicitly: a migration that fails half-way cannot be rolled back, so dbops marks it failed and every later migrate up refuses until you checked the schema and ran `dbops migrate resolve <version>`. DELIMITER is not supported: end a procedure or trigger body with END; dbops sends it as one statement.',
    'Exit codes: 1 = drift (verify fails, up and down refuse), a migration failed (PostgreSQL: rolled back, not recorded; MySQL: marked failed), or a failed migration blocks the run; 2 = bad input, nothing changed (directory, file names, --to, a missing .down.sql); 3 = retry later (the migration lock is held past --lock-timeout, a table lock or statement timed out, the connection was lost).',
  ].join('\n\n'),
  examples: examples(`
    $ dbops migrate status                         # every migration of the configured instance and its state
    $ dbops migrate up --instance demo-db          # apply what is pending
    $ dbops migrate up --dry-run                   # print the SQL that would run, change nothing
    $ dbops migrate verify --url "$DATABASE_URL"   # exit 1 on drift (CI)
  `),
  subcommands: [status, up, down, newMigration, verify, baseline, resolve],
});
