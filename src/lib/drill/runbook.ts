import { defineRunbook } from '../runbook/define.js';

/** runbooks/dr-drill.md: the steps `dbops dr-drill` follows, in order (scenario steps a run does not need are skipped). */
export const DR_DRILL = defineRunbook(
  'dr-drill',
  'Disaster recovery drill: recover as a disaster would force, measure RTO and RPO, keep the evidence',
  [
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
  ],
);

/** The manual steps: shown and timed with --interactive, "not exercised" otherwise. */
export const MANUAL_STEPS = ['DR-15', 'DR-16'] as const;
