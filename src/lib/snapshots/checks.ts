/**
 * Input checks of the snapshot commands, before anything is asked of the provider: a
 * region that exists, a DR region that differs from the source, a KMS key that can work
 * in the destination, a snapshot that can be copied or deleted. Pure; each throws a
 * dbops error with one sentence and a hint.
 */
import type { DbopsConfig } from '../config/schema.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { isKnownRegion } from '../provision/regions.js';
import { TAG, type Snapshot } from '../providers/types.js';
import { isManaged } from './policy.js';

/** An AWS region name dbops knows (the same answer on both providers, so a config stays portable). Exit 2 otherwise. */
export function checkRegion(region: string, what = 'Region'): void {
  if (!isKnownRegion(region)) {
    throw new UsageError(`${what} "${region}" is not an AWS region.`, {
      hint: 'Use a region name such as us-east-2 or us-west-2 (`aws ec2 describe-regions` lists them).',
    });
  }
}

/** The DR region of a cross-region copy: a known region, not the source. */
export function checkDrRegion(source: string, target: string): void {
  checkRegion(source);
  checkRegion(target, 'Destination region');
  if (source === target) {
    throw new UsageError(`The destination region ${target} is the source region: a cross-region copy must go to another region.`, {
      hint: 'Pass --to-region with another region, or set snapshots.crossRegion.region to the DR region (e.g. us-west-2).',
    });
  }
}

/** The regions the policy lives in: the config region, and the DR region when copies are on. */
export function policyRegions(config: DbopsConfig): { source: string; dr?: string } {
  const cr = config.snapshots.crossRegion;
  if (!cr.enabled) return { source: config.region };
  checkDrRegion(config.region, cr.region);
  return { source: config.region, dr: cr.region };
}

/** The region of a KMS key ARN (arn:aws:kms:<region>:<account>:key/...), or undefined for ids and aliases. */
export function kmsKeyRegion(key: string): string | undefined {
  return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(key)?.[1];
}

/** The AWS-managed RDS key: every region has one, so an encrypted copy needs no setup. */
export const AWS_MANAGED_RDS_KEY = 'alias/aws/rds';

/** The key a cross-region copy is encrypted with, and where that choice came from. */
export interface CopyKey {
  kmsKeyId: string;
  /** 'default': nobody chose one, so the destination region's alias/aws/rds. */
  source: 'flag' | 'config' | 'default';
}

/**
 * The key of an encrypted copy: --kms-key, else snapshots.crossRegion.kmsKeyId, else the
 * destination region's AWS-managed RDS key (alias/aws/rds). A key ARN of another region
 * is refused before AWS is asked: KMS keys do not cross regions. Pure.
 */
export function copyKey(flag: string | undefined, configured: string | undefined, targetRegion: string): CopyKey {
  const key: CopyKey = flag
    ? { kmsKeyId: flag, source: 'flag' }
    : configured
      ? { kmsKeyId: configured, source: 'config' }
      : { kmsKeyId: AWS_MANAGED_RDS_KEY, source: 'default' };
  const keyRegion = kmsKeyRegion(key.kmsKeyId);
  if (keyRegion !== undefined && keyRegion !== targetRegion) {
    throw new UsageError(
      `The KMS key ${key.kmsKeyId} is in ${keyRegion}, but the copy goes to ${targetRegion}: KMS keys do not cross regions.`,
      {
        hint: `Pass the ARN of a key in ${targetRegion}, or leave it unset to use ${AWS_MANAGED_RDS_KEY} there.`,
      },
    );
  }
  return key;
}

/** One line saying which key encrypts copies into `targetRegion`. */
export function describeCopyKey(key: CopyKey, targetRegion: string): string {
  return key.source === 'default'
    ? `encrypted with ${targetRegion}'s AWS-managed key ${AWS_MANAGED_RDS_KEY} (the default; --kms-key or snapshots.crossRegion.kmsKeyId picks another)`
    : `encrypted with ${key.kmsKeyId} (${key.source === 'flag' ? '--kms-key' : 'snapshots.crossRegion.kmsKeyId'})`;
}

/** A copy needs an available source. A snapshot still being made is a "retry later" (exit 3). */
export function checkCopyable(s: Snapshot): void {
  if (s.status === 'available') return;
  const progress = s.progressPercent === undefined ? '' : `, ${s.progressPercent}%`;
  const creating = ['creating', 'pending', 'copying'].includes(s.status);
  throw new EnvironmentError(
    creating
      ? `Snapshot ${s.id} is still being created (status ${s.status}${progress}); it cannot be copied yet.`
      : `Snapshot ${s.id} is ${s.status}; only an available snapshot can be copied.`,
    {
      hint: creating
        ? 'Wait until it is available (`dbops snapshot list` shows it), then copy it again.'
        : 'Copy another snapshot (`dbops snapshot latest`), or take a new one.',
      details: { snapshotId: s.id, status: s.status },
    },
  );
}

/** dbops deletes only manual snapshots it made (the tag proves it). Exit 2 otherwise. */
export function checkDeletable(s: Snapshot): void {
  if (s.type === 'automated') {
    throw new UsageError(`Snapshot ${s.id} is an automated backup; RDS deletes it when it falls out of the backup retention period.`, {
      hint: 'Change database.backupRetentionDays to keep fewer automated backups.',
    });
  }
  if (!isManaged(s)) {
    throw new UsageError(`Snapshot ${s.id} was not created by dbops (no ${TAG.managed}=true tag); dbops will not delete it.`, {
      hint: `Delete it with the AWS console or \`aws rds delete-db-snapshot --db-snapshot-identifier ${s.id}\` if you really mean to.`,
    });
  }
}
