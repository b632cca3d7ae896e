/**
 * `dbops migrate`: status, verify, up, down, baseline. Each function takes the context
 * and one typed input, does its work on one session of the target database, and returns
 * a typed result for the renderer (render.ts) or --json. up, down and baseline follow
 * runbooks/migrate.md step by step (MG-1..MG-7, through the runbook runner: progress,
 * errors and the report name the step); status and verify are read-only, and their
 * findings carry their sections of the same runbook (MG-R1..MG-R9, findings.ts). Decisions come from the pure
 * functions in drift.ts and lint.ts; the SQL runs in runner.ts and schema.ts.
 */
import { hostname as osHostname } from 'node:os';
import type { Context } from '../context.js';
import { ConflictError, DbopsError, ExitCode, Interrupted, UsageError } from '../errors.js';
import type { TargetInput } from '../db/target.js';
import { describeDuration } from '../duration.js';
import { seeAnchor } from '../runbook/findings.js';
import { type RunbookDef, type RunbookRun, type RunReport, runRunbook, type StepHandle } from '../runbook/runner.js';
import type { Engine } from '../providers/types.js';
import {
  type AppliedMigration,
  type Drift,
  detectDrift,
  type FailedMigration,
  failedMigrations,
  pendingMigrations,
  planBaseline,
  planDown,
  type StatusRow,
  statusRows,
} from './drift.js';
import { guardDb } from './errors.js';
import { loadMigrations, type MigrationFile } from './files.js';
import type { LintWarning } from './lint.js';
import { acquireLock, describeHolder } from './lock.js';
import { MIGRATE_BASELINE, MIGRATE_DOWN, MIGRATE_RESOLVE, MIGRATE_UP } from './runbooks.js';
import type { RunSettings, RunUnit } from './runner.js';
import { openSession, type Session } from './session.js';

/** Where the migrations are and which database they go to. */
export interface MigrateBaseInput {
  target: TargetInput;
  /** The migrations directory (resolved against the working directory). */
  dir: string;
  /** lock_timeout dbops sets, and how long to wait for the migration lock; 0 = none. */
  lockTimeoutMs: number;
}

/** Inputs of the commands that change the database. */
export interface MigrateRunInput extends MigrateBaseInput {
  statementTimeoutMs: number;
  /** Proceed although the history and the files disagree. */
  allowDrift: boolean;
  dryRun: boolean;
  /** Host part of applied_by (default: this machine's hostname). */
  hostname?: string;
}

/** The settings as the result reports them. */
export interface SettingsReport {
  lockTimeout: string;
  statementTimeout: string;
}

export interface StatusResult {
  target: string;
  engine: Engine;
  dir: string;
  migrations: StatusRow[];
  drift: Drift[];
  /** Migrations that stopped half-way (MySQL): they block up until `migrate resolve`. */
  failed: FailedMigration[];
  /** Warnings for the pending migrations. */
  lint: LintWarning[];
  summary: { files: number; applied: number; pending: number; drift: number; failed: number; lint: number };
}

export interface VerifyResult {
  ok: boolean;
  target: string;
  dir: string;
  /** Lint warnings count as failures too. */
  strict: boolean;
  checked: { files: number; applied: number; pending: number };
  drift: Drift[];
  failed: FailedMigration[];
  lint: LintWarning[];
}

/** One migration as a plan (dry run) shows it. */
export interface PlannedMigration {
  version: number;
  name: string;
  file: string;
  noTransaction: boolean;
  sql: string;
}

/** One migration a run applied or reverted. */
export interface RanMigration {
  version: number;
  name: string;
  file: string;
  noTransaction: boolean;
  durationMs: number;
  /** NOTICEs PostgreSQL sent while it ran (e.g. "pgvector is not available: skipping"). */
  notices: string[];
}

export interface UpResult {
  /** applied: something ran; up-to-date: nothing pending; dry-run: nothing changed; refused: drift. */
  status: 'applied' | 'up-to-date' | 'dry-run' | 'refused';
  target: string;
  engine: Engine;
  /**
   * false on MySQL: DDL commits implicitly, so a migration that fails half-way is marked
   * failed and blocks later runs until `dbops migrate resolve`.
   */
  transactionalDdl: boolean;
  dir: string;
  to?: number;
  settings: SettingsReport;
  applied: RanMigration[];
  /** Dry run: what would run, in order, with its SQL. */
  plan: PlannedMigration[];
  /** Pending after the run (beyond --to). */
  remaining: number;
  drift: Drift[];
  lint: LintWarning[];
  lockWaitMs?: number;
  /** The run along runbooks/migrate.md (MG-1 to MG-5). */
  report: RunReport;
}

export interface DownResult {
  status: 'reverted' | 'dry-run' | 'refused' | 'cancelled';
  target: string;
  dir: string;
  settings: SettingsReport;
  reverted: RanMigration[];
  plan: PlannedMigration[];
  drift: Drift[];
  /** The run along runbooks/migrate.md (MG-1 to MG-4, MG-6). */
  report: RunReport;
}

export interface BaselineResult {
  status: 'baselined' | 'dry-run' | 'up-to-date';
  target: string;
  dir: string;
  version: number;
  marked: { version: number; name: string; file: string }[];
  /** The run along runbooks/migrate.md (MG-1 to MG-4, MG-7). */
  report: RunReport;
}

function settingsReport(input: { lockTimeoutMs: number; statementTimeoutMs: number }): SettingsReport {
  return { lockTimeout: describeDuration(input.lockTimeoutMs), statementTimeout: describeDuration(input.statementTimeoutMs) };
}

function lintPending(session: Session, pending: readonly MigrationFile[], lockTimeoutMs: number): LintWarning[] {
  return session.db.api.lintMigrations(
    pending.map((f) => ({ file: f.file, sql: f.sql })),
    { lockTimeoutMs },
  );
}

/** A migration marked failed (MySQL) blocks up, down and baseline until `migrate resolve`. Exit 1. */
export class MigrationBlocked extends DbopsError {
  constructor(message: string, options?: ConstructorParameters<typeof DbopsError>[3]) {
    super('migration-blocked', message, ExitCode.checksFailed, options);
  }
}

function blocked(session: Session, failed: readonly FailedMigration[], what: string): MigrationBlocked {
  const f = failed[0]!;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  return new MigrationBlocked(
    `Refused to ${what} on ${session.label}: migration ${f.file ?? f.version} failed half-way on ${f.failedAt.toISOString()}${more} and may have left part of its changes applied${f.error ? ` (${f.error})` : ''}.`,
    {
      hint: `Check the schema by hand, finish or undo what the migration did, then run \`dbops migrate resolve ${f.version}\` (--as applied when you completed it, the default when the next migrate up should run it again). ${seeAnchor(f.runbook)}`,
      details: { failed },
    },
  );
}

/** Told before a run on an engine whose DDL commits implicitly (MySQL). */
export function implicitCommitWarning(label: string): string {
  return `${label} commits DDL implicitly: a migration that fails half-way is not rolled back; dbops marks it failed and every later migrate up refuses until you checked the schema and ran \`dbops migrate resolve <version>\`.`;
}

function planOf(f: MigrationFile, direction: 'up' | 'down'): PlannedMigration {
  const down = direction === 'down' ? f.down! : undefined;
  return {
    version: f.version,
    name: f.name,
    file: down?.file ?? f.file,
    noTransaction: down?.noTransaction ?? f.noTransaction,
    sql: down?.sql ?? f.sql,
  };
}

/** Files first (a bad directory fails before any connection), then the session. */
async function open(ctx: Context, input: MigrateBaseInput): Promise<{ files: MigrationFile[]; session: Session }> {
  const files = await loadMigrations(input.dir, { transactionControl: engineHint(input.target) === 'postgres' });
  const session = await openSession(ctx, input.target);
  try {
    session.db.api.checkMigrations(input.dir, files);
  } catch (e) {
    await session.close();
    throw e;
  }
  return { files, session };
}

/**
 * The engine when the target says it before connecting (a postgres:// or mysql:// URL):
 * the engine's own file checks then run before any connection; for an instance they run
 * right after connecting.
 */
function engineHint(target: TargetInput): Engine | undefined {
  if (!target.url) return undefined;
  return /^mysql:/i.test(target.url) ? 'mysql' : 'postgres';
}

async function statusImpl(ctx: Context, input: MigrateBaseInput): Promise<StatusResult> {
  const { files, session } = await open(ctx, input);
  try {
    const applied = await session.db.migrations.readApplied();
    const drift = detectDrift(files, applied);
    const failed = failedMigrations(files, applied);
    const pending = pendingMigrations(files, applied);
    const lint = lintPending(session, pending, input.lockTimeoutMs);
    const migrations = statusRows(files, applied);
    return {
      target: session.label,
      engine: session.db.api.engine,
      dir: input.dir,
      migrations,
      drift,
      failed,
      lint,
      summary: {
        files: files.length,
        applied: applied.length - failed.length,
        pending: pending.length,
        drift: drift.length,
        failed: failed.length,
        lint: lint.length,
      },
    };
  } finally {
    await session.close();
  }
}

/** `migrate verify`: drift (and, with strict, lint warnings) is a failed check. */
export async function migrateVerify(ctx: Context, input: MigrateBaseInput & { strict: boolean }): Promise<VerifyResult> {
  const s = await migrateStatus(ctx, input);
  return {
    ok: s.drift.length === 0 && s.failed.length === 0 && (!input.strict || s.lint.length === 0),
    target: s.target,
    dir: s.dir,
    strict: input.strict,
    checked: { files: s.summary.files, applied: s.summary.applied, pending: s.summary.pending },
    drift: s.drift,
    failed: s.failed,
    lint: s.lint,
  };
}

function runSettings(input: MigrateRunInput): RunSettings {
  return { lockTimeoutMs: input.lockTimeoutMs, statementTimeoutMs: input.statementTimeoutMs, hostname: input.hostname ?? osHostname() };
}

function interrupted(ctx: Context, session: Session, done: RanMigration[], verb: string): Interrupted {
  const which =
    done.length > 0 ? `${done.map((d) => d.file).join(', ')} ${done.length === 1 ? 'was' : 'were'} ${verb}` : `nothing was ${verb}`;
  const inFlight = session.db.api.transactionalDdl
    ? 'the migration in flight was rolled back'
    : `the migration in flight was stopped and marked failed (${session.db.api.label} commits DDL implicitly: check the schema, then \`dbops migrate resolve <version>\`)`;
  return new Interrupted(String(ctx.signal.reason ?? 'SIGINT'), {
    hint: `${which}; ${inFlight}. Run \`dbops migrate status\` to see where it stopped.`,
  });
}

/** Runs units in order, stopping on a signal; returns what ran. */
async function runAll(
  ctx: Context,
  session: Session,
  units: readonly RunUnit[],
  s: RunSettings,
  verb: string,
  step: StepHandle,
): Promise<RanMigration[]> {
  const done: RanMigration[] = [];
  for (const unit of units) {
    if (ctx.signal.aborted) throw interrupted(ctx, session, done, verb);
    const up = unit.direction === 'up';
    step.update(unit.file);
    ctx.out.info(`… ${up ? 'Applying' : 'Reverting with'} ${unit.file}${unit.noTransaction ? ' (no transaction)' : ''}`);
    const notices: string[] = [];
    const unsubscribe = session.db.onNotice((n) => notices.push(n));
    try {
      const durationMs = await session.db.migrations.runUnit(unit, s, { earlier: done.length, signal: ctx.signal });
      ctx.out.info(`✔ ${up ? 'Applied' : 'Reverted with'} ${unit.file} in ${durationMs}ms`);
      done.push({ version: unit.version, name: unit.name, file: unit.file, noTransaction: unit.noTransaction, durationMs, notices });
    } catch (e) {
      ctx.out.info(`✖ ${unit.file} failed`);
      if (ctx.signal.aborted) throw interrupted(ctx, session, done, verb);
      throw e;
    } finally {
      unsubscribe();
      for (const n of notices) ctx.out.info(`${unit.file}: NOTICE: ${n}`);
    }
  }
  step.detail(done.length === 0 ? `nothing ${verb}` : `${done.length} ${verb}: ${done.map((d) => d.file).join(', ')}`);
  return done;
}

function upUnit(f: MigrationFile): RunUnit {
  return {
    direction: 'up',
    version: f.version,
    name: f.name,
    file: f.file,
    sql: f.sql,
    checksum: f.checksum,
    noTransaction: f.noTransaction,
  };
}

/**
 * One run of a migrate command along its section of runbooks/migrate.md: the lock and the
 * session are released whatever ends it (the lock first). PostgreSQL's refusals inside a
 * step become one sentence naming the step (exit 3).
 */
interface MigrateRun {
  run: RunbookRun;
  /** A step whose PostgreSQL errors read as `PostgreSQL refused <what>: ...`. */
  step<T>(id: string, what: string, fn: (s: StepHandle) => Promise<T>): Promise<T>;
  /** MG-1 and MG-2: the files (a bad directory fails before any connection), then the session. */
  open(): Promise<{ files: MigrationFile[]; session: Session }>;
  /**
   * MG-4: takes the lock (reporting a wait), creates the dbops schema if needed and reads
   * the history again, under the lock: what another run applied meanwhile is not run twice.
   */
  lock(session: Session): Promise<{ waitedMs: number; applied: AppliedMigration[] }>;
}

async function migrateRun<T>(
  ctx: Context,
  def: RunbookDef,
  input: MigrateBaseInput,
  body: (m: MigrateRun) => Promise<T>,
): Promise<T & { report: RunReport }> {
  let session: Session | undefined;
  let locked = false;
  try {
    const { value, report } = await runRunbook(def, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, (run) => {
      const step = <S>(id: string, what: string, fn: (s: StepHandle) => Promise<S>) => run.step(id, (s) => guardDb(what, () => fn(s)));
      return body({
        run,
        step,
        async open() {
          const files = await run.step('MG-1', async (s) => {
            const found = await loadMigrations(input.dir, { transactionControl: engineHint(input.target) === 'postgres' });
            s.detail(`${found.length} migration file${found.length === 1 ? '' : 's'} in ${input.dir}`);
            return found;
          });
          const opened = await step('MG-2', 'the connection', async (s) => {
            session = await openSession(ctx, input.target);
            session.db.api.checkMigrations(input.dir, files);
            s.detail(session.label);
            return session;
          });
          return { files, session: opened };
        },
        lock(sess) {
          return step('MG-4', 'the migration lock', async (s) => {
            const store = sess.db.migrations;
            const { waitedMs } = await acquireLock(
              {
                tryLock: () => store.tryLock(),
                holder: () => store.lockHolder(),
                ...(store.wait ? { wait: (ms: number) => store.wait!(ms) } : {}),
              },
              {
                timeoutMs: input.lockTimeoutMs,
                label: sess.label,
                signal: ctx.signal,
                onWait: (h) =>
                  ctx.out.info(
                    `Waiting for the dbops migration lock on ${sess.label}, held by ${describeHolder(h)} (up to ${describeDuration(input.lockTimeoutMs)})…`,
                  ),
              },
            );
            locked = true;
            await store.ensure();
            const applied = await store.readApplied();
            s.detail(`held${waitedMs > 0 ? ` after waiting ${describeDuration(waitedMs)}` : ''}; ${applied.length} applied`);
            return { waitedMs, applied };
          });
        },
      });
    });
    return { ...value, report };
  } finally {
    if (session && locked) await session.db.migrations.unlock().catch(() => undefined);
    await session?.close();
  }
}

/** MG-3: the history before the lock, and what it means for this run. */
function compare(m: MigrateRun, session: Session, files: readonly MigrationFile[], what: string, to?: number) {
  return m.step('MG-3', 'reading the migration history', async (s) => {
    const applied = await session.db.migrations.readApplied();
    const drift = detectDrift(files, applied);
    const failed = failedMigrations(files, applied);
    const pending = pendingMigrations(files, applied, to);
    s.detail(
      `${applied.length - failed.length} applied, ${pending.length} pending, ${drift.length === 0 ? 'no drift' : `${drift.length} drift`}${failed.length > 0 ? `, ${failed.length} failed` : ''}`,
    );
    if (failed.length > 0) throw blocked(session, failed, what);
    return { applied, drift, pending };
  });
}

function skipRest(m: MigrateRun, ids: readonly string[], why: string): void {
  for (const id of ids) m.run.skip(id, why);
}

async function upImpl(ctx: Context, input: MigrateRunInput & { to?: number }): Promise<UpResult> {
  return migrateRun(ctx, MIGRATE_UP, input, async (m): Promise<Omit<UpResult, 'report'>> => {
    const { files, session } = await m.open();
    const base0 = { target: session.label, dir: input.dir, to: input.to, settings: settingsReport(input), applied: [], plan: [] };
    const before = await compare(m, session, files, 'migrate', input.to);
    const base = { ...base0, engine: session.db.api.engine, transactionalDdl: session.db.api.transactionalDdl };
    const refusedBefore = before.drift.length > 0 && !input.allowDrift;
    if (input.dryRun || refusedBefore) {
      skipRest(m, ['MG-4', 'MG-5'], refusedBefore ? 'refused: drift' : 'dry run');
      return {
        ...base,
        status: refusedBefore ? 'refused' : 'dry-run',
        plan: refusedBefore ? [] : before.pending.map((f) => planOf(f, 'up')),
        remaining: pendingMigrations(files, before.applied).length,
        drift: before.drift,
        lint: lintPending(session, before.pending, input.lockTimeoutMs),
      };
    }
    const { waitedMs: lockWaitMs, applied } = await m.lock(session);
    const failedNow = failedMigrations(files, applied);
    if (failedNow.length > 0) throw blocked(session, failedNow, 'migrate');
    const drift = detectDrift(files, applied);
    const pending = pendingMigrations(files, applied, input.to);
    const lint = lintPending(session, pending, input.lockTimeoutMs);
    if (drift.length > 0 && !input.allowDrift) {
      m.run.skip('MG-5', 'refused: drift');
      return { ...base, status: 'refused', remaining: pendingMigrations(files, applied).length, drift, lint, lockWaitMs };
    }
    for (const w of lint) ctx.out.warn(`${w.file}:${w.line} [${w.rule}] ${w.message} ${seeAnchor(w.runbook)}`);
    if (!session.db.api.transactionalDdl && pending.length > 0) ctx.out.warn(implicitCommitWarning(session.db.api.label));
    const ran = await m.step('MG-5', 'the migration run', (s) =>
      runAll(ctx, session, pending.map(upUnit), runSettings(input), 'applied', s),
    );
    const done = new Set([...applied.map((a) => a.version), ...ran.map((r) => r.version)]);
    return {
      ...base,
      status: ran.length > 0 ? 'applied' : 'up-to-date',
      applied: ran,
      remaining: files.filter((f) => !done.has(f.version)).length,
      drift,
      lint,
      lockWaitMs,
    };
  });
}

function sameVersions(a: readonly { applied: AppliedMigration }[], b: readonly { applied: AppliedMigration }[]): boolean {
  return a.length === b.length && a.every((x, i) => x.applied.version === b[i]!.applied.version);
}

async function downImpl(ctx: Context, input: MigrateRunInput & { steps: number }): Promise<DownResult> {
  return migrateRun(ctx, MIGRATE_DOWN, input, async (m): Promise<Omit<DownResult, 'report'>> => {
    const { files, session } = await m.open();
    const base = { target: session.label, dir: input.dir, settings: settingsReport(input), reverted: [], plan: [] };
    const checked = await m.step('MG-3', 'reading the migration history', async (s) => {
      const before = await session.db.migrations.readApplied();
      const failed = failedMigrations(files, before);
      if (failed.length > 0) throw blocked(session, failed, 'revert');
      const drift = detectDrift(files, before);
      if (drift.length > 0 && !input.allowDrift) {
        s.detail(`${drift.length} drift: refused`);
        return { drift, steps: undefined };
      }
      const steps = planDown(files, before, input.steps);
      s.detail(`would revert ${steps.map((st) => st.file.file).join(', ')}`);
      return { drift, steps };
    });
    const { drift, steps } = checked;
    if (!steps) {
      skipRest(m, ['MG-4', 'MG-6'], 'refused: drift');
      return { ...base, status: 'refused', drift };
    }
    const plan = steps.map((st) => planOf(st.file, 'down'));
    if (input.dryRun) {
      skipRest(m, ['MG-4', 'MG-6'], 'dry run');
      return { ...base, status: 'dry-run', plan, drift };
    }
    const names = steps.map((st) => st.file.file).join(', ');
    if (
      !(await ctx.prompt.confirm(
        `Revert ${steps.length} migration${steps.length === 1 ? '' : 's'} on ${session.label} (${names}) with their .down.sql files?`,
      ))
    ) {
      skipRest(m, ['MG-4', 'MG-6'], 'not confirmed');
      return { ...base, status: 'cancelled', plan, drift };
    }
    const { applied } = await m.lock(session);
    const now = planDown(files, applied, input.steps);
    if (!sameVersions(now, steps)) {
      throw new ConflictError(`The migration history of ${session.label} changed while waiting; nothing was reverted.`, {
        hint: 'Run `dbops migrate status` and try again.',
        step: 'MG-4',
      });
    }
    const units: RunUnit[] = now.map((st) => ({
      direction: 'down',
      version: st.file.version,
      name: st.file.name,
      file: st.file.down.file,
      sql: st.file.down.sql,
      checksum: st.file.checksum,
      noTransaction: st.file.down.noTransaction,
    }));
    const reverted = await m.step('MG-6', 'the down migration run', (s) => runAll(ctx, session, units, runSettings(input), 'reverted', s));
    return { ...base, status: 'reverted', reverted, plan, drift };
  });
}

async function baselineImpl(ctx: Context, input: MigrateRunInput & { version: number }): Promise<BaselineResult> {
  return migrateRun(ctx, MIGRATE_BASELINE, input, async (m): Promise<Omit<BaselineResult, 'report'>> => {
    const { files, session } = await m.open();
    const base = { target: session.label, dir: input.dir, version: input.version };
    const mark = (fs: MigrationFile[]) => fs.map((f) => ({ version: f.version, name: f.name, file: f.file }));
    const planned = await m.step('MG-3', 'reading the migration history', async (s) => {
      const before = await session.db.migrations.readApplied();
      const failed = failedMigrations(files, before);
      if (failed.length > 0) throw blocked(session, failed, 'baseline');
      const toMark = planBaseline(files, before, input.version);
      s.detail(toMark.length === 0 ? 'nothing to mark' : `would mark ${toMark.map((f) => f.file).join(', ')}`);
      return toMark;
    });
    if (input.dryRun) {
      skipRest(m, ['MG-4', 'MG-7'], 'dry run');
      return { ...base, status: 'dry-run', marked: mark(planned) };
    }
    const { applied } = await m.lock(session);
    const toMark = planBaseline(files, applied, input.version);
    if (toMark.length === 0) {
      m.run.skip('MG-7', 'every migration up to the version is recorded');
      return { ...base, status: 'up-to-date', marked: [] };
    }
    await m.step('MG-7', 'the baseline', async (s) => {
      const host = input.hostname ?? osHostname();
      await session.db.migrations.baseline(
        toMark.map((f) => ({
          version: f.version,
          name: f.name,
          checksum: f.checksum,
          durationMs: 0,
          hostname: host,
          kind: 'baseline' as const,
        })),
      );
      s.detail(`marked ${toMark.map((f) => f.file).join(', ')}`);
    });
    return { ...base, status: 'baselined', marked: mark(toMark) };
  });
}

/** `migrate resolve`: what it did (or would do) to a migration marked failed. */
export interface ResolveResult {
  status: 'resolved' | 'dry-run' | 'cancelled';
  target: string;
  dir: string;
  version: number;
  name: string;
  /** pending: the mark is removed and the next `migrate up` runs the file again; applied: recorded as applied (baselined). */
  as: 'pending' | 'applied';
  /** The error recorded when it failed. */
  error?: string;
  /** The run along runbooks/migrate.md (MG-1 to MG-4, MG-8). */
  report: RunReport;
}

async function resolveImpl(ctx: Context, input: MigrateRunInput & { version: number; as: 'pending' | 'applied' }): Promise<ResolveResult> {
  return migrateRun(ctx, MIGRATE_RESOLVE, input, async (m): Promise<Omit<ResolveResult, 'report'>> => {
    const { files, session } = await m.open();
    const failedOne = (applied: readonly AppliedMigration[]) => {
      const row = applied.find((a) => a.version === input.version);
      if (row?.kind === 'failed') return row;
      const state = row
        ? row.kind === 'baseline'
          ? 'baselined'
          : 'applied'
        : files.some((f) => f.version === input.version)
          ? 'pending'
          : 'unknown';
      throw new UsageError(
        `Migration ${input.version} is not marked failed on ${session.label} (it is ${state}); there is nothing to resolve.`,
        {
          hint: session.db.api.transactionalDdl
            ? `${session.db.api.label} rolls a failed migration back as a whole, so it never marks one failed; \`dbops migrate status\` shows every state.`
            : 'Run `dbops migrate status` to see which migration is marked failed.',
          step: 'MG-3',
        },
      );
    };
    const row = await m.step('MG-3', 'reading the migration history', async (s) => {
      const found = failedOne(await session.db.migrations.readApplied());
      s.detail(`${input.version} (${found.name}) is marked failed${found.error ? `: ${found.error}` : ''}`);
      return found;
    });
    const base = {
      target: session.label,
      dir: input.dir,
      version: input.version,
      name: row.name,
      as: input.as,
      ...(row.error ? { error: row.error } : {}),
    };
    if (input.dryRun) {
      skipRest(m, ['MG-4', 'MG-8'], 'dry run');
      return { ...base, status: 'dry-run' };
    }
    const outcome =
      input.as === 'applied'
        ? 'record it as applied (you completed it by hand)'
        : 'remove its failed mark, so the next migrate up runs it again (you undid what it applied)';
    if (!(await ctx.prompt.confirm(`Migration ${input.version} (${row.name}) on ${session.label}: you checked the schema; ${outcome}?`))) {
      skipRest(m, ['MG-4', 'MG-8'], 'not confirmed');
      return { ...base, status: 'cancelled' };
    }
    const { applied } = await m.lock(session);
    failedOne(applied);
    await m.step('MG-8', 'resolving the failed migration', async (s) => {
      await session.db.migrations.resolve(input.version, input.as === 'applied' ? 'applied' : 'rerun', input.hostname ?? osHostname());
      s.detail(input.as === 'applied' ? `recorded ${input.version} as applied` : `removed the failed mark of ${input.version}`);
    });
    return { ...base, status: 'resolved' };
  });
}

// The commands' entry points: PostgreSQL's own refusals become one sentence (exit 3).

/** `migrate status`: every version with its state, the drift, and lint of what is pending. */
export function migrateStatus(ctx: Context, input: MigrateBaseInput): Promise<StatusResult> {
  return guardDb('reading the migration history', () => statusImpl(ctx, input));
}

/** `migrate up [--to V]`: applies the pending migrations under the migration lock. */
export function migrateUp(ctx: Context, input: MigrateRunInput & { to?: number }): Promise<UpResult> {
  return guardDb('the migration run', () => upImpl(ctx, input));
}

/** `migrate down [--steps N]`: reverts the newest N with their .down.sql files (asks first). */
export function migrateDown(ctx: Context, input: MigrateRunInput & { steps: number }): Promise<DownResult> {
  return guardDb('the down migration run', () => downImpl(ctx, input));
}

/** `migrate baseline <version>`: records the files up to V as applied, running nothing. */
export function migrateBaseline(ctx: Context, input: MigrateRunInput & { version: number }): Promise<BaselineResult> {
  return guardDb('the baseline', () => baselineImpl(ctx, input));
}

/** `migrate resolve <version>`: clears a migration marked failed once a person checked the schema (asks first). */
export function migrateResolve(
  ctx: Context,
  input: MigrateRunInput & { version: number; as: 'pending' | 'applied' },
): Promise<ResolveResult> {
  return guardDb('resolving the failed migration', () => resolveImpl(ctx, input));
}
