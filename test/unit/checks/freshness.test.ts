import { describe, expect, it } from 'vitest';
import { judgeFreshness } from '../../../src/lib/checks/freshness.js';

const NOW = new Date('2026-05-01T12:00:00Z');
const BACKUP = new Date('2026-05-01T03:10:00Z');

describe('judgeFreshness', () => {
  it('is not measured (skipped, not failed) without a heartbeat table, with the cron hint', () => {
    const r = judgeFreshness({ restore: { table: false, rows: 0 }, reference: NOW, backupTime: BACKUP, rpoHours: 24 });
    expect(r).toEqual({
      id: 'rpo',
      title: 'Data freshness (RPO)',
      status: 'skipped',
      summary: 'Data loss not measured: the restore has no dbops.heartbeat table.',
      evidence: [
        'the restore has no dbops.heartbeat table',
        'the backup is 8h50m old: the loss is at least that much plus what the backup missed (an estimate, not a measure)',
      ],
      hint: 'Run `dbops heartbeat` from cron every few minutes on the source (*/5 * * * * dbops heartbeat --quiet): the next restore test then measures the real data loss.',
      data: { measured: false, rpoSeconds: 86400, backupAgeSeconds: 31800 },
    });
  });

  it('measures the window from the newest heartbeat in the restore', () => {
    const r = judgeFreshness({
      restore: { table: true, rows: 288, newest: new Date('2026-05-01T03:05:00Z') },
      source: { table: true, rows: 400, newest: new Date('2026-05-01T11:55:00Z') },
      reference: NOW,
      backupTime: BACKUP,
      rpoHours: 24,
    });
    expect([r.status, r.summary]).toEqual(['passed', 'Data loss window 8h55m, within the RPO of 24 h.']);
    expect(r.data).toEqual({
      measured: true,
      dataLossSeconds: 32100,
      rpoSeconds: 86400,
      newestInRestore: '2026-05-01T03:05:00.000Z',
      newestOnSource: '2026-05-01T11:55:00.000Z',
      lagAtBackupSeconds: 300,
      backupAgeSeconds: 31800,
    });
  });

  it('fails a window beyond the RPO', () => {
    const r = judgeFreshness({
      restore: { table: true, rows: 10, newest: new Date('2026-04-29T12:00:00Z') },
      source: { table: true, rows: 10, newest: new Date('2026-05-01T11:58:00Z') },
      reference: NOW,
      rpoHours: 24,
    });
    expect([r.status, r.summary]).toEqual(['failed', 'Data loss window 2d00h exceeds the RPO of 24 h.']);
  });

  it('warns instead when the heartbeat cron on the source has stopped', () => {
    const r = judgeFreshness({
      restore: { table: true, rows: 10, newest: new Date('2026-04-20T00:00:00Z') },
      source: { table: true, rows: 10, newest: new Date('2026-04-20T00:05:00Z') },
      reference: NOW,
      rpoHours: 24,
    });
    expect(r.status).toBe('warning');
    expect(r.summary).toContain('the heartbeat cron has stopped');
  });
});
