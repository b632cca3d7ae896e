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
import { ConflictError, Interrupted } from '../errors.js';
import type { TargetInput } from '../db/target.js';
import { describeDuration } from '../duration.js';
import { seeAnchor } from '../runbook/findings.js';
import { type RunbookDef, type RunbookRun, type RunReport, runRunbook, type StepHandle } from '../runbook/runner.js';
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
import { MIGRATE_BASELINE, MIGRATE_DOWN, MIGRATE_UP } from './runbooks.js';
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

function lintPending(pending: readonly MigrationFile[], lockTimeoutMs: number): LintWarning[] {
  return lintMigrations(
    pending.map((f) => ({ file: f.file, sql: f.sql })),
    { lockTimeoutMs },
  );
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
  const files = await loadMigrations(input.dir);
  const session = await openSession(ctx, input.target);
  return { files, session };
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
  const which =
    done.length > 0 ? `${done.map((d) => d.file).join(', ')} ${done.length === 1 ? 'was' : 'were'} ${verb}` : `nothing was ${verb}`;
  return new Interrupted(String(ctx.signal.reason ?? 'SIGINT'), {
    hint: `${which}; the migration in flight was rolled back. Run \`dbops migrate status\` to see where it stopped.`,
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
    if (ctx.signal.aborted) throw interrupted(ctx, done, verb);
    const up = unit.direction === 'up';
    step.update(unit.file);
    ctx.out.info(`… ${up ? 'Applying' : 'Reverting with'} ${unit.file}${unit.noTransaction ? ' (no transaction)' : ''}`);
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => {
      if (n.message) notices.push(n.message);
    };
    session.client.on('notice', onNotice);
    try {
      const durationMs = await runUnit(session.client, unit, s, { earlier: done.length });
      ctx.out.info(`✔ ${up ? 'Applied' : 'Reverted with'} ${unit.file} in ${durationMs}ms`);
      done.push({ version: unit.version, name: unit.name, file: unit.file, noTransaction: unit.noTransaction, durationMs, notices });
    } catch (e) {
      ctx.out.info(`✖ ${unit.file} failed`);
      if (ctx.signal.aborted) throw interrupted(ctx, done, verb);
      throw e;
    } finally {
      session.client.off('notice', onNotice);
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
            const found = await loadMigrations(input.dir);
            s.detail(`${found.length} migration file${found.length === 1 ? '' : 's'} in ${input.dir}`);
            return found;
          });
          const opened = await step('MG-2', 'the connection', async (s) => {
            session = await openSession(ctx, input.target);
            s.detail(session.label);
            return session;
          });
          return { files, session: opened };
        },
        lock(sess) {
          return step('MG-4', 'the migration lock', async (s) => {
            const { waitedMs } = await acquireMigrationLock(sess.client, {
              timeoutMs: input.lockTimeoutMs,
              label: sess.label,
              signal: ctx.signal,
              onWait: (h) =>
                ctx.out.info(
                  `Waiting for the dbops migration lock on ${sess.label}, held by ${describeHolder(h)} (up to ${describeDuration(input.lockTimeoutMs)})…`,
                ),
            });
            locked = true;
            await ensureDbopsSchema(sess.client);
            const applied = await readApplied(sess.client);
            s.detail(`held${waitedMs > 0 ? ` after waiting ${describeDuration(waitedMs)}` : ''}; ${applied.length} applied`);
            return { waitedMs, applied };
          });
        },
      });
    });
    return { ...value, report };
  } finally {
    if (session && locked) await releaseMigrationLock(session.client).catch(() => undefined);
    await session?.close();
  }
}

/** MG-3: the history before the lock, and what it means for this run. */
function compare(m: MigrateRun, session: Session, files: readonly MigrationFile[], to?: number) {
  return m.step('MG-3', 'reading the migration history', async (s) => {
    const applied = await readApplied(session.client);
    const drift = detectDrift(files, applied);
    const pending = pendingMigrations(files, applied, to);
    s.detail(`${applied.length} applied, ${pending.length} pending, ${drift.length === 0 ? 'no drift' : `${drift.length} drift`}`);
    return { applied, drift, pending };
  });
}

function skipRest(m: MigrateRun, ids: readonly string[], why: string): void {
  for (const id of ids) m.run.skip(id, why);
}

async function upImpl(ctx: Context, input: MigrateRunInput & { to?: number }): Promise<UpResult> {
  return migrateRun(ctx, MIGRATE_UP, input, async (m): Promise<Omit<UpResult, 'report'>> => {
    const { files, session } = await m.open();
    const base = { target: session.label, dir: input.dir, to: input.to, settings: settingsReport(input), applied: [], plan: [] };
    const before = await compare(m, session, files, input.to);
    const refusedBefore = before.drift.length > 0 && !input.allowDrift;
    if (input.dryRun || refusedBefore) {
      skipRest(m, ['MG-4', 'MG-5'], refusedBefore ? 'refused: drift' : 'dry run');
      return {
        ...base,
        status: refusedBefore ? 'refused' : 'dry-run',
        plan: refusedBefore ? [] : before.pending.map((f) => planOf(f, 'up')),
        remaining: pendingMigrations(files, before.applied).length,
        drift: before.drift,
        lint: lintPending(before.pending, input.lockTimeoutMs),
      };
    }
    const { waitedMs: lockWaitMs, applied } = await m.lock(session);
    const drift = detectDrift(files, applied);
    const pending = pendingMigrations(files, applied, input.to);
    const lint = lintPending(pending, input.lockTimeoutMs);
    if (drift.length > 0 && !input.allowDrift) {
      m.run.skip('MG-5', 'refused: drift');
      return { ...base, status: 'refused', remaining: pendingMigrations(files, applied).length, drift, lint, lockWaitMs };
    }
    for (const w of lint) ctx.out.warn(`${w.file}:${w.line} [${w.rule}] ${w.message} ${seeAnchor(w.runbook)}`);
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
      const before = await readApplied(session.client);
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
      const toMark = planBaseline(files, await readApplied(session.client), input.version);
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
      const c = session.client;
      const inserts = toMark.map((f) =>
        recordSql(c, { version: f.version, name: f.name, checksum: f.checksum, durationMs: 0, hostname: host, kind: 'baseline' }),
      );
      await c.query(`BEGIN; ${inserts.join('; ')}; COMMIT`).catch(async (e: unknown) => {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      });
      s.detail(`marked ${toMark.map((f) => f.file).join(', ')}`);
    });
    return { ...base, status: 'baselined', marked: mark(toMark) };
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
