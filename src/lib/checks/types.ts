/**
 * What every data-plane check returns: a status, one sentence, and the evidence behind
 * it, so a report can show not only "passed" but why an engineer may believe it.
 */

/** passed / failed decide the verdict; a warning is reported but does not fail the run; skipped = not applicable here. */
export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

/** The checks of a restore test, in runbook order. */
export type CheckId =
  | 'rto'
  | 'server'
  | 'amcheck'
  | 'check-table'
  | 'invalid-indexes'
  | 'schema'
  | 'row-counts'
  | 'rpo'
  | 'pgvector'
  | 'performance';

/** One check's outcome. `data` holds the structured evidence for --json. */
export interface CheckResult<D = unknown> {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One sentence saying what was found. */
  summary: string;
  /** Lines of evidence (what was compared, measured, listed). */
  evidence: string[];
  /** What to do next, when the check did not pass. */
  hint?: string;
  data?: D;
}

/** Anything that answers SQL: a pg.Client (or a test double). */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Reports progress of a long check ("12/40 relations"). */
export type ProgressFn = (text: string) => void;
