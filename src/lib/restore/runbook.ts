import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/restore-test.md: the steps `dbops restore-test` follows, in order. */
export const RESTORE_TEST: RunbookDef = {
  name: 'restore-test',
  title: 'Restore test: prove the latest backup restores, and measure RTO and RPO',
  steps: [
    { id: 'RT-1', title: 'Pick the source and the backup' },
    { id: 'RT-2', title: 'Restore into a temporary instance' },
    { id: 'RT-3', title: 'Wait until it is available' },
    { id: 'RT-4', title: 'Connect and compare the server' },
    { id: 'RT-5', title: 'Check physical integrity' },
    { id: 'RT-6', title: 'Compare the schema with the source' },
    { id: 'RT-7', title: 'Compare row counts with the source' },
    { id: 'RT-8', title: 'Measure the data loss window' },
    { id: 'RT-9', title: 'Check pgvector' },
    { id: 'RT-10', title: 'Compare query performance' },
    { id: 'RT-11', title: 'Delete the temporary instance' },
  ],
};
