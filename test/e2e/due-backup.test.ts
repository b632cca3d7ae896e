/**
 * "Taken when due by any dbops command that touches the instance", as processes on the
 * local provider (real PostgreSQL): after the first automated backup, a read-only
 * `dbops status` on an instance whose base backup is due (its newest automated backup
 * dated before the last backup window) starts `dbops backup run` in the background, says
 * so on stderr, and returns; the background run takes the backup; the next command finds
 * nothing due and starts nothing.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbops, type RunResult } from '../_helpers/run-dbops.js';

const ID = 'due-e2e';
const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-due-'));
chmodSync(home, 0o755);
const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: ID };
const dbops = (args: string | string[]): Promise<RunResult> => runDbops(args, { env, cwd: home });
const pidFile = join(home, `backup-due-us-east-2-${ID}.pid`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function automated(): Promise<{ id: string; createdAt: string }[]> {
  const r = await dbops('snapshot list --type automated --json');
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; createdAt: string }[];
}

beforeAll(async () => {
  const r = await dbops(`instances create ${ID}`);
  expect(r.exitCode, r.stderr).toBe(0);
});

afterAll(async () => {
  await dbops(`instances delete ${ID} --yes --skip-final-snapshot`);
  rmSync(home, { recursive: true, force: true });
});

describe('a due automated backup, started by a command that touches the instance', () => {
  it('status before the first automated backup, and right after it: nothing started', async () => {
    const before = await dbops(`status ${ID}`);
    expect(before.exitCode, before.stderr).toBe(0);
    expect(before.stderr).not.toContain('was due');
    expect((await dbops('backup run')).exitCode).toBe(0);
    const after = await dbops(`status ${ID}`);
    expect(after.stderr).not.toContain('was due');
    expect(await automated()).toHaveLength(1);
  });

  it('two days on: status returns at once, the backup is taken in the background, then nothing is due', async () => {
    // GIVEN the newest automated backup dated two days back (as if the last window passed without one)
    const [first] = await automated();
    const meta = join(home, 'local', 'us-east-2', 'snapshots', first!.id, 'snapshot.json');
    const rec = JSON.parse(await readFile(meta, 'utf8')) as { createdAt: string; completedAt: string };
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
    await writeFile(meta, JSON.stringify({ ...rec, createdAt: old, completedAt: old }));
    // WHEN a read-only command touches the instance
    const r = await dbops(`status ${ID}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`The daily automated backup of ${ID} was due: \`dbops backup run\` takes it in the background \\(pid \\d+`),
    );
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    // THEN the background run takes it (the status itself did not)
    for (let i = 0; i < 600 && alive(pid); i++) await sleep(100);
    expect(alive(pid)).toBe(false);
    const now = await automated();
    expect(now).toHaveLength(2);
    expect(await readFile(join(home, `backup-due-us-east-2-${ID}.log`), 'utf8')).not.toMatch(/error/i);
    // AND the next command finds nothing due
    const again = await dbops(`status ${ID}`);
    expect(again.stderr).not.toContain('was due');
  });
});
