/**
 * Provisioning an Aurora Serverless v2 cluster (seed 004) against FakeAwsAccount: the plan
 * rows, CreateDBCluster then the db.serverless writer with their exact inputs, nothing
 * pending after apply, production's deletion protection and 1 ACU minimum, drift made
 * online by ModifyDBCluster, and destroy: the writer, then the cluster with its final
 * cluster snapshot, deletion protection respected.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  ModifyDBClusterCommand,
} from '@aws-sdk/client-rds';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbopsConfig } from '../../../../src/lib/config/schema.js';
import { UsageError } from '../../../../src/lib/errors.js';
import { applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
import { destroyProvision } from '../../../../src/lib/provision/destroy.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { inputsOf, rejectionOf } from './helpers.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];

async function deps(...args: Parameters<typeof awsDeps>): Promise<AwsDeps> {
  const d = await awsDeps(...args);
  open.push(d);
  return d;
}

beforeEach(() => {
  aws = new FakeAwsAccount({ describesToSettle: 2 });
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

const REGION = 'us-east-2';

/** Seed 004's content hub: Aurora Serverless v2 PostgreSQL 15.4, no cache (its Valkey is another row). */
function hubConfig(more: (c: DbopsConfig) => void = () => undefined): DbopsConfig {
  return awsConfig((c) => {
    c.database.identifier = 'content-hub';
    c.database.engine = 'aurora-postgresql';
    c.database.engineVersion = '15.4';
    c.database.instanceClass = 'db.serverless';
    c.database.dbName = 'community_content';
    c.cache.enabled = false;
    more(c);
  });
}

function actions(plan: { changes: { kind: string; id: string; action: string }[] }): string[] {
  return plan.changes.map((c) => `${c.kind} ${c.id} ${c.action}`);
}

describe('provision an Aurora cluster on a fresh account', () => {
  it('plans the cluster, then its writer, in place of an instance', async () => {
    const plan = await planProvision(await deps(hubConfig()));
    expect(actions(plan)).toEqual([
      'security-group content-hub-sg create',
      'parameter-group default.aurora-postgresql15 no-op',
      'db-cluster content-hub create',
      'db-instance content-hub-writer create',
      'sns-topic content-hub-alarms create',
      'sns-subscription oncall@example.com create',
      'alarm content-hub-db-cpu-critical create',
      'alarm content-hub-db-cpu-warning create',
      'alarm content-hub-db-connections-high create',
      'budget content-hub-monthly create',
    ]);
  });

  it('sends CreateDBCluster (serverless range, encrypted, backups 7 days, copy tags) then CreateDBInstance db.serverless; nothing is left to do', async () => {
    // GIVEN an empty account WHEN applying seed 004's cluster
    const d = await deps(hubConfig());
    const result = await applyProvision(d, { applyImmediately: false });
    const runId = result.report!.runId;
    const sg = aws.groups.keys().next().value as string;
    const tags = [
      { Key: 'dbops:managed', Value: 'true' },
      { Key: 'dbops:run-id', Value: runId },
      { Key: 'dbops:purpose', Value: 'primary' },
    ];

    // THEN the cluster is created with the seed's settings and the scaling range on the cluster
    expect(inputsOf(aws.rds, CreateDBClusterCommand)).toEqual([
      {
        DBClusterIdentifier: 'content-hub',
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        StorageEncrypted: true,
        DeletionProtection: false,
        BackupRetentionPeriod: 7,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
        CopyTagsToSnapshot: true,
        DatabaseName: 'community_content',
        MasterUsername: 'dbadmin',
        ManageMasterUserPassword: true,
        VpcSecurityGroupIds: [sg],
        Tags: tags,
      },
    ]);
    // AND then its writer, db.serverless, first in failover order
    expect(inputsOf(aws.rds, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'content-hub-writer',
        DBClusterIdentifier: 'content-hub',
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
        PromotionTier: 0,
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: runId },
          { Key: 'dbops:purpose', Value: 'writer' },
        ],
      },
    ]);
    // AND the runbook ran the cluster steps, not the instance step
    const steps = result.report!.steps.map((s) => `${s.id} ${s.status}`);
    expect(steps).toEqual(expect.arrayContaining(['PV-12 ok', 'PV-13 ok', 'PV-4 skipped']));
    expect(steps.indexOf('PV-12 ok')).toBeLessThan(steps.indexOf('PV-13 ok'));
    // AND the writer is the cluster's writer, the alarms watch the cluster, and nothing is pending
    expect(aws.clusters.writerOf(REGION, 'content-hub')).toBe('content-hub-writer');
    const cpu = inputsOf(aws.cloudWatch, PutMetricAlarmCommand).find((a) => a.AlarmName === 'content-hub-db-connections-high');
    expect(cpu?.Dimensions).toEqual([{ Name: 'DBClusterIdentifier', Value: 'content-hub' }]);
    expect(cpu?.Threshold).toBe(810);
    expect(result.after?.pending).toBe(0);
    expect(actions(await planProvision(await deps(hubConfig())))).toContain('db-cluster content-hub no-op');
  });

  it('in production: deletion protection on and 1-4 ACU', async () => {
    await applyProvision(await deps(hubConfig((c) => (c.environment = 'production'))), { applyImmediately: false });
    expect(inputsOf(aws.rds, CreateDBClusterCommand)[0]).toMatchObject({
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
    });
  });
});

describe('a reader (database.readReplica.enabled)', () => {
  it('is a second db.serverless instance of the cluster, second in failover order; destroy deletes it before the writer and the cluster', async () => {
    const cfg = () => hubConfig((c) => (c.database.readReplica = { enabled: true }));
    const plan = await planProvision(await deps(cfg()));
    expect(actions(plan).filter((a) => a.startsWith('db-') || a.startsWith('read-'))).toEqual([
      'db-cluster content-hub create',
      'db-instance content-hub-writer create',
      'read-replica content-hub-replica create',
    ]);

    const result = await applyProvision(await deps(cfg()), { applyImmediately: false });
    expect(result.after?.pending).toBe(0);
    const reader = inputsOf(aws.rds, CreateDBInstanceCommand)[1];
    expect(reader).toMatchObject({
      DBInstanceIdentifier: 'content-hub-replica',
      DBClusterIdentifier: 'content-hub',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.serverless',
      PromotionTier: 1,
    });
    expect(Object.fromEntries((reader!.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ 'dbops:purpose': 'reader' });
    expect(aws.clusters.cluster(REGION, 'content-hub')?.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([
      ['content-hub-writer', true],
      ['content-hub-replica', false],
    ]);

    const gone = await destroyProvision(await deps(cfg()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(
      gone.items.filter((i) => i.kind.startsWith('db-') || i.kind === 'read-replica').map((i) => `${i.kind} ${i.id} ${i.action}`),
    ).toEqual(['read-replica content-hub-replica delete', 'db-instance content-hub-writer delete', 'db-cluster content-hub delete']);
    expect(inputsOf(aws.rds, DeleteDBInstanceCommand).map((i) => i.DBInstanceIdentifier)).toEqual([
      'content-hub-replica',
      'content-hub-writer',
    ]);
    expect(aws.clusters.clusterIds(REGION)).toEqual([]);
  });
});

describe('drift of a provisioned cluster', () => {
  it('a capacity range changed by hand is planned as an online modify and applied with ModifyDBCluster', async () => {
    // GIVEN a provisioned cluster whose range someone raised to 0.5-16 ACU
    await applyProvision(await deps(hubConfig()), { applyImmediately: false });
    aws.clusters.setCluster(REGION, 'content-hub', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } });

    // WHEN planning THEN the drift is one online field of the cluster
    const plan = await planProvision(await deps(hubConfig()));
    const row = plan.changes.find((c) => c.kind === 'db-cluster')!;
    expect(row).toMatchObject({ action: 'modify', downtime: false, dataLoss: false });
    expect(row.fields.map((f) => [f.field, f.from, f.to])).toEqual([['serverless', '0.5-16 ACU', '0.5-4 ACU']]);

    // WHEN applied THEN ModifyDBCluster sets the range back, and nothing is pending
    const result = await applyProvision(await deps(hubConfig()), { applyImmediately: false });
    expect(inputsOf(aws.rds, ModifyDBClusterCommand)).toEqual([
      {
        DBClusterIdentifier: 'content-hub',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        ApplyImmediately: false,
      },
    ]);
    expect(result.after?.pending).toBe(0);
  });

  it('turning encryption off would replace the cluster: apply refuses before changing anything', async () => {
    await applyProvision(await deps(hubConfig()), { applyImmediately: false });
    const e = await rejectionOf(
      applyProvision(await deps(hubConfig((c) => (c.database.storageEncrypted = false))), { applyImmediately: true }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      'Changing storageEncrypted of content-hub means replacing the cluster and losing its data; dbops will not do that automatically.',
    );
    expect(aws.rds.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
  });

  it('a cluster of that name dbops did not create is blocked, not changed', async () => {
    aws.clusters.addCluster(REGION, 'content-hub', { ServerlessV2ScalingConfiguration: { MinCapacity: 2, MaxCapacity: 8 } });
    const plan = await planProvision(await deps(hubConfig()));
    expect(plan.changes.find((c) => c.kind === 'db-cluster')?.action).toBe('blocked');
    const e = await rejectionOf(applyProvision(await deps(hubConfig()), { applyImmediately: false }));
    expect(e.message).toBe('db-cluster content-hub exists but was not created by dbops; dbops will not change it.');
  });
});

describe('destroy a provisioned cluster', () => {
  it('deletes the writer, then the cluster with a final cluster snapshot', async () => {
    await applyProvision(await deps(hubConfig()), { applyImmediately: false });
    const d = await deps(hubConfig());
    const result = await destroyProvision(d, { skipFinalSnapshot: false, ignoreDeletionProtection: false });

    expect(result.items.filter((i) => i.kind.startsWith('db-')).map((i) => `${i.kind} ${i.id} ${i.action}`)).toEqual([
      'db-instance content-hub-writer delete',
      'db-cluster content-hub delete',
    ]);
    expect(inputsOf(aws.rds, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'content-hub-writer', SkipFinalSnapshot: true }]);
    expect(inputsOf(aws.rds, DeleteDBClusterCommand)).toEqual([
      { DBClusterIdentifier: 'content-hub', SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 'content-hub-final-20260301-100000' },
    ]);
    expect(aws.clusters.clusterIds(REGION)).toEqual([]);
    // AND the final cluster snapshot carries the cluster's tags (copy tags to snapshots)
    const finalTags = Object.fromEntries(
      (aws.clusters.clusterSnapshot(REGION, 'content-hub-final-20260301-100000')?.TagList ?? []).map((t) => [t.Key, t.Value]),
    );
    expect(finalTags).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'primary' });
    const steps = result.report!.steps.map((s) => `${s.id} ${s.status}`);
    expect(steps).toEqual(expect.arrayContaining(['PD-8 skipped', 'PD-11 ok', 'PD-12 ok']));
  });

  it('a production cluster with deletion protection stops the destroy before anything is deleted', async () => {
    await applyProvision(await deps(hubConfig((c) => (c.environment = 'production'))), { applyImmediately: false });
    const e = await rejectionOf(
      destroyProvision(await deps(hubConfig((c) => (c.environment = 'production'))), {
        skipFinalSnapshot: false,
        ignoreDeletionProtection: false,
      }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('DB cluster content-hub has deletion protection on; nothing was destroyed.');
    expect(aws.rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(aws.clusters.clusterIds(REGION)).toEqual(['content-hub']);
  });

  it('with --ignore-deletion-protection it is turned off with ModifyDBCluster first', async () => {
    await applyProvision(await deps(hubConfig((c) => (c.environment = 'production'))), { applyImmediately: false });
    await destroyProvision(await deps(hubConfig((c) => (c.environment = 'production'))), {
      skipFinalSnapshot: true,
      ignoreDeletionProtection: true,
    });
    expect(inputsOf(aws.rds, ModifyDBClusterCommand)).toEqual([
      { DBClusterIdentifier: 'content-hub', DeletionProtection: false, ApplyImmediately: true },
    ]);
    expect(inputsOf(aws.rds, DeleteDBClusterCommand)).toEqual([{ DBClusterIdentifier: 'content-hub', SkipFinalSnapshot: true }]);
    expect(aws.clusters.clusterIds(REGION)).toEqual([]);
  });

  it('a cluster with an instance dbops did not create is kept whole', async () => {
    await applyProvision(await deps(hubConfig()), { applyImmediately: false });
    aws.clusters.join(REGION, 'content-hub', 'hand-made-reader', 'db.serverless');
    const result = await destroyProvision(await deps(hubConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.find((i) => i.kind === 'db-cluster')).toEqual({
      kind: 'db-cluster',
      id: 'content-hub',
      action: 'keep',
      reason: 'it has instances dbops did not create (hand-made-reader)',
    });
    expect(aws.rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
  });
});
