/**
 * The drill policy in `dbops backup status` (recovery.drillEveryDays), the RPO basis and the
 * RTO phases: pure functions, exact values.
 */
import { describe, expect, it } from 'vitest';
import { type DrillHistoryLine, drillPolicy, svgDrillChart, terminalDrillChart } from '../../../src/lib/drill/history.js';
import { phasesOf } from '../../../src/lib/drill/record.js';
import { evaluateBackupStatus, type BackupFacts, type BackupPolicy } from '../../../src/lib/snapshots/status.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const POLICY: BackupPolicy = { backupRetentionDays: 7, rpoHours: 24, maxSnapshotAgeDays: 8, crossRegionEnabled: false, drillEveryDays: 92 };

function drill(startedAt: string, verdict: DrillHistoryLine['verdict'], over: Partial<DrillHistoryLine> = {}): DrillHistoryLine {
  return {
    drillId: `d${startedAt.slice(5, 10)}`,
    scenario: 'region',
    provider: 'local',
    sourceInstanceId: 'db',
    recoveryRegion: 'us-west-2',
    t0: startedAt,
    startedAt,
    finishedAt: startedAt,
    verdict,
    rtoSeconds: 600,
    rtoTargetHours: 4,
    rtoCovers: 'automated-only',
    rpoSeconds: 7200,
    rpoBasis: 'heartbeat',
    rpoTargetHours: 24,
    findings: 0,
    recordSha256: 'x',
    ...over,
  };
}

function facts(drills: DrillHistoryLine[]): BackupFacts {
  return {
    provider: 'local',
    instance: { id: 'db', region: 'us-east-2', backupRetentionDays: 7 },
    manualSnapshots: [],
    restoreTests: [],
    drills,
  };
}

describe('drill policy', () => {
  it('the last passing drill within recovery.drillEveryDays: no violation', () => {
    expect(drillPolicy([drill('2026-04-01T00:00:00Z', 'passed'), drill('2026-05-01T00:00:00Z', 'failed')], 92, NOW)).toMatchObject({
      overdue: false,
      ageDays: 61,
      lastPassed: { startedAt: '2026-04-01T00:00:00Z' },
    });
    expect(evaluateBackupStatus(facts([drill('2026-04-01T00:00:00Z', 'passed')]), POLICY, NOW).violations.map((v) => v.code)).not.toContain(
      'dr-drill-overdue',
    );
  });

  it('older than the policy: a violation naming the drill', () => {
    const s = evaluateBackupStatus(facts([drill('2026-02-01T00:00:00Z', 'passed'), drill('2026-05-20T00:00:00Z', 'failed')]), POLICY, NOW);
    expect(s.violations.find((v) => v.code === 'dr-drill-overdue')?.message).toBe(
      'The last passing DR drill (d02-01, 2026-02-01T00:00:00Z) is 120 days old: more than recovery.drillEveryDays (92). Run `dbops dr-drill`.',
    );
    expect(s.ok).toBe(false);
  });

  it('drills recorded, none passed: a violation; none recorded: a note', () => {
    expect(evaluateBackupStatus(facts([drill('2026-05-20T00:00:00Z', 'failed')]), POLICY, NOW).violations.map((v) => v.code)).toContain(
      'dr-drill-overdue',
    );
    const none = evaluateBackupStatus(facts([]), POLICY, NOW);
    expect(none.violations.map((v) => v.code)).not.toContain('dr-drill-overdue');
    expect(none.notes).toContain('No DR drill recorded yet: run `dbops dr-drill` (the seeds ask for one a quarter).');
  });
});

describe('RTO phases', () => {
  it('detection from --detected-at, then each phase from its steps; skipped steps are not counted', () => {
    const steps = [
      { id: 'DR-1', title: '', status: 'ok', manual: false, durationMs: 100 },
      { id: 'DR-2', title: '', status: 'ok', manual: false, durationMs: 400 },
      { id: 'DR-3', title: '', status: 'ok', manual: false, durationMs: 2000 },
      { id: 'DR-4', title: '', status: 'ok', manual: false, durationMs: 1000 },
      { id: 'DR-5', title: '', status: 'skipped', manual: false },
      { id: 'DR-7', title: '', status: 'ok', manual: false, durationMs: 250 },
      { id: 'DR-8', title: '', status: 'ok', manual: false, durationMs: 3000 },
      { id: 'DR-14', title: '', status: 'ok', manual: false, durationMs: 50 },
      { id: 'DR-15', title: '', status: 'ok', manual: true, durationMs: 60_000 },
      { id: 'DR-16', title: '', status: 'not-exercised', manual: true },
    ] as const;
    expect(phasesOf([...steps], new Date('2026-05-01T09:00:00Z'), new Date('2026-05-01T09:10:00Z'))).toEqual([
      { name: 'detection', steps: [], seconds: 600 },
      { name: 'find', steps: ['DR-1', 'DR-2'], seconds: 0.5 },
      { name: 'restore', steps: ['DR-3'], seconds: 2 },
      { name: 'wait', steps: ['DR-4'], seconds: 1 },
      { name: 'start', steps: ['DR-7'], seconds: 0.25 },
      { name: 'verify', steps: ['DR-8'], seconds: 3 },
      { name: 'writes', steps: ['DR-14'], seconds: 0.05 },
      { name: 'manual', steps: ['DR-15'], seconds: 60 },
    ]);
  });
});

describe('history charts', () => {
  it('terminal: a bar per objective per drill, × beyond the target', () => {
    const chart = terminalDrillChart([drill('2026-05-01T00:00:00Z', 'failed', { rpoSeconds: 30 * 3600 })], 30);
    expect(chart.split('\n')[2]).toMatch(/^ {20}RPO █+×+/);
  });

  it('SVG: both series and both target lines', () => {
    const svg = svgDrillChart([drill('2026-03-01T00:00:00Z', 'passed'), drill('2026-05-01T00:00:00Z', 'passed')]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('RTO target 4 h');
    expect(svg).toContain('RPO target 24 h');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
  });
});
