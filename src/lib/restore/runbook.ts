import { defineRunbook, runbookSection } from '../runbook/define.js';

/** runbooks/restore-test.md, every step in the file's order (the catalog's entry). */
export const RESTORE_TEST_RUNBOOK = defineRunbook(
  'restore-test',
  'Restore test: prove the latest backup restores, and measure RTO and RPO',
  ['RT-1', 'RT-2', 'RT-3', 'RT-4', 'RT-5', 'RT-12', 'RT-6', 'RT-7', 'RT-8', 'RT-9', 'RT-10', 'RT-11', 'RT-13', 'RT-14', 'RT-15'],
);

/** The steps `dbops restore-test` follows for a PostgreSQL source, in order (RT-5: amcheck). */
export const RESTORE_TEST = runbookSection(RESTORE_TEST_RUNBOOK, [
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

/**
 * The same runbook for a MySQL source: physical integrity is its own step (RT-12,
 * CHECK TABLE … EXTENDED on every InnoDB table) in place of RT-5 (amcheck).
 */
export const RESTORE_TEST_MYSQL = runbookSection(RESTORE_TEST_RUNBOOK, [
  'RT-1',
  'RT-2',
  'RT-3',
  'RT-4',
  'RT-12',
  'RT-6',
  'RT-7',
  'RT-8',
  'RT-9',
  'RT-10',
  'RT-11',
]);

/**
 * An Aurora source (a cluster): RDS restores the cluster without an instance, so RT-2/RT-3
 * become RT-13 (the temporary cluster, restored and available) and RT-14 (its
 * db.serverless writer, added and available: the RTO is judged here), and RT-11 becomes
 * RT-15 (the writer deleted, then the cluster).
 */
export const RESTORE_TEST_CLUSTER = runbookSection(RESTORE_TEST_RUNBOOK, [
  'RT-1',
  'RT-13',
  'RT-14',
  'RT-4',
  'RT-5',
  'RT-6',
  'RT-7',
  'RT-8',
  'RT-9',
  'RT-10',
  'RT-15',
]);
