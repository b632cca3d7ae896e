/**
 * Desired vs current database instance: which settings differ and what each change costs
 * (downtime, replacement, data loss). The rules are RDS's:
 *
 * - instance class, engine minor/major upgrade: downtime (the instance restarts);
 * - storage: grows online; RDS never shrinks storage (a larger current size, e.g. after
 *   autoscaling, is left alone);
 * - encryption at rest, engine, database name, master user: cannot be changed in place:
 *   replace, and the data is lost unless it is moved by snapshot -> encrypted copy -> restore;
 * - backup retention between 0 and >0: an outage; other values: online;
 * - class, storage, engine version, storage type, Multi-AZ and retention wait for the
 *   maintenance window unless applied immediately (RDS PendingModifiedValues).
 *
 * On the local provider the settings without a physical meaning there (class, encryption,
 * windows ...) are recorded on the instance; engine and major version follow the binaries.
 * Pure.
 */
import type { DatabaseState, ModifyDatabaseInput } from '../providers/provision-types.js';
import type { CreateInstanceInput, ProviderName } from '../providers/types.js';
import { changeOf, field, guardUnmanaged, sameSet, simple } from './change.js';
import { engineMajor } from './desired.js';
import type { Change, FieldChange } from './plan-types.js';

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Autoscaling is off when the cap is unset or not above the allocated size. */
function storageCap(max: number | undefined, allocated: number): number | undefined {
  return max !== undefined && max > allocated ? max : undefined;
}

const REPLACE = { replace: true, dataLoss: true };

function versionChange(d: CreateInstanceInput, c: DatabaseState, local: boolean): FieldChange | undefined {
  const current = c.pending.engineVersion ?? c.engineVersion;
  // '' is a version the endpoint did not report: unknown is never a reason to upgrade or replace.
  if (current === '') return undefined;
  const wantMajor = engineMajor(d.engine, d.engineVersion);
  const haveMajor = engineMajor(c.engine, current);
  if (wantMajor !== haveMajor) {
    if (local)
      return field('engineVersion', current, d.engineVersion, {
        replace: true,
        note: 'the local provider runs the installed PostgreSQL binaries; recreate with matching binaries',
      });
    if (compareVersions(wantMajor, haveMajor) > 0) {
      return field('engineVersion', current, d.engineVersion, { downtime: true, deferrable: true, note: 'major version upgrade' });
    }
    return field('engineVersion', current, d.engineVersion, {
      ...REPLACE,
      note: 'RDS cannot downgrade an engine: dump and restore into a new instance',
    });
  }
  const parts = d.engineVersion.split('.').length;
  const hasMinor = d.engine === 'mysql' ? parts > 2 : parts > 1;
  if (!hasMinor || local || compareVersions(d.engineVersion, current) <= 0) return undefined;
  return field('engineVersion', current, d.engineVersion, { downtime: true, deferrable: true, note: 'minor version upgrade' });
}

function storageChanges(d: CreateInstanceInput, c: DatabaseState, local: boolean): FieldChange[] {
  const out: FieldChange[] = [];
  const allocated = c.pending.allocatedStorageGb ?? c.allocatedStorageGb;
  if (d.allocatedStorageGb > allocated) out.push(field('allocatedStorageGb', allocated, d.allocatedStorageGb, { deferrable: true }));
  const wantCap = storageCap(d.maxAllocatedStorageGb, d.allocatedStorageGb);
  const haveCap = storageCap(c.maxAllocatedStorageGb, allocated);
  if (wantCap !== haveCap) out.push(field('maxAllocatedStorageGb', haveCap ?? 'off', wantCap ?? 'off'));
  const type = c.pending.storageType ?? c.storageType;
  if (type !== undefined && d.storageType !== type) {
    out.push(
      field('storageType', type, d.storageType, { deferrable: true, note: 'no downtime; performance may dip while storage is optimized' }),
    );
  }
  if (d.storageEncrypted !== c.storageEncrypted) {
    const note = local
      ? 'recorded only: local clusters are not encrypted at rest'
      : 'encryption cannot be changed in place: snapshot, copy it encrypted, restore (runbook provision-apply, PV-4)';
    out.push(field('storageEncrypted', c.storageEncrypted, d.storageEncrypted, local ? { note } : { ...REPLACE, note }));
  }
  return out;
}

function retentionChange(d: CreateInstanceInput, c: DatabaseState): FieldChange | undefined {
  const have = c.pending.backupRetentionDays ?? c.backupRetentionDays;
  if (have === d.backupRetentionDays) return undefined;
  const outage = (have === 0) !== (d.backupRetentionDays === 0);
  return field(
    'backupRetentionDays',
    have,
    d.backupRetentionDays,
    outage ? { downtime: true, deferrable: true, note: 'turning automated backups on or off restarts the instance' } : {},
  );
}

function simpleFields(d: CreateInstanceInput, c: DatabaseState): FieldChange[] {
  const out: FieldChange[] = [];
  const cls = c.pending.instanceClass ?? c.instanceClass;
  if (d.instanceClass !== cls)
    out.push(
      field('instanceClass', cls, d.instanceClass, { downtime: true, deferrable: true, note: 'the instance restarts on the new class' }),
    );
  const multiAz = c.pending.multiAz ?? c.multiAz;
  if (d.multiAz !== multiAz)
    out.push(
      field('multiAz', multiAz, d.multiAz, { deferrable: true, note: 'no downtime; I/O may pause briefly while the standby is made' }),
    );
  if (d.publiclyAccessible !== c.publiclyAccessible) out.push(field('publiclyAccessible', c.publiclyAccessible, d.publiclyAccessible));
  if (d.deletionProtection !== c.deletionProtection) out.push(field('deletionProtection', c.deletionProtection, d.deletionProtection));
  if (c.preferredBackupWindow !== undefined && d.backupWindow !== c.preferredBackupWindow)
    out.push(field('backupWindow', c.preferredBackupWindow, d.backupWindow));
  if (c.preferredMaintenanceWindow !== undefined && d.maintenanceWindow !== c.preferredMaintenanceWindow) {
    out.push(field('maintenanceWindow', c.preferredMaintenanceWindow, d.maintenanceWindow));
  }
  if (c.autoMinorVersionUpgrade !== undefined && d.autoMinorVersionUpgrade !== c.autoMinorVersionUpgrade) {
    out.push(field('autoMinorVersionUpgrade', c.autoMinorVersionUpgrade, d.autoMinorVersionUpgrade));
  }
  if (c.copyTagsToSnapshot !== undefined && d.copyTagsToSnapshot !== c.copyTagsToSnapshot)
    out.push(field('copyTagsToSnapshot', c.copyTagsToSnapshot, d.copyTagsToSnapshot));
  return out;
}

function identityFields(d: CreateInstanceInput, c: DatabaseState, local: boolean): FieldChange[] {
  const out: FieldChange[] = [];
  const note = 'cannot be changed on an existing instance';
  // An empty value is one the endpoint did not report: unknown, never compared.
  if (d.engine !== c.engine) out.push(field('engine', c.engine, d.engine, { ...REPLACE, note }));
  if (c.dbName !== undefined && c.dbName !== '' && d.dbName !== c.dbName)
    out.push(field('dbName', c.dbName, d.dbName, { ...REPLACE, note }));
  if (c.masterUsername !== '' && d.masterUsername !== c.masterUsername)
    out.push(field('masterUsername', c.masterUsername, d.masterUsername, { ...REPLACE, note }));
  return local ? out.map((f) => ({ ...f, dataLoss: true })) : out;
}

/**
 * The instance's parameter group, when the config names a custom one (RDS MySQL): a new
 * group is attached at once but its settings only take effect after a reboot.
 */
function parameterGroupChange(d: CreateInstanceInput, c: DatabaseState): FieldChange[] {
  if (!d.parameterGroup || c.parameterGroup === undefined || c.parameterGroup === d.parameterGroup) return [];
  return [
    field('parameterGroup', c.parameterGroup, d.parameterGroup, {
      note: 'effective after the next reboot, which RDS shows as pending-reboot: reboot in a quiet hour with `aws rds reboot-db-instance`',
    }),
  ];
}

/** What changing security groups would do; `desiredIds` may hold "(new) name" for a group to create. */
function groupChange(desiredIds: string[] | undefined, c: DatabaseState): FieldChange[] {
  if (!desiredIds || sameSet(desiredIds, c.vpcSecurityGroupIds)) return [];
  return [field('vpcSecurityGroupIds', c.vpcSecurityGroupIds, desiredIds)];
}

function optionalField(f: FieldChange | undefined): FieldChange[] {
  return f ? [f] : [];
}

/** Notes for values RDS holds until the maintenance window (already requested). */
function pendingNotes(c: DatabaseState): string[] {
  const entries = Object.entries(c.pending).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return [];
  return [`pending until the maintenance window: ${entries.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`];
}

export interface DatabaseDiffInput {
  desired: CreateInstanceInput;
  current: DatabaseState | undefined;
  provider: ProviderName;
  /** The security groups the instance should have (undefined: leave them). */
  securityGroupIds?: string[];
}

export function diffDatabase({ desired, current, provider, securityGroupIds }: DatabaseDiffInput): Change {
  if (!current) return simple('db-instance', desired.id, 'create');
  const local = provider === 'local';
  const version = versionChange(desired, current, local);
  const fields = [
    ...identityFields(desired, current, local),
    ...(version ? [version] : []),
    ...simpleFields(desired, current),
    ...storageChanges(desired, current, local),
    ...optionalField(retentionChange(desired, current)),
    ...(local ? [] : groupChange(securityGroupIds, current)),
    ...(local ? [] : parameterGroupChange(desired, current)),
  ];
  const notes = [...pendingNotes(current)];
  if (!local && current.parameterGroupPendingReboot)
    notes.push(
      `parameter group ${current.parameterGroup ?? '?'} takes effect after the next reboot (pending-reboot): \`aws rds reboot-db-instance --db-instance-identifier ${current.id}\` in a quiet hour`,
    );
  const unknown = [current.engineVersion === '' ? 'engine version' : '', current.masterUsername === '' ? 'master user' : ''].filter(
    Boolean,
  );
  if (unknown.length > 0)
    notes.push(
      `the endpoint did not report the instance's ${unknown.join(', ')}: not compared (an unknown value is never a reason to change or replace)`,
    );
  if (current.allocatedStorageGb > desired.allocatedStorageGb) {
    notes.push(`storage is ${current.allocatedStorageGb} GB (above the configured ${desired.allocatedStorageGb} GB); RDS cannot shrink it`);
  }
  if (local && fields.some((f) => !f.replace)) notes.push('local provider: these settings are recorded on the instance');
  return guardUnmanaged(changeOf('db-instance', desired.id, fields, notes), current.tags);
}

/** The ModifyDBInstance input that makes the fields of a modify change. */
export function modifyInput(fields: FieldChange[], applyImmediately: boolean, allocatedGb: number): ModifyDatabaseInput {
  const input: ModifyDatabaseInput = { applyImmediately };
  for (const f of fields) {
    const to = f.to;
    switch (f.field) {
      case 'engineVersion':
        input.engineVersion = String(to);
        if (f.note === 'major version upgrade') input.allowMajorVersionUpgrade = true;
        break;
      case 'maxAllocatedStorageGb':
        // RDS turns autoscaling off when the cap equals the allocated size.
        input.maxAllocatedStorageGb = to === 'off' ? allocatedGb : Number(to);
        break;
      case 'vpcSecurityGroupIds':
        input.vpcSecurityGroupIds = to as string[];
        break;
      case 'parameterGroup':
        input.parameterGroup = String(to);
        break;
      default:
        (input as unknown as Record<string, unknown>)[f.field] = to;
    }
  }
  return input;
}
