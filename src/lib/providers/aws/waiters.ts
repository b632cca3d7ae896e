/**
 * Waits on the SDK's waiter machinery (`createWaiter`: exponential back-off with jitter,
 * max wait time, abort signal) with dbops' own acceptor, which reports progress on every
 * poll and knows which statuses will never reach the target.
 */
import { createWaiter, WaiterState, type WaiterResult } from '@smithy/util-waiter';
import { EnvironmentError, Interrupted, UsageError } from '../../errors.js';
import { formatDuration } from '../../output/format.js';
import type { WaitOptions } from '../types.js';

/** Statuses from which an RDS instance will not become available by itself. */
export const INSTANCE_FAILURE_STATES: ReadonlySet<string> = new Set([
  'failed',
  'deleting',
  'deleted',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-credentials',
  'storage-full',
  'inaccessible-encryption-credentials',
]);

/** Statuses from which an RDS snapshot will not become available by itself. */
export const SNAPSHOT_FAILURE_STATES: ReadonlySet<string> = new Set([
  'failed',
  'deleting',
  'deleted',
  'incompatible-restore',
  'incompatible-parameters',
]);

/** Back-off bounds in seconds; production uses the defaults, tests tiny ones. */
export interface PollDelays {
  minDelaySeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_POLL_DELAYS: PollDelays = { minDelaySeconds: 15, maxDelaySeconds: 60 };

/** What is waited for, and how to look at it once. */
export interface WaitSubject<T> {
  /** For messages: "DB instance db-1 in us-east-2". */
  what: string;
  target: 'available' | 'deleted';
  /** One look: the resource as it is now, or undefined when it does not exist. */
  poll(): Promise<T | undefined>;
  statusOf(resource: T): string;
  /** Extra progress text, e.g. "42%". */
  detailOf?(resource: T): string | undefined;
  failureStates: ReadonlySet<string>;
}

type Verdict<T> = { state: WaiterState; reason?: T | undefined; status: string };

/** The acceptor's decision for one observation. Pure. */
export function judge<T>(subject: WaitSubject<T>, current: T | undefined): Verdict<T> {
  if (current === undefined) {
    return { state: subject.target === 'deleted' ? WaiterState.SUCCESS : WaiterState.FAILURE, status: 'deleted' };
  }
  const status = subject.statusOf(current);
  if (subject.target === 'available' && status === 'available') return { state: WaiterState.SUCCESS, reason: current, status };
  if (subject.target === 'available' && subject.failureStates.has(status)) {
    return { state: WaiterState.FAILURE, reason: current, status };
  }
  return { state: WaiterState.RETRY, reason: current, status };
}

/** createWaiter rejects maxWaitTime <= minDelay; short waits poll faster instead. */
function delaysFor(maxWaitSeconds: number, delays: PollDelays): { minDelay: number; maxDelay: number } {
  const minDelay = Math.min(delays.minDelaySeconds, maxWaitSeconds / 2);
  const maxDelay = Math.max(minDelay, Math.min(delays.maxDelaySeconds, maxWaitSeconds));
  return { minDelay, maxDelay };
}

function interrupted(signal: AbortSignal | undefined): Interrupted {
  const reason: unknown = signal?.reason;
  return new Interrupted(typeof reason === 'string' ? reason : 'SIGINT');
}

/**
 * Polls until the subject reaches its target. Returns the resource (available) or
 * undefined (deleted). Throws EnvironmentError on a failure state or timeout, and
 * Interrupted when the signal aborts.
 */
export async function waitFor<T>(subject: WaitSubject<T>, opts: WaitOptions, delays: PollDelays): Promise<T | undefined> {
  if (!(opts.maxWaitSeconds > 0)) throw new UsageError(`maxWaitSeconds must be positive (got ${opts.maxWaitSeconds}).`);
  if (opts.signal?.aborted) throw interrupted(opts.signal);
  const started = Date.now();
  let lastStatus = 'unknown';
  const acceptor = async (): Promise<WaiterResult<T | undefined>> => {
    const current = await subject.poll();
    const verdict = judge(subject, current);
    lastStatus = verdict.status;
    const detail = current === undefined ? undefined : subject.detailOf?.(current);
    opts.onProgress?.(verdict.status, Date.now() - started, detail);
    return { state: verdict.state, reason: verdict.reason };
  };
  const result = await createWaiter<undefined, undefined, T | undefined>(
    { client: undefined, maxWaitTime: opts.maxWaitSeconds, abortSignal: opts.signal, ...delaysFor(opts.maxWaitSeconds, delays) },
    undefined,
    acceptor,
  );
  return outcome(subject, result, { opts, lastStatus });
}

function outcome<T>(
  subject: WaitSubject<T>,
  result: WaiterResult<T | undefined>,
  run: { opts: WaitOptions; lastStatus: string },
): T | undefined {
  switch (result.state) {
    case WaiterState.SUCCESS:
      return result.final;
    case WaiterState.ABORTED:
      throw interrupted(run.opts.signal);
    case WaiterState.TIMEOUT:
      throw new EnvironmentError(
        `Gave up waiting for ${subject.what} to become ${subject.target} after ${formatDuration(run.opts.maxWaitSeconds * 1000)} (last status: ${run.lastStatus}).`,
        { hint: 'It may still get there: check again later, or increase aws.maxWaitMinutes in the config.' },
      );
    default:
      throw new EnvironmentError(
        run.lastStatus === 'deleted'
          ? `${capitalise(subject.what)} disappeared while waiting for it to become ${subject.target}.`
          : `${capitalise(subject.what)} is ${run.lastStatus}; it will not become ${subject.target}.`,
        { hint: 'Look at its events in the RDS console (or `aws rds describe-events`) to see why.' },
      );
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
