/**
 * The runbook runner. A long-running command declares the steps of its runbook
 * (runbooks/<name>.md, headings `### XX-n Title`) and runs its work inside `run.step()`.
 * The runner times each step, shows progress (`[RT-3] Restoring … 2m10s`), names the
 * step id in every error, keeps a cleanup stack that unwinds on success, failure, SIGINT
 * and SIGTERM, and returns a structured report.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../context.js';
import { asDbopsError, EnvironmentError, Interrupted, isDbopsError, messageOf } from '../errors.js';
import type { Output } from '../output/output.js';
import { formatDuration } from '../output/format.js';

export interface StepDef {
  /** Stable id, e.g. "RT-3"; the runbook heading carries the same. */
  id: string;
  title: string;
}

export interface RunbookDef {
  /** File name in runbooks/ without .md, e.g. "restore-test". */
  name: string;
  title: string;
  steps: StepDef[];
}

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'not-run' | 'interrupted';

export interface StepResult {
  id: string;
  title: string;
  status: StepStatus;
  startedAt?: string;
  durationMs?: number;
  /** One line saying what the step found or did. */
  detail?: string;
  error?: { message: string; hint?: string };
}

export interface CleanupResult {
  label: string;
  status: 'done' | 'failed' | 'kept';
  durationMs: number;
  error?: string;
}

export interface RunReport {
  runbook: string;
  runbookFile: string;
  runId: string;
  status: 'ok' | 'failed' | 'interrupted';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: StepResult[];
  cleanup: CleanupResult[];
  error?: { message: string; hint?: string; step?: string; code: string };
}

export interface StepHandle {
  /** Replaces the progress text after the step title. */
  update(text: string): void;
  /** Sets the one-line outcome shown in the report. */
  detail(text: string): void;
  readonly signal: AbortSignal;
}

export interface RunOptions {
  out: Output;
  clock: Clock;
  signal: AbortSignal;
  /** --keep: leave temporary resources in place. */
  keep?: boolean;
  runId?: string;
  /** How long to let an in-flight step settle after an interrupt, so what it created is registered. */
  settleMs?: number;
  /** Fault injection for tests (test/faults): production passes none. */
  faults?: StepFaults;
}

/**
 * Called inside each step's work, before it (`start`) and after it (`end`), with the
 * run's signal: a test aborts the signal there (Ctrl-C at that point of the step) or
 * throws (the step fails after doing its work), to prove each step's cleanup.
 */
export type StepFaults = (stepId: string, at: 'start' | 'end') => void | Promise<void>;

interface CleanupEntry {
  label: string;
  fn: () => Promise<void>;
  /** Kept with --keep (temporary resources); always run otherwise (connections, processes). */
  keepable: boolean;
  active: boolean;
}

export function newRunId(): string {
  return Date.now().toString(36).slice(-5) + randomBytes(2).toString('hex');
}

export class RunbookRun {
  readonly runId: string;
  readonly #def: RunbookDef;
  readonly #opts: RunOptions;
  readonly #results = new Map<string, StepResult>();
  readonly #cleanup: CleanupEntry[] = [];
  readonly #startedAt: Date;
  #nextIndex = 0;

  constructor(def: RunbookDef, opts: RunOptions) {
    this.#def = def;
    this.#opts = opts;
    this.runId = opts.runId ?? newRunId();
    this.#startedAt = opts.clock.now();
    for (const s of def.steps) this.#results.set(s.id, { id: s.id, title: s.title, status: 'not-run' });
  }

  get def(): RunbookDef {
    return this.#def;
  }

  #take(id: string): StepDef {
    const index = this.#def.steps.findIndex((s) => s.id === id);
    if (index < 0) throw new Error(`Runbook ${this.#def.name} has no step ${id}.`);
    if (index < this.#nextIndex) throw new Error(`Runbook ${this.#def.name}: step ${id} runs out of order.`);
    this.#nextIndex = index + 1;
    return this.#def.steps[index]!;
  }

  /** Marks a step skipped, with the reason, without running it. */
  skip(id: string, reason: string): void {
    const def = this.#take(id);
    this.#results.set(id, { id, title: def.title, status: 'skipped', detail: reason });
    this.#opts.out.info(`[${id}] ${def.title}: skipped (${reason})`);
  }

  /** Runs one step. What it throws comes back as a dbops error naming the step (anything else as an InternalError). */
  async step<T>(id: string, fn: (step: StepHandle) => Promise<T>): Promise<T> {
    const def = this.#take(id);
    const { out, clock, signal } = this.#opts;
    if (signal.aborted) throw this.#interrupted(id);
    const started = clock.now();
    const t0 = performance.now();
    const label = `[${id}] ${def.title}`;
    let extra = '';
    const progress = out.progress(label);
    const tick = setInterval(() => progress.update(`${label}${extra ? ` ${extra}` : ''} ${formatDuration(performance.now() - t0)}`), 1000);
    tick.unref();
    const result: StepResult = { id, title: def.title, status: 'ok', startedAt: started.toISOString() };
    this.#results.set(id, result);
    const handle: StepHandle = {
      update: (text) => {
        extra = text;
        progress.update(`${label} ${text} ${formatDuration(performance.now() - t0)}`);
      },
      detail: (text) => {
        result.detail = text;
      },
      signal,
    };
    const faults = this.#opts.faults;
    // A synchronous throw becomes a rejection, so the step is marked failed.
    const work = faults
      ? (async () => {
          await faults(id, 'start');
          const value = await fn(handle);
          await faults(id, 'end');
          return value;
        })()
      : (async () => fn(handle))();
    try {
      const value = await raceAbort(work, signal);
      result.durationMs = performance.now() - t0;
      progress.succeed(`${label}${result.detail ? `: ${result.detail}` : ''} (${formatDuration(result.durationMs)})`);
      return value;
    } catch (e) {
      result.durationMs = performance.now() - t0;
      if (signal.aborted) {
        // Let the in-flight call settle briefly so anything it created gets registered.
        const outcome = await settle(work, this.#opts.settleMs ?? 30_000);
        result.status = 'interrupted';
        progress.fail(`${label}: interrupted (${formatDuration(result.durationMs)})`);
        // A step that stopped on the signal and said what it left (its own Interrupted, with a hint) keeps its words.
        if (outcome instanceof Interrupted && outcome.hint) throw outcome.inRun({ step: id });
        throw this.#interrupted(id);
      }
      result.status = 'failed';
      const err = asDbopsError(e).inRun({ step: id });
      result.error = { message: err.message, hint: err.hint };
      progress.fail(`${label}: ${err.message} (${formatDuration(result.durationMs)})`);
      throw err;
    } finally {
      clearInterval(tick);
    }
  }

  #interrupted(id: string): Interrupted {
    const reason = this.#opts.signal.reason;
    const signalName = typeof reason === 'string' ? reason : 'SIGINT';
    return new Interrupted(signalName, {
      step: id,
      hint: `Cleanup ran; runbooks/${this.#def.name}.md, step ${id}, says how to finish by hand.`,
    });
  }

  /**
   * Registers a cleanup action the moment a resource exists. Returns a function that
   * removes the entry (when the resource was removed by the flow itself).
   */
  addCleanup(label: string, fn: () => Promise<void>, opts: { keepable?: boolean } = {}): () => void {
    const entry: CleanupEntry = { label, fn, keepable: opts.keepable ?? true, active: true };
    this.#cleanup.push(entry);
    return () => {
      entry.active = false;
    };
  }

  /** Unwinds the cleanup stack (newest first) and builds the report. Never throws. */
  async finish(error?: unknown): Promise<RunReport> {
    const cleanup: CleanupResult[] = [];
    const { out, clock } = this.#opts;
    for (const entry of [...this.#cleanup].reverse()) {
      if (!entry.active) continue;
      if (this.#opts.keep && entry.keepable) {
        cleanup.push({ label: entry.label, status: 'kept', durationMs: 0 });
        out.info(`kept: ${entry.label}`);
        continue;
      }
      const t0 = performance.now();
      const progress = out.progress(`cleanup: ${entry.label}`);
      try {
        await entry.fn();
        progress.succeed(`cleanup: ${entry.label} (${formatDuration(performance.now() - t0)})`);
        cleanup.push({ label: entry.label, status: 'done', durationMs: performance.now() - t0 });
      } catch (e) {
        progress.fail(`cleanup: ${entry.label}: ${messageOf(e)}`);
        cleanup.push({ label: entry.label, status: 'failed', durationMs: performance.now() - t0, error: messageOf(e) });
      }
      entry.active = false;
    }
    const finished = clock.now();
    const steps = this.#def.steps.map((s) => this.#results.get(s.id)!);
    const status: RunReport['status'] = error === undefined ? 'ok' : error instanceof Interrupted ? 'interrupted' : 'failed';
    const report: RunReport = {
      runbook: this.#def.name,
      runbookFile: `runbooks/${this.#def.name}.md`,
      runId: this.runId,
      status,
      startedAt: this.#startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - this.#startedAt.getTime(),
      steps,
      cleanup,
    };
    if (error !== undefined) {
      const e = isDbopsError(error) ? error : undefined;
      report.error = {
        message: messageOf(error),
        hint: e?.hint,
        step: e?.step,
        code: e?.code ?? 'internal',
      };
    }
    return report;
  }
}

/**
 * Runs `body` as one run of a runbook: the cleanup stack always unwinds, the report is
 * always returned, and the error (if any) is rethrown after cleanup as a dbops error
 * carrying the report (`error.report`), so the caller can render it before the exit code is set.
 */
export async function runRunbook<T>(
  def: RunbookDef,
  opts: RunOptions,
  body: (run: RunbookRun) => Promise<T>,
): Promise<{ value: T; report: RunReport }> {
  const run = new RunbookRun(def, opts);
  let value: T;
  try {
    value = await body(run);
  } catch (e) {
    const err = asDbopsError(e);
    throw err.inRun({ report: await run.finish(err) });
  }
  const report = await run.finish();
  const failed = report.cleanup.filter((c) => c.status === 'failed');
  if (failed.length > 0) {
    // The work succeeded but something it created may be left behind: say so, exit 3.
    const message = `Cleanup failed: ${failed.map((c) => `${c.label} (${c.error})`).join('; ')}.`;
    const hint = 'Remove what is listed by hand, or run `dbops gc` to find what a run left.';
    throw new EnvironmentError(message, { hint, report: { ...report, status: 'failed', error: { message, hint, code: 'environment' } } });
  }
  return { value, report };
}

/** The run report an error carries (the CLI renders it with the error); undefined for anything else. */
export function reportOf(e: unknown): RunReport | undefined {
  return isDbopsError(e) ? e.report : undefined;
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Waits for `work` at most `ms`; returns what it rejected with, if it did in time. */
async function settle(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const rejection = await Promise.race([
    work.then(
      () => undefined,
      (e: unknown) => e,
    ),
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), ms);
      timer.unref();
    }),
  ]);
  if (timer) clearTimeout(timer);
  return rejection;
}
