/**
 * Every runbook in runbooks/. The sync test (test/unit/runbook/sync.test.ts) checks each
 * command runbook against runbooks/<name>.md (same step ids, same order) and that no file
 * is left undeclared; the coverage test (test/unit/runbook/findings.test.ts) checks each
 * finding registry against the response sections of its file.
 */
import { AUTOMATED_BACKUPS, PITR } from '../backups/runbooks.js';
import { AUDIT_FINDINGS } from '../audit/findings.js';
import { DR_DRILL_RUNBOOK } from '../drill/runbook.js';
import { CLUSTER_FAILOVER, FAILOVER, SWITCHOVER } from '../failover/runbooks.js';
import { FREE_TIER_FINDINGS } from '../freetier/findings.js';
import { INSTANCE_CREATE, INSTANCE_DELETE, INSTANCE_START_STOP } from '../instances/runbooks.js';
import { MIGRATE_FINDINGS } from '../migrate/findings.js';
import { HEARTBEAT, MIGRATE } from '../migrate/runbooks.js';
import { PROVISION_APPLY, PROVISION_DESTROY } from '../provision/runbooks.js';
import { RESTORE_TEST_RUNBOOK } from '../restore/runbook.js';
import { SCHEDULE } from '../schedule/runbooks.js';
import { BACKUP_FINDINGS } from '../snapshots/status.js';
import { GC, SNAPSHOTS } from '../snapshots/runbooks.js';
import { VECTOR_TUNING } from '../vector/runbook.js';
import { defineRunbook } from './define.js';
import type { FindingRegistry } from './findings.js';
import type { RunbookDef } from './runner.js';

/** runbooks/database-failure.md: seed 002's emergency procedure, followed by hand with dbops commands at each step. */
export const DATABASE_FAILURE = defineRunbook('database-failure', 'Database failure: emergency procedure', [
  'DF-1',
  'DF-2',
  'DF-3',
  'DF-4',
  'DF-5',
  'DF-6',
  'DF-7',
]);

/** The runbooks commands follow, step by step. */
export const RUNBOOKS: RunbookDef[] = [
  INSTANCE_CREATE,
  INSTANCE_DELETE,
  INSTANCE_START_STOP,
  PROVISION_APPLY,
  PROVISION_DESTROY,
  VECTOR_TUNING,
  SNAPSHOTS,
  GC,
  RESTORE_TEST_RUNBOOK,
  SWITCHOVER,
  FAILOVER,
  CLUSTER_FAILOVER,
  MIGRATE,
  HEARTBEAT,
  AUTOMATED_BACKUPS,
  PITR,
  DR_DRILL_RUNBOOK,
  SCHEDULE,
];

/** Procedures an engineer follows by hand (no single command runs them); their ids are synced too. */
export const PROCEDURES: RunbookDef[] = [DATABASE_FAILURE];

/** The finding registries of the reporting commands: kind → response section. */
export const FINDING_REGISTRIES: FindingRegistry<string>[] = [AUDIT_FINDINGS, BACKUP_FINDINGS, FREE_TIER_FINDINGS, MIGRATE_FINDINGS];

/** runbooks/README.md is the index, not a runbook. */
export const RUNBOOK_INDEX = 'README.md';

/** Every runbook name `dbops runbook <name>` accepts, in the index's order. */
export function runbookNames(): string[] {
  return [...new Set([...RUNBOOKS, ...PROCEDURES].map((r) => r.name).concat(FINDING_REGISTRIES.map((f) => f.runbook)))].sort();
}
