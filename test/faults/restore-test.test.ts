/**
 * Faults during `dbops restore-test` on the local provider (real PostgreSQL), the CLI run
 * as a process: a hang-up, a closed stderr pipe, the temporary server killed mid-test,
 * a signal after the last step, heap damage the snapshot check cannot see, and `gc` of a
 * run that crashed. Each case asserts the exit code, the message, and that nothing is left.
 * In process: Ctrl-C during a long query leaves nothing running on the source, and a
 * temporary restore runs without fsync (so removing it never waits for the disk).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientSet, makeReadOnly } from '../../src/lib/checks/connections.js';
import { connect } from '../../src/lib/db/connect.js';
import { TAG } from '../../src/lib/providers/types.js';
import { withPg } from '../_helpers/local.js';
import { runDbops } from '../_helpers/run-dbops.js';
import { startSource, type Source } from '../integration/restore/_setup.js';
import { envFor, expectNothingLeft, forgeHeapDamage, REGION, spawnDbops, temporaryId } from './_setup.js';

let src: Source;

function history(): Promise<{ runId: string; verdict: string; failedChecks: string[] }[]> {
  return readFile(join(src.home, 'history', 'restore-tests.jsonl'), 'utf8').then(
    (t) =>
      t
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { runId: string; verdict: string; failedChecks: string[] }),
    () => [],
  );
}

function postmasterOf(tempId: string): Promise<number> {
  return readFile(join(src.home, 'local', REGION, 'instances', tempId, 'data', 'postmaster.pid'), 'utf8').then((t) =>
    Number(t.split('\n')[0]),
  );
}

describe('faults: restore-test', () => {
  beforeAll(async () => {
    src = await startSource('dbops-faults-rt-', 'fault-src');
  });

  afterAll(async () => {
    await src?.destroy();
  });

  it('SIGHUP during RT-5 (the SSH session drops): the cleanup stack unwinds, exit 129, the run is recorded as interrupted', async () => {
    // GIVEN a restore test WHEN the session hangs up while the checks run
    const r = await spawnDbops(['restore-test', '--instance', src.id], {
      home: src.home,
      onStderr: (text, child) => {
        if (/\[RT-5\]/.test(text) && child.signalCode === null && !child.killed) child.kill('SIGHUP');
      },
    });
    // THEN cleanup ran and the exit code says "hang-up"
    expect(r.exitCode, r.stderr).toBe(129);
    expect(r.stderr).toContain('SIGHUP: stopping and cleaning up');
    expect(r.stderr).toMatch(/✔ cleanup: delete temporary instance fault-src-rt-/);
    expect(r.stderr).toMatch(/^error \[step RT-5\]: Interrupted by SIGHUP\.$/m);
    const runs = await history();
    expect(runs.at(-1)).toMatchObject({ verdict: 'interrupted' });
    await expectNothingLeft(src.home, [src.id]);
  });

  it('a closed stderr pipe (`2>&1 >/dev/null | head -3`) does not stop the run: it finishes, cleans up, records, exits with its code', async () => {
    const before = (await history()).length;
    const r = await spawnDbops(['restore-test', '--instance', src.id], { home: src.home, closeStderrAfterLines: 3 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^PASSED {2}restore test of fault-src/m);
    const runs = await history();
    expect(runs.length).toBe(before + 1);
    expect(runs.at(-1)).toMatchObject({ verdict: 'passed' });
    await expectNothingLeft(src.home, [src.id]);
  });

  it('the temporary server dies in RT-5: the run stops with exit 3, and deleting the instance still succeeds', async () => {
    let killed: number | undefined;
    const r = await spawnDbops(['restore-test', '--instance', src.id, '--json'], {
      home: src.home,
      onStderr: (text) => {
        const tmp = temporaryId(text, src.id);
        if (killed === undefined && tmp && /\[RT-5\]/.test(text)) {
          killed = 0;
          void postmasterOf(tmp).then((pid) => {
            killed = pid;
            process.kill(pid, 'SIGKILL');
          });
        }
      },
    });
    expect(killed).toBeGreaterThan(0);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error \[step RT-\d+\]: (Lost the database connection|Cannot connect to PostgreSQL)/m);
    expect(r.stderr).toMatch(/✔ cleanup: delete temporary instance fault-src-rt-/);
    expect(r.stderr).not.toMatch(/pg_ctl stop failed|does not shut down/);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'error', temporary: { deleted: true } });
    await expectNothingLeft(src.home, [src.id]);
  });

  it('a SIGINT after RT-11: one truth (the verdict printed, the history and the exit code agree)', async () => {
    const r = await spawnDbops(['restore-test', '--instance', src.id, '--json'], {
      home: src.home,
      onStderr: (text, child) => {
        if (/✔ \[RT-11\]/.test(text) && !child.killed) child.kill('SIGINT');
      },
    });
    const doc = JSON.parse(r.stdout) as { runId: string; verdict: string };
    const recorded = (await history()).find((h) => h.runId === doc.runId);
    expect(recorded?.verdict).toBe(doc.verdict);
    expect(doc.verdict).toBe('passed');
    expect(r.exitCode, r.stderr).toBe(0);
    await expectNothingLeft(src.home, [src.id]);
  });

  it('heap damage behind a valid snapshot: a failed check (exit 1), and RT-8..RT-10 still run', async () => {
    // GIVEN a snapshot whose base.tar has one flipped byte in block 5 of recipes (page checksum stale,
    // file CRC-32C and manifest checksum recomputed: pg_verifybackup passes)
    const snap = `${src.id}-snap-heap`;
    await src.provider.createSnapshot({ instanceId: src.id, snapshotId: snap, tags: {} });
    const rel = await withPg(
      src.info,
      async (c) => (await c.query<{ p: string }>(`SELECT pg_relation_filepath('recipes') AS p`)).rows[0]!.p,
    );
    await forgeHeapDamage(join(src.home, 'local', REGION, 'snapshots', snap), rel, 5);
    try {
      // WHEN it is restore-tested
      const r = await runDbops(['restore-test', '--instance', src.id, '--snapshot', snap, '--json'], {
        env: envFor(src.home),
        cwd: src.home,
        timeoutMs: 90_000,
      });
      // THEN the damage is a failed check, not an internal error, and every check ran
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).not.toContain('Internal error');
      const doc = JSON.parse(r.stdout) as {
        verdict: string;
        failedChecks: string[];
        checks: { id: string; status: string; summary: string }[];
        report: { steps: { id: string; status: string }[] };
      };
      expect(doc.verdict).toBe('failed');
      expect(doc.failedChecks).toContain('row-counts');
      expect(doc.checks.find((c) => c.id === 'row-counts')?.summary).toMatch(
        /could not be read in the restore \(damaged data\): public\.recipes \(invalid page in block 5/,
      );
      const status = Object.fromEntries(doc.report.steps.map((s) => [s.id, s.status]));
      for (const id of ['RT-8', 'RT-9', 'RT-10', 'RT-11']) expect(status[id], id).not.toBe('not-run');
      await expectNothingLeft(src.home, [src.id]);
    } finally {
      await src.provider.deleteSnapshot(snap);
    }
  });

  it('Ctrl-C during a long query on the source: the query stops at once and nothing of the run keeps running there', async () => {
    // GIVEN the checks' read-only session on the source, running a long query
    const controller = new AbortController();
    const clients = new ClientSet(controller.signal);
    const c = await clients.add(() => connect(src.info, { applicationName: 'dbops faults: long query' }));
    await makeReadOnly(c);
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const running = c.query('SELECT pg_sleep(600)');
    running.catch(() => undefined);
    const backend = () =>
      withPg(
        src.info,
        async (q) => (await q.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]?.state,
      );
    await vi.waitFor(async () => expect(await backend()).toBe('active'), { timeout: 10_000, interval: 50 });
    // WHEN Ctrl-C aborts the run
    controller.abort('SIGINT');
    // THEN the query rejects without waiting for the server, and the server drops the backend (client_connection_check_interval)
    await expect(running).rejects.toThrow(/Connection terminated/);
    await vi.waitFor(async () => expect(await backend()).toBeUndefined(), { timeout: 15_000, interval: 100 });
    await clients.close();
  });

  it('a temporary restore (dbops:expires-at) runs without fsync; a lasting restore keeps it', async () => {
    const cases = [
      [`${src.id}-tmp`, { [TAG.expiresAt]: '2099-01-01T00:00:00Z' }, 'off'],
      [`${src.id}-lasting`, {}, 'on'],
    ] as const;
    for (const [id, tags, want] of cases) {
      await src.provider.restoreFromSnapshot({
        snapshotId: src.snapshotId,
        instanceId: id,
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags,
      });
      try {
        const fsync = await withPg(
          await src.provider.connectionInfo(id),
          async (q) => (await q.query<{ fsync: string }>('SHOW fsync')).rows[0]!.fsync,
        );
        expect(fsync, id).toBe(want);
      } finally {
        await src.provider.deleteInstance(id, { skipFinalSnapshot: true });
      }
    }
    await expectNothingLeft(src.home, [src.id]);
  });

  it('gc deletes a run left behind after its server died, without "could not start server"', async () => {
    // GIVEN a kept temporary instance that expired, whose postmaster was killed (a crashed host)
    const kept = await runDbops(['restore-test', '--instance', src.id, '--keep', '--json'], {
      env: envFor(src.home),
      cwd: src.home,
      timeoutMs: 90_000,
    });
    expect(kept.exitCode, kept.stderr).toBe(0);
    const tmp = (JSON.parse(kept.stdout) as { temporary: { instanceId: string } }).temporary.instanceId;
    process.kill(await postmasterOf(tmp), 'SIGKILL');
    const file = join(src.home, 'local', REGION, 'instances', tmp, 'instance.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/("dbops:expires-at": ")[^"]+/, '$12020-01-01T00:00:00Z'));
    // WHEN gc runs
    const gc = await runDbops('gc --yes', { env: envFor(src.home), cwd: src.home });
    // THEN it is gone, and nothing was started on the way
    expect(gc.exitCode, gc.stderr + gc.stdout).toBe(0);
    expect(gc.stdout + gc.stderr).not.toMatch(/could not start server|pg_ctl/);
    expect(gc.stdout).toContain(tmp);
    await expectNothingLeft(src.home, [src.id]);
  });
});
