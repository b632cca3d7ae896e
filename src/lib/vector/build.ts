/**
 * `dbops vector build`: builds (or rebuilds) the HNSW index of a column, following
 * runbooks/vector-tuning.md VT-1, VT-8..VT-11: drop an INVALID index an interrupted
 * concurrent build left (after confirmation), warn when the graph will not fit in
 * maintenance_work_mem, build with session settings and live progress, check the result.
 * A rebuild builds the new index beside the old one, then swaps them.
 */
import type { Client } from 'pg';
import type { Context } from '../context.js';
import { CheckFailed, ConflictError, UsageError } from '../errors.js';
import { formatBytes, formatDuration } from '../output/format.js';
import { runRunbook, type RunReport } from '../runbook/runner.js';
import {
  countVectorsUpTo,
  listVectorIndexes,
  readPgvector,
  relationExists,
  relationId,
  resolveColumn,
  serverVersionNum,
} from './catalog.js';
import { openVectorDb, pgFailure, registerVectorTypes, type VectorDb, type VectorTargetInput } from './db.js';
import {
  buildSessionSql,
  createHnswIndexSql,
  defaultIndexName,
  dropIndexSql,
  knnQuerySql,
  qualifiedName,
  quoteIdent,
  renameIndexSql,
  resetSessionSql,
  truncateIdentifier,
  validateHnswParams,
} from './ddl.js';
import { checkPlanUsesIndex } from './measure.js';
import { estimateHnswGraph, type GraphMemoryEstimate } from './memory.js';
import type { ProgressOutcome } from './progress.js';
import { VECTOR_BUILD } from './runbook.js';
import { requireTable } from './plan.js';
import type { Distance, PgvectorInfo, ResolvedColumn, VectorIndex } from './types.js';
import { memoryText, parseMemory, type MemorySize } from './units.js';
import { watchBuild } from './watch.js';

/** HNSW's dimension limits (pgvector 0.7+). */
const MAX_DIMENSIONS = { vector: 2000, halfvec: 4000 } as const;

export const BUILD_DEFAULTS = { m: 16, efConstruction: 64, maintenanceWorkMem: '256MB', parallelWorkers: 2 } as const;

/** `vector build` input: the target database, the column, the index parameters and the session settings. */
export interface BuildInput {
  target: VectorTargetInput;
  table: string;
  column?: string;
  m?: number;
  efConstruction?: number;
  distance?: Distance;
  concurrently?: boolean;
  /** Index name for a new index (default <table>_<column>_hnsw_idx). */
  name?: string;
  /** maintenance_work_mem for the build session (default 256MB). */
  maintenanceWorkMem?: string;
  /** max_parallel_maintenance_workers for the build session (default 2). */
  parallelWorkers?: number;
  /** Progress polling (tests shorten these). */
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
}

/** The statements a build runs, in order: what --dry-run prints. */
export interface BuildPlan {
  mode: 'create' | 'rebuild';
  /** The index's name when done. */
  indexName: string;
  /** The name it is built under: indexName, or <old>_rebuild until the swap. */
  buildingName: string;
  /** The index a rebuild replaces. */
  replaces?: string;
  dropInvalid: string[];
  session: string[];
  create: string;
  swap: string[];
  reset: string[];
}

/** What `vector build` did (or, with --dry-run, would do); `ok` false when the new index is not valid. */
export interface BuildResult {
  ok: boolean;
  dryRun: boolean;
  target: string;
  table: string;
  column: string;
  distance: Distance;
  m: number;
  efConstruction: number;
  concurrently: boolean;
  plan: BuildPlan;
  invalidIndexes: { name: string; dropped: boolean }[];
  memory: GraphMemoryEstimate;
  progress?: ProgressOutcome;
  /** NOTICEs the server sent during the build (e.g. "hnsw graph no longer fits into maintenance_work_mem"). */
  notices: string[];
  index?: { name: string; valid: boolean; sizeBytes: number; usedByPlanner: boolean | null };
  buildMs?: number;
  /** The user declined the confirmation: nothing was built. */
  cancelled?: boolean;
  report: RunReport;
}

/** The build plan. Pure. */
export function buildPlan(a: {
  col: Pick<ResolvedColumn, 'schema' | 'table' | 'column' | 'type'>;
  existing?: Pick<VectorIndex, 'name'>;
  invalid: readonly Pick<VectorIndex, 'name'>[];
  name?: string;
  distance: Distance;
  m: number;
  efConstruction: number;
  concurrently: boolean;
  memory: MemorySize;
  parallelWorkers: number;
  extSchema?: string;
}): BuildPlan {
  const { col } = a;
  const target = a.existing ? a.existing.name : (a.name ?? defaultIndexName(col.table, col.column));
  const building = a.existing ? truncateIdentifier(a.existing.name, 63 - '_rebuild'.length) + '_rebuild' : target;
  return {
    mode: a.existing ? 'rebuild' : 'create',
    indexName: target,
    buildingName: building,
    replaces: a.existing?.name,
    dropInvalid: a.invalid.map((i) => dropIndexSql(col.schema, i.name, { concurrently: true, ifExists: true })),
    session: buildSessionSql(a.memory.text, a.parallelWorkers),
    create: createHnswIndexSql({
      schema: col.schema,
      table: col.table,
      column: col.column,
      name: building,
      distance: a.distance,
      type: col.type,
      m: a.m,
      efConstruction: a.efConstruction,
      concurrently: a.concurrently,
      extSchema: a.extSchema,
    }),
    swap: a.existing
      ? [dropIndexSql(col.schema, a.existing.name, { concurrently: a.concurrently }), renameIndexSql(col.schema, building, a.existing.name)]
      : [],
    reset: resetSessionSql(),
  };
}

/** Every statement of a plan, in order, as `--dry-run` prints them. */
export function planStatements(plan: BuildPlan): string[] {
  return [...plan.dropInvalid, ...plan.session, plan.create, ...plan.swap, ...plan.reset];
}

interface Checked {
  ext: PgvectorInfo;
  col: ResolvedColumn;
  distance: Distance;
  existing?: VectorIndex;
  invalid: VectorIndex[];
  others: VectorIndex[];
}

export async function vectorBuild(ctx: Context, input: BuildInput): Promise<BuildResult> {
  requireTable(input.table);
  const m = input.m ?? BUILD_DEFAULTS.m;
  const efConstruction = input.efConstruction ?? BUILD_DEFAULTS.efConstruction;
  validateHnswParams(m, efConstruction);
  const memory = parseMemory(input.maintenanceWorkMem ?? BUILD_DEFAULTS.maintenanceWorkMem, '--maintenance-work-mem');
  const parallelWorkers = input.parallelWorkers ?? BUILD_DEFAULTS.parallelWorkers;
  if (!Number.isInteger(parallelWorkers) || parallelWorkers < 0 || parallelWorkers > 64) {
    throw new UsageError(`--parallel-workers must be a whole number from 0 to 64, got ${parallelWorkers}.`);
  }
  const concurrently = Boolean(input.concurrently);
  const dryRun = ctx.flags.dryRun;
  const db = await openVectorDb(ctx, input.target, 'dbops vector build');
  const { value, report } = await runRunbook(VECTOR_BUILD, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const checked = await run.step('VT-1', (s) => checkBuildTarget(db, input, s));
    const { col, distance } = checked;
    const invalidIndexes = await run.step('VT-8', (s) => handleInvalid(ctx, db, checked, s));
    const plan = buildPlan({
      col,
      existing: checked.existing,
      invalid: dryRun ? checked.invalid : [],
      name: input.name,
      distance,
      m,
      efConstruction,
      concurrently,
      memory,
      parallelWorkers,
      extSchema: checked.ext.schema,
    });
    const estimate = await run.step('VT-9', (s) => checkMemory(ctx, db, col, m, memory, s));
    const base = {
      target: db.label,
      table: `${col.schema}.${col.table}`,
      column: col.column,
      distance,
      m,
      efConstruction,
      concurrently,
      plan,
      invalidIndexes,
      memory: estimate,
      notices: [] as string[],
    };
    if (dryRun) {
      run.skip('VT-10', 'dry run');
      run.skip('VT-11', 'dry run');
      return { ...base, ok: true, dryRun: true };
    }
    if (await relationExists(db.sql, col.schema, plan.buildingName)) {
      throw new ConflictError(`A relation named ${col.schema}.${plan.buildingName} already exists.`, {
        step: 'VT-10',
        hint:
          plan.mode === 'create'
            ? 'Choose another index name with --name.'
            : `An earlier rebuild left it: finish its swap by hand (runbooks/vector-tuning.md, VT-10) or drop it (${dropIndexSql(col.schema, plan.buildingName, { concurrently: true })}).`,
      });
    }
    if (plan.mode === 'rebuild') {
      const yes = await ctx.prompt.confirm(
        `Rebuild ${col.schema}.${plan.replaces}: build a new index beside it, then drop the old one and rename the new one?`,
      );
      if (!yes) {
        run.skip('VT-10', 'not confirmed');
        run.skip('VT-11', 'not confirmed');
        return { ...base, ok: true, dryRun: false, cancelled: true };
      }
    }
    const built = await run.step('VT-10', (s) => runBuild(ctx, db, plan, input, s, base.notices));
    const index = await run.step('VT-11', (s) => checkNewIndex(db, checked, plan.indexName, s));
    return { ...base, ok: index.valid, dryRun: false, progress: built.progress, buildMs: built.ms, index };
  });
  await db.close();
  return { ...value, report };
}

/** VT-1: pgvector, the column, and which index exists for the distance. */
async function checkBuildTarget(db: VectorDb, input: BuildInput, s: { detail(t: string): void }): Promise<Checked> {
  const ext = await readPgvector(db.sql, db.info.database);
  await registerVectorTypes(db.client);
  const col = await resolveColumn(db.sql, { table: input.table, column: input.column, database: db.info.database });
  const name = `${col.schema}.${col.table}.${col.column}`;
  if (col.dimensions === null) {
    throw new UsageError(`${name} has no fixed dimensions, and HNSW indexes need them.`, {
      hint: `Give the column its dimensions: ALTER TABLE ${qualifiedName(col.schema, col.table)} ALTER COLUMN ${col.column} TYPE ${col.type}(<n>).`,
    });
  }
  if (col.dimensions > MAX_DIMENSIONS[col.type]) {
    throw new UsageError(`${name} has ${col.dimensions} dimensions; HNSW indexes ${col.type} up to ${MAX_DIMENSIONS[col.type]}.`, {
      hint:
        col.type === 'vector'
          ? `Index a halfvec expression instead (up to 4000 dimensions), or reduce the dimensions.`
          : 'Reduce the dimensions.',
    });
  }
  const indexes = await listVectorIndexes(db.sql, await serverVersionNum(db.sql), await relationId(db.sql, col.schema, col.table));
  const onColumn = indexes.filter((i) => i.column === col.column);
  const validHnsw = onColumn.filter((i) => i.method === 'hnsw' && i.valid);
  const known = (d: string): d is Distance => d === 'cosine' || d === 'l2' || d === 'ip';
  const distance: Distance = input.distance ?? validHnsw.map((i) => i.distance).find(known) ?? 'cosine';
  const existing = validHnsw.find((i) => i.distance === distance);
  const others = onColumn.filter((i) => i.valid && i.distance !== distance);
  const invalid = onColumn.filter((i) => !i.valid);
  s.detail(
    `pgvector ${ext.version}; ${name} ${col.type}(${col.dimensions}); ${existing ? `rebuilds ${existing.name}` : 'new index'} (${distance})`,
  );
  return { ext, col, distance, existing, invalid, others };
}

/** VT-8: offers to drop each INVALID index on the column (confirmation, or --yes; listed with --dry-run). */
async function handleInvalid(
  ctx: Context,
  db: VectorDb,
  checked: Checked,
  s: { detail(t: string): void },
): Promise<{ name: string; dropped: boolean }[]> {
  for (const o of checked.others) {
    ctx.out.warn(
      `${o.schema}.${o.name} on the same column serves ${o.distance} distance (${o.opclass}); it stays, and is still maintained on every write.`,
    );
  }
  if (checked.invalid.length === 0) {
    s.detail('none');
    return [];
  }
  const out: { name: string; dropped: boolean }[] = [];
  for (const i of checked.invalid) {
    const full = `${i.schema}.${i.name}`;
    if (ctx.flags.dryRun) {
      out.push({ name: full, dropped: false });
      continue;
    }
    const yes = await ctx.prompt.confirm(`Drop the INVALID index ${full} (left by an interrupted CREATE INDEX CONCURRENTLY)?`);
    if (yes) {
      await db.sql
        .query(dropIndexSql(i.schema, i.name, { concurrently: true, ifExists: true }))
        .catch((e: unknown) => pgFailure(e, `dropping the invalid index ${full}`));
    } else {
      ctx.out.warn(`Keeping the INVALID index ${full}: queries ignore it, but every write still updates it.`);
    }
    out.push({ name: full, dropped: yes });
  }
  s.detail(
    ctx.flags.dryRun
      ? `${out.length} INVALID index${out.length === 1 ? '' : 'es'} to drop`
      : out.map((o) => `${o.name} ${o.dropped ? 'dropped' : 'kept'}`).join(', '),
  );
  return out;
}

/** VT-9: the graph estimate against maintenance_work_mem; warns before the build. */
async function checkMemory(
  ctx: Context,
  db: VectorDb,
  col: ResolvedColumn,
  m: number,
  memory: MemorySize,
  s: { detail(t: string): void },
): Promise<GraphMemoryEstimate> {
  const rows = col.reltuples > 0 ? col.reltuples : await countVectorsUpTo(db.sql, col, Number.MAX_SAFE_INTEGER);
  const e = estimateHnswGraph({ rows, dimensions: col.dimensions!, m, type: col.type, maintenanceWorkMemBytes: memory.bytes });
  if (!e.fits) {
    ctx.out.warn(
      `The HNSW graph needs about ${formatBytes(e.estimateBytes)} but maintenance_work_mem will be ${formatBytes(memory.bytes)}: pgvector switches to a much slower on-disk build after about ${e.rowsInMemory} of ${e.rows} rows. ` +
        `Use --maintenance-work-mem ${memoryText(e.estimateBytes * 1.1)} if the server has the memory.`,
    );
  }
  s.detail(
    `graph about ${formatBytes(e.estimateBytes)} for ${e.rows} rows; maintenance_work_mem ${memory.text}: ${e.fits ? 'fits' : 'does NOT fit'}`,
  );
  return e;
}

/** VT-10: session settings, the CREATE INDEX with progress from a second connection, the swap of a rebuild. */
async function runBuild(
  ctx: Context,
  db: VectorDb,
  plan: BuildPlan,
  input: BuildInput,
  s: { update(t: string): void; detail(t: string): void },
  notices: string[],
): Promise<{ ms: number; progress: ProgressOutcome }> {
  const client: Client = db.client;
  const onNotice = (n: { message?: string }) => {
    if (!n.message) return;
    notices.push(n.message);
    ctx.out.warn(`server: ${n.message}`);
  };
  client.on('notice', onNotice);
  const pid = Number((await db.sql.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
  for (const st of plan.session) await db.sql.query(st).catch((e: unknown) => pgFailure(e, st));
  const watch = watchBuild({
    open: () => db.openAnother({ applicationName: 'dbops vector build progress', connectTimeoutMs: 5000 }),
    pid,
    intervalMs: input.pollIntervalMs,
    pollTimeoutMs: input.pollTimeoutMs,
    onProgress: (text) => s.update(text),
  });
  await watch.ready;
  let progress: ProgressOutcome = { source: 'elapsed-only', samples: 0 };
  const onAbort = () => void watch.cancelBuild();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const t0 = performance.now();
  try {
    await db.sql.query(plan.create);
  } catch (e) {
    pgFailure(
      e,
      `building the index (${plan.create.includes('CONCURRENTLY') ? 'a failed concurrent build leaves an INVALID index: run dbops vector build again to drop it' : 'nothing was left behind'})`,
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    client.off('notice', onNotice);
    await watch.stop().then((p) => (progress = p));
    for (const st of plan.reset) await db.sql.query(st).catch(() => undefined);
  }
  const ms = performance.now() - t0;
  // The new index exists from here: a failure below leaves both indexes, and the error says how to finish.
  for (const st of plan.swap) {
    await db.sql
      .query(st)
      .catch((e: unknown) =>
        pgFailure(
          e,
          `swapping in the rebuilt index ${plan.buildingName} (both indexes exist now; finish by hand: ${plan.swap.join('; ')})`,
        ),
      );
  }
  s.detail(
    `${plan.indexName} built in ${formatDuration(ms)}${progress.source === 'elapsed-only' ? ` (progress: elapsed only, ${progress.reason})` : ''}`,
  );
  return { ms, progress };
}

/** VT-11: the new index is valid, its size, and the planner uses it for a k-NN query. */
async function checkNewIndex(
  db: VectorDb,
  checked: Checked,
  name: string,
  s: { detail(t: string): void },
): Promise<NonNullable<BuildResult['index']>> {
  const { col, distance, ext } = checked;
  const { rows } = await db.sql.query(
    `SELECT x.indisvalid AS valid, pg_relation_size(x.indexrelid)::float8 AS bytes FROM pg_index x WHERE x.indexrelid = to_regclass($1)`,
    [qualifiedName(col.schema, name)],
  );
  const row = rows[0];
  if (!row)
    throw new CheckFailed(`The index ${col.schema}.${name} does not exist after the build.`, {
      hint: 'Check the server log; runbooks/vector-tuning.md VT-10 says how to build it by hand.',
    });
  const valid = Boolean(row.valid);
  const sizeBytes = Number(row.bytes);
  const c = quoteIdent(col.column);
  const sample = await db.sql.query(`SELECT ${c} AS v FROM ${qualifiedName(col.schema, col.table)} WHERE ${c} IS NOT NULL LIMIT 1`);
  let usedByPlanner: boolean | null = null;
  const vector = sample.rows[0]?.v as number[] | undefined;
  if (vector && valid) {
    const setup = {
      sql: db.sql,
      knnSql: knnQuerySql({
        from: qualifiedName(col.schema, col.table),
        column: col.column,
        distance,
        type: col.type,
        rowIdSql: col.rowIdSql,
        limit: 10,
        extSchema: ext.schema,
      }),
      k: 10,
      queries: [{ vector }],
    };
    usedByPlanner = await checkPlanUsesIndex(setup, { ef: 40, selfInResults: false }, name).then(
      () => true,
      () => false,
    );
  }
  if (!valid) {
    throw new CheckFailed(`The new index ${col.schema}.${name} is INVALID.`, {
      hint: 'Run dbops vector build again: VT-8 drops the invalid index and the build starts over.',
    });
  }
  s.detail(
    `${name}: valid, ${formatBytes(sizeBytes)}${usedByPlanner === null ? '' : usedByPlanner ? ', used by the planner' : ', NOT used by the planner for a k-NN query'}`,
  );
  return { name, valid, sizeBytes, usedByPlanner };
}
