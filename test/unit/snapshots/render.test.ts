/** What a human reads: the renderers, without colour, pinned exactly. */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/lib/providers/types.js';
import type { CopyResult } from '../../../src/lib/snapshots/copy.js';
import { planPrune } from '../../../src/lib/snapshots/policy.js';
import { renderBackupStatus, renderCopy, renderPrune } from '../../../src/lib/snapshots/render.js';
import { evaluateBackupStatus } from '../../../src/lib/snapshots/status.js';

const c = new Chalk({ level: 0 });
const NOW = new Date('2026-11-22T05:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

function snap(id: string, days: number, o: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    instanceId: 'db',
    type: 'manual',
    status: 'available',
    createdAt: new Date(NOW.getTime() - days * DAY),
    encrypted: false,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags: { 'dbops:managed': 'true', 'dbops:purpose': 'manual' },
    ...o,
  };
}

describe('renderPrune', () => {
  it('says what a dry run would delete, with every decision and its reason', () => {
    const plan = planPrune([snap('m-1', 1), snap('m-30', 30)], { manualRetentionWeeks: 4, copyRetentionWeeks: 2, keepNewest: 1 }, NOW);
    const text = renderPrune({ dryRun: true, regions: ['us-east-2'], plan, confirmed: false, deleted: [], failed: [] }, c);
    expect(text).toBe(
      [
        'Dry run: would delete 1 snapshot:',
        'ACTION  ID    REGION     CLASS   CREATED               WHY',
        'keep    m-1   us-east-2  manual  2026-11-21T05:00:00Z  one of the newest 1 manual snapshot of db in us-east-2 (24h00m old)',
        'delete  m-30  us-east-2  manual  2026-10-23T05:00:00Z  older than the 4 weeks manual retention (30d00h old)',
      ].join('\n'),
    );
  });
});

describe('renderCopy', () => {
  const base: CopyResult = {
    dryRun: false,
    sourceRegion: 'us-east-2',
    targetRegion: 'us-west-2',
    sourceSnapshotId: 's',
    targetSnapshotId: 's',
    alreadyExisted: false,
  };

  it('says a copy that already exists is a no-op', () => {
    expect(renderCopy({ ...base, alreadyExisted: true, copy: snap('s', 1, { region: 'us-west-2' }) })).toBe(
      'Nothing to do: s is already in us-west-2 (a copy of s, available).',
    );
  });

  it('says what was copied, how long it took and its size', () => {
    expect(renderCopy({ ...base, copy: snap('s', 0, { region: 'us-west-2', sizeBytes: 20 * 1024 ** 3 }), waitedMs: 125_000 })).toBe(
      'Copied s (us-east-2) -> s (us-west-2): available in 2m05s, 20.0 GiB.',
    );
  });
});

describe('renderBackupStatus', () => {
  it('shows the settings, the newest snapshot and copy, and each violation with its code', () => {
    const status = evaluateBackupStatus(
      {
        provider: 'aws',
        instance: {
          id: 'db',
          region: 'us-east-2',
          backupRetentionDays: 3,
          preferredBackupWindow: '03:00-04:00',
          latestRestorableTime: new Date(NOW.getTime() - 300_000),
        },
        manualSnapshots: [snap('m-2', 2)],
        drSnapshots: [],
        drRegion: 'us-west-2',
        restoreTests: [],
      },
      { backupRetentionDays: 7, rpoHours: 24, maxSnapshotAgeDays: 8, crossRegionEnabled: true },
      NOW,
    );
    expect(renderBackupStatus(status, c)).toBe(
      [
        'Instance           db (aws, us-east-2)',
        'Automated backups  3 days (policy 7), window 03:00-04:00',
        'Latest restorable  2026-11-22T04:55:00Z (0.1 h ago, RPO 24 h)',
        'Newest manual      m-2, 2026-11-20T05:00:00Z (2d00h old)',
        'Newest DR copy     none',
        'Restore tests      none recorded',
        '',
        '✖ 2 violations:',
        '  - There is no available cross-region copy in us-west-2: the policy wants one at most 8 days old. [no-recent-cross-region-copy] (see runbooks/backup-status.md#BS-R2)',
        '  - Automated backups of db are kept 3 days; the policy wants 7. [backup-retention-below-policy] (see runbooks/backup-status.md#BS-R3)',
        '',
        'note: No restore test recorded yet: run `dbops restore-test` (the seeds ask for one a month).',
      ].join('\n'),
    );
  });
});
