/**
 * Watches an index build from a second connection: polls pg_stat_progress_create_index
 * for the building backend and reports phase, tuples done / total and an ETA.
 *
 * It degrades instead of failing: when the second connection is refused, or a poll is
 * not answered in time (a server that runs one statement at a time, such as PGlite,
 * queues the poll behind the build), it stops polling and the build shows its elapsed
 * time only; the outcome says why.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import { estimateEtaMs, formatProgress, type ProgressOutcome, type ProgressSample } from './progress.js';

/** The second connection (pg.Client satisfies it). */
export interface WatchConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/** How to watch: the second connection, the building backend, the poll timing, where progress goes. */
export interface WatchOptions {
  /** Opens the second connection; may reject. */
  open: () => Promise<WatchConnection>;
  /** The backend building the index (pg_backend_pid() on the build connection). */
  pid: number;
  intervalMs?: number;
  /** A poll not answered within this is taken as "this server cannot report progress now". */
  pollTimeoutMs?: number;
  onProgress: (text: string, sample: ProgressSample) => void;
  now?: () => number;
}

export const PROGRESS_SQL = `SELECT phase, tuples_done::float8 AS tuples_done, tuples_total::float8 AS tuples_total,
       blocks_done::float8 AS blocks_done, blocks_total::float8 AS blocks_total
  FROM pg_stat_progress_create_index WHERE pid = $1`;

/** A running watch over one build. */
export interface BuildWatch {
  /** Resolves once the second connection is open or refused (the build should start after). */
  ready: Promise<void>;
  /** Cancels the build's statement (pg_cancel_backend), best effort; for an interrupt. */
  cancelBuild(): Promise<void>;
  /** Stops polling, closes the connection, says how progress was observed. */
  stop(): Promise<ProgressOutcome>;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function watchBuild(o: WatchOptions): BuildWatch {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const samples: ProgressSample[] = [];
  let conn: WatchConnection | undefined;
  let reason: string | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;

  const ready = o
    .open()
    .then((c) => {
      conn = c;
    })
    .catch((e: unknown) => {
      reason = `a second connection for progress was refused (${messageOf(e).replace(/\.$/, '')})`;
    });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const poll = async (c: WatchConnection): Promise<void> => {
    const timeoutMs = o.pollTimeoutMs ?? 2000;
    const query = c.query(PROGRESS_SQL, [o.pid]);
    // A poll left queued behind the build fails when the connection closes; nobody awaits it.
    query.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const r = await Promise.race([query, timedOut]);
      if (r === 'timeout') {
        reason = `the server did not answer a progress query within ${timeoutMs}ms while building (it runs one statement at a time)`;
        return;
      }
      const row = r.rows[0];
      if (!row) return;
      const sample: ProgressSample = {
        atMs: now() - t0,
        phase: row.phase === null || row.phase === undefined ? null : String(row.phase),
        tuplesDone: n(row.tuples_done),
        tuplesTotal: n(row.tuples_total),
        blocksDone: n(row.blocks_done),
        blocksTotal: n(row.blocks_total),
      };
      samples.push(sample);
      o.onProgress(formatProgress(sample, estimateEtaMs(samples)), sample);
    } catch (e) {
      reason = `the progress query failed (${messageOf(e).replace(/\.$/, '')})`;
    } finally {
      clearTimeout(timer);
    }
  };

  const loop = (async () => {
    await ready;
    while (!stopped && conn && reason === undefined) {
      await sleep(o.intervalMs ?? 1000);
      if (stopped) break;
      await poll(conn);
    }
  })();

  return {
    ready,
    async cancelBuild() {
      const c = conn && reason === undefined ? conn : await o.open().catch(() => undefined);
      if (!c) return;
      await Promise.race([c.query('SELECT pg_cancel_backend($1)', [o.pid]).catch(() => undefined), delay(2000)]);
      if (c !== conn) await c.end().catch(() => undefined);
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await conn?.end().catch(() => undefined);
      const last = samples[samples.length - 1];
      const outcome: ProgressOutcome =
        reason === undefined
          ? { source: 'pg_stat_progress_create_index', samples: samples.length }
          : { source: 'elapsed-only', reason, samples: samples.length };
      if (last?.phase) outcome.lastPhase = last.phase;
      if (last?.tuplesDone !== null && last?.tuplesDone !== undefined) outcome.lastTuplesDone = last.tuplesDone;
      if (last?.tuplesTotal !== null && last?.tuplesTotal !== undefined) outcome.lastTuplesTotal = last.tuplesTotal;
      return outcome;
    },
  };
}
