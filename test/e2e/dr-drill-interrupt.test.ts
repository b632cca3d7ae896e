/**
 * `dbops dr-drill` interrupted as a process (Ctrl-C, SIGTERM, SIGHUP) at several steps of
 * each scenario: exit 130 / 129, the cleanup ran, and nothing is left in either region —
 * no instance, no instance or WAL-archive directory, no process — while production keeps
 * running. (Every step of every scenario, in process: test/faults/dr-drill-steps.test.ts.)
 * And the instance scenario on a source without automated backups: exit 2 with the reason.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceInput, withPg } from '../_helpers/local.js';
import { runDbops } from '../_helpers/run-dbops.js';
import { processesMentioning, startSource, type Source } from '../integration/restore/_setup.js';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-drill-int-e2e-');
  await src.provider.copySnapshot({
    snapshotId: src.snapshotId,
    targetRegion: 'us-west-2',
    targetSnapshotId: `${src.snapshotId}-copy`,
    copyTags: true,
    tags: {},
  });
  // The instance scenario restores to the latest restorable time: a base backup and archived WAL.
  await src.provider.runAutomatedBackups!(src.id, { force: true });
  await withPg(src.info, (c) => c.query('SELECT pg_switch_wal()'));
  for (let i = 0; i < 100 && !(await src.provider.restorableWindow!(src.id)).latestRestorableTime; i++) await sleep(100);
});

afterAll(async () => {
  await src?.destroy();
});

const ls = (region: string, kind: string) => readdir(join(src.home, 'local', region, kind)).catch(() => [] as string[]);

describe('dbops dr-drill interrupted (process)', () => {
  it.each([
    ['region', 'SIGINT', 'DR-3', 130],
    ['region', 'SIGTERM', 'DR-8', 130],
    ['region', 'SIGHUP', 'DR-10', 129],
    ['region', 'SIGINT', 'DR-13', 130],
    ['instance', 'SIGINT', 'DR-3', 130],
    ['instance', 'SIGTERM', 'DR-17', 130],
    ['replica', 'SIGTERM', 'DR-5', 130],
    ['replica', 'SIGHUP', 'DR-6', 129],
  ] as const)('%s scenario, %s during %s: exit %i, cleanup ran, nothing left', async (scenario, name, step, code) => {
    const r = await runDbops(`dr-drill --scenario ${scenario} --instance ${src.id} --json`, {
      env: { DBOPS_HOME: src.home, DBOPS_PROVIDER: 'local' },
      cwd: src.home,
      timeoutMs: 90_000,
      signal: { name, whenStderrMatches: new RegExp(`\\[${step}\\]`) },
    });
    expect(r.exitCode, r.stderr).toBe(code);
    const record = JSON.parse(r.stdout) as { verdict: string; drillId: string; error: { step: string } };
    expect(record.verdict).toBe('interrupted');
    expect(record.error.step).toBe(step);
    const region = scenario === 'region' ? 'us-west-2' : 'us-east-2';
    if (step !== 'DR-17') expect(r.stderr).toContain(`✔ cleanup: delete recovery instance src-db-dr-${record.drillId} (${region})`);
    const west = src.provider.forRegion('us-west-2');
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
    for (const r2 of ['us-east-2', 'us-west-2']) {
      const own = r2 === 'us-east-2' ? [src.id] : [];
      expect(await ls(r2, 'instances'), r2).toEqual(own);
      expect(await ls(r2, 'wal-archive'), r2).toEqual(own);
      expect(await ls(r2, 'tmp'), r2).toEqual([]);
    }
    expect(await processesMentioning(`dr-${record.drillId}`)).toEqual([]);
    expect((await src.provider.describeInstance(src.id)).status).toBe('available');
  });

  it('the instance scenario on a source with automated backups off: exit 2, the reason and the way out, nothing created', async () => {
    await src.provider.createInstance(instanceInput('no-backups', { backupRetentionDays: 0 }));
    try {
      const r = await runDbops('dr-drill --scenario instance --instance no-backups', {
        env: { DBOPS_HOME: src.home, DBOPS_PROVIDER: 'local' },
        cwd: src.home,
        timeoutMs: 60_000,
      });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        'error [step DR-2]: Instance no-backups has automated backups off (retention 0 days): there is no point in time to recover to.',
      );
      expect(r.stderr).toContain('hint: Turn automated backups on (database.backupRetentionDays');
      expect((await src.provider.listInstances()).map((i) => i.id).sort()).toEqual(['no-backups', src.id].sort());
    } finally {
      await src.provider.deleteInstance('no-backups', { skipFinalSnapshot: true });
    }
  });
});
