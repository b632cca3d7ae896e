/**
 * `dbops dr-drill --scenario instance` for real on the local provider (PostgreSQL 15 with
 * its WAL archive): the instance is lost, the drill restores it to its latest restorable
 * time in the primary region. The recovery holds every heartbeat the test wrote up to the
 * archive's last commit, and the measured RPO is what the test computes from its own
 * heartbeat rows. A source with automated backups off (retention 0) is refused (exit 2)
 * with the runbook's sentence, before anything is created.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drDrill, exitCodeOf } from '../../../src/lib/drill/drill.js';
import { ExitCode } from '../../../src/lib/errors.js';
import { instanceInput, withPg } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';
import { startSource, type Source } from '../restore/_setup.js';

let src: Source;

async function context(instanceId?: string) {
  return restoreTestContext({
    config: config({ provider: 'local', database: { identifier: instanceId ?? src.id } }),
    provider: src.provider,
    home: src.home,
  });
}

beforeAll(async () => {
  src = await startSource('dbops-drill-pitr-');
});

afterAll(async () => {
  await src?.destroy();
});

describe('dr-drill --scenario instance on the local provider', () => {
  it('restores to the latest restorable time; RPO = T0 minus the newest heartbeat the test wrote; nothing left', async () => {
    // GIVEN an automated base backup, then heartbeat rows with the test's own times (newer than any before), archived
    await src.provider.runAutomatedBackups!(src.id, { force: true });
    const beats: Date[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(20);
      const at = new Date();
      await withPg(src.info, (c) => c.query('INSERT INTO dbops.heartbeat (beat_at) VALUES ($1)', [at]));
      beats.push(at);
    }
    await withPg(src.info, (c) => c.query('SELECT pg_switch_wal()'));
    const newest = beats[beats.length - 1]!;
    let latest: Date | undefined;
    for (let i = 0; i < 300; i++) {
      latest = (await src.provider.restorableWindow!(src.id)).latestRestorableTime;
      if (latest && latest.getTime() >= newest.getTime()) break;
      await sleep(100);
    }
    expect(latest!.getTime()).toBeGreaterThanOrEqual(newest.getTime());
    // WHEN the instance scenario runs
    const { ctx, output } = await context();
    const { record, error } = await drDrill(ctx, { scenario: 'instance' });
    // THEN it recovered in the primary region to the latest restorable time, and passed
    expect(error, output.stderr()).toBeUndefined();
    expect(record.verdict).toBe('passed');
    expect(exitCodeOf({ record })).toBe(ExitCode.ok);
    expect(record.environment).toMatchObject({
      primaryRegion: 'us-east-2',
      recoveryRegion: 'us-east-2',
      backup: { kind: 'point-in-time', time: 'latest', region: 'us-east-2' },
      recoveryInstanceId: `${src.id}-dr-${record.drillId}`,
    });
    expect(record.steps.find((s) => s.id === 'DR-3')?.status).toBe('ok');
    expect(record.steps.filter((s) => ['DR-5', 'DR-6'].includes(s.id)).map((s) => s.status)).toEqual(['skipped', 'skipped']);
    // AND the RPO is T0 minus the newest heartbeat row the test wrote (the archive held it: nothing after it was lost)
    expect(record.rpo).toEqual({
      targetHours: 24,
      seconds: Math.round((Date.parse(record.t0) - newest.getTime()) / 1000),
      newestData: newest.toISOString(),
      basis: 'heartbeat',
      withinTarget: true,
    });
    expect(record.checks.find((c) => c.id === 'row-counts')?.status).toBe('passed');
    expect(record.recovery).toMatchObject({ region: 'us-east-2', created: true, deleted: true });
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
  });

  it('a source with automated backups off (retention 0): refused with exit 2 and the reason, nothing created', async () => {
    // GIVEN an instance without automated backups
    await src.provider.createInstance(instanceInput('no-pitr', { backupRetentionDays: 0 }));
    try {
      const { ctx } = await context('no-pitr');
      // WHEN the instance scenario is asked for
      const outcome = await drDrill(ctx, { scenario: 'instance' });
      // THEN it is refused at DR-2 with the runbook's sentence (exit 2), and nothing was made
      expect(outcome.error?.message).toBe(
        'Instance no-pitr has automated backups off (retention 0 days): there is no point in time to recover to.',
      );
      expect(exitCodeOf(outcome)).toBe(ExitCode.usage);
      expect(outcome.record.error).toMatchObject({ step: 'DR-2', code: 'usage' });
      expect(outcome.record.steps.find((s) => s.id === 'DR-3')?.status).toBe('not-run');
      expect((await src.provider.listInstances()).map((i) => i.id).sort()).toEqual(['no-pitr', src.id].sort());
    } finally {
      await src.provider.deleteInstance('no-pitr', { skipFinalSnapshot: true });
    }
  });
});
