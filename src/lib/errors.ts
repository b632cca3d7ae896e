/**
 * The dbops error family. Every failure a user can cause or meet is one of these,
 * carrying one clear sentence (`message`), a `hint` saying what to do next, and the
 * exit code the CLI maps it to in one place (src/cli.ts). Lib code throws these and
 * never calls process.exit.
 */

import type { Applied } from './provision/plan-types.js';
import type { RunReport } from './runbook/runner.js';

/** Exit codes, documented in the README and `dbops help`. */
export const ExitCode = {
  ok: 0,
  checksFailed: 1,
  usage: 2,
  environment: 3,
  threshold: 4,
  internal: 5,
  /** SIGHUP: the terminal or SSH session went away; cleanup ran. */
  hangup: 129,
  /** SIGINT (Ctrl-C) or SIGTERM; cleanup ran. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Why a provider call failed, in dbops' words. Each adapter translates its cloud's (or
 * server's) codes into these, so domain code decides on a kind, never on an AWS error code.
 */
export type PortErrorKind =
  /** The named resource does not exist. */
  | 'not-found'
  /** A resource with that name exists already. */
  | 'already-exists'
  /** The resource exists but its current state refuses the call (e.g. an instance still being modified). */
  | 'state-conflict'
  /** Something else still uses the resource. */
  | 'in-use'
  /** The cloud kept throttling the call, retries included. */
  | 'throttled'
  /** The credentials lack the permission. */
  | 'access-denied'
  /** No credentials, or credentials the cloud rejects. */
  | 'bad-credentials'
  /** An account quota is reached. */
  | 'quota-exceeded'
  /** The endpoint cannot be reached. */
  | 'unreachable'
  /** The endpoint does not implement the call, or answers something that is not the cloud's API (an emulator, a proxy page). */
  | 'unsupported';

export interface DbopsErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Runbook step id the failure happened in, e.g. "RT-3". */
  step?: string;
  /** The report of the runbook run the failure ended (the CLI renders it with the error). */
  report?: RunReport;
  /** What a provisioning apply changed before it failed. */
  applied?: readonly Applied[];
  /** Extra structured detail for --json output. */
  details?: Record<string, unknown>;
  /** Set by a provider adapter: why the call failed, for domain code to decide on. */
  kind?: PortErrorKind;
}

export class DbopsError extends Error {
  readonly hint?: string;
  readonly details?: Record<string, unknown>;
  readonly kind?: PortErrorKind;
  #step?: string;
  #report?: RunReport;
  #applied?: readonly Applied[];
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCodeValue,
    options: DbopsErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.#step = options.step;
    this.#report = options.report;
    this.#applied = options.applied;
    this.details = options.details;
    this.kind = options.kind;
  }

  get step(): string | undefined {
    return this.#step;
  }

  get report(): RunReport | undefined {
    return this.#report;
  }

  get applied(): readonly Applied[] | undefined {
    return this.#applied;
  }

  /**
   * Records where the failure sits in a run: the step it happened in (kept when already
   * set), the report of the run it ended, what an apply changed before it. Only the
   * runbook runner and provisioning apply call this, as the error leaves them; everything
   * else reads the typed fields.
   */
  inRun(facts: Pick<DbopsErrorOptions, 'step' | 'report' | 'applied'>): this {
    this.#step ??= facts.step;
    if (facts.report) this.#report = facts.report;
    if (facts.applied) this.#applied = facts.applied;
    return this;
  }
}

/** A DbopsError subclass with a fixed code and exit code; its name is the subclass's own. */
function errorOfKind(code: string, exitCode: ExitCodeValue) {
  return class extends DbopsError {
    constructor(message: string, options?: DbopsErrorOptions) {
      super(code, message, exitCode, options);
    }
  };
}

/** Wrong command, option or argument. Exit 2. */
export class UsageError extends errorOfKind('usage', ExitCode.usage) {}

/** The configuration (file, env or flags) is invalid. Exit 2. */
export class ConfigError extends errorOfKind('config', ExitCode.usage) {}

/** A resource named by the user does not exist. Exit 2 (it is the input that is wrong). */
export class NotFoundError extends errorOfKind('not-found', ExitCode.usage) {}

/** A resource with that name already exists. Exit 2. */
export class ConflictError extends errorOfKind('conflict', ExitCode.usage) {}

/** The machine, network or cloud is not as needed (credentials, binaries, ports, AWS errors). Exit 3. */
export class EnvironmentError extends errorOfKind('environment', ExitCode.environment) {}

/** A check ran and failed (restore test, audit, policy). Exit 1. */
export class CheckFailed extends errorOfKind('check-failed', ExitCode.checksFailed) {}

/** A threshold was crossed (free tier, budget). Exit 4. */
export class ThresholdExceeded extends errorOfKind('threshold', ExitCode.threshold) {}

/**
 * Anything that is not a dbops error (a bug), once a runbook step or run has met it: the
 * original stays in `cause`; the CLI says "Internal error: <message>" and exits 5.
 */
export class InternalError extends DbopsError {
  constructor(cause: unknown, options: Omit<DbopsErrorOptions, 'cause'> = {}) {
    super('internal', messageOf(cause), ExitCode.internal, { ...options, cause });
  }
}

/** A dbops error for anything thrown: dbops errors as they are, anything else as an InternalError. */
export function asDbopsError(e: unknown): DbopsError {
  return isDbopsError(e) ? e : new InternalError(e);
}

/** The user interrupted (Ctrl-C, SIGTERM: exit 130) or the session hung up (SIGHUP: exit 129). */
export class Interrupted extends DbopsError {
  constructor(signal = 'SIGINT', options?: DbopsErrorOptions) {
    super('interrupted', `Interrupted by ${signal}.`, signal === 'SIGHUP' ? ExitCode.hangup : ExitCode.interrupted, options);
  }
}

export function isDbopsError(e: unknown): e is DbopsError {
  return e instanceof DbopsError;
}

/** A dbops error a provider adapter marked with one of these kinds. */
export function isPortError(e: unknown, ...kinds: PortErrorKind[]): e is DbopsError & { kind: PortErrorKind } {
  return e instanceof DbopsError && e.kind !== undefined && kinds.includes(e.kind);
}

/** Best-effort message of anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
