import type { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { acquireMigrationLock, MIGRATE_LOCK_KEY } from '../../../src/lib/migrate/lock.js';

/** A fake client: pg_try_advisory_lock answers from a list; pg_locks names a holder. */
function fakeClient(answers: boolean[]) {
  const queries: string[] = [];
  const client = {
    async query(text: string) {
      queries.push(text);
      if (text.includes('pg_try_advisory_lock')) return { rows: [{ locked: answers.shift() ?? false }] };
      return {
        rows: [
          {
            pid: 4242,
            application_name: 'dbops migrate',
            usename: 'app',
            backend_start: new Date('2025-06-01T10:00:00Z'),
            xact_start: null,
          },
        ],
      };
    },
  };
  return { client: client as unknown as Client, queries };
}

/** A clock that advances only when the lock waits. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('acquireMigrationLock', () => {
  it('takes a free lock at once with the dbops key', async () => {
    const { client, queries } = fakeClient([true]);
    expect(await acquireMigrationLock(client, { timeoutMs: 1000, label: 'db', ...fakeTime() })).toEqual({ waitedMs: 0 });
    expect(queries).toEqual([`SELECT pg_try_advisory_lock(${MIGRATE_LOCK_KEY}) AS locked`]);
    expect(MIGRATE_LOCK_KEY).toBe(BigInt('0x' + Buffer.from('dbopmigr').toString('hex')));
  });

  it('polls until the holder lets go, and says who it waits for', async () => {
    // GIVEN the lock is taken for three tries
    const { client } = fakeClient([false, false, false, true]);
    const waits: unknown[] = [];
    // WHEN acquired
    const r = await acquireMigrationLock(client, { timeoutMs: 10_000, label: 'db', onWait: (h) => waits.push(h), ...fakeTime() });
    // THEN it waited (25 + 50 + 100 ms of polling) and reported the holder once
    expect(r).toEqual({ waitedMs: 175 });
    expect(waits).toEqual([{ pid: 4242, applicationName: 'dbops migrate', user: 'app', since: new Date('2025-06-01T10:00:00Z') }]);
  });

  it('gives up at the timeout with exit 3, naming the holder', async () => {
    const { client } = fakeClient([]);
    await expect(acquireMigrationLock(client, { timeoutMs: 1000, label: 'demo-db', ...fakeTime() })).rejects.toMatchObject({
      exitCode: 3,
      message:
        'Another migration run holds the dbops migration lock on demo-db (pid 4242, application "dbops migrate", user app, connected since 2025-06-01T10:00:00.000Z); gave up after 1s.',
    });
  });

  it('stops waiting when interrupted (exit 130)', async () => {
    const { client } = fakeClient([]);
    const ac = new AbortController();
    const time = fakeTime();
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      ac.abort('SIGINT');
    };
    await expect(
      acquireMigrationLock(client, { timeoutMs: 0, label: 'db', signal: ac.signal, now: time.now, sleep }),
    ).rejects.toMatchObject({ exitCode: 130 });
  });
});
