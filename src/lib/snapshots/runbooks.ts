import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/snapshots.md: the weekly backup policy (`dbops snapshot run-policy`). */
export const SNAPSHOT_POLICY: RunbookDef = {
  name: 'snapshots',
  title: 'Weekly snapshot, cross-region copy and retention',
  steps: [
    { id: 'SN-1', title: 'Check the policy and the instance' },
    { id: 'SN-2', title: "Take this week's manual snapshot" },
    { id: 'SN-3', title: 'Wait until the snapshot is available' },
    { id: 'SN-4', title: 'Copy the snapshot to the DR region' },
    { id: 'SN-5', title: 'Wait until the copy is available' },
    { id: 'SN-6', title: 'Prune the source region' },
    { id: 'SN-7', title: 'Prune the DR region' },
  ],
};
