/**
 * What every step that runs a PostgreSQL binary needs: where the binaries are, whom to
 * run them as, and the environment. Built once per provider (lazily) and shared by
 * the cluster and snapshot modules.
 */
import type { PgBinaries, PgTool } from './binaries.js';
import type { MariaDbBinaries, MariaDbBinary } from './mariadb-binaries.js';
import { run, runUnchecked, type RunOptions, type RunResult } from './process.js';
import type { RunAs } from './process.js';

export interface Toolbox {
  bins: PgBinaries;
  /** Set when dbops runs as root: server binaries run as this user. */
  runAs?: RunAs;
  env: Record<string, string | undefined>;
}

type StepOptions = Omit<RunOptions, 'env' | 'runAs' | 'step'>;

/** Runs a PostgreSQL binary as the run-as user; failures name the step. */
export function pgRun(tb: Toolbox, bin: PgTool, args: string[], step: string, extra: StepOptions = {}): Promise<RunResult> {
  return run(tb.bins.path(bin), args, { step, env: tb.env, runAs: tb.runAs, ...extra });
}

/** pgRun that returns a failed run instead of throwing. */
export function pgRunUnchecked(tb: Toolbox, bin: PgTool, args: string[], step: string, extra: StepOptions = {}): Promise<RunResult> {
  return runUnchecked(tb.bins.path(bin), args, { step, env: tb.env, runAs: tb.runAs, ...extra });
}

/** Runs a system tool (tar) as the run-as user, so what it writes belongs to that user. */
export function toolRunUnchecked(tb: Toolbox, file: string, args: string[], step: string, extra: StepOptions = {}): Promise<RunResult> {
  return runUnchecked(file, args, { step, env: tb.env, runAs: tb.runAs, ...extra });
}

/** The Toolbox of mysql instances: MariaDB's binaries and the OS user they run as (`mysql` when dbops is root). */
export interface MariaToolbox {
  bins: MariaDbBinaries;
  runAs?: RunAs;
  env: Record<string, string | undefined>;
}

/** Runs a MariaDB binary as the run-as user; failures name the step. */
export function mariaRun(tb: MariaToolbox, bin: MariaDbBinary, args: string[], step: string, extra: StepOptions = {}): Promise<RunResult> {
  return run(tb.bins.path(bin), args, { step, env: tb.env, runAs: tb.runAs, ...extra });
}

/** mariaRun that returns a failed run instead of throwing. */
export function mariaRunUnchecked(
  tb: MariaToolbox,
  bin: MariaDbBinary,
  args: string[],
  step: string,
  extra: StepOptions = {},
): Promise<RunResult> {
  return runUnchecked(tb.bins.path(bin), args, { step, env: tb.env, runAs: tb.runAs, ...extra });
}
