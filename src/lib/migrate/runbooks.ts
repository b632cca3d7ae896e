import { defineRunbook, runbookSection } from '../runbook/define.js';

/** runbooks/migrate.md: every step of the commands that change the database. */
export const MIGRATE = defineRunbook('migrate', 'Schema migrations', ['MG-1', 'MG-2', 'MG-3', 'MG-4', 'MG-5', 'MG-6', 'MG-7', 'MG-8']);

/** `migrate up`, `migrate down`, `migrate baseline`: the part of runbooks/migrate.md each runs. */
export const MIGRATE_UP = runbookSection(MIGRATE, ['MG-1', 'MG-2', 'MG-3', 'MG-4', 'MG-5'], 'Migrate up');
export const MIGRATE_DOWN = runbookSection(MIGRATE, ['MG-1', 'MG-2', 'MG-3', 'MG-4', 'MG-6'], 'Migrate down');
export const MIGRATE_BASELINE = runbookSection(MIGRATE, ['MG-1', 'MG-2', 'MG-3', 'MG-4', 'MG-7'], 'Migrate baseline');
export const MIGRATE_RESOLVE = runbookSection(MIGRATE, ['MG-1', 'MG-2', 'MG-3', 'MG-4', 'MG-8'], 'Migrate resolve');

/** runbooks/heartbeat.md: `dbops heartbeat` and its table. */
export const HEARTBEAT = defineRunbook('heartbeat', 'Heartbeat: one row in dbops.heartbeat', ['HB-1', 'HB-2', 'HB-3']);
