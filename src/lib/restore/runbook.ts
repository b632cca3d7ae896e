import { defineRunbook } from '../runbook/define.js';

/** runbooks/restore-test.md: the steps `dbops restore-test` follows, in order. */
export const RESTORE_TEST = defineRunbook('restore-test', 'Restore test: prove the latest backup restores, and measure RTO and RPO', [
  'RT-1',
  'RT-2',
  'RT-3',
  'RT-4',
  'RT-5',
  'RT-6',
  'RT-7',
  'RT-8',
  'RT-9',
  'RT-10',
  'RT-11',
]);
