import { defineRunbook, runbookSection } from '../runbook/define.js';

/** runbooks/snapshots.md: the weekly policy (SN-1 to SN-7) and the single snapshot commands (SN-8 to SN-13). */
export const SNAPSHOTS = defineRunbook('snapshots', 'Snapshots: the weekly policy and the single commands', [
  'SN-1',
  'SN-2',
  'SN-3',
  'SN-4',
  'SN-5',
  'SN-6',
  'SN-7',
  'SN-8',
  'SN-9',
  'SN-10',
  'SN-11',
  'SN-12',
  'SN-13',
]);

/** `dbops snapshot run-policy`: the weekly backup policy. */
export const SNAPSHOT_POLICY = runbookSection(
  SNAPSHOTS,
  ['SN-1', 'SN-2', 'SN-3', 'SN-4', 'SN-5', 'SN-6', 'SN-7'],
  'Weekly snapshot, cross-region copy and retention',
);
/** `dbops snapshot create [--wait]`. */
export const SNAPSHOT_CREATE = runbookSection(SNAPSHOTS, ['SN-8', 'SN-9'], 'Manual snapshot');
/** `dbops snapshot copy`. */
export const SNAPSHOT_COPY = runbookSection(SNAPSHOTS, ['SN-10'], 'Snapshot copy to another region');
/** `dbops snapshot delete`. */
export const SNAPSHOT_DELETE = runbookSection(SNAPSHOTS, ['SN-11'], 'Snapshot deletion');
/** `dbops snapshot prune`. */
export const SNAPSHOT_PRUNE = runbookSection(SNAPSHOTS, ['SN-12', 'SN-13'], 'Snapshot retention');

/** runbooks/gc.md: `dbops gc`. */
export const GC = defineRunbook('gc', 'Garbage collection of expired temporary resources', ['GC-1', 'GC-2']);
