import { defineRunbook, runbookSection } from '../runbook/define.js';

/** runbooks/schedule.md: the whole runbook (apply, destroy). */
export const SCHEDULE = defineRunbook('schedule', 'Run the schedule in the AWS account', [
  'SC-1',
  'SC-2',
  'SC-3',
  'SC-4',
  'SC-5',
  'SC-6',
  'SC-7',
  'SC-8',
  'SC-9',
  'SC-10',
  'SC-11',
  'SC-12',
  'SC-13',
  'SC-14',
  'SC-15',
  'SC-16',
]);

/** `dbops schedule apply`: SC-1 to SC-9. */
export const SCHEDULE_APPLY = runbookSection(
  SCHEDULE,
  ['SC-1', 'SC-2', 'SC-3', 'SC-4', 'SC-5', 'SC-6', 'SC-7', 'SC-8', 'SC-9'],
  'Apply the schedule',
);

/** `dbops schedule destroy`: SC-10 to SC-16. */
export const SCHEDULE_DESTROY = runbookSection(
  SCHEDULE,
  ['SC-10', 'SC-11', 'SC-12', 'SC-13', 'SC-14', 'SC-15', 'SC-16'],
  'Destroy the schedule',
);
