/**
 * runbooks/vector-tuning.md: one procedure, status -> tune -> build. `vector tune` runs
 * its first section (VT-1..VT-7) and `vector build` its second (VT-1, VT-8..VT-11);
 * both sections are views of the one runbook, so the ids in a report are the ids in the
 * file. VECTOR_TUNING is the catalog entry the sync test compares with the file.
 */
import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/vector-tuning.md */
export const VECTOR_TUNING: RunbookDef = {
  name: 'vector-tuning',
  title: 'Tune pgvector HNSW search and build its index',
  steps: [
    { id: 'VT-1', title: 'Check pgvector, the table and the column' },
    { id: 'VT-2', title: 'Draw the sample queries' },
    { id: 'VT-3', title: 'Compute the exact neighbours with index scans off' },
    { id: 'VT-4', title: 'Check whether filtered queries need iterative scans' },
    { id: 'VT-5', title: 'Search the smallest ef_search that meets the target recall' },
    { id: 'VT-6', title: 'Measure other m and ef_construction on a scratch copy' },
    { id: 'VT-7', title: 'Recommend the settings' },
    { id: 'VT-8', title: 'Find an invalid index left by an interrupted build' },
    { id: 'VT-9', title: 'Check that the graph fits in maintenance_work_mem' },
    { id: 'VT-10', title: 'Build the index' },
    { id: 'VT-11', title: 'Check the new index' },
  ],
};

/** The steps of `def` with these ids, in the runbook's order (a section the command runs). */
export function runbookSection(def: RunbookDef, ids: readonly string[]): RunbookDef {
  const steps = def.steps.filter((s) => ids.includes(s.id));
  const missing = ids.filter((id) => !steps.some((s) => s.id === id));
  if (missing.length > 0) throw new Error(`Runbook ${def.name} has no step ${missing.join(', ')}.`);
  return { ...def, steps };
}

/** The steps `dbops vector tune` runs. */
export const VECTOR_TUNE = runbookSection(VECTOR_TUNING, ['VT-1', 'VT-2', 'VT-3', 'VT-4', 'VT-5', 'VT-6', 'VT-7']);

/** The steps `dbops vector build` runs. */
export const VECTOR_BUILD = runbookSection(VECTOR_TUNING, ['VT-1', 'VT-8', 'VT-9', 'VT-10', 'VT-11']);
