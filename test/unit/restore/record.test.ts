import { describe, expect, it } from 'vitest';
import { historyRecord, metricData } from '../../../src/lib/restore/record.js';
import { sampleResult } from './_result.js';

const NOW = new Date('2026-05-01T12:30:00Z');
const dims = { DBInstanceIdentifier: 'prod-db' };

describe('metricData', () => {
  it('publishes success, restore time and measured data loss for a passed run', () => {
    expect(metricData(sampleResult(), NOW)).toEqual([
      { metricName: 'RestoreTestSuccess', value: 1, unit: 'Count', dimensions: dims, timestamp: NOW },
      { metricName: 'RestoreTestDurationSeconds', value: 1260, unit: 'Seconds', dimensions: dims, timestamp: NOW },
      { metricName: 'RestoreTestDataLossSeconds', value: 32400, unit: 'Seconds', dimensions: dims, timestamp: NOW },
    ]);
  });

  it('publishes 0 for a failed or impossible run, only what was measured', () => {
    const error = sampleResult({ verdict: 'error', timing: { totalSeconds: 3 }, rpo: { targetHours: 24, measured: false } });
    expect(metricData(error, NOW)).toEqual([
      { metricName: 'RestoreTestSuccess', value: 0, unit: 'Count', dimensions: dims, timestamp: NOW },
    ]);
  });

  it('publishes nothing for an interrupted run or a dry run', () => {
    expect(metricData(sampleResult({ verdict: 'interrupted' }), NOW)).toEqual([]);
    expect(metricData(sampleResult({ verdict: 'dry-run' }), NOW)).toEqual([]);
  });
});

describe('historyRecord', () => {
  it('is the line `dbops backup status` reads', () => {
    expect(historyRecord(sampleResult({ verdict: 'failed', failedChecks: ['row-counts'] }))).toEqual({
      runId: 'r1',
      provider: 'aws',
      region: 'us-east-2',
      instanceId: 'prod-db',
      snapshotId: 'rds:prod-db-2026-05-01-03-10',
      startedAt: '2026-05-01T12:00:00.000Z',
      finishedAt: '2026-05-01T12:30:00.000Z',
      verdict: 'failed',
      restoreSeconds: 1260,
      dataLossSeconds: 32400,
      failedChecks: ['row-counts'],
    });
    expect(historyRecord(sampleResult({ verdict: 'dry-run' }))).toBeUndefined();
  });
});
