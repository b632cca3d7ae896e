/** `backup status`'s verdict as a pure function of the facts, the policy and a fixed clock. */
import { describe, expect, it } from 'vitest';
import type { RestoreTestRecord } from '../../../src/lib/history/restore-tests.js';
import type { Snapshot } from '../../../src/lib/providers/types.js';
import { Chalk } from 'chalk';
import { renderBackupStatus } from '../../../src/lib/snapshots/render.js';
import { evaluateBackupStatus, type BackupFacts, type BackupPolicy } from '../../../src/lib/snapshots/status.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const POLICY: BackupPolicy = { backupRetentionDays: 7, rpoHours: 24, maxSnapshotAgeDays: 8, crossRegionEnabled: true };

function snap(id: string, daysAgo: number, o: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    instanceId: 'db',
    type: 'manual',
    status: 'available',
    createdAt: new Date(NOW.getTime() - daysAgo * DAY),
    encrypted: true,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags: {},
    ...o,
  };
}
const copy = (id: string, daysAgo: number, o: Partial<Snapshot> = {}) =>
  snap(id, daysAgo, { region: 'us-west-2', sourceRegion: 'us-east-2', ...o });

function test(startedAt: string, verdict: RestoreTestRecord['verdict']): RestoreTestRecord {
  return {
    runId: `r-${startedAt}`,
    provider: 'aws',
    region: 'us-east-2',
    instanceId: 'db',
    startedAt,
    finishedAt: startedAt,
    verdict,
    failedChecks: [],
    restoreSeconds: 900,
  };
}

function facts(o: Partial<BackupFacts> = {}): BackupFacts {
  return {
    provider: 'aws',
    instance: {
      id: 'db',
      region: 'us-east-2',
      backupRetentionDays: 7,
      preferredBackupWindow: '03:00-04:00',
      latestRestorableTime: new Date(NOW.getTime() - 5 * 60 * 1000),
    },
    manualSnapshots: [snap('m-2', 2), snap('m-9', 9)],
    drSnapshots: [copy('c-2', 2)],
    drRegion: 'us-west-2',
    restoreTests: [test('2026-11-01T06:00:00Z', 'passed')],
    ...o,
  };
}

const codes = (f: BackupFacts, p = POLICY) => evaluateBackupStatus(f, p, NOW).violations.map((v) => v.code);

describe('evaluateBackupStatus', () => {
  it('holds for the seeds policy kept: fresh snapshot and copy, 7-day retention, restorable 5 min ago', () => {
    // GIVEN an estate that keeps the policy WHEN evaluated THEN no violation, and the summaries are exact
    const s = evaluateBackupStatus(facts(), POLICY, NOW);
    expect(s.ok).toBe(true);
    expect(s.violations).toEqual([]);
    expect(s.automated).toEqual({
      available: true,
      retentionDays: 7,
      window: '03:00-04:00',
      latestRestorableTime: new Date('2026-11-22T04:55:00Z'),
      restorableLagHours: 0.1,
    });
    expect(s.newestManualSnapshot).toEqual({
      id: 'm-2',
      region: 'us-east-2',
      createdAt: new Date('2026-11-20T05:00:00Z'),
      ageHours: 48,
      age: '2d00h',
    });
    expect(s.newestCrossRegionCopy).toEqual({
      id: 'c-2',
      region: 'us-west-2',
      createdAt: new Date('2026-11-20T05:00:00Z'),
      ageHours: 48,
      age: '2d00h',
    });
    expect(s.restoreTests.count).toBe(1);
    expect(s.notes).toEqual([]);
  });

  it.each<[string, Partial<BackupFacts>, string[]]>([
    ['no manual snapshot at all', { manualSnapshots: [] }, ['no-recent-manual-snapshot']],
    ['the newest manual snapshot 9 days old', { manualSnapshots: [snap('m-9', 9)] }, ['no-recent-manual-snapshot']],
    [
      'only a manual snapshot still creating',
      { manualSnapshots: [snap('m-0', 0, { status: 'creating' }), snap('m-9', 9)] },
      ['no-recent-manual-snapshot'],
    ],
    [
      'a copy in the source region does not count as a manual snapshot',
      { manualSnapshots: [snap('in', 1, { sourceRegion: 'eu-west-1' })] },
      ['no-recent-manual-snapshot'],
    ],
    ['no copy in the DR region', { drSnapshots: [] }, ['no-recent-cross-region-copy']],
    ['the newest copy 8 days and 1 hour old', { drSnapshots: [copy('c', 8 + 1 / 24)] }, ['no-recent-cross-region-copy']],
    [
      'a manual snapshot made in the DR region is not a copy',
      { drSnapshots: [snap('dr-own', 1, { region: 'us-west-2' })] },
      ['no-recent-cross-region-copy'],
    ],
    ['retention 3 days', { instance: { ...facts().instance, backupRetentionDays: 3 } }, ['backup-retention-below-policy']],
    [
      'latest restorable time 30 h ago',
      { instance: { ...facts().instance, latestRestorableTime: new Date(NOW.getTime() - 30 * HOUR) } },
      ['restorable-time-older-than-rpo'],
    ],
    [
      'automated backups off',
      {
        instance: {
          id: 'db',
          region: 'us-east-2',
          backupRetentionDays: 0,
          preferredBackupWindow: undefined,
          latestRestorableTime: undefined,
        },
      },
      ['backup-retention-below-policy', 'restorable-time-older-than-rpo'],
    ],
    [
      'everything wrong at once',
      {
        manualSnapshots: [],
        drSnapshots: [],
        instance: { ...facts().instance, backupRetentionDays: 1, latestRestorableTime: new Date(NOW.getTime() - 48 * HOUR) },
      },
      ['no-recent-manual-snapshot', 'no-recent-cross-region-copy', 'backup-retention-below-policy', 'restorable-time-older-than-rpo'],
    ],
  ])('%s: violations %j', (_what, over, expected) => {
    expect(codes(facts(over))).toEqual(expected);
  });

  it('keeps the boundaries: exactly 8 days and exactly the RPO are fine', () => {
    const f = facts({
      manualSnapshots: [snap('m', 8)],
      drSnapshots: [copy('c', 8)],
      instance: { ...facts().instance, latestRestorableTime: new Date(NOW.getTime() - 24 * HOUR) },
    });
    expect(codes(f)).toEqual([]);
  });

  it('no restorable time yet on an instance younger than the RPO: a note, not a violation; older: a violation', () => {
    // GIVEN an instance with backups on but no restorable time yet (no first backup)
    const young = facts({
      instance: { ...facts().instance, latestRestorableTime: undefined, createdAt: new Date(NOW.getTime() - 3 * 3600 * 1000) },
    });
    const old = facts({
      instance: { ...facts().instance, latestRestorableTime: undefined, createdAt: new Date(NOW.getTime() - 30 * 3600 * 1000) },
    });
    // WHEN evaluated THEN only the one older than the 24 h RPO is a violation
    const y = evaluateBackupStatus(young, POLICY, NOW);
    expect(y.violations).toEqual([]);
    expect(y.notes).toContain(
      'No latest restorable time yet: db is 3 h old, under the RPO of 24 h; its first automated backup (RDS, in the backup window) starts the window.',
    );
    expect(codes(old)).toEqual(['restorable-time-older-than-rpo']);
  });

  it('says what is wrong in one sentence each', () => {
    const s = evaluateBackupStatus(
      facts({
        manualSnapshots: [snap('m-9', 9)],
        drSnapshots: [],
        instance: { ...facts().instance, backupRetentionDays: 0, latestRestorableTime: undefined },
      }),
      POLICY,
      NOW,
    );
    expect(s.violations.map((v) => v.message)).toEqual([
      'The newest manual snapshot in us-east-2 (m-9) is 9d00h old: more than 8 days.',
      'There is no available cross-region copy in us-west-2: the policy wants one at most 8 days old.',
      'Automated backups of db are off (retention 0 days); the policy wants 7 days.',
      'db has no latest restorable time: point-in-time recovery is not possible (RPO 24 h).',
    ]);
    expect(s.ok).toBe(false);
  });

  it('does not check copies when cross-region copies are off', () => {
    const s = evaluateBackupStatus(facts({ drSnapshots: undefined, drRegion: undefined }), { ...POLICY, crossRegionEnabled: false }, NOW);
    expect(s.newestCrossRegionCopy).toBe('disabled');
    expect(s.violations).toEqual([]);
    expect(s.notes).toEqual(['Cross-region copies are off (snapshots.crossRegion.enabled: false).']);
  });

  it('on the local provider: the window from the WAL archive; a gap and a failing archive_command are violations with their runbook section', () => {
    // GIVEN the local provider, whose archive misses a segment and whose archive_command fails since the last success
    const window = {
      instanceId: 'db',
      archiving: true,
      earliestRestorableTime: new Date(NOW.getTime() - 6 * DAY),
      latestRestorableTime: new Date(NOW.getTime() - 2 * HOUR),
      baseBackups: ['db-auto-20261116-030000'],
      segments: 12,
      bytes: 12 * 16 * 1024 * 1024,
      gap: '000000010000000000000007',
      archiveTimeoutSeconds: 300,
      archiver: {
        archivedCount: 11,
        lastArchivedWal: '000000010000000000000006',
        lastArchivedAt: new Date(NOW.getTime() - 3 * HOUR),
        failedCount: 4,
        lastFailedWal: '000000010000000000000008',
        lastFailedAt: new Date(NOW.getTime() - HOUR),
      },
    };
    const local = facts({
      provider: 'local',
      instance: { id: 'db', region: 'us-east-2', backupRetentionDays: 7, latestRestorableTime: undefined },
      window,
    });
    // WHEN evaluated
    const s = evaluateBackupStatus(local, POLICY, NOW);
    // THEN the window is reported like RDS's, and the archive's problems are violations naming their sections BS-R5 and BS-R6
    expect(s.automated).toMatchObject({
      available: true,
      retentionDays: 7,
      earliestRestorableTime: window.earliestRestorableTime,
      latestRestorableTime: window.latestRestorableTime,
      restorableLagHours: 2,
    });
    expect(s.violations).toEqual([
      {
        code: 'wal-archive-gap',
        runbook: 'runbooks/backup-status.md#BS-R5',
        message: 'The WAL archive of db misses segment 000000010000000000000007: the restorable window stops before it.',
      },
      {
        code: 'wal-archive-failing',
        runbook: 'runbooks/backup-status.md#BS-R6',
        message:
          'The archive_command of db is failing: 4 failures, last on 000000010000000000000008 at 2026-11-22T04:00:00.000Z (see its server log).',
      },
    ]);
    // AND a healthy archive is no violation
    const healthy = evaluateBackupStatus(
      facts({
        provider: 'local',
        window: { ...window, gap: undefined, archiver: { ...window.archiver, lastFailedAt: new Date(NOW.getTime() - 5 * HOUR) } },
      }),
      POLICY,
      NOW,
    );
    expect(healthy.violations).toEqual([]);
  });

  it('a local mysql instance (no binary-log archive): automated backups say why there is no point-in-time recovery, and no RPO violation', () => {
    // GIVEN the local provider's window of a MariaDB stand-in: no point-in-time recovery at all
    const unsupported = 'a local mysql instance (MariaDB standing in for MySQL 8.0) keeps no binary-log archive';
    const f = facts({
      provider: 'local',
      instance: { id: 'db', region: 'us-east-2', backupRetentionDays: 30, preferredBackupWindow: '03:00-04:00' },
      window: { instanceId: 'db', unsupported, archiving: false, baseBackups: [], segments: 0, bytes: 0 },
    });
    // WHEN evaluated
    const s = evaluateBackupStatus(f, POLICY, NOW);
    // THEN the automated backups say why, and "no latest restorable time" is not a violation of its own
    expect(s.automated).toEqual({ available: false, note: `automated backups: none, ${unsupported}; snapshots are its only backups` });
    expect(s.violations.map((v) => v.code)).not.toContain('restorable-time-older-than-rpo');
    expect(renderBackupStatus(s, new Chalk({ level: 0 }))).toContain(`Automated backups  none, ${unsupported}`);
  });

  it("with replication on: the DR region's window beside the primary's; trailing by more than the allowance, or nothing there, is BS-R9", () => {
    const primaryLatest = new Date(NOW.getTime() - 5 * 60 * 1000);
    const backups = (behindSeconds: number) => ({
      id: 'arn:aws:rds:us-west-2:1:auto-backup:ab-db',
      sourceInstanceId: 'db',
      sourceRegion: 'us-east-2',
      region: 'us-west-2',
      status: 'replicating',
      earliestRestorableTime: new Date(NOW.getTime() - 7 * DAY),
      latestRestorableTime: new Date(primaryLatest.getTime() - behindSeconds * 1000),
    });
    // GIVEN a DR copy 120 s behind (allowance 300 s on AWS) THEN its window is shown and nothing is wrong
    const fine = evaluateBackupStatus(facts({ replication: { region: 'us-west-2', backups: backups(120) } }), POLICY, NOW);
    expect(fine.automated).toMatchObject({
      replicated: {
        region: 'us-west-2',
        status: 'replicating',
        earliestRestorableTime: new Date(NOW.getTime() - 7 * DAY),
        latestRestorableTime: new Date(primaryLatest.getTime() - 120_000),
        behindSeconds: 120,
        allowanceSeconds: 300,
      },
    });
    expect(fine.violations).toEqual([]);
    // AND exactly the allowance is fine, one second more is a gap
    expect(codes(facts({ replication: { region: 'us-west-2', backups: backups(300) } }))).toEqual([]);
    const behind = evaluateBackupStatus(facts({ replication: { region: 'us-west-2', backups: backups(7200) } }), POLICY, NOW);
    expect(behind.violations).toEqual([
      {
        code: 'backup-replication-gap',
        runbook: 'runbooks/backup-status.md#BS-R9',
        message:
          'The replicated automated backups of db in us-west-2 trail the primary by 2 h (allowance 5 min): their latest restorable time is 2026-11-22T02:55:00.000Z.',
      },
    ]);
    // AND nothing replicated there yet is a gap too; replication off: no check
    expect(evaluateBackupStatus(facts({ replication: { region: 'us-west-2' } }), POLICY, NOW).violations.map((v) => v.message)).toEqual([
      'The automated backups of db are replicated to us-west-2, but nothing is restorable there yet: a regional disaster falls back to the newest copy.',
    ]);
    expect(evaluateBackupStatus(facts(), POLICY, NOW).automated).not.toHaveProperty('replicated');
  });

  it('shows the restore-test history and notes a missing or failed newest test (not a violation)', () => {
    const tests = [test('2026-11-20T06:00:00Z', 'failed'), test('2026-10-20T06:00:00Z', 'passed')];
    const s = evaluateBackupStatus(facts({ restoreTests: tests }), POLICY, NOW);
    expect(s.restoreTests).toEqual({ count: 2, newest: tests[0], lastPassed: tests[1], recent: tests });
    expect(s.notes).toEqual(['The newest restore test (2026-11-20T06:00:00Z, run r-2026-11-20T06:00:00Z) failed.']);
    expect(s.ok).toBe(true);
    expect(evaluateBackupStatus(facts({ restoreTests: [] }), POLICY, NOW).notes).toEqual([
      'No restore test recorded yet: run `dbops restore-test` (the seeds ask for one a month).',
    ]);
  });
});
