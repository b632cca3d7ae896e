/**
 * The point-in-time commands as a process on the local provider (real PostgreSQL):
 * `dbops backup run`, `dbops instances restore --to | --latest-restorable --target`,
 * `dbops restore-test --latest-restorable`, `dbops backup status` with the window, and
 * their bad input (exit 2, one sentence naming the window).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbops, type RunResult } from '../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-pitr-'));
chmodSync(home, 0o755);
const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: 'pitr-e2e' };
const dbops = (args: string | string[]): Promise<RunResult> => runDbops(args, { env, cwd: home });
const sql = async (id: string, text: string): Promise<string> => {
  const r = await dbops(['psql', id, '--', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', text]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
};

beforeAll(async () => {
  const r = await dbops('instances create pitr-e2e');
  expect(r.exitCode, r.stderr).toBe(0);
});

afterAll(async () => {
  for (const id of ['pitr-e2e-at', 'pitr-e2e']) await dbops(`instances delete ${id} --yes --skip-final-snapshot`);
  rmSync(home, { recursive: true, force: true });
});

describe('point-in-time recovery through the CLI (local provider)', () => {
  let noted: string;

  it('backup run takes the first automated backup (AB-1..AB-3 ok), and lists it as automated', async () => {
    const r = await dbops('backup run --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      run: { snapshotId: string };
      problems: string[];
      report: { steps: { id: string; status: string }[] };
    };
    expect(doc.report.steps.map((s) => [s.id, s.status])).toEqual([
      ['AB-1', 'ok'],
      ['AB-2', 'ok'],
      ['AB-3', 'ok'],
    ]);
    expect(doc.run.snapshotId).toMatch(/^pitr-e2e-auto-\d{8}-\d{6}$/);
    expect(doc.problems).toEqual([]);
    const list = await dbops('snapshot list --type automated');
    expect(list.stdout).toMatch(new RegExp(`^${doc.run.snapshotId}\\s+automated\\s+available`, 'm'));
  });

  it('instances restore --to restores exactly the rows before the time', async () => {
    await sql('pitr-e2e', 'CREATE TABLE t (n int)');
    await sql('pitr-e2e', 'INSERT INTO t VALUES (1)');
    await sleep(50);
    noted = new Date().toISOString();
    await sleep(50);
    await sql('pitr-e2e', 'INSERT INTO t VALUES (2)');
    await sql('pitr-e2e', 'SELECT pg_switch_wal()');
    // Row 2's commit is the only one after the noted time: once the window passes it, it is archived.
    let latest: string | undefined;
    for (let i = 0; i < 60; i++) {
      const st = JSON.parse((await dbops('backup status --json')).stdout) as {
        automated: { latestRestorableTime?: string; earliestRestorableTime?: string; archive: { segments: number } };
      };
      latest = st.automated.latestRestorableTime;
      if (latest && Date.parse(latest) > Date.parse(noted)) break;
      await sleep(200);
    }
    expect(Date.parse(latest!)).toBeGreaterThan(Date.parse(noted));
    const r = await dbops(['instances', 'restore', 'pitr-e2e', '--to', noted, '--target', 'pitr-e2e-at', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      sourceId: 'pitr-e2e',
      targetId: 'pitr-e2e-at',
      requested: noted,
      instance: { status: 'available' },
    });
    expect(await sql('pitr-e2e-at', "SELECT string_agg(n::text, ',' ORDER BY n) FROM t")).toBe('1');
  });

  it('backup status shows the window and the archive; status the latest restorable time', async () => {
    const st = await dbops('status pitr-e2e');
    expect(st.stdout).toMatch(/^Latest restorable\s+\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    const r = await dbops('backup status');
    expect(r.stdout).toMatch(/^Earliest restorable +\S+Z$/m);
    expect(r.stdout).toMatch(/^Latest restorable +\S+Z \(0 h ago, RPO 24 h\)$/m);
    expect(r.stdout).toMatch(/^WAL archive +\d+ files, .+; last [0-9A-F]{24}\S* .+, 0 failed; archive_timeout 300 s; 1 base backup$/m);
  });

  it('restore-test --latest-restorable passes on the local provider', async () => {
    const r = await dbops('restore-test --latest-restorable --json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'passed', backup: { kind: 'point-in-time', time: 'latest' } });
  });

  it('bad input: a time outside the window (one sentence naming it), a missing --target, both --to and --latest-restorable: exit 2', async () => {
    const out = await dbops(['instances', 'restore', 'pitr-e2e', '--to', '2000-01-01T00:00:00Z', '--target', 'pitr-e2e-x']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(
      /^error \[step PR-1\]: 2000-01-01T00:00:00.000Z is outside the restorable window of pitr-e2e: \S+Z to \S+Z\.$/m,
    );
    expect(out.stderr).toMatch(/^hint: /m);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    const noTarget = await dbops('instances restore pitr-e2e --latest-restorable');
    expect(noTarget.exitCode).toBe(2);
    expect(noTarget.stderr).toContain('instances restore needs --target <id>');
    const both = await dbops(['instances', 'restore', 'pitr-e2e', '--to', noted, '--latest-restorable', '--target', 'pitr-e2e-x']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('Give exactly one of --to <time> and --latest-restorable.');
    expect((await dbops('status pitr-e2e-x')).exitCode).toBe(2);
  });
});
