/**
 * runbooks/vector-tuning.md: one procedure, status -> tune -> build. `vector tune` runs
 * its first section (VT-1..VT-7) and `vector build` its second (VT-1, VT-8..VT-11);
 * both sections are views of the one runbook, so the ids in a report are the ids in the
 * file. VECTOR_TUNING is the catalog entry the sync test compares with the file.
 */
import { defineRunbook, runbookSection } from '../runbook/define.js';

export { runbookSection };

/** runbooks/vector-tuning.md */
export const VECTOR_TUNING = defineRunbook('vector-tuning', 'Tune pgvector HNSW search and build its index', [
  'VT-1',
  'VT-2',
  'VT-3',
  'VT-4',
  'VT-5',
  'VT-6',
  'VT-7',
  'VT-8',
  'VT-9',
  'VT-10',
  'VT-11',
]);

/** The steps `dbops vector tune` runs. */
export const VECTOR_TUNE = runbookSection(VECTOR_TUNING, ['VT-1', 'VT-2', 'VT-3', 'VT-4', 'VT-5', 'VT-6', 'VT-7']);

/** The steps `dbops vector build` runs. */
export const VECTOR_BUILD = runbookSection(VECTOR_TUNING, ['VT-1', 'VT-8', 'VT-9', 'VT-10', 'VT-11']);
