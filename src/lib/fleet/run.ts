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
import { type FleetMember, type FleetProblem, type FleetRequest, mapLimited, memberConfig, selectFleet } from './select.js';

export type Verdict = 'ok' | 'failed' | 'error' | 'interrupted' | 'skipped';

/** What one database's work returns: its verdict, the key figure for the summary, and its full result. */
export interface MemberOutcome<R> {
  verdict: 'ok' | 'failed';
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
  /** The provider of another region of the same account (DR copies). */
  providerIn(region: string): Promise<Provider>;
}

export interface FleetRunOptions<R> {
  command: string;
  concurrency?: number;
  reportDir?: string;
  /** The human rendering of one database's full result, for its report file. */
  renderReport?: (result: R) => string;
}

export async function runOverFleet<R>(
  ctx: Context,
  request: FleetRequest,
  work: (w: MemberWork) => Promise<MemberOutcome<R>>,
  options: FleetRunOptions<R>,
): Promise<FleetRunResult<R>> {
  const providers = fleetProviders(ctx);
  const concurrency = options.concurrency ?? ctx.config.fleet?.concurrency ?? 4;
  const sel = await selectFleet(ctx.config, request, providers.discover, { concurrency });
  // Every database's work settles (its cleanup included) before the run ends, even after Ctrl-C.
  let interrupted: Interrupted | undefined;
  const rows = await mapLimited(sel.members, concurrency, async (member): Promise<FleetRow<R>> => {
    const row = {
      account: member.account.label,
      ...(member.account.id ? { accountId: member.account.id } : {}),
      region: member.region,
      id: member.id,
    };
    if (ctx.signal.aborted) return { ...row, verdict: 'skipped', figure: 'not started: interrupted' };
    try {
      const provider = await providers.providerFor(member.account, member.region);
      const outcome = await work({
        member,
        config: memberConfig(ctx.config, member),
        provider,
        providerIn: (region) => providers.providerFor(member.account, region),
      });
      return { ...row, verdict: outcome.verdict, figure: outcome.figure, result: outcome.result };
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
    provider: sel.provider,
    accounts: sel.accounts.map((a) => a.label),
    regions: sel.regions,
    rows,
    problems: sel.problems,
    ...worstOf(rows, sel.problems),
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
