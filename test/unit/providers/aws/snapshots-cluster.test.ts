/**
 * The snapshot commands on an Aurora cluster (database.engine aurora-postgresql) against
 * FakeRds' clusters: the same lib functions and runbook steps, the DBClusterSnapshot calls
 * with their exact inputs, the copy to the DR region by ARN with the destination region's
 * key, prune with the same policy, and instance snapshots left alone.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { deleteSnapshotById } from '../../../../src/lib/snapshots/delete.js';
import { pruneSnapshots } from '../../../../src/lib/snapshots/prune.js';
import { runSnapshotPolicy } from '../../../../src/lib/snapshots/run-policy.js';
import { createManualSnapshot, listSnapshots } from '../../../../src/lib/snapshots/snapshots.js';
import { backupStatus } from '../../../../src/lib/snapshots/status.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { snapshotContext } from '../../snapshots/_context.js';
import { ACCOUNT, DR_REGION, FAST, REGION, awsOptions, inputsOf, regionOfCall } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
/** FakeRds stamps new snapshots with the real time: these flows use the real clock. */
const ago = (days: number) => new Date(Date.now() - days * DAY);
const HUB = 'content-hub';
const MANAGED = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:purpose', Value: 'manual' },
];

let rds: FakeRds;
let provider: Provider;

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 2 });
  rds.clusters.addCluster(REGION, HUB, { LatestRestorableTime: new Date(Date.now() - 5 * 60_000) });
  rds.addClusterMember(REGION, HUB, 'content-hub-writer');
  // An RDS instance in the same account: its snapshots are not the cluster's business.
  rds.addInstance(REGION, 'prod-db');
  rds.addSnapshot(REGION, 'prod-db-manual-old', { SnapshotCreateTime: ago(60), TagList: MANAGED });
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

function clusterSnap(region: string, id: string, days: number, o: Partial<DBClusterSnapshot> = {}): void {
  rds.clusters.addClusterSnapshot(region, id, { DBClusterIdentifier: HUB, SnapshotCreateTime: ago(days), TagList: MANAGED, ...o });
}

async function context(o: { yes?: boolean; dryRun?: boolean } = {}) {
  return snapshotContext({
    provider,
    now: () => new Date(),
    config: {
      database: { identifier: HUB, engine: 'aurora-postgresql', engineVersion: '15.4', instanceClass: 'db.serverless' },
    },
    ...o,
  });
}

describe('snapshot create / list on a cluster', () => {
  it('CreateDBClusterSnapshot of the configured cluster, tagged like an instance snapshot, listed as a cluster snapshot', async () => {
    const { ctx } = await context();
    const result = await createManualSnapshot(ctx, { instanceId: HUB, wait: true });

    const [input] = inputsOf(rds.mock, CreateDBClusterSnapshotCommand);
    expect(input).toMatchObject({ DBClusterIdentifier: HUB, DBClusterSnapshotIdentifier: result.snapshot!.id });
    expect(Object.fromEntries((input!.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
      'dbops:managed': 'true',
      'dbops:purpose': 'manual',
    });
    expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
    expect(result.snapshot).toMatchObject({ of: 'cluster', instanceId: HUB, status: 'available' });

    const listed = await listSnapshots(ctx, { instanceId: HUB, type: 'all' });
    expect(listed.map((s) => [s.id, s.of])).toEqual([[result.snapshot!.id, 'cluster']]);
  });
});

describe('snapshot run-policy on a cluster', () => {
  it('snapshots the cluster, copies it to the DR region by ARN with the destination key, and prunes both regions by the same policy', async () => {
    // GIVEN last weeks' policy snapshots of the cluster: one past the 4-week retention, one DR copy past 2 weeks
    for (const d of [7, 35]) clusterSnap(REGION, `content-hub-manual-old-${d}`, d);
    for (const d of [7, 20]) {
      clusterSnap(DR_REGION, `content-hub-manual-old-${d}`, d, {
        SourceDBClusterSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:content-hub-manual-old-${d}`,
        TagList: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:purpose', Value: 'cross-region-copy' },
        ],
      });
    }
    const { ctx } = await context({ yes: true });

    // WHEN the weekly policy runs
    const result = await runSnapshotPolicy(ctx, { instanceId: HUB });

    // THEN the same runbook steps ran, on cluster snapshots
    expect(result.report.steps.filter((s) => s.status === 'failed')).toEqual([]);
    expect(rds.mock.commandCalls(CreateDBClusterSnapshotCommand)).toHaveLength(1);
    const copy = inputsOf(rds.mock, CopyDBClusterSnapshotCommand);
    expect(await regionOfCall(rds.mock, CopyDBClusterSnapshotCommand)).toBe(DR_REGION);
    const id = result.snapshot!.id;
    expect(copy).toEqual([
      expect.objectContaining({
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:${id}`,
        TargetDBClusterSnapshotIdentifier: id,
        SourceRegion: REGION,
        KmsKeyId: 'alias/aws/rds',
      }),
    ]);
    // AND old cluster snapshots past retention went, in both regions; the instance's snapshot was not touched
    const deleted = inputsOf(rds.mock, DeleteDBClusterSnapshotCommand).map((i) => i.DBClusterSnapshotIdentifier);
    expect(deleted.sort()).toEqual(['content-hub-manual-old-20', 'content-hub-manual-old-35']);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    expect(rds.snapshot(REGION, 'prod-db-manual-old')?.Status).toBe('available');
  });
});

describe('snapshot prune and delete on a cluster', () => {
  it('prune --dry-run plans cluster snapshots by the same policy', async () => {
    for (const d of [7, 14, 35]) clusterSnap(REGION, `content-hub-manual-${d}`, d);
    const { ctx } = await context({ dryRun: true });
    const result = await pruneSnapshots(ctx, {});
    expect(result.plan.deletes.map((d) => d.id)).toEqual(['content-hub-manual-35']);
    expect(rds.mock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
  });

  it('delete <cluster snapshot id> sends DeleteDBClusterSnapshot', async () => {
    clusterSnap(REGION, 'content-hub-manual-1', 1);
    const { ctx } = await context({ yes: true });
    await deleteSnapshotById(ctx, { id: 'content-hub-manual-1' });
    expect(inputsOf(rds.mock, DeleteDBClusterSnapshotCommand)).toEqual([{ DBClusterSnapshotIdentifier: 'content-hub-manual-1' }]);
  });
});

describe('backup status of a cluster', () => {
  it("reads the cluster's LatestRestorableTime and its cluster snapshots", async () => {
    clusterSnap(REGION, 'content-hub-manual-1', 1);
    const { ctx } = await context();
    const status = await backupStatus(ctx, { instanceId: HUB });
    expect(JSON.stringify(status)).toContain('content-hub-manual-1');
  });
});
