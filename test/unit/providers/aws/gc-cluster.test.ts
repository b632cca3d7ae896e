/**
 * `dbops gc` of Aurora leftovers against FakeRds' clusters: an expired cluster dbops made is
 * deleted after its instances (DeleteDBInstance, then DeleteDBCluster without a final
 * snapshot), expired cluster snapshots too; nothing without dbops:managed, nothing not yet
 * expired, nothing with deletion protection, and no cluster that keeps an instance.
 */
import { DeleteDBClusterCommand, DeleteDBClusterSnapshotCommand, DeleteDBInstanceCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { gc } from '../../../../src/lib/snapshots/gc.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { snapshotContext } from '../../snapshots/_context.js';
import { FAST, REGION, awsOptions, inputsOf } from './helpers.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const tags = (expiresAt: string, managed = true) => [
  ...(managed ? [{ Key: 'dbops:managed', Value: 'true' }] : []),
  { Key: 'dbops:purpose', Value: 'restore-test' },
  { Key: 'dbops:expires-at', Value: expiresAt },
];
const EXPIRED = '2026-11-22T01:00:00Z';
const LATER = '2026-11-22T09:00:00Z';

let rds: FakeRds;
let provider: Provider;

beforeEach(() => {
  rds = new FakeRds();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

function cluster(id: string, t: { Key: string; Value: string }[], members: string[], protectedCluster = false): void {
  rds.clusters.addCluster(REGION, id, { TagList: t, DeletionProtection: protectedCluster });
  for (const m of members) rds.addClusterMember(REGION, id, m, { TagList: t });
}

describe('gc of Aurora clusters', () => {
  it('deletes an expired cluster after its instances, and expired cluster snapshots; keeps the rest with the reason', async () => {
    cluster('hub-rt-1', tags(EXPIRED), ['hub-rt-1-writer']);
    cluster('hub-rt-2', tags(LATER), ['hub-rt-2-writer']);
    cluster('hub-rt-3', tags(EXPIRED, false), []);
    cluster('hub-rt-4', tags(EXPIRED), [], true);
    rds.clusters.addClusterSnapshot(REGION, 'hub-rt-snap', { TagList: tags(EXPIRED) });
    const { ctx } = await snapshotContext({
      provider,
      now: NOW,
      yes: true,
      config: { snapshots: { crossRegion: { enabled: false, region: REGION, retentionWeeks: 2 } } },
    });

    const result = await gc(ctx);

    expect(result.items.map((i) => `${i.kind} ${i.id} ${i.action}: ${i.reason}`)).toEqual([
      'instance hub-rt-1-writer delete: expired 4h00m ago',
      'instance hub-rt-2-writer keep: expires in 4h00m',
      'cluster hub-rt-1 delete: expired 4h00m ago',
      'cluster hub-rt-2 keep: expires in 4h00m',
      'cluster hub-rt-3 keep: no dbops:managed=true: not created by dbops, never touched',
      'cluster hub-rt-4 keep: deletion protection is on: dbops respects it',
      'cluster-snapshot hub-rt-snap delete: expired 4h00m ago',
    ]);
    // THEN the instance went first, then its cluster, without a final snapshot; then the cluster snapshot
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'hub-rt-1-writer', SkipFinalSnapshot: true }]);
    expect(inputsOf(rds.mock, DeleteDBClusterCommand)).toEqual([{ DBClusterIdentifier: 'hub-rt-1', SkipFinalSnapshot: true }]);
    expect(inputsOf(rds.mock, DeleteDBClusterSnapshotCommand)).toEqual([{ DBClusterSnapshotIdentifier: 'hub-rt-snap' }]);
    expect(result.failed).toEqual([]);
  });

  it('keeps an expired cluster whose instance is not expired', async () => {
    rds.clusters.addCluster(REGION, 'hub-rt-5', { TagList: tags(EXPIRED) });
    rds.addClusterMember(REGION, 'hub-rt-5', 'hub-rt-5-writer', { TagList: tags(LATER) });
    const { ctx } = await snapshotContext({
      provider,
      now: NOW,
      dryRun: true,
      config: { snapshots: { crossRegion: { enabled: false, region: REGION, retentionWeeks: 2 } } },
    });
    const result = await gc(ctx);
    expect(result.items.find((i) => i.kind === 'cluster')).toMatchObject({
      action: 'keep',
      reason: 'it still has instances gc does not delete (hub-rt-5-writer)',
    });
    expect(rds.mock.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
  });
});
