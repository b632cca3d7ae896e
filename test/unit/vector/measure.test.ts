/**
 * The measurement loop against a scripted SqlClient: which statements run, how a
 * statement timeout in the exact search is reported, and the recall it computes.
 * (The same against real pgvector: test/integration/vector/tune.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentError, ExitCode, UsageError } from '../../../src/lib/errors.js';
import type { SqlClient } from '../../../src/lib/vector/db.js';
import { exactNeighbours, measureAnn, planIndexNames, type MeasureSetup } from '../../../src/lib/vector/measure.js';

const KNN = 'SELECT id::text AS rid, embedding <=> $1::vector AS dist FROM public.items ORDER BY embedding <=> $1::vector LIMIT 3';

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A client that logs every statement and answers k-NN queries with `knn(n)` (n = 1-based query number). */
function scripted(knn: (n: number) => Record<string, unknown>[] | Error): SqlClient & { log: string[] } {
  let n = 0;
  const log: string[] = [];
  return {
    log,
    async query(text: string) {
      log.push(text);
      if (text === 'SHOW statement_timeout') return { rows: [{ statement_timeout: '30s' }] };
      if (text === KNN) {
        const r = knn(++n);
        if (r instanceof Error) throw r;
        return { rows: r };
      }
      return { rows: [] };
    },
  };
}

const queries = [1, 2, 3, 4, 5].map((i) => ({ rid: String(i), vector: [i, 0, 1] }));

function setup(sql: SqlClient, where?: string): MeasureSetup {
  return { sql, knnSql: KNN, k: 2, queries, where };
}

describe('exact search', () => {
  it("runs in a READ ONLY transaction with index scans off, and leaves out each query's own row", async () => {
    const sql = scripted((n) => [
      { rid: String(n), dist: 0 },
      { rid: 'a', dist: 0.1 },
      { rid: 'b', dist: 0.2 },
    ]);
    const exact = await exactNeighbours(setup(sql), { statementTimeoutMs: 30_000 });
    expect(sql.log.slice(0, 4)).toEqual([
      'BEGIN TRANSACTION READ ONLY',
      "SET LOCAL enable_indexscan = 'off'",
      'SET LOCAL statement_timeout = 30000',
      'SHOW statement_timeout',
    ]);
    expect(sql.log[sql.log.length - 1]).toBe('COMMIT');
    expect(exact[0]).toEqual([
      { rid: 'a', dist: 0.1 },
      { rid: 'b', dist: 0.2 },
    ]);
  });

  it('GIVEN a statement timeout at query 3 THEN one sentence names the query, exit 3, and the transaction is rolled back', async () => {
    const sql = scripted((n) => (n === 3 ? pgError('57014', 'canceling statement due to statement timeout') : [{ rid: 'a', dist: 0.1 }]));
    const e = (await exactNeighbours(setup(sql)).catch((x: unknown) => x)) as EnvironmentError;
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toBe('The exact search for query 3 of 5 hit the statement timeout (statement_timeout = 30s).');
    expect(e.hint).toBe(
      'Each exact query scans the whole table: raise the limit for this run with --statement-timeout (e.g. 10min) or narrow the rows with --where; fewer queries (--queries 1) also shorten the run.',
    );
    expect(e.details).toEqual({ query: 3, queries: 5, statementTimeout: '30s' });
    expect(sql.log[sql.log.length - 1]).toBe('ROLLBACK');
  });

  it('does not mistake a user cancel (same SQLSTATE 57014) for a timeout', async () => {
    const sql = scripted(() => pgError('57014', 'canceling statement due to user request'));
    await expect(exactNeighbours(setup(sql))).rejects.toThrow(
      'PostgreSQL failed while the exact search (query 1): canceling statement due to user request (SQLSTATE 57014).',
    );
  });

  it('reports a --where that PostgreSQL rejects as a usage error', async () => {
    const sql = scripted(() => pgError('42703', 'column "nope" does not exist'));
    const e = (await exactNeighbours(setup(sql, 'nope = 1')).catch((x: unknown) => x)) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('The --where predicate fails: column "nope" does not exist.');
    expect(e.hint).toBe('It is used verbatim as WHERE (nope = 1); check it in psql against the table first.');
  });
});

describe('HNSW measurement', () => {
  it('sets ef_search + 1 for table queries, forces the index, and computes recall and short results', async () => {
    // Query n returns itself, one true neighbour and one wrong row; query 5 returns only itself.
    const sql = scripted((n) =>
      n === 5
        ? [{ rid: '5', dist: 0 }]
        : [
            { rid: String(n), dist: 0 },
            { rid: 'a', dist: 0.1 },
            { rid: 'z', dist: 0.9 },
          ],
    );
    const exact = queries.map(() => [
      { rid: 'a', dist: 0.1 },
      { rid: 'b', dist: 0.2 },
    ]);
    const m = await measureAnn(setup(sql), exact, { ef: 40, iterativeScan: 'relaxed_order', selfInResults: true });
    expect(sql.log.slice(0, 4)).toEqual([
      'BEGIN TRANSACTION READ ONLY',
      'SET LOCAL hnsw.ef_search = 41',
      "SET LOCAL enable_seqscan = 'off'",
      "SET LOCAL hnsw.iterative_scan = 'relaxed_order'",
    ]);
    expect(m).toMatchObject({
      ef: 40,
      efSearchSet: 41,
      iterativeScan: 'relaxed_order',
      recall: (0.5 * 4 + 0) / 5,
      shortQueries: 1,
      medianReturned: 2,
      queries: 5,
    });
  });

  it("caps ef + 1 at pgvector's 1000 and leaves iterative_scan alone before pgvector 0.8", async () => {
    const sql = scripted(() => []);
    const m = await measureAnn(
      setup(sql),
      queries.map(() => []),
      { ef: 1000, selfInResults: true },
    );
    expect(m.efSearchSet).toBe(1000);
    expect(m.iterativeScan).toBe('n/a');
    expect(sql.log.some((s) => s.includes('iterative_scan'))).toBe(false);
  });
});

describe('plan check', () => {
  it('finds the index names in an EXPLAIN (FORMAT JSON) plan', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Limit',
          Plans: [{ 'Node Type': 'Index Scan', 'Index Name': 'items_embedding_idx' }, { 'Node Type': 'Seq Scan' }],
        },
      },
    ];
    expect(planIndexNames(plan)).toEqual(['items_embedding_idx']);
    expect(planIndexNames([{ Plan: { 'Node Type': 'Seq Scan' } }])).toEqual([]);
  });
});
