import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROGRESS_SQL, watchBuild, type WatchConnection } from '../../../src/lib/vector/watch.js';

interface FakeConn extends WatchConnection {
  calls: { text: string; values?: unknown[] }[];
  ended: boolean;
}

function fakeConn(answer: (text: string, n: number) => Promise<{ rows: Record<string, unknown>[] }>): FakeConn {
  let n = 0;
  const conn: FakeConn = {
    calls: [],
    ended: false,
    query(text, values) {
      conn.calls.push({ text, values });
      return answer(text, n++);
    },
    async end() {
      conn.ended = true;
    },
  };
  return conn;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('watching an index build', () => {
  it('GIVEN a server that answers WHEN polled THEN it reports phase, tuples and an ETA', async () => {
    const rows = [10_000, 20_000, 30_000].map((done) => ({
      phase: 'building index: loading tuples',
      tuples_done: done,
      tuples_total: 100_000,
      blocks_done: 0,
      blocks_total: 0,
    }));
    const conn = fakeConn(async (_t, n) => ({ rows: [rows[Math.min(n, 2)]!] }));
    let clock = 0;
    const texts: string[] = [];
    let done!: () => void;
    const threeSamples = new Promise<void>((r) => (done = r));
    const watch = watchBuild({
      open: async () => conn,
      pid: 4242,
      intervalMs: 1,
      now: () => (clock += 1000) - 1000,
      onProgress: (text) => {
        texts.push(text);
        if (texts.length === 3) done();
      },
    });
    await watch.ready;
    await threeSamples;
    const outcome = await watch.stop();
    expect(texts.slice(0, 3)).toEqual([
      'building index: loading tuples 10,000/100,000 tuples (10%)',
      'building index: loading tuples 20,000/100,000 tuples (20%), ETA 8.0s',
      'building index: loading tuples 30,000/100,000 tuples (30%), ETA 7.0s',
    ]);
    expect(conn.calls[0]).toEqual({ text: PROGRESS_SQL, values: [4242] });
    expect(outcome).toMatchObject({
      source: 'pg_stat_progress_create_index',
      lastPhase: 'building index: loading tuples',
      lastTuplesTotal: 100_000,
    });
    expect(outcome.samples).toBeGreaterThanOrEqual(3);
    expect(conn.ended).toBe(true);
  });

  it('GIVEN the second connection is refused THEN the build shows elapsed time only, and says why', async () => {
    const watch = watchBuild({
      open: () => Promise.reject(new Error('Connection terminated unexpectedly')),
      pid: 1,
      onProgress: () => undefined,
    });
    await watch.ready;
    expect(await watch.stop()).toEqual({
      source: 'elapsed-only',
      reason: 'a second connection for progress was refused (Connection terminated unexpectedly)',
      samples: 0,
    });
  });

  it('GIVEN a server that queues the poll behind the build THEN it stops polling after the timeout', async () => {
    vi.useFakeTimers();
    const conn = fakeConn(() => new Promise(() => undefined));
    const watch = watchBuild({ open: async () => conn, pid: 1, intervalMs: 10, pollTimeoutMs: 50, onProgress: () => undefined });
    await watch.ready;
    await vi.advanceTimersByTimeAsync(200);
    expect(conn.calls).toHaveLength(1); // no second poll after a timeout
    vi.useRealTimers();
    const outcome = await Promise.race([watch.stop(), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000))]);
    expect(outcome).toEqual({
      source: 'elapsed-only',
      reason: 'the server did not answer a progress query within 50ms while building (it runs one statement at a time)',
      samples: 0,
    });
  });

  it('GIVEN the progress query fails THEN it degrades with the error', async () => {
    const conn = fakeConn(() => Promise.reject(new Error('permission denied for view pg_stat_progress_create_index')));
    let failed!: () => void;
    const polled = new Promise<void>((r) => (failed = r));
    const watch = watchBuild({
      open: async () => ({ ...conn, query: (t: string, v?: unknown[]) => conn.query(t, v).finally(failed) }),
      pid: 1,
      intervalMs: 1,
      onProgress: () => undefined,
    });
    await polled;
    const outcome = await watch.stop();
    expect(outcome.source).toBe('elapsed-only');
    expect(outcome.reason).toBe('the progress query failed (permission denied for view pg_stat_progress_create_index)');
  });

  it('cancels the build backend on request', async () => {
    const conn = fakeConn(async () => ({ rows: [] }));
    const watch = watchBuild({ open: async () => conn, pid: 77, intervalMs: 60_000, onProgress: () => undefined });
    await watch.ready;
    await watch.cancelBuild();
    expect(conn.calls).toContainEqual({ text: 'SELECT pg_cancel_backend($1)', values: [77] });
    await watch.stop();
  });
});
