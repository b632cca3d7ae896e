/**
 * RT-5: indexes marked invalid (pg_index.indisvalid = false), usually left by a failed
 * CREATE INDEX CONCURRENTLY. The planner ignores them, so queries silently get slow.
 * One invalid on the source too is a known leftover (a warning); one invalid only in
 * the restore is a finding.
 */
import type { CheckResult, Queryable } from './types.js';

export const INVALID_INDEXES_SQL = `
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS index,
       quote_ident(tn.nspname) || '.' || quote_ident(t.relname) AS "table"
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE NOT i.indisvalid AND c.relpersistence <> 't'
ORDER BY 1`;

/** An index with pg_index.indisvalid = false. */
export interface InvalidIndex {
  index: string;
  table: string;
}

export async function invalidIndexes(db: Queryable): Promise<InvalidIndex[]> {
  return (await db.query<InvalidIndex>(INVALID_INDEXES_SQL)).rows.map((r) => ({ index: r.index, table: r.table }));
}

/** Pure: the verdict from the invalid indexes of both sides. */
export function judgeInvalidIndexes(
  restore: readonly InvalidIndex[],
  source: readonly InvalidIndex[],
): CheckResult<{ restore: InvalidIndex[]; source: InvalidIndex[] }> {
  const onSource = new Set(source.map((i) => i.index));
  const onlyRestore = restore.filter((i) => !onSource.has(i.index));
  const both = restore.filter((i) => onSource.has(i.index));
  const evidence = [
    ...onlyRestore.map((i) => `${i.index} on ${i.table}: invalid in the restore, valid on the source`),
    ...both.map((i) => `${i.index} on ${i.table}: invalid on the source as well`),
  ];
  const base = { id: 'invalid-indexes' as const, title: 'Invalid indexes', data: { restore: [...restore], source: [...source] } };
  if (onlyRestore.length > 0) {
    return {
      ...base,
      evidence,
      status: 'failed',
      summary: `${onlyRestore.length} index${onlyRestore.length === 1 ? ' is' : 'es are'} invalid in the restore but valid on the source.`,
      hint: 'The backup was taken while the index was being built (CREATE INDEX CONCURRENTLY): after a real restore run REINDEX INDEX CONCURRENTLY on it.',
    };
  }
  if (both.length > 0) {
    return {
      ...base,
      evidence,
      status: 'warning',
      summary: `${both.length} invalid index${both.length === 1 ? '' : 'es'}, invalid on the source too.`,
      hint: 'Rebuild them on the source: REINDEX INDEX CONCURRENTLY <index> (or drop and create them again).',
    };
  }
  return { ...base, evidence: ['every index is valid (pg_index.indisvalid)'], status: 'passed', summary: 'No invalid index.' };
}
