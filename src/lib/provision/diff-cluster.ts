/**
 * Desired vs current Aurora cluster and its writer: which settings differ and what each
 * change costs. The rules are Aurora's:
 *
 * - the serverless range, deletion protection, backup retention and windows, copy tags to
 *   snapshots, security groups: modified online (ModifyDBCluster);
 * - an engine minor/major upgrade: downtime (every instance restarts), held for the
 *   maintenance window unless applied immediately; RDS cannot downgrade;
 * - encryption at rest, database name, master user: cannot change on an existing
 *   cluster: replace, and the data is lost unless moved by snapshot and restore;
 * - the writer's class, public accessibility and minor upgrades: ModifyDBInstance.
 *
 * An unknown current value (empty, not reported) is never a reason to change. Pure.
 */
import type { DatabaseState, ModifyDatabaseInput } from '../providers/provision-types.js';
import type { Cluster, CreateClusterInput, CreateClusterInstanceInput, ModifyClusterInput } from '../providers/types.js';
import { changeOf, field, guardUnmanaged, sameSet, simple } from './change.js';
import { engineMajor } from './desired.js';
import type { Change, FieldChange } from './plan-types.js';

const REPLACE = { replace: true, dataLoss: true };

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function versionChange(d: CreateClusterInput, c: Cluster): FieldChange | undefined {
  if (c.engineVersion === '') return undefined;
  const want = engineMajor('postgres', d.engineVersion);
  const have = engineMajor('postgres', c.engineVersion);
  if (want !== have) {
    if (compareVersions(want, have) > 0)
      return field('engineVersion', c.engineVersion, d.engineVersion, { downtime: true, deferrable: true, note: 'major version upgrade' });
    return field('engineVersion', c.engineVersion, d.engineVersion, {
      ...REPLACE,
      note: 'Aurora cannot downgrade an engine: dump and restore into a new cluster',
    });
  }
  const hasMinor = d.engineVersion.split('.').length > 1;
  if (!hasMinor || compareVersions(d.engineVersion, c.engineVersion) <= 0) return undefined;
  return field('engineVersion', c.engineVersion, d.engineVersion, { downtime: true, deferrable: true, note: 'minor version upgrade' });
}

function capacityFields(d: CreateClusterInput, c: Cluster): FieldChange[] {
  const have = c.serverless;
  const want = d.serverless;
  if (have && have.minCapacity === want.minCapacity && have.maxCapacity === want.maxCapacity) return [];
  const show = (s: { minCapacity: number; maxCapacity: number } | undefined) => (s ? `${s.minCapacity}-${s.maxCapacity} ACU` : 'none');
  return [field('serverless', show(have), show(want), { note: 'capacity changes online' })];
}

function settingFields(d: CreateClusterInput, c: Cluster): FieldChange[] {
  const out: FieldChange[] = [];
  if (d.deletionProtection !== c.deletionProtection) out.push(field('deletionProtection', c.deletionProtection, d.deletionProtection));
  if (d.backupRetentionDays !== c.backupRetentionDays) out.push(field('backupRetentionDays', c.backupRetentionDays, d.backupRetentionDays));
  if (c.preferredBackupWindow !== undefined && d.backupWindow !== c.preferredBackupWindow)
    out.push(field('backupWindow', c.preferredBackupWindow, d.backupWindow));
  if (c.preferredMaintenanceWindow !== undefined && d.maintenanceWindow !== c.preferredMaintenanceWindow)
    out.push(field('maintenanceWindow', c.preferredMaintenanceWindow, d.maintenanceWindow));
  if (c.copyTagsToSnapshot !== undefined && d.copyTagsToSnapshot !== c.copyTagsToSnapshot)
    out.push(field('copyTagsToSnapshot', c.copyTagsToSnapshot, d.copyTagsToSnapshot));
  return out;
}

function identityFields(d: CreateClusterInput, c: Cluster): FieldChange[] {
  const note = 'cannot be changed on an existing cluster';
  const out: FieldChange[] = [];
  if (d.storageEncrypted !== c.storageEncrypted) {
    out.push(
      field('storageEncrypted', c.storageEncrypted, d.storageEncrypted, {
        ...REPLACE,
        note: 'encryption cannot be changed in place: snapshot the cluster, restore the snapshot encrypted (runbook provision-apply, PV-12)',
      }),
    );
  }
  if (c.dbName !== undefined && c.dbName !== '' && d.dbName !== c.dbName)
    out.push(field('dbName', c.dbName, d.dbName, { ...REPLACE, note }));
  if (c.masterUsername !== '' && d.masterUsername !== c.masterUsername)
    out.push(field('masterUsername', c.masterUsername, d.masterUsername, { ...REPLACE, note }));
  return out;
}

export interface ClusterDiffInput {
  desired: CreateClusterInput;
  current: Cluster | undefined;
  /** The security groups the cluster should have (undefined: leave them). */
  securityGroupIds?: string[];
}

export function diffCluster({ desired, current, securityGroupIds }: ClusterDiffInput): Change {
  if (!current) return simple('db-cluster', desired.id, 'create');
  const version = versionChange(desired, current);
  const groups =
    securityGroupIds && !sameSet(securityGroupIds, current.vpcSecurityGroupIds)
      ? [field('vpcSecurityGroupIds', current.vpcSecurityGroupIds, securityGroupIds)]
      : [];
  const fields = [
    ...identityFields(desired, current),
    ...(version ? [version] : []),
    ...capacityFields(desired, current),
    ...settingFields(desired, current),
    ...groups,
  ];
  const notes = current.engineVersion === '' ? ['the endpoint did not report the engine version: not compared'] : [];
  return guardUnmanaged(changeOf('db-cluster', desired.id, fields, notes), current.tags);
}

/** The writer instance of the cluster (db.serverless). */
export function diffWriter(desired: CreateClusterInstanceInput, current: DatabaseState | undefined): Change {
  if (!current) return simple('db-instance', desired.instanceId, 'create', [`the writer of cluster ${desired.clusterId}`]);
  const out: FieldChange[] = [];
  if (current.clusterId !== undefined && current.clusterId !== desired.clusterId) {
    out.push(field('clusterId', current.clusterId, desired.clusterId, { ...REPLACE, note: 'an instance cannot move to another cluster' }));
  }
  if (current.instanceClass !== '' && current.instanceClass !== desired.instanceClass) {
    out.push(
      field('instanceClass', current.instanceClass, desired.instanceClass, {
        downtime: true,
        deferrable: true,
        note: 'the writer restarts',
      }),
    );
  }
  if (current.publiclyAccessible !== desired.publiclyAccessible)
    out.push(field('publiclyAccessible', current.publiclyAccessible, desired.publiclyAccessible));
  if (current.autoMinorVersionUpgrade !== undefined && current.autoMinorVersionUpgrade !== desired.autoMinorVersionUpgrade)
    out.push(field('autoMinorVersionUpgrade', current.autoMinorVersionUpgrade, desired.autoMinorVersionUpgrade));
  return guardUnmanaged(changeOf('db-instance', desired.instanceId, out, [`the writer of cluster ${desired.clusterId}`]), current.tags);
}

/** The ModifyDBCluster input that makes the fields of a modify change. */
export function modifyClusterInput(fields: FieldChange[], desired: CreateClusterInput, applyImmediately: boolean): ModifyClusterInput {
  const input: ModifyClusterInput = { applyImmediately };
  for (const f of fields) {
    switch (f.field) {
      case 'serverless':
        input.serverless = desired.serverless;
        break;
      case 'engineVersion':
        input.engineVersion = desired.engineVersion;
        if (f.note === 'major version upgrade') input.allowMajorVersionUpgrade = true;
        break;
      case 'deletionProtection':
        input.deletionProtection = desired.deletionProtection;
        break;
      case 'backupRetentionDays':
        input.backupRetentionDays = desired.backupRetentionDays;
        break;
      case 'backupWindow':
        input.backupWindow = desired.backupWindow;
        break;
      case 'maintenanceWindow':
        input.maintenanceWindow = desired.maintenanceWindow;
        break;
      case 'copyTagsToSnapshot':
        input.copyTagsToSnapshot = desired.copyTagsToSnapshot;
        break;
      case 'vpcSecurityGroupIds':
        input.vpcSecurityGroupIds = f.to as string[];
        break;
    }
  }
  return input;
}

/** The ModifyDBInstance input for the writer's fields. */
export function modifyWriterInput(fields: FieldChange[], applyImmediately: boolean): ModifyDatabaseInput {
  const input: ModifyDatabaseInput = { applyImmediately };
  for (const f of fields) {
    if (f.field === 'instanceClass') input.instanceClass = String(f.to);
    if (f.field === 'publiclyAccessible') input.publiclyAccessible = Boolean(f.to);
    if (f.field === 'autoMinorVersionUpgrade') input.autoMinorVersionUpgrade = Boolean(f.to);
  }
  return input;
}
