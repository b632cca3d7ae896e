/**
 * `dbops migrate`: status, verify, up, down, baseline. Each function takes the context
 * and one typed input, does its work on one session of the target database, and returns
 * a typed result for the renderer (render.ts) or --json. Decisions come from the pure
 * functions in drift.ts and lint.ts; the SQL runs in runner.ts and schema.ts.
 */
import { hostname as osHostname } from 'node:os';
import type { Context } from '../context.js';
import { ConflictError, Interrupted } from '../errors.js';
import type { TargetInput } from '../db/target.js';
import { describeDuration } from '../duration.js';
import {
  type AppliedMigration,
  type Drift,
  detectDrift,
  pendingMigrations,
  planBaseline,
  planDown,
  type StatusRow,
  statusRows,
} from './drift.js';
import { guardDb } from './errors.js';
import { loadMigrations, type MigrationFile } from './files.js';
import { type LintWarning, lintMigrations } from './lint.js';
import { acquireMigrationLock, describeHolder, releaseMigrationLock } from './lock.js';
import { type RunSettings, type RunUnit, runUnit } from './runner.js';
import { ensureDbopsSchema, readApplied, recordSql } from './schema.js';
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
  dir: string;
  migrations: StatusRow[];
  drift: Drift[];
  /** Warnings for the pending migrations. */
  lint: LintWarning[];
  summary: { files: number; applied: number; pending: number; drift: number; lint: number };
}

export interface VerifyResult {
  ok: boolean;
  target: string;
  dir: string;
  /** Lint warnings count as failures too. */
  strict: boolean;
  checked: { files: number; applied: number; pending: number };
  drift: Drift[];
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
}

export interface DownResult {
  status: 'reverted' | 'dry-run' | 'refused' | 'cancelled';
  target: string;
  dir: string;
  settings: SettingsReport;
  reverted: RanMigration[];
  plan: PlannedMigration[];
  drift: Drift[];
}

export interface BaselineResult {
  status: 'baselined' | 'dry-run' | 'up-to-date';
  target: string;
  dir: string;
  version: number;
  marked: { version: number; name: string; file: string }[];
}

function settingsReport(input: { lockTimeoutMs: number; statementTimeoutMs: number }): SettingsReport {
  return { lockTimeout: describeDuration(input.lockTimeoutMs), statementTimeout: describeDuration(input.statementTimeoutMs) };
}

function lintPending(pending: readonly MigrationFile[], lockTimeoutMs: number): LintWarning[] {
  return lintMigrations(
    pending.map((f) => ({ file: f.file, sql: f.sql })),
    { lockTimeoutMs },
  );
}

function planOf(f: MigrationFile, direction: 'up' | 'down'): PlannedMigration {
  const down = direction === 'down' ? f.down! : undefined;
  return { version: f.version, name: f.name, file: down?.file ?? f.file, noTransaction: down?.noTransaction ?? f.noTransaction, sql: down?.sql ?? f.sql };
}

/** Files first (a bad directory fails before any connection), then the session. */
async function open(ctx: Context, input: MigrateBaseInput): Promise<{ files: MigrationFile[]; session: Session }> {
  const files = await loadMigrations(input.dir);
  const session = await openSession(ctx, input.target);
  return { files, session };
}

/** Takes the lock (reporting a wait), runs fn, releases the lock. */
async function withLock<T>(ctx: Context, session: Session, timeoutMs: number, fn: (waitedMs: number) => Promise<T>): Promise<T> {
  const { waitedMs } = await acquireMigrationLock(session.client, {
    timeoutMs,
    label: session.label,
    signal: ctx.signal,
    onWait: (h) => ctx.out.info(`Waiting for the dbops migration lock on ${session.label}, held by ${describeHolder(h)} (up to ${describeDuration(timeoutMs)})…`),
  });
  try {
    return await fn(waitedMs);
  } finally {
    await releaseMigrationLock(session.client).catch(() => undefined);
  }
}

async function statusImpl(ctx: Context, input: MigrateBaseInput): Promise<StatusResult> {
  const { files, session } = await open(ctx, input);
  try {
    const applied = await readApplied(session.client);
    const drift = detectDrift(files, applied);
    const pending = pendingMigrations(files, applied);
    const lint = lintPending(pending, input.lockTimeoutMs);
    const migrations = statusRows(files, applied);
    return {
      target: session.label,
      dir: input.dir,
      migrations,
      drift,
      lint,
      summary: { files: files.length, applied: applied.length, pending: pending.length, drift: drift.length, lint: lint.length },
    };
  } finally {
    await session.close();
  }
}

/** `migrate verify`: drift (and, with strict, lint warnings) is a failed check. */
export async function migrateVerify(ctx: Context, input: MigrateBaseInput & { strict: boolean }): Promise<VerifyResult> {
  const s = await migrateStatus(ctx, input);
  return {
    ok: s.drift.length === 0 && (!input.strict || s.lint.length === 0),
    target: s.target,
    dir: s.dir,
    strict: input.strict,
    checked: { files: s.summary.files, applied: s.summary.applied, pending: s.summary.pending },
    drift: s.drift,
    lint: s.lint,
  };
}

function runSettings(input: MigrateRunInput): RunSettings {
  return { lockTimeoutMs: input.lockTimeoutMs, statementTimeoutMs: input.statementTimeoutMs, hostname: input.hostname ?? osHostname() };
}

function interrupted(ctx: Context, done: RanMigration[], verb: string): Interrupted {
  const which = done.length > 0 ? `${done.map((d) => d.file).join(', ')} ${done.length === 1 ? 'was' : 'were'} ${verb}` : `nothing was ${verb}`;
  return new Interrupted(String(ctx.signal.reason ?? 'SIGINT'), {
    hint: `${which}; the migration in flight was rolled back. Run \`dbops migrate status\` to see where it stopped.`,
  });
}

/** Runs units in order, stopping on a signal; returns what ran. */
async function runAll(ctx: Context, session: Session, units: readonly RunUnit[], s: RunSettings, verb: string): Promise<RanMigration[]> {
  const done: RanMigration[] = [];
  for (const unit of units) {
    if (ctx.signal.aborted) throw interrupted(ctx, done, verb);
    const progress = ctx.out.progress(`${unit.direction === 'up' ? 'Applying' : 'Reverting with'} ${unit.file}${unit.noTransaction ? ' (no transaction)' : ''}`);
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => {
      if (n.message) notices.push(n.message);
    };
    session.client.on('notice', onNotice);
    try {
      const durationMs = await runUnit(session.client, unit, s, { earlier: done.length });
      progress.succeed(`${unit.direction === 'up' ? 'Applied' : 'Reverted with'} ${unit.file} in ${durationMs}ms`);
      done.push({ version: unit.version, name: unit.name, file: unit.file, noTransaction: unit.noTransaction, durationMs, notices });
    } catch (e) {
      progress.fail(`${unit.file} failed`);
      if (ctx.signal.aborted) throw interrupted(ctx, done, verb);
      throw e;
    } finally {
      session.client.off('notice', onNotice);
      for (const n of notices) ctx.out.info(`${unit.file}: NOTICE: ${n}`);
    }
  }
  return done;
}

function upUnit(f: MigrationFile): RunUnit {
  return { direction: 'up', version: f.version, name: f.name, file: f.file, sql: f.sql, checksum: f.checksum, noTransaction: f.noTransaction };
}

async function upImpl(ctx: Context, input: MigrateRunInput & { to?: number }): Promise<UpResult> {
  const { files, session } = await open(ctx, input);
  const base = { target: session.label, dir: input.dir, to: input.to, settings: settingsReport(input), applied: [], plan: [] };
  try {
    if (input.dryRun) {
      const applied = await readApplied(session.client);
      const drift = detectDrift(files, applied);
      const pending = pendingMigrations(files, applied, input.to);
      const refused = drift.length > 0 && !input.allowDrift;
      return {
        ...base,
        status: refused ? 'refused' : 'dry-run',
        plan: refused ? [] : pending.map((f) => planOf(f, 'up')),
        remaining: pendingMigrations(files, applied).length,
        drift,
        lint: lintPending(pending, input.lockTimeoutMs),
      };
    }
    return await withLock(ctx, session, input.lockTimeoutMs, async (lockWaitMs) => {
      await ensureDbopsSchema(session.client);
      const applied = await readApplied(session.client);
      const drift = detectDrift(files, applied);
      const pending = pendingMigrations(files, applied, input.to);
      const lint = lintPending(pending, input.lockTimeoutMs);
      if (drift.length > 0 && !input.allowDrift) {
        return { ...base, status: 'refused' as const, remaining: pendingMigrations(files, applied).length, drift, lint, lockWaitMs };
      }
      for (const w of lint) ctx.out.warn(`${w.file}:${w.line} [${w.rule}] ${w.message}`);
      const ran = await runAll(ctx, session, pending.map(upUnit), runSettings(input), 'applied');
      const done = new Set([...applied.map((a) => a.version), ...ran.map((r) => r.version)]);
      return {
        ...base,
        status: ran.length > 0 ? ('applied' as const) : ('up-to-date' as const),
        applied: ran,
        remaining: files.filter((f) => !done.has(f.version)).length,
        drift,
        lint,
        lockWaitMs,
      };
    });
  } finally {
    await session.close();
  }
}

function sameVersions(a: readonly { applied: AppliedMigration }[], b: readonly { applied: AppliedMigration }[]): boolean {
  return a.length === b.length && a.every((x, i) => x.applied.version === b[i]!.applied.version);
}

async function downImpl(ctx: Context, input: MigrateRunInput & { steps: number }): Promise<DownResult> {
  const { files, session } = await open(ctx, input);
  const base = { target: session.label, dir: input.dir, settings: settingsReport(input), reverted: [], plan: [] };
  try {
    const before = await readApplied(session.client);
    const drift = detectDrift(files, before);
    if (drift.length > 0 && !input.allowDrift) return { ...base, status: 'refused', drift };
    const steps = planDown(files, before, input.steps);
    const plan = steps.map((st) => planOf(st.file, 'down'));
    if (input.dryRun) return { ...base, status: 'dry-run', plan, drift };
    const names = steps.map((st) => st.file.file).join(', ');
    if (!(await ctx.prompt.confirm(`Revert ${steps.length} migration${steps.length === 1 ? '' : 's'} on ${session.label} (${names}) with their .down.sql files?`))) {
      return { ...base, status: 'cancelled', plan, drift };
    }
    return await withLock(ctx, session, input.lockTimeoutMs, async () => {
      const now = planDown(files, await readApplied(session.client), input.steps);
      if (!sameVersions(now, steps)) {
        throw new ConflictError(`The migration history of ${session.label} changed while waiting; nothing was reverted.`, {
          hint: 'Run `dbops migrate status` and try again.',
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
      const reverted = await runAll(ctx, session, units, runSettings(input), 'reverted');
      return { ...base, status: 'reverted' as const, reverted, plan, drift };
    });
  } finally {
    await session.close();
  }
}

async function baselineImpl(ctx: Context, input: MigrateRunInput & { version: number }): Promise<BaselineResult> {
  const { files, session } = await open(ctx, input);
  const base = { target: session.label, dir: input.dir, version: input.version };
  const mark = (fs: MigrationFile[]) => fs.map((f) => ({ version: f.version, name: f.name, file: f.file }));
  try {
    if (input.dryRun) {
      return { ...base, status: 'dry-run', marked: mark(planBaseline(files, await readApplied(session.client), input.version)) };
    }
    return await withLock(ctx, session, input.lockTimeoutMs, async () => {
      await ensureDbopsSchema(session.client);
      const toMark = planBaseline(files, await readApplied(session.client), input.version);
      if (toMark.length === 0) return { ...base, status: 'up-to-date' as const, marked: [] };
      const host = input.hostname ?? osHostname();
      const c = session.client;
      const inserts = toMark.map((f) => recordSql(c, { version: f.version, name: f.name, checksum: f.checksum, durationMs: 0, hostname: host, kind: 'baseline' }));
      await c.query(`BEGIN; ${inserts.join('; ')}; COMMIT`).catch(async (e: unknown) => {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      });
      return { ...base, status: 'baselined' as const, marked: mark(toMark) };
    });
  } finally {
    await session.close();
  }
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
