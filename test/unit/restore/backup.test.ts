import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import type { Instance, Snapshot } from '../../../src/lib/providers/types.js';
import { backupTime, checkPointInTime, describeBackup, newestAvailable } from '../../../src/lib/restore/backup.js';

/** [class, message] of what fn throws. */
function thrown(fn: () => unknown): [unknown, string] {
  try {
    fn();
  } catch (e) {
    return [(e as object).constructor, (e as Error).message];
  }
  throw new Error('expected a throw');
}

const NOW = new Date('2026-05-01T12:00:00Z');

function snap(id: string, createdAt: string, o: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    instanceId: 'prod-db',
    type: 'manual',
    status: 'available',
    createdAt: new Date(createdAt),
    encrypted: true,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags: {},
    ...o,
  };
}

const source = { id: 'prod-db', backupRetentionDays: 7, latestRestorableTime: new Date('2026-05-01T11:55:00Z') } as Instance;

describe('newestAvailable', () => {
  it('picks the newest available snapshot, automated or manual', () => {
    const list = [
      snap('rds:prod-db-2026-05-01-03-10', '2026-05-01T03:10:00Z', { type: 'automated' }),
      snap('prod-db-manual-1', '2026-04-30T03:00:00Z'),
      snap('prod-db-manual-2', '2026-05-01T11:00:00Z', { status: 'creating' }),
    ];
    expect(newestAvailable(list)?.id).toBe('rds:prod-db-2026-05-01-03-10');
    expect(newestAvailable([snap('x', '2026-05-01T00:00:00Z', { status: 'failed' })])).toBeUndefined();
  });
});

describe('checkPointInTime', () => {
  it('accepts latest and a time within the retention window', () => {
    expect(checkPointInTime('latest', source, NOW)).toEqual({
      kind: 'point-in-time',
      time: 'latest',
      latestRestorableTime: '2026-05-01T11:55:00.000Z',
    });
    expect(checkPointInTime(new Date('2026-04-28T00:00:00Z'), source, NOW)).toEqual({
      kind: 'point-in-time',
      time: '2026-04-28T00:00:00.000Z',
      latestRestorableTime: '2026-05-01T11:55:00.000Z',
    });
  });

  it('uses the window the provider reports (local: its WAL archive)', () => {
    const window = { earliest: new Date('2026-05-01T03:10:00Z'), latest: new Date('2026-05-01T11:59:00Z') };
    expect(checkPointInTime(new Date('2026-05-01T11:58:00Z'), { ...source, latestRestorableTime: undefined }, NOW, window)).toEqual({
      kind: 'point-in-time',
      time: '2026-05-01T11:58:00.000Z',
      latestRestorableTime: '2026-05-01T11:59:00.000Z',
    });
    expect(thrown(() => checkPointInTime(new Date('2026-05-01T03:00:00Z'), source, NOW, window))).toEqual([
      UsageError,
      '2026-05-01T03:00:00.000Z is outside the restorable window of prod-db: 2026-05-01T03:10:00.000Z to 2026-05-01T11:59:00.000Z.',
    ]);
  });

  it.each([
    [
      'backups off',
      'latest' as const,
      { ...source, backupRetentionDays: 0 },
      'Instance prod-db has automated backups off (retention 0 days): there is no point in time to restore.',
    ],
    [
      'after the latest restorable time',
      new Date('2026-05-01T11:58:00Z'),
      source,
      '2026-05-01T11:58:00.000Z is outside the restorable window of prod-db: 2026-04-24T12:00:00.000Z to 2026-05-01T11:55:00.000Z.',
    ],
    [
      'before the retention window',
      new Date('2026-04-20T00:00:00Z'),
      source,
      '2026-04-20T00:00:00.000Z is outside the restorable window of prod-db: 2026-04-24T12:00:00.000Z to 2026-05-01T11:55:00.000Z.',
    ],
  ])('refuses %s', (_name, time, src, message) => {
    expect(thrown(() => checkPointInTime(time, src, NOW))).toEqual([UsageError, message]);
  });
});

describe('backupTime and describeBackup', () => {
  it('says when the data ends and what the backup is', () => {
    const s = {
      kind: 'snapshot' as const,
      snapshotId: 's1',
      snapshotType: 'automated' as const,
      createdAt: '2026-05-01T03:10:00.000Z',
      ofInstance: 'prod-db',
    };
    expect(backupTime(s)?.toISOString()).toBe('2026-05-01T03:10:00.000Z');
    expect(describeBackup(s, NOW)).toBe('snapshot s1 (automated, 8h50m old)');
    const latest = { kind: 'point-in-time' as const, time: 'latest', latestRestorableTime: '2026-05-01T11:55:00.000Z' };
    expect(backupTime(latest)?.toISOString()).toBe('2026-05-01T11:55:00.000Z');
    expect(describeBackup(latest)).toBe('the latest restorable time (2026-05-01T11:55:00.000Z)');
  });
});
