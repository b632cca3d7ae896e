/**
 * `dbops snapshot run-policy` on the aws adapter against FakeRds: one full run, then a run
 * that fails at each step in turn (a real AWS error injected under the adapter) and a
 * rerun that finishes the job without a second snapshot or a second copy.
 */
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  SnapshotQuotaExceededFault,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbopsError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { reportOf, type RunReport } from '../../../../src/lib/runbook/runner.js';
import { runSnapshotPolicy } from '../../../../src/lib/snapshots/run-policy.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { failNext, throttling, type Fault } from '../../snapshots/_faults.js';
import { snapshotContext } from '../../snapshots/_context.js';
import { ACCOUNT, DR_REGION, FAST, REGION, awsOptions, inputsOf, regionOfCall, rejectionOf } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
/** FakeRds stamps new snapshots with the real time, so these flows use the real clock. */
const ago = (days: number) => new Date(Date.now() - days * DAY);
const MANAGED = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:purpose', Value: 'manual' },
];

let rds: FakeRds;
let provider: Provider;

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 2 });
  rds.addInstance(REGION, 'prod-db');
  // Last weeks' policy snapshots: one past the 4-week retention here, one past the 2-week retention in DR.
  for (const d of [7, 14, 21, 35]) rds.addSnapshot(REGION, `prod-db-manual-old-${d}`, { SnapshotCreateTime: ago(d), TagList: MANAGED });
  for (const d of [7, 20]) {
    rds.addSnapshot(DR_REGION, `prod-db-manual-old-${d}`, {
      SnapshotCreateTime: ago(d),
      SourceRegion: REGION,
      SourceDBSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:prod-db-manual-old-${d}`,
      TagList: [
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:purpose', Value: 'cross-region-copy' },
      ],
    } satisfies Partial<DBSnapshot>);
  }
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

async function run(o: { yes?: boolean; dryRun?: boolean } = { yes: true }) {
  const { ctx, io } = await snapshotContext({ provider, now: () => new Date(), config: { database: { identifier: 'prod-db' } }, ...o });
  return { result: runSnapshotPolicy(ctx, { instanceId: 'prod-db' }), io };
}

const steps = (r: RunReport) => r.steps.map((s) => [s.id, s.status]);

/** The state a completed policy run leaves: this week's snapshot and copy, old ones pruned. */
function expectPolicyDone(): void {
  const mine = (region: string) =>
    rds.snapshotIds(region).filter((id) => !id.includes('-old-') && rds.snapshot(region, id)?.Status !== 'deleting');
  expect(mine(REGION)).toHaveLength(1);
  expect(mine(DR_REGION)).toEqual(mine(REGION));
  const gone = (region: string, id: string) => [undefined, 'deleting'].includes(rds.snapshot(region, id)?.Status);
  expect(gone(REGION, 'prod-db-manual-old-35')).toBe(true);
  expect(rds.snapshot(REGION, 'prod-db-manual-old-21')?.Status).toBe('available');
  expect(gone(DR_REGION, 'prod-db-manual-old-20')).toBe(true);
  expect(rds.snapshot(DR_REGION, 'prod-db-manual-old-7')?.Status).toBe('available');
  expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(1);
  expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
}

describe('snapshot run-policy (aws)', () => {
  it('snapshots, waits, copies to the DR region, waits, and prunes both regions; the report has every step', async () => {
    // GIVEN prod-db with four weeks of snapshots WHEN the weekly job runs
    const { result } = await run();
    const r = await result;
    // THEN every step ran, in order
    expect(steps(r.report)).toEqual([
      ['SN-1', 'ok'],
      ['SN-2', 'ok'],
      ['SN-3', 'ok'],
      ['SN-4', 'ok'],
      ['SN-5', 'ok'],
      ['SN-6', 'ok'],
      ['SN-7', 'ok'],
    ]);
    expect(r.report.steps.every((s) => s.status !== 'ok' || typeof s.durationMs === 'number')).toBe(true);
    expect(r.snapshot).toMatchObject({ reused: false, status: 'available' });
    expect(r.copy).toMatchObject({ id: r.snapshot!.id, region: DR_REGION, reused: false, status: 'available' });
    expect(r.pruned).toEqual([
      { region: REGION, deleted: ['prod-db-manual-old-35'], kept: 4 },
      { region: DR_REGION, deleted: ['prod-db-manual-old-20'], kept: 2 },
    ]);
    // AND the copy request went to us-west-2 naming the new snapshot by ARN
    expect(inputsOf(rds.mock, CopyDBSnapshotCommand)[0]).toMatchObject({
      SourceDBSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:${r.snapshot!.id}`,
      TargetDBSnapshotIdentifier: r.snapshot!.id,
      SourceRegion: REGION,
      CopyTags: true,
    });
    expect(await regionOfCall(rds.mock, CopyDBSnapshotCommand)).toBe(DR_REGION);
    expectPolicyDone();
  });

  it('run twice in a row, the second run reuses the snapshot and the copy and deletes nothing more', async () => {
    await (await run()).result;
    const again = await (await run()).result;
    expect(steps(again.report)).toEqual([
      ['SN-1', 'ok'],
      ['SN-2', 'skipped'],
      ['SN-3', 'ok'],
      ['SN-4', 'ok'],
      ['SN-5', 'ok'],
      ['SN-6', 'ok'],
      ['SN-7', 'ok'],
    ]);
    expect(again.snapshot?.reused).toBe(true);
    expect(again.copy?.reused).toBe(true);
    expect(again.pruned.flatMap((p) => p.deleted)).toEqual([]);
    expectPolicyDone();
  });

  it('with --dry-run checks and changes nothing', async () => {
    const r = await (await run({ dryRun: true })).result;
    expect(steps(r.report)).toEqual([['SN-1', 'ok'], ...['SN-2', 'SN-3', 'SN-4', 'SN-5', 'SN-6', 'SN-7'].map((id) => [id, 'skipped'])]);
    expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it('refuses to start without a TTY and without --yes, before creating anything (exit 2)', async () => {
    const e = (await rejectionOf((await run({})).result)) as DbopsError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^Refusing without confirmation: Run the snapshot policy on prod-db/);
    expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('snapshot run-policy resumes after a failure at each step', () => {
  const cases: { step: string; inject: () => Fault; secondRun: string[] }[] = [
    {
      step: 'SN-1',
      inject: () => failNext(DescribeDBInstancesCommand, throttling),
      secondRun: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-2',
      inject: () => failNext(CreateDBSnapshotCommand, () => new SnapshotQuotaExceededFault({ message: 'quota', $metadata: {} })),
      secondRun: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-3',
      inject: () => failNext(DescribeDBSnapshotsCommand, throttling, { input: { DBSnapshotIdentifier: true }, region: REGION }),
      secondRun: ['ok', 'skipped', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-4',
      inject: () => failNext(CopyDBSnapshotCommand, throttling),
      secondRun: ['ok', 'skipped', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-5',
      inject: () => failNext(DescribeDBSnapshotsCommand, throttling, { input: { DBSnapshotIdentifier: true }, region: DR_REGION }),
      secondRun: ['ok', 'skipped', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-6',
      inject: () => failNext(DeleteDBSnapshotCommand, throttling, { region: REGION }),
      secondRun: ['ok', 'skipped', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
    {
      step: 'SN-7',
      inject: () => failNext(DeleteDBSnapshotCommand, throttling, { region: DR_REGION }),
      secondRun: ['ok', 'skipped', 'ok', 'ok', 'ok', 'ok', 'ok'],
    },
  ];

  it.each(cases)('failure in $step, then a rerun', async ({ step, inject, secondRun }) => {
    // GIVEN AWS fails one call of this step
    const fault = inject();
    let first: RunReport | undefined;
    let error: DbopsError | undefined;
    try {
      // WHEN the weekly job runs
      error = (await rejectionOf((await run()).result)) as DbopsError;
      first = reportOf(error);
    } finally {
      fault.restore();
    }
    // THEN it failed at that step, named in the error and the report; earlier steps ran, later ones did not
    expect(fault.hits).toBe(1);
    expect(error.step).toBe(step);
    expect(error.exitCode).toBe(3);
    const ids = first!.steps.map((s) => s.id);
    const at = ids.indexOf(step);
    expect(first!.status).toBe('failed');
    expect(first!.steps[at]).toMatchObject({ id: step, status: 'failed', error: { message: error.message } });
    expect(first!.steps.slice(0, at).every((s) => s.status === 'ok')).toBe(true);
    expect(first!.steps.slice(at + 1).every((s) => s.status === 'not-run')).toBe(true);

    // WHEN it runs again
    const second = await (await run()).result;
    // THEN it finishes, reusing what the first run made, with one snapshot and one copy in all
    expect(second.report.steps.map((s) => s.status)).toEqual(secondRun);
    expect(second.snapshot?.reused).toBe(at >= 2);
    expect(second.copy?.reused).toBe(at >= 4);
    expectPolicyDone();
  });
});
