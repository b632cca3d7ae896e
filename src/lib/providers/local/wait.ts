/**
 * Waits on the local provider. Operations finish before they return, so a wait usually
 * resolves on the first look; it still polls (another dbops process may be mid-way),
 * reports progress at least once, and honours maxWaitSeconds and the abort signal.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EnvironmentError, Interrupted } from '../../errors.js';
import type { WaitOptions } from '../types.js';

/** What one look found: finished (with a value), still going, or never going to finish. */
export type Look<T> = { status: string; done: true; value: T | undefined } | { status: string; done: false; fatal?: Error };

const POLL_MS = 500;

export async function waitUntil<T>(
  what: string,
  look: () => Promise<Look<T>>,
  opts: WaitOptions,
  pollMs = POLL_MS,
): Promise<T | undefined> {
  const started = Date.now();
  for (;;) {
    if (opts.signal?.aborted) throw new Interrupted();
    const seen = await look();
    const elapsed = Date.now() - started;
    opts.onProgress?.(seen.status, elapsed);
    if (seen.done) return seen.value;
    if (seen.fatal) throw seen.fatal;
    if (elapsed >= opts.maxWaitSeconds * 1000) {
      throw new EnvironmentError(`Gave up waiting for ${what} after ${opts.maxWaitSeconds} s (status ${seen.status}).`, {
        hint: 'Look at the instance or snapshot state, then wait again or clean up.',
      });
    }
    await sleep(Math.min(pollMs, Math.max(1, opts.maxWaitSeconds * 1000 - elapsed)), opts.signal);
  }
}

/** Sleeps, or throws Interrupted as soon as the signal aborts. */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw new Interrupted();
    throw e;
  }
}
