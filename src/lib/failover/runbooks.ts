import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/switchover.md: the steps `dbops switchover` follows, in order. */
export const SWITCHOVER: RunbookDef = {
  name: 'switchover',
  title: 'Switchover: move the primary role to a replica without losing data',
  steps: [
    { id: 'SO-1', title: 'Measure the topology and run the pre-checks' },
    { id: 'SO-2', title: 'Wait for the scheduled time' },
    { id: 'SO-3', title: 'Start the write probe' },
    { id: 'SO-4', title: 'Pause the connection layer' },
    { id: 'SO-5', title: 'Stop writes at the primary' },
    { id: 'SO-6', title: "Wait until the candidate has replayed the primary's last WAL" },
    { id: 'SO-7', title: 'Promote the candidate' },
    { id: 'SO-8', title: 'Switch the connection layer to the new primary' },
    { id: 'SO-9', title: 'Make the old primary a replica of the new one' },
    { id: 'SO-10', title: 'Verify the new topology and a write' },
    { id: 'SO-11', title: 'Read back the probe' },
    { id: 'SO-12', title: 'Retire the old primary (AWS)' },
  ],
};

/** runbooks/failover.md: the steps `dbops failover` follows, in order. */
export const FAILOVER: RunbookDef = {
  name: 'failover',
  title: 'Failover: promote a replica when the primary is down, fence the old one, measure the loss',
  steps: [
    { id: 'FO-1', title: 'Measure the topology and pick the candidate' },
    { id: 'FO-2', title: 'Start the write probe' },
    { id: 'FO-3', title: 'Pause the connection layer' },
    { id: 'FO-4', title: 'Fence the old primary' },
    { id: 'FO-5', title: 'Promote the candidate' },
    { id: 'FO-6', title: 'Switch the connection layer to the new primary' },
    { id: 'FO-7', title: 'Measure the data loss' },
    { id: 'FO-8', title: 'Verify the new topology and a write' },
    { id: 'FO-9', title: 'Read back the probe' },
  ],
};
