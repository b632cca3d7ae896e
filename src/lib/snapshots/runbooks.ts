import { defineRunbook } from '../runbook/define.js';

/** runbooks/snapshots.md: the weekly backup policy (`dbops snapshot run-policy`). */
export const SNAPSHOT_POLICY = defineRunbook('snapshots', 'Weekly snapshot, cross-region copy and retention', ['SN-1', 'SN-2', 'SN-3', 'SN-4', 'SN-5', 'SN-6', 'SN-7']);
