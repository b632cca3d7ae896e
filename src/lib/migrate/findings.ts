/**
 * What `dbops migrate verify` and `migrate status` can find, each kind with its section in
 * runbooks/migrate.md (what it means, how to confirm it with psql, the fix): the four kinds
 * of drift and the lint rules. The coverage test checks both sides of the map.
 */
import { defineFindings } from '../runbook/findings.js';
import type { DriftKind } from './drift.js';
import type { LintRule } from './lint.js';

export const MIGRATE_FINDINGS = defineFindings<DriftKind | LintRule | 'failed'>('migrate', {
  edited: 'MG-R1',
  missing: 'MG-R2',
  'out-of-order': 'MG-R3',
  renamed: 'MG-R4',
  'create-index-not-concurrently': 'MG-R5',
  'add-column-not-null-without-default': 'MG-R6',
  'alter-column-type': 'MG-R7',
  'drop-column': 'MG-R8',
  'drop-table': 'MG-R8',
  'missing-lock-timeout': 'MG-R9',
  'alter-without-algorithm': 'MG-R10',
  'multiple-ddl': 'MG-R11',
  failed: 'MG-R12',
});
