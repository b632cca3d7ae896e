/** The pure decisions behind WAL archiving, automated backups and point-in-time restore (local provider). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/lib/errors.js';
import { automatedBackupDue, automatedToPrune, lastWindowStart } from '../../../../src/lib/providers/local/automated-backups.js';
import { choosePitrBase, lastCommitTime, pgTimestamp, recoveryOutcome } from '../../../../src/lib/providers/local/pitr.js';
import {
  contiguousFrom,
  parseWalFileName,
  segmentName,
  shellQuote,
  type ArchivedFile,
} from '../../../../src/lib/providers/local/wal-archive.js';

const SEG = 16 * 1024 * 1024;
const NOW = new Date('2026-12-02T05:30:00Z');

function file(name: string): ArchivedFile {
  return { ...parseWalFileName(name, SEG)!, bytes: SEG, mtime: NOW };
}

describe('WAL file names', () => {
  it('parses segments, partial segments, history and backup-label files; segment numbers cross log ids', () => {
    expect(parseWalFileName('000000010000000000000003', SEG)).toEqual({
      name: '000000010000000000000003',
      timeline: 1,
      segno: 3n,
      kind: 'segment',
    });
    expect(parseWalFileName('0000000200000001000000FF', SEG)).toMatchObject({ timeline: 2, segno: 511n, kind: 'segment' });
    expect(parseWalFileName('000000010000000000000004.partial', SEG)).toMatchObject({ segno: 4n, kind: 'partial' });
    expect(parseWalFileName('00000002.history', SEG)).toMatchObject({ timeline: 2, kind: 'history' });
    expect(parseWalFileName('000000010000000000000002.00000028.backup', SEG)).toMatchObject({ segno: 2n, kind: 'backup' });
    expect(parseWalFileName('.tmp-000000010000000000000003-42', SEG)).toBeUndefined();
    expect(segmentName(2, 0x1ff000028n, SEG)).toBe('0000000200000001000000FF');
  });

  it('finds the chain from a segment and the first gap after it; the higher timeline wins a segment number', () => {
    const files = [
      '000000010000000000000002',
      '000000010000000000000003',
      '000000010000000000000004.partial',
      '000000020000000000000004',
      '000000020000000000000005',
      '000000020000000000000007',
    ].map(file);
    const r = contiguousFrom(files, 2n);
    expect(r.chain.map((f) => f.name)).toEqual([
      '000000010000000000000002',
      '000000010000000000000003',
      '000000020000000000000004',
      '000000020000000000000005',
    ]);
    expect(r.gapAt).toBe(6n);
    expect(contiguousFrom(files.slice(0, 5), 2n).gapAt).toBeUndefined();
  });

  it('quotes paths for sh', () => {
    expect(shellQuote("/tmp/it's here")).toBe(`'/tmp/it'\\''s here'`);
  });
});

describe('automated backup schedule and retention', () => {
  it('is due once the window has opened and none was taken since; the first one at once', () => {
    expect(lastWindowStart('03:00-04:00', NOW).toISOString()).toBe('2026-12-02T03:00:00.000Z');
    expect(lastWindowStart('06:00-07:00', NOW).toISOString()).toBe('2026-12-01T06:00:00.000Z');
    expect(automatedBackupDue('03:00-04:00', undefined, NOW)).toEqual({ due: true, nextDueAt: NOW });
    expect(automatedBackupDue('03:00-04:00', new Date('2026-12-02T03:05:00Z'), NOW)).toEqual({
      due: false,
      nextDueAt: new Date('2026-12-03T03:00:00Z'),
    });
    expect(automatedBackupDue('03:00-04:00', new Date('2026-12-01T03:05:00Z'), NOW).due).toBe(true);
  });

  it('prunes what the retention does not need: everything older than the newest backup at or before now - retention', () => {
    const snaps = [10, 9, 8, 6, 1].map((d) => ({ id: `b${d}`, createdAt: new Date(NOW.getTime() - d * 86_400_000).toISOString() }));
    expect(automatedToPrune(snaps, 7, NOW)).toEqual(['b10', 'b9']);
    expect(automatedToPrune(snaps.slice(3), 7, NOW)).toEqual([]);
  });
});

describe('point-in-time restore decisions', () => {
  const base = (id: string, completed: string) => ({ snap: { id } as never, startSegno: 2n, completedAt: new Date(completed) });
  const facts = {
    window: {
      instanceId: 'db',
      archiving: true,
      earliestRestorableTime: new Date('2026-12-01T03:01:00Z'),
      latestRestorableTime: new Date('2026-12-02T05:20:00Z'),
      baseBackups: ['a', 'b'],
      segments: 9,
      bytes: 0,
    },
    bases: [base('a', '2026-12-01T03:01:00Z'), base('b', '2026-12-02T03:01:00Z')],
    lastCommitAt: new Date('2026-12-02T05:20:00Z'),
  };

  it('takes the newest base completed before the target; replays everything for the latest time', () => {
    expect(choosePitrBase(facts, 'db', new Date('2026-12-02T02:00:00Z'))).toMatchObject({ base: { snap: { id: 'a' } }, replayAll: false });
    expect(choosePitrBase(facts, 'db', new Date('2026-12-02T04:00:00Z'))).toMatchObject({ base: { snap: { id: 'b' } }, replayAll: false });
    expect(choosePitrBase(facts, 'db', 'latest')).toMatchObject({
      base: { snap: { id: 'b' } },
      target: facts.lastCommitAt,
      replayAll: true,
    });
  });

  it('refuses a time outside the window in one sentence naming it', () => {
    let thrown: unknown;
    try {
      choosePitrBase(facts, 'db', new Date('2026-12-02T05:21:00Z'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toBe(
      '2026-12-02T05:21:00.000Z is outside the restorable window of db: 2026-12-01T03:01:00.000Z to 2026-12-02T05:20:00.000Z.',
    );
    expect(() =>
      choosePitrBase(
        { ...facts, bases: [], window: { ...facts.window, earliestRestorableTime: undefined, latestRestorableTime: undefined } },
        'db',
        'latest',
      ),
    ).toThrow('Instance db has no restorable window yet: no base backup that its WAL archive continues.');
  });

  it('reads commit times from pg_waldump and the stop point from the server log', () => {
    const dump = [
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        735, lsn: 0/03000060, prev 0/03000028, desc: COMMIT 2026-12-02 05:19:59.123456 UTC',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        736, lsn: 0/030000A0, prev 0/03000060, desc: COMMIT 2026-12-02 05:20:00.000999 UTC',
    ].join('\n');
    expect(lastCommitTime(dump)?.toISOString()).toBe('2026-12-02T05:20:00.000Z');
    expect(lastCommitTime('rmgr: XLOG len (rec/tot): 114/114, desc: CHECKPOINT_ONLINE')).toBeUndefined();
    expect(pgTimestamp(new Date('2026-12-02T05:20:00.5Z'))).toBe('2026-12-02 05:20:00.500+00');
    const log =
      '2026-12-02 05:21:00.1 UTC [9] LOG:  recovery stopping before commit of transaction 740, time 2026-12-02 05:20:01.2+00\n2026-12-02 05:21:00.2 UTC [9] LOG:  selected new timeline ID: 2\n';
    expect(recoveryOutcome(log)).toEqual({ stoppedAt: '2026-12-02 05:20:01.2+00', newTimeline: 2 });
  });
});
