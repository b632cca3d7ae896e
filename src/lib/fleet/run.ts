/**
 * One command over a fleet: the selection, then each database's work `concurrency` at a
 * time with its own config (the member's overrides) and its account's provider in its
 * region. One database that fails is reported and the rest go on; Ctrl-C stops handing
 * out work, and each database's own cleanup runs as it would alone. The result is one
 * summary row per database, each database's full result, and the worst exit code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DbopsConfig } from '../config/schema.js';
import type { Context } from '../context.js';
import { ExitCode, Interrupted, isDbopsError, messageOf } from '../errors.js';
import { awsCallsSoFar } from '../providers/index.js';
import type { Provider } from '../providers/types.js';
import { plural } from '../output/format.js';
import { redact } from '../secret.js';
import { fleetProviders } from './discover.js';
import { prefixedOutput } from './output.js';
import {
  type FleetAccount,
  type FleetMember,
  type FleetProblem,
  type FleetRequest,
  type FleetSelection,
  mapLimited,
  memberConfig,
  selectFleet,
} from './select.js';

export type Verdict = 'ok' | 'failed' | 'error' | 'interrupted' | 'skipped';

/** What one database's work returns: its verdict, the key figure for the summary, and its full result. */
export interface MemberOutcome<R> {
  /** error: the work ran but part of it could not be done (a deletion failed): exit 3, with `error`. */
  verdict: 'ok' | 'failed' | 'error';
  error?: { message: string; hint?: string };
  /** The key figure: restore time, data-loss window, violations, findings. */
  figure: string;
  result: R;
}

export interface FleetRow<R> {
  account: string;
  accountId?: string;
  region: string;
  id: string;
  verdict: Verdict;
  figure: string;
  result?: R;
  error?: { message: string; hint?: string; exitCode: number };
  /** Where --report-dir put this database's full report. */
  reportFile?: string;
}

export interface FleetRunResult<R> {
  command: string;
  provider: DbopsConfig['provider'];
  /** What a row is: a database (most commands), an account (free-tier-report), an account's region (gc). */
  unit: 'database' | 'account' | 'region';
  accounts: string[];
  regions: string[];
  rows: FleetRow<R>[];
  /** Accounts and regions that could not be listed, named databases that do not exist. */
  problems: FleetProblem[];
  /** 0 all passed · 1 a check failed · 3 a database (or an account, a region) could not be processed · 130 interrupted. */
  exitCode: number;
  /** Which databases made the exit code, in one sentence. */
  verdict: string;
  /** --verbose on AWS: the calls made, by operation. */
  awsCalls?: { total: number; byOperation: Record<string, number> };
  /** Ctrl-C, SIGTERM or SIGHUP stopped the run: every started database cleaned up; rethrow it after rendering. */
  interrupted?: Interrupted;
}

/** What a member's work gets: its config (overrides applied), its provider, and the run's. */
export interface MemberWork {
  member: FleetMember;
  config: DbopsConfig;
  provider: Provider;
  /** The member's own context: its config, its account's provider in its region, its output prefixed with its id. */
  ctx: Context;
  /** The provider of another region of the same account (DR copies). */
  providerIn(region: string): Promise<Provider>;
  /** Every member of the run (batched reads: one call for all the members of an account and region). */
  peers: readonly FleetMember[];
}

/** What a fleet run works on when it is not a database: an account (free tier) or an account's region (gc). */
export interface FleetUnit {
  account: FleetAccount;
  region: string;
  /** How the row names it. */
  id: string;
}

export interface FleetRunOptions<R> {
  command: string;
  concurrency?: number;
  reportDir?: string;
  /** The human rendering of one database's full result, for its report file. */
  renderReport?: (result: R) => string;
  /**
   * Mutating commands: asked once the selection is known, before any work (the question
   * says how many databases); throws to refuse (off a terminal without --yes) or cancel.
   */
  confirm?: (members: readonly FleetMember[]) => Promise<void>;
}

/** The concurrency of a run: --concurrency, else fleet.concurrency, else 4. */
export function concurrencyOf(ctx: Context, given: number | undefined): number {
  return given ?? ctx.config.fleet?.concurrency ?? 4;
}

export async function runOverFleet<R>(
  ctx: Context,
  request: FleetRequest,
  work: (w: MemberWork) => Promise<MemberOutcome<R>>,
  options: FleetRunOptions<R>,
): Promise<FleetRunResult<R>> {
  const providers = fleetProviders(ctx);
  const concurrency = concurrencyOf(ctx, options.concurrency);
  const sel = await selectFleet(ctx.config, request, providers.discover, { concurrency });
  if (options.confirm) await options.confirm(sel.members);
  return runUnits(ctx, { ...sel, unit: 'database' }, sel.members, options, async (member) => {
    const provider = await providers.providerFor(member.account, member.region);
    const config = memberConfig(ctx.config, member);
    return work({
      member,
      config,
      provider,
      ctx: { ...ctx, config, provider: async () => provider, out: prefixedOutput(ctx.out, member.id) },
      providerIn: (region) => providers.providerFor(member.account, region),
      peers: sel.members,
    });
  });
}

/** A fleet run over accounts (free tier) or accounts' regions (gc) rather than databases. */
export async function runOverUnits<U extends FleetUnit, R>(
  ctx: Context,
  scope: Pick<FleetSelection, 'provider' | 'accounts' | 'regions'> & { problems?: FleetProblem[]; unit: FleetRunResult<R>['unit'] },
  units: U[],
  work: (unit: U, unitCtx: Context) => Promise<MemberOutcome<R>>,
  options: FleetRunOptions<R>,
): Promise<FleetRunResult<R>> {
  return runUnits(ctx, { problems: [], ...scope }, units, options, (unit) =>
    work(unit, { ...ctx, out: prefixedOutput(ctx.out, scope.unit === 'account' ? unit.id : `${unit.id}/${unit.region}`) }),
  );
}

/**
 * The core: each unit's work `concurrency` at a time; one that fails is a row (the rest go
 * on); Ctrl-C stops handing out work and lets started ones clean up; then the reports,
 * the worst exit code and, with --verbose, the AWS calls.
 */
async function runUnits<U extends FleetUnit, R>(
  ctx: Context,
  scope: Pick<FleetSelection, 'provider' | 'accounts' | 'regions' | 'problems'> & { unit: FleetRunResult<R>['unit'] },
  units: U[],
  options: FleetRunOptions<R>,
  work: (unit: U) => Promise<MemberOutcome<R>>,
): Promise<FleetRunResult<R>> {
  const concurrency = concurrencyOf(ctx, options.concurrency);
  // Every unit's work settles (its cleanup included) before the run ends, even after Ctrl-C.
  let interrupted: Interrupted | undefined;
  const rows = await mapLimited(units, concurrency, async (unit): Promise<FleetRow<R>> => {
    const row = {
      account: unit.account.label,
      ...(unit.account.id ? { accountId: unit.account.id } : {}),
      region: unit.region,
      id: unit.id,
    };
    if (ctx.signal.aborted) return { ...row, verdict: 'skipped', figure: 'not started: interrupted' };
    try {
      const outcome = await work(unit);
      return {
        ...row,
        verdict: outcome.verdict,
        figure: outcome.figure,
        result: outcome.result,
        ...(outcome.error ? { error: { ...outcome.error, exitCode: ExitCode.environment } } : {}),
      };
    } catch (e) {
      if (e instanceof Interrupted) {
        interrupted ??= e;
        return { ...row, verdict: 'interrupted', figure: 'interrupted; its cleanup ran' };
      }
      const exitCode = isDbopsError(e) ? e.exitCode : ExitCode.internal;
      const hint = isDbopsError(e) ? e.hint : undefined;
      return {
        ...row,
        verdict: 'error',
        figure: 'could not be processed',
        error: { message: redact(messageOf(e)), ...(hint ? { hint } : {}), exitCode },
      };
    }
  });
  if (!interrupted && ctx.signal.aborted)
    interrupted = new Interrupted(typeof ctx.signal.reason === 'string' ? ctx.signal.reason : 'SIGINT');
  if (options.reportDir) await writeReports(rows, options.reportDir, options.renderReport);
  const result: FleetRunResult<R> = {
    command: options.command,
    provider: scope.provider,
    unit: scope.unit,
    accounts: scope.accounts.map((a) => a.label),
    regions: scope.regions,
    rows,
    problems: scope.problems,
    ...worstOf(rows, scope.problems),
    ...(interrupted ? { interrupted } : {}),
  };
  if (ctx.flags.verbose) {
    const calls = await awsCallsSoFar(ctx.config);
    if (calls) result.awsCalls = calls;
  }
  return result;
}

/** The exit code is the worst of the fleet: 130 when interrupted, 3 when any database (or account, region) could not be processed, else 1 when any check failed. Pure. */
export function worstOf(
  rows: Pick<FleetRow<unknown>, 'id' | 'region' | 'verdict'>[],
  problems: FleetProblem[],
): { exitCode: number; verdict: string } {
  const errors = rows.filter((r) => r.verdict === 'error');
  const failed = rows.filter((r) => r.verdict === 'failed');
  const names = (rs: typeof rows) => rs.map((r) => `${r.id} (${r.region})`).join(', ');
  const stopped = rows.filter((r) => r.verdict === 'interrupted');
  const skipped = rows.filter((r) => r.verdict === 'skipped');
  if (stopped.length > 0 || skipped.length > 0) {
    // Interrupted: never "all passed"; say what finished, what stopped (its cleanup ran) and what never started.
    const finished = rows.length - stopped.length - skipped.length;
    const parts = [
      `${finished} of ${rows.length} finished`,
      ...(stopped.length ? [`${names(stopped)} interrupted (cleanup ran)`] : []),
      ...(skipped.length ? [`${plural(skipped.length, 'database')} not started`] : []),
      ...(errors.length ? [`${names(errors)} could not be processed`] : []),
      ...(failed.length ? [`${names(failed)} failed`] : []),
    ];
    return { exitCode: ExitCode.interrupted, verdict: `Interrupted: ${parts.join('; ')}.` };
  }
  if (errors.length > 0 || problems.length > 0) {
    const parts = [
      ...(errors.length ? [`${names(errors)} could not be processed`] : []),
      ...(problems.length ? [`${problems.length} account/region problem${problems.length > 1 ? 's' : ''}`] : []),
      ...(failed.length ? [`${names(failed)} failed`] : []),
    ];
    return { exitCode: ExitCode.environment, verdict: `${parts.join('; ')}.` };
  }
  if (failed.length > 0) return { exitCode: ExitCode.checksFailed, verdict: `${names(failed)} failed; the rest passed.` };
  return { exitCode: ExitCode.ok, verdict: `all ${rows.length} passed.` };
}

/** One JSON file and one text rendering per database, named <account>-<region>-<id>. */
async function writeReports<R>(rows: FleetRow<R>[], dir: string, render?: (result: R) => string): Promise<void> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  for (const row of rows) {
    if (row.verdict === 'skipped') continue;
    const base = join(root, `${row.account}-${row.region}-${row.id}`.replace(/[^\w.-]/g, '_'));
    const body = row.result ?? { error: row.error };
    await writeFile(`${base}.json`, `${redact(JSON.stringify(body, null, 2))}\n`, 'utf8');
    if (render && row.result !== undefined) await writeFile(`${base}.txt`, `${redact(render(row.result))}\n`, 'utf8');
    row.reportFile = `${base}.json`;
  }
}
