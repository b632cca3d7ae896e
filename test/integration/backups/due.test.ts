/**
 * "Taken when due by any dbops command that touches the instance", for real on the local
 * provider: the check every command makes on its first use of the provider reads a few
 * files and starts nothing when no base backup is due (or the instance's automated backups
 * have not begun); when one is due it starts `dbops backup run` in the background once
 * (the starter is a seam here: the process it would spawn), says so, and a second command
 * meanwhile starts none.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundArgs, startDueBackup, type BackgroundStarter } from '../../../src/lib/backups/due.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';

const ID = 'due-db';
const DAY = 24 * 60 * 60 * 1000;
let home: string;
let p: Provider;

function starter(): { start: BackgroundStarter; calls: { args: string[]; logFile: string }[] } {
  const calls: { args: string[]; logFile: string }[] = [];
  // A live pid stands for the background run: this test process.
  return {
    calls,
    start: (args, logFile) => {
      calls.push({ args, logFile });
      return process.pid;
    },
  };
}

async function context(provider: Provider) {
  return restoreTestContext({ config: config({ provider: 'local', database: { identifier: ID } }), provider, home });
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-due-');
  p = localProvider(home);
  await p.createInstance(instanceInput(ID));
});

afterAll(async () => {
  await p?.close();
  if (home) await destroyLocalHome(home);
});

describe('the due check of a command that touches the instance', () => {
  it('starts nothing before the automated backups have begun, nor when the base backup is not due', async () => {
    const s = starter();
    const { ctx } = await context(p);
    expect(await startDueBackup(ctx, p, s.start)).toEqual({ kind: 'not-due', reason: 'no automated backup yet' });
    const first = await p.runAutomatedBackups!(ID, { force: false });
    expect(first.snapshotId).toMatch(/^due-db-auto-/);
    expect(await startDueBackup(ctx, p, s.start)).toEqual({ kind: 'not-due', reason: 'not due' });
    expect(s.calls).toEqual([]);
  });

  it('two days later it is due: `dbops backup run` started once in the background, reported; nothing taken in the command itself', async () => {
    const later = localProvider(home, 'us-east-2', { now: () => new Date(Date.now() + 2 * DAY) });
    try {
      const s = starter();
      const { ctx, output } = await context(later);
      const before = (await p.listSnapshots({ instanceId: ID, type: 'automated' })).map((x) => x.id);
      const got = await startDueBackup(ctx, later, s.start);
      const logFile = join(home, `backup-due-us-east-2-${ID}.log`);
      expect(got).toMatchObject({ kind: 'started', pid: process.pid, logFile });
      expect(s.calls).toEqual([
        { args: ['backup', 'run', '--instance', ID, '--quiet', '--provider', 'local', '--region', 'us-east-2'], logFile },
      ]);
      expect(s.calls[0]!.args).toEqual(backgroundArgs(ctx, ID));
      expect(await readFile(join(home, `backup-due-us-east-2-${ID}.pid`), 'utf8')).toBe(`${process.pid}\n`);
      expect(output.stderr()).toContain(
        `The daily automated backup of ${ID} was due: \`dbops backup run\` takes it in the background (pid ${process.pid}`,
      );
      expect((await p.listSnapshots({ instanceId: ID, type: 'automated' })).map((x) => x.id)).toEqual(before);
      // WHEN another command touches it while that run is alive THEN it starts none
      expect(await startDueBackup(ctx, later, s.start)).toEqual({ kind: 'running', pid: process.pid });
      expect(s.calls).toHaveLength(1);
    } finally {
      await later.close();
    }
  });

  it('a stopped instance: nothing (its next start takes the backup)', async () => {
    await p.stopInstance(ID);
    const later = localProvider(home, 'us-east-2', { now: () => new Date(Date.now() + 3 * DAY) });
    try {
      const s = starter();
      const { ctx } = await context(later);
      expect(await startDueBackup(ctx, later, s.start)).toMatchObject({ kind: 'not-due' });
      expect(s.calls).toEqual([]);
    } finally {
      await later.close();
    }
  });
});
