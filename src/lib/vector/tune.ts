/**
 * `dbops vector tune`: measures recall@k and latency of the HNSW search on the user's
 * own table and recommends hnsw.ef_search, following runbooks/vector-tuning.md VT-1..VT-7.
 * Read-only unless --rebuild, which measures candidate m / ef_construction on a scratch
 * copy of the table (created, measured, dropped); the live index is never touched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { formatDuration } from '../output/format.js';
import { runRunbook, type RunbookRun, type RunReport } from '../runbook/runner.js';
import { countVectorsUpTo, listVectorIndexes, readPgvector, readSettings, relationId, resolveColumn, serverVersionNum } from './catalog.js';
import { htmlChart, svgChart, type ChartSpec } from './chart.js';
import {
  inTransaction,
  openVectorDb,
  pgFailure,
  registerVectorTypes,
  type SqlClient,
  type VectorDb,
  type VectorTargetInput,
} from './db.js';
import { createHnswIndexSql, knnQuerySql, qualifiedName, quoteIdent, quoteLiteral, setLocalSql, truncateIdentifier } from './ddl.js';
import {
  checkPlanUsesIndex,
  exactNeighbours,
  measureAnn,
  warmUp,
  type AnnOptions,
  type Measurement,
  type MeasureSetup,
} from './measure.js';
import {
  pickTuneIndex,
  recommendTuning,
  requireTable,
  tuneParams,
  type TuneFlags,
  type TuneParams,
  type TuneRecommendation,
} from './plan.js';
import type { Neighbour } from './recall.js';
import { VECTOR_TUNE } from './runbook.js';
import { parseQueriesFile, sampleFromTable, type SampleQuery } from './sample.js';
import { chooseEfSearch, EF_SEARCH_MAX, searchEfSearch, type EfChoice } from './search.js';
import type { Distance, PgvectorInfo, ResolvedColumn, VectorIndex, VectorSettings } from './types.js';
import { versionAtLeast } from './units.js';

/** `vector tune` input: the target database, the column, and the flags. */
export interface TuneInput extends TuneFlags {
  target: VectorTargetInput;
  table: string;
  column?: string;
  distance?: Distance;
  where?: string;
}

/** One index whose ef_search was searched: the live one, or a candidate on the scratch copy. */
export interface IndexSweep {
  index: string;
  label: string;
  scratch: boolean;
  m: number;
  efConstruction: number;
  sizeBytes: number;
  buildMs?: number;
  /** In the order measured. */
  measurements: Measurement[];
  choice: EfChoice;
}

/** What VT-4 found about filtered queries. */
export interface FilterCheck {
  where: string;
  /** The ef_search the plain (non-iterative) check ran at: the server's current value. */
  efSearch: number;
  shortQueries: number;
  queries: number;
  medianReturned: number;
  /** Plain HNSW returned fewer than k rows for some query. */
  needed: boolean;
  /** pgvector 0.8+ has hnsw.iterative_scan. */
  iterativeAvailable: boolean;
  /** How the ef_search search then measured. */
  measuredWith: 'relaxed_order' | 'off' | 'n/a';
}

/** What `vector tune` measured and recommends; `ok` false means no setting meets the targets (exit 1). */
export interface TuneResult {
  ok: boolean;
  target: string;
  database: string;
  table: string;
  column: string;
  distance: Distance;
  k: number;
  targetRecall: number;
  maxP95Ms?: number;
  pgvector: string;
  sample: { source: 'table' | 'file'; count: number; seed?: number; file?: string; rowIds?: string[] };
  exact: { durationMs: number };
  filter?: FilterCheck;
  live?: IndexSweep;
  candidates?: IndexSweep[];
  recommendation: TuneRecommendation;
  plot?: { file: string; format: 'svg' | 'html' };
  report: RunReport;
}

interface Checked {
  ext: PgvectorInfo;
  col: ResolvedColumn;
  index?: VectorIndex;
  distance: Distance;
  settings: VectorSettings;
  iterativeAvailable: boolean;
}

function readQueriesFileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `Cannot read the queries file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`,
      {
        hint: 'Give a JSON array of vectors or NDJSON with one vector per line.',
        cause: e,
      },
    );
  }
}

export async function vectorTune(ctx: Context, input: TuneInput): Promise<TuneResult> {
  requireTable(input.table);
  const p = tuneParams(input);
  const fileText = input.queriesFile ? readQueriesFileText(input.queriesFile) : undefined;
  const db = await openVectorDb(ctx, input.target, 'dbops vector tune');
  const database = db.info.database;
  const { value, report } = await runRunbook(VECTOR_TUNE, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const checked = await run.step('VT-1', (s) => checkTarget(db, input, p, !fileText, s));
    const { col, index, distance } = checked;
    const queries = await run.step('VT-2', async (s) => {
      const q: SampleQuery[] = fileText
        ? parseQueriesFile(fileText, input.queriesFile!, col.dimensions)
            .slice(0, p.queries)
            .map((vector) => ({ vector }))
        : await sampleFromTable(db.sql, col, p.queries!, p.seed).catch((e: unknown) => pgFailure(e, 'drawing the sample queries'));
      s.detail(`${q.length} query vectors from ${fileText ? input.queriesFile : `${col.schema}.${col.table} (seed ${p.seed})`}`);
      return q;
    });
    const fromTable = !fileText;
    const setup: MeasureSetup = {
      sql: db.sql,
      knnSql: knnQuerySql({
        from: qualifiedName(col.schema, col.table),
        column: col.column,
        distance,
        type: col.type,
        rowIdSql: col.rowIdSql,
        where: input.where,
        limit: p.k + (fromTable ? 1 : 0),
        extSchema: checked.ext.schema,
      }),
      k: p.k,
      queries,
      where: input.where,
      signal: ctx.signal,
    };
    const t0 = performance.now();
    const exact = await run.step('VT-3', async (s) => {
      const e = await exactNeighbours(setup, {
        statementTimeoutMs: p.statementTimeoutMs,
        onProgress: (done) => s.update(`${done}/${queries.length}`),
      });
      s.detail(`${queries.length} exact searches in ${formatDuration(performance.now() - t0)}`);
      return e;
    });
    const exactMs = performance.now() - t0;
    const filter = await filterStep(run, setup, exact, checked, input.where, fromTable);
    const iterativeScan: AnnOptions['iterativeScan'] = !checked.iterativeAvailable
      ? undefined
      : filter?.measuredWith === 'relaxed_order'
        ? 'relaxed_order'
        : 'off';
    let live: Awaited<ReturnType<typeof sweepIndex>> | undefined;
    if (index) {
      const label = `${index.name} (m ${index.m}, ef_construction ${index.efConstruction})`;
      const sweep = {
        index: index.name,
        label,
        scratch: false,
        m: index.m!,
        efConstruction: index.efConstruction!,
        sizeBytes: index.sizeBytes,
      };
      live = await run.step('VT-5', (s) => sweepIndex(setup, exact, sweep, { iterativeScan, selfInResults: fromTable }, p, s));
    } else run.skip('VT-5', 'no HNSW index yet; --rebuild measures candidates');
    let candidates: Awaited<ReturnType<typeof sweepCandidates>> | undefined;
    if (p.candidates.length > 0) {
      candidates = await run.step('VT-6', (s) =>
        sweepCandidates(ctx, db, run, setup, exact, checked, p, { iterativeScan, selfInResults: fromTable }, s),
      );
    } else run.skip('VT-6', 'no --rebuild');
    return run.step('VT-7', async (s) => {
      const recommendation = recommendTuning({
        database,
        table: `${col.schema}.${col.table}`,
        column: col.column,
        distance,
        targetRecall: p.targetRecall,
        maxP95Ms: p.maxP95Ms,
        iterativeScan: iterativeScan === 'relaxed_order' ? 'relaxed_order' : undefined,
        live,
        candidates: candidates ?? [],
      });
      const plot = input.plot ? writePlot(input.plot, p, col, live, candidates) : undefined;
      s.detail(
        recommendation.ok
          ? `ef_search ${recommendation.efSearch}${recommendation.action === 'rebuild' ? ` after a rebuild (m ${recommendation.build?.m}, ef_construction ${recommendation.build?.efConstruction})` : ''}`
          : 'no setting meets the targets',
      );
      const result: Omit<TuneResult, 'report'> = {
        ok: recommendation.ok,
        target: db.label,
        database,
        table: `${col.schema}.${col.table}`,
        column: col.column,
        distance,
        k: p.k,
        targetRecall: p.targetRecall,
        maxP95Ms: p.maxP95Ms,
        pgvector: checked.ext.version,
        sample: fromTable
          ? { source: 'table', count: queries.length, seed: p.seed, rowIds: queries.map((q) => q.rid!) }
          : { source: 'file', count: queries.length, file: input.queriesFile },
        exact: { durationMs: exactMs },
        filter,
        live,
        candidates,
        recommendation: stripOk(recommendation),
        plot,
      };
      return result;
    });
  });
  await db.close();
  return { ...value, report };
}

function stripOk(r: TuneRecommendation & { ok: boolean }): TuneRecommendation {
  const { ok: _ok, ...rest } = r;
  return rest;
}

/** VT-1: pgvector, the column, its index, k against the rows. */
async function checkTarget(
  db: VectorDb,
  input: TuneInput,
  p: TuneParams,
  fromTable: boolean,
  s: { detail(t: string): void },
): Promise<Checked> {
  const ext = await readPgvector(db.sql, db.info.database);
  await registerVectorTypes(db.client);
  const col = await resolveColumn(db.sql, { table: input.table, column: input.column, database: db.info.database });
  const indexes = await listVectorIndexes(db.sql, await serverVersionNum(db.sql), await relationId(db.sql, col.schema, col.table));
  const { index, distance } = pickTuneIndex(indexes, col, input.distance, Boolean(input.rebuild));
  const need = p.k + (fromTable ? 1 : 0);
  const rows = await countVectorsUpTo(db.sql, col, need);
  if (rows < need) {
    const name = `${col.schema}.${col.table}.${col.column}`;
    throw new UsageError(
      rows === 0
        ? `${name} has no rows with a vector.`
        : `--k ${p.k} is larger than the ${rows} rows with a vector in ${name}${fromTable ? ' (each sample query leaves out its own row)' : ''}.`,
      { hint: rows <= (fromTable ? 1 : 0) ? 'Load data first.' : `Use --k ${rows - (fromTable ? 1 : 0)} or less.` },
    );
  }
  const settings = await readSettings(db.sql, ext);
  s.detail(
    `pgvector ${ext.version}; ${col.schema}.${col.table}.${col.column} ${col.type}(${col.dimensions ?? '?'}); ${index ? `index ${index.name} (${distance}, m ${index.m}, ef_construction ${index.efConstruction})` : 'no HNSW index'}`,
  );
  return { ext, col, index, distance, settings, iterativeAvailable: versionAtLeast(ext.version, '0.8.0') };
}

/** VT-4: with --where, does plain HNSW (no iterative scan) return k rows at the current ef_search? */
async function filterStep(
  run: RunbookRun,
  setup: MeasureSetup,
  exact: readonly Neighbour[][],
  checked: Checked,
  where: string | undefined,
  fromTable: boolean,
): Promise<FilterCheck | undefined> {
  if (!where) {
    run.skip('VT-4', 'no --where');
    return undefined;
  }
  const index = checked.index;
  if (!index) {
    run.skip('VT-4', 'no HNSW index to check; the candidates report short results');
    return undefined;
  }
  return run.step('VT-4', async (s) => {
    const ef = checked.settings.efSearch ?? 40;
    const plain: AnnOptions = { ef, iterativeScan: checked.iterativeAvailable ? 'off' : undefined, selfInResults: fromTable };
    await checkPlanUsesIndex(setup, plain, index.name);
    const m = await measureAnn(setup, exact, plain);
    const needed = m.shortQueries > 0;
    const check: FilterCheck = {
      where,
      efSearch: ef,
      shortQueries: m.shortQueries,
      queries: m.queries,
      medianReturned: m.medianReturned,
      needed,
      iterativeAvailable: checked.iterativeAvailable,
      measuredWith: !checked.iterativeAvailable ? 'n/a' : needed ? 'relaxed_order' : 'off',
    };
    s.detail(
      needed
        ? `plain HNSW returned fewer than ${setup.k} rows for ${m.shortQueries} of ${m.queries} queries at ef_search ${ef}: iterative scans needed${checked.iterativeAvailable ? '' : ' (pgvector 0.8+)'}`
        : `plain HNSW returned every row at ef_search ${ef}: no iterative scan needed`,
    );
    return check;
  });
}

/** Searches ef_search on one index (VT-5, and each candidate in VT-6). */
async function sweepIndex(
  setup: MeasureSetup,
  exact: readonly Neighbour[][],
  idx: Omit<IndexSweep, 'measurements' | 'choice'>,
  o: Omit<AnnOptions, 'ef'>,
  p: TuneParams,
  s: { update(t: string): void; detail(t: string): void },
): Promise<IndexSweep> {
  const first: AnnOptions = { ...o, ef: Math.min(p.k, EF_SEARCH_MAX) };
  await checkPlanUsesIndex(setup, first, idx.index);
  await warmUp(setup, first);
  const measurements: Measurement[] = [];
  await searchEfSearch(
    async (ef) => {
      s.update(`ef_search ${ef}`);
      const m = await measureAnn(setup, exact, { ...o, ef });
      measurements.push(m);
      return { ef, recall: m.recall, p95Ms: m.p95Ms };
    },
    { targetRecall: p.targetRecall, efMin: p.k, efMax: EF_SEARCH_MAX },
  );
  const choice = chooseEfSearch(
    measurements.map((m) => ({ ef: m.ef, recall: m.recall, p95Ms: m.p95Ms })),
    p.targetRecall,
    p.maxP95Ms,
  );
  s.detail(
    `${measurements.length} ef_search values measured; ${choice.status === 'recall-not-reached' ? `best recall ${choice.best.recall.toFixed(3)} at ${choice.best.ef}` : `ef_search ${choice.ef}: recall ${choice.probe.recall.toFixed(3)}, p95 ${choice.probe.p95Ms.toFixed(2)}ms`}`,
  );
  return { ...idx, measurements, choice };
}

/** A name for the scratch copy: dbops_vt_<run id>, only [a-z0-9_]. */
export function scratchTableName(runId: string): string {
  return truncateIdentifier(`dbops_vt_${runId.toLowerCase().replace(/[^a-z0-9_]/g, '')}`);
}

/** VT-6: copy the table to an UNLOGGED scratch table, build each candidate there, measure, drop. */
async function sweepCandidates(
  ctx: Context,
  db: VectorDb,
  run: RunbookRun,
  setup: MeasureSetup,
  exact: readonly Neighbour[][],
  checked: Checked,
  p: TuneParams,
  o: Omit<AnnOptions, 'ef'>,
  s: { update(t: string): void; detail(t: string): void },
): Promise<IndexSweep[]> {
  const { col } = checked;
  const scratch = scratchTableName(run.runId);
  const scratchSql = qualifiedName(col.schema, scratch);
  const sql: SqlClient = db.sql;
  s.update(`copying ${col.schema}.${col.table} to ${scratch}`);
  await sql
    .query(`CREATE UNLOGGED TABLE ${scratchSql} AS SELECT ${col.rowIdSql} AS dbops_rid, * FROM ${qualifiedName(col.schema, col.table)}`)
    .catch((e: unknown) => pgFailure(e, `copying the table to the scratch table ${scratch}`));
  run.addCleanup(`drop scratch table ${col.schema}.${scratch}`, async () => {
    await sql.query(`DROP TABLE IF EXISTS ${scratchSql}`);
  });
  const expires = new Date(ctx.clock.now().getTime() + 24 * 3600_000).toISOString();
  await sql.query(
    `COMMENT ON TABLE ${scratchSql} IS ${quoteLiteral(`dbops:managed=true dbops:run-id=${run.runId} dbops:purpose=vector-tune dbops:expires-at=${expires}`)}`,
  );
  await sql.query(`ANALYZE ${scratchSql}`);
  const scratchSetup: MeasureSetup = {
    ...setup,
    knnSql: knnQuerySql({
      from: `${scratchSql} AS ${quoteIdent(col.table)}`,
      column: col.column,
      distance: checked.distance,
      type: col.type,
      rowIdSql: 'dbops_rid',
      where: setup.where,
      limit: p.k + (o.selfInResults ? 1 : 0),
      extSchema: checked.ext.schema,
    }),
  };
  const sweeps: IndexSweep[] = [];
  for (const c of p.candidates) {
    const name = truncateIdentifier(`${scratch}_m${c.m}_efc${c.efConstruction}`);
    s.update(`building m ${c.m}, ef_construction ${c.efConstruction}`);
    const t0 = performance.now();
    await inTransaction(
      sql,
      async () => {
        for (const st of setLocalSql({ maintenance_work_mem: p.memory.text, max_parallel_maintenance_workers: p.parallelWorkers }))
          await sql.query(st);
        await sql.query(
          createHnswIndexSql({
            schema: col.schema,
            table: scratch,
            column: col.column,
            name,
            distance: checked.distance,
            type: col.type,
            m: c.m,
            efConstruction: c.efConstruction,
            concurrently: false,
            extSchema: checked.ext.schema,
          }),
        );
      },
      { readOnly: false },
    ).catch((e: unknown) =>
      pgFailure(e, `building the candidate index m ${c.m}, ef_construction ${c.efConstruction} on the scratch table`),
    );
    const buildMs = performance.now() - t0;
    const size = Number(
      (await sql.query('SELECT pg_relation_size(to_regclass($1))::float8 AS b', [qualifiedName(col.schema, name)])).rows[0]?.b,
    );
    const sweep = await sweepIndex(
      scratchSetup,
      exact,
      {
        index: name,
        label: `scratch m ${c.m}, ef_construction ${c.efConstruction}`,
        scratch: true,
        m: c.m,
        efConstruction: c.efConstruction,
        sizeBytes: size,
        buildMs,
      },
      o,
      p,
      s,
    );
    sweeps.push(sweep);
    await sql.query(`DROP INDEX IF EXISTS ${qualifiedName(col.schema, name)}`);
  }
  s.detail(`${sweeps.length} candidate${sweeps.length === 1 ? '' : 's'} measured on ${scratch}`);
  return sweeps;
}

/** The chart of every sweep. */
export function tuneChartSpec(
  p: { k: number; targetRecall: number; maxP95Ms?: number },
  title: string,
  sweeps: readonly IndexSweep[],
): ChartSpec {
  return {
    title,
    targetRecall: p.targetRecall,
    maxP95Ms: p.maxP95Ms,
    series: sweeps.map((s) => ({
      label: s.label,
      points: s.measurements.map((m) => ({ ef: m.ef, recall: m.recall, p50Ms: m.p50Ms, p95Ms: m.p95Ms, p99Ms: m.p99Ms })),
    })),
  };
}

function writePlot(
  file: string,
  p: TuneParams,
  col: ResolvedColumn,
  live: IndexSweep | undefined,
  candidates: IndexSweep[] | undefined,
): { file: string; format: 'svg' | 'html' } {
  const spec = tuneChartSpec(p, `Recall@${p.k} vs p95 latency: ${col.schema}.${col.table}.${col.column}`, [
    ...(live ? [live] : []),
    ...(candidates ?? []),
  ]);
  const format = p.plotFormat!;
  try {
    writeFileSync(file, format === 'svg' ? svgChart(spec) : htmlChart(spec));
  } catch (e) {
    throw new UsageError(`Cannot write the plot to ${file}: ${(e as Error).message}.`, {
      hint: 'Check that the directory exists and is writable.',
      cause: e,
    });
  }
  return { file, format };
}
