import { defineRunbook, runbookSection } from '../runbook/define.js';

const INSTANCE_STEPS = [
  'DR-1',
  'DR-2',
  'DR-3',
  'DR-4',
  'DR-5',
  'DR-6',
  'DR-7',
  'DR-8',
  'DR-9',
  'DR-10',
  'DR-11',
  'DR-12',
  'DR-13',
  'DR-14',
  'DR-15',
  'DR-16',
  'DR-17',
] as const;

/** runbooks/dr-drill.md, every step in the file's order (the catalog's entry): the Aurora steps DR-18..DR-20 come last. */
export const DR_DRILL_RUNBOOK = defineRunbook(
  'dr-drill',
  'Disaster recovery drill: recover as a disaster would force, measure RTO and RPO, keep the evidence',
  [...INSTANCE_STEPS, 'DR-18', 'DR-19', 'DR-20'],
);

/** The steps `dbops dr-drill` follows for an instance, in order (scenario steps a run does not need are skipped). */
export const DR_DRILL = runbookSection(DR_DRILL_RUNBOOK, INSTANCE_STEPS);

/**
 * An Aurora source: DR-18 (the temporary cluster, restored and available) and DR-19 (its
 * db.serverless writer) take DR-3/DR-4's place, DR-20 (the writer deleted, then the
 * cluster) DR-17's; no replica scenario (DR-5/DR-6): a cluster fails over to its reader.
 */
export const DR_DRILL_CLUSTER = runbookSection(DR_DRILL_RUNBOOK, [
  'DR-1',
  'DR-2',
  'DR-18',
  'DR-19',
  'DR-7',
  'DR-8',
  'DR-9',
  'DR-10',
  'DR-11',
  'DR-12',
  'DR-13',
  'DR-14',
  'DR-15',
  'DR-16',
  'DR-20',
]);

/** The manual steps: shown and timed with --interactive, "not exercised" otherwise. */
export const MANUAL_STEPS = ['DR-15', 'DR-16'] as const;
