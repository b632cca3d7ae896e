/** A complete RestoreTestResult for render and record tests. */
import type { RestoreTestResult } from '../../../src/lib/restore/types.js';

export function sampleResult(overrides: Partial<RestoreTestResult> = {}): RestoreTestResult {
  const steps = [
    ['RT-1', 'Pick the source and the backup'],
    ['RT-2', 'Restore into a temporary instance'],
    ['RT-3', 'Wait until it is available'],
    ['RT-4', 'Connect and compare the server'],
    ['RT-5', 'Check physical integrity'],
    ['RT-6', 'Compare the schema with the source'],
    ['RT-7', 'Compare row counts with the source'],
    ['RT-8', 'Measure the data loss window'],
    ['RT-9', 'Check pgvector'],
    ['RT-10', 'Compare query performance'],
    ['RT-11', 'Delete the temporary instance'],
  ].map(([id, title]) => ({ id: id!, title: title!, status: 'ok' as const, durationMs: 1000 }));
  return {
    runId: 'r1',
    verdict: 'passed',
    dryRun: false,
    provider: 'aws',
    region: 'us-east-2',
    startedAt: '2026-05-01T12:00:00.000Z',
    finishedAt: '2026-05-01T12:30:00.000Z',
    requestedSourceId: 'prod-db',
    source: { instanceId: 'prod-db', engineVersion: '15.8', instanceClass: 'db.t3.micro' },
    backup: { kind: 'snapshot', snapshotId: 'rds:prod-db-2026-05-01-03-10', snapshotType: 'automated', createdAt: '2026-05-01T03:10:00.000Z', ofInstance: 'prod-db' },
    temporary: {
      instanceId: 'prod-db-rt-r1',
      instanceClass: 'db.t3.micro',
      tags: {},
      expiresAt: '2026-05-01T18:00:00Z',
      publiclyAccessible: false,
      subnetGroup: 'dbops-subnets',
      securityGroups: ['sg-0abc'],
      created: true,
      deleted: true,
      kept: false,
    },
    timing: { restoreSeconds: 1260, checksSeconds: 300, totalSeconds: 1800 },
    rto: { targetHours: 4, restoreSeconds: 1260, withinTarget: true },
    rpo: { targetHours: 24, measured: true, dataLossSeconds: 32400, withinTarget: true },
    checks: [
      { step: 'RT-3', id: 'rto', title: 'Restore time within the RTO', status: 'passed', summary: 'Restored in 21m00s.', evidence: ['restore requested → instance available: 21m00s'] },
      { step: 'RT-7', id: 'row-counts', title: 'Row counts match the source', status: 'failed', summary: '1 table outside the count tolerance: public.recipes.', evidence: ['public.recipes: source 3000, restore 1000 — fewer | rows'], hint: 'Compare the table.' },
    ],
    failedChecks: [],
    cleanup: [{ label: 'delete temporary instance prod-db-rt-r1', status: 'done', durationMs: 1000 }],
    report: {
      runbook: 'restore-test',
      runbookFile: 'runbooks/restore-test.md',
      runId: 'r1',
      status: 'ok',
      startedAt: '2026-05-01T12:00:00.000Z',
      finishedAt: '2026-05-01T12:30:00.000Z',
      durationMs: 1_800_000,
      steps,
      cleanup: [{ label: 'delete temporary instance prod-db-rt-r1', status: 'done', durationMs: 1000 }],
    },
    ...overrides,
  };
}
