/**
 * `vector tune` on a synthetic clustered data set in real pgvector. The recall it
 * reports for every ef_search it measured is recomputed here independently: exact
 * neighbours by brute force in JavaScript, the HNSW results by the test's own queries.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorTune, type TuneInput, type TuneResult } from '../../../src/lib/vector/tune.js';
import { renderTune } from '../../../src/lib/vector/render.js';
import {
  clusteredVectors,
  cosineDistance,
  loadVectors,
  mulberry32,
  startPgvector,
  vectorContext,
  type PgvectorServer,
} from '../../_helpers/pgvector.js';
import { Chalk } from 'chalk';
import { tempDir } from '../../_helpers/tmp.js';

const K = 10;
const ROWS = 3000;
const DIMS = 64;
const CATEGORIES = 50;
const vectors = clusteredVectors({ rows: ROWS, dims: DIMS, clusters: 30, spread: 0.35, seed: 7 });
const dir = tempDir('dbops-tune-');

let server: PgvectorServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startPgvector();
  sql = await server.connect();
  await loadVectors(sql, { table: 'items', vectors, categories: CATEGORIES });
  // A deliberately weak graph, so low ef_search values miss neighbours and the search has work to do.
  await sql.query('CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 4, ef_construction = 16)');
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

async function tune(input: Partial<TuneInput>): Promise<{ result: TuneResult; stderr: string }> {
  const tc = await vectorContext();
  try {
    const result = await vectorTune(tc.ctx, { target: { url: server.url }, table: 'items', column: 'embedding', k: K, ...input });
    return { result, stderr: tc.output.stderr() };
  } finally {
    await tc.close();
  }
}

/** Exact top-k distances by brute force, leaving out the query's own row (id), optionally filtered by category. */
function bruteForce(q: number[], selfId: number | undefined, cat?: number): number[] {
  const d: number[] = [];
  vectors.forEach((v, i) => {
    const id = i + 1;
    if (id === selfId) return;
    if (cat !== undefined && id % CATEGORIES !== cat) return;
    d.push(cosineDistance(q, v));
  });
  return d.sort((a, b) => a - b).slice(0, K);
}

/** The test's own HNSW query at an ef_search value; returns [id, distance] rows. */
async function annQuery(
  q: number[],
  efSearch: number,
  opts: { where?: string; iterative?: string; limit: number },
): Promise<{ id: number; d: number }[]> {
  await sql.query('BEGIN');
  try {
    await sql.query(`SET LOCAL hnsw.ef_search = ${efSearch}`);
    await sql.query('SET LOCAL enable_seqscan = off');
    await sql.query(`SET LOCAL hnsw.iterative_scan = ${opts.iterative ?? 'off'}`);
    const { rows } = await sql.query(
      `SELECT id, embedding <=> $1::vector AS d FROM items${opts.where ? ` WHERE ${opts.where}` : ''} ORDER BY embedding <=> $1::vector LIMIT ${opts.limit}`,
      [JSON.stringify(q)],
    );
    return rows.map((r: { id: number; d: number }) => ({ id: Number(r.id), d: Number(r.d) }));
  } finally {
    await sql.query('COMMIT');
  }
}

/** Mean recall@K by ann-benchmarks' rule, computed here from scratch. */
function recallOf(results: { id: number; d: number }[][], truths: number[][]): number {
  let sum = 0;
  results.forEach((got, i) => {
    const truth = truths[i]!;
    const threshold = truth[truth.length - 1]! + 1e-3;
    const hits = got.slice(0, K).filter((r) => r.d <= threshold).length;
    sum += Math.min(hits, truth.length) / truth.length;
  });
  return sum / results.length;
}

describe('vector tune', () => {
  it('GIVEN clustered data and a weak index WHEN tuned THEN every reported recall matches an independent recomputation', async () => {
    // Target 1.0: the weak graph (its levels are random, so it differs from run to run) never
    // finds every neighbour at ef_search 10, so the search always measures several values.
    const { result, stderr } = await tune({ queries: 30, targetRecall: 1 });
    const live = result.live!;
    expect(result.sample.source).toBe('table');
    expect(result.sample.rowIds).toHaveLength(30);
    expect(live.index).toBe('items_embedding_idx');
    expect(live.measurements.length).toBeGreaterThan(2);
    expect(live.measurements[0]!.ef).toBe(K);

    const queryIds = result.sample.rowIds!.map(Number);
    const truths = queryIds.map((id) => bruteForce(vectors[id - 1]!, id));
    for (const m of live.measurements) {
      expect(m.efSearchSet).toBe(Math.min(1000, m.ef + 1));
      const results: { id: number; d: number }[][] = [];
      for (const id of queryIds) {
        const rows = await annQuery(vectors[id - 1]!, m.efSearchSet, { limit: K + 1 });
        results.push(rows.filter((r) => r.id !== id).slice(0, K));
      }
      expect(m.recall, `recall at ef_search ${m.ef}`).toBeCloseTo(recallOf(results, truths), 12);
      expect(m.queries).toBe(30);
      expect(m.p50Ms).toBeLessThanOrEqual(m.p95Ms);
      expect(m.p95Ms).toBeLessThanOrEqual(m.p99Ms);
    }

    // The choice: the smallest measured ef_search meeting the target (the one below it
    // measured and short of it), recommended as SQL; or, when none does, the best one.
    const meeting = live.measurements.filter((m) => m.recall >= 1).map((m) => m.ef);
    if (meeting.length > 0) {
      const chosen = Math.min(...meeting);
      expect(live.choice).toMatchObject({ status: 'ok', ef: chosen });
      expect(live.measurements.some((m) => m.ef === chosen - 1 && m.recall < 1)).toBe(true);
      expect(result.ok).toBe(true);
      expect(result.recommendation).toMatchObject({
        action: 'set-ef-search',
        efSearch: chosen,
        sql: { session: [`SET hnsw.ef_search = ${chosen};`], database: [`ALTER DATABASE postgres SET hnsw.ef_search = ${chosen};`] },
      });
      const text = renderTune(result, new Chalk({ level: 0 }));
      expect(text).toContain(`SET hnsw.ef_search = ${chosen};`);
      expect(text).toContain(`${chosen} ◀`);
    } else {
      expect(live.measurements.map((m) => m.ef)).toContain(1000);
      expect(live.choice).toMatchObject({
        status: 'recall-not-reached',
        best: { recall: Math.max(...live.measurements.map((m) => m.recall)) },
      });
      expect(result.ok).toBe(false);
    }
    expect(result.report.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'VT-1:ok',
      'VT-2:ok',
      'VT-3:ok',
      'VT-4:skipped',
      'VT-5:ok',
      'VT-6:skipped',
      'VT-7:ok',
    ]);
    expect(stderr).toContain('[VT-5] Search the smallest ef_search that meets the target recall');
    expect(renderTune(result, new Chalk({ level: 0 }))).toContain('p95 latency');
  });

  it('GIVEN a reachable target THEN it recommends the smallest ef_search reaching it', async () => {
    const { result } = await tune({ queries: 10, targetRecall: 0.5 });
    const live = result.live!;
    const chosen = Math.min(...live.measurements.filter((m) => m.recall >= 0.5).map((m) => m.ef));
    expect(result.ok).toBe(true);
    expect(result.recommendation).toMatchObject({ action: 'set-ef-search', efSearch: chosen });
    expect(chosen === K || live.measurements.some((m) => m.ef === chosen - 1 && m.recall < 0.5)).toBe(true);
  });

  it('draws the same sample for the same seed, and leaves the database as it was (read-only)', async () => {
    const before = (await sql.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'dbops%'")).rows[0].n;
    const a = await tune({ queries: 5, targetRecall: 0.5, seed: 9 });
    const b = await tune({ queries: 5, targetRecall: 0.5, seed: 9 });
    expect(a.result.sample.rowIds).toEqual(b.result.sample.rowIds);
    expect((await sql.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'dbops%'")).rows[0].n).toBe(before);
    expect((await sql.query('SHOW hnsw.ef_search')).rows[0]['hnsw.ef_search']).toBe('40');
  });

  it('GIVEN a --where filter that starves plain HNSW THEN it reports iterative scans needed and measures with them', async () => {
    const cat = 7;
    const { result } = await tune({ queries: 20, targetRecall: 0.5, where: `cat = ${cat}` });
    const f = result.filter!;
    expect(f).toMatchObject({
      where: 'cat = 7',
      efSearch: 40,
      needed: true,
      iterativeAvailable: true,
      measuredWith: 'relaxed_order',
      queries: 20,
    });
    expect(f.medianReturned).toBeLessThan(K);

    // Independently: the plain scan at the same setting comes back short for the same queries.
    const queryIds = result.sample.rowIds!.map(Number);
    let short = 0;
    for (const id of queryIds) {
      const rows = (await annQuery(vectors[id - 1]!, 41, { where: `cat = ${cat}`, limit: K + 1 })).filter((r) => r.id !== id);
      if (rows.length < K) short++;
    }
    expect(f.shortQueries).toBe(short);
    expect(short).toBeGreaterThan(0);

    // With relaxed_order, results come back full, and the recall agrees with the recomputation.
    const truths = queryIds.map((id) => bruteForce(vectors[id - 1]!, id, cat));
    for (const m of result.live!.measurements) {
      expect(m.iterativeScan).toBe('relaxed_order');
      const results: { id: number; d: number }[][] = [];
      for (const id of queryIds) {
        const rows = await annQuery(vectors[id - 1]!, m.efSearchSet, { where: `cat = ${cat}`, iterative: 'relaxed_order', limit: K + 1 });
        results.push(rows.filter((r) => r.id !== id).slice(0, K));
      }
      expect(m.recall, `filtered recall at ef_search ${m.ef}`).toBeCloseTo(recallOf(results, truths), 12);
    }
    expect(result.recommendation.sql?.session).toContain('SET hnsw.iterative_scan = relaxed_order;');
  });

  it('GIVEN --rebuild THEN it measures a candidate on a scratch copy, drops it, never touches the live index, and plots', async () => {
    const liveBefore = (
      await sql.query(
        "SELECT indexrelid::int AS oid, reloptions FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = 'items_embedding_idx'",
      )
    ).rows[0];
    const svg = join(dir, 'recall.svg');
    const html = join(dir, 'recall.html');
    const { result } = await tune({ queries: 15, targetRecall: 0.95, rebuild: true, candidates: '8:32', plot: svg });
    const cand = result.candidates!;
    expect(cand).toHaveLength(1);
    expect(cand[0]).toMatchObject({ scratch: true, m: 8, efConstruction: 32, label: 'scratch m 8, ef_construction 32' });
    expect(cand[0]!.measurements.length).toBeGreaterThan(0);
    expect(cand[0]!.sizeBytes).toBeGreaterThan(0);
    expect(result.report.cleanup).toEqual([
      expect.objectContaining({ label: expect.stringMatching(/^drop scratch table public\.dbops_vt_/), status: 'done' }),
    ]);
    expect((await sql.query("SELECT relname FROM pg_class WHERE relname LIKE 'dbops_vt_%'")).rows).toEqual([]);
    const liveAfter = (
      await sql.query(
        "SELECT indexrelid::int AS oid, reloptions FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = 'items_embedding_idx'",
      )
    ).rows[0];
    expect(liveAfter).toEqual(liveBefore);

    expect(result.plot).toEqual({ file: svg, format: 'svg' });
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    const points = result.live!.measurements.length + cand[0]!.measurements.length;
    expect(text.match(/<circle /g)).toHaveLength(points + 2);

    await tune({ queries: 5, targetRecall: 0.5, plot: html });
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('<table>');
  });

  it('GIVEN real queries in a file THEN it uses them as they are (no own row to leave out)', async () => {
    const rand = mulberry32(3);
    const file = join(dir, 'queries.ndjson');
    const qs = [5, 50, 500, 1500, 2500, 2999].map((i) => vectors[i]!.map((x) => Math.fround(x + 0.05 * (rand() - 0.5))));
    writeFileSync(file, qs.map((q) => JSON.stringify({ embedding: q })).join('\n') + '\n');
    const { result } = await tune({ queriesFile: file, targetRecall: 0.8 });
    expect(result.sample).toEqual({ source: 'file', count: 6, file });
    for (const m of result.live!.measurements) expect(m.efSearchSet).toBe(m.ef);
    const truths = qs.map((q) => bruteForce(q, undefined));
    const m = result.live!.measurements[result.live!.measurements.length - 1]!;
    const results = [];
    for (const q of qs) results.push(await annQuery(q, m.efSearchSet, { limit: K }));
    expect(m.recall).toBeCloseTo(recallOf(results, truths), 12);
  });

  it('GIVEN --max-p95 that nothing meets THEN it says so and fails (exit 1 from the command)', async () => {
    const { result } = await tune({ queries: 5, targetRecall: 0.5, maxP95Ms: 0.001 });
    expect(result.ok).toBe(false);
    expect(result.recommendation.action).toBe('none');
    expect(result.recommendation.message).toMatch(/p95 \(.+\) is over --max-p95 1µs; no measured ef_search meets both\./);
    expect(renderTune(result, new Chalk({ level: 0 }))).toContain('No setting meets the targets');
  });
});
