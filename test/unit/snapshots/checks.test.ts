/** Bad input of the snapshot commands, refused before the provider is asked: one sentence, a hint, an exit code. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import { DbopsError } from '../../../src/lib/errors.js';
import type { Snapshot } from '../../../src/lib/providers/types.js';
import {
  checkCopyable,
  checkDeletable,
  checkDrRegion,
  copyKey,
  describeCopyKey,
  checkRegion,
  kmsKeyRegion,
  policyRegions,
} from '../../../src/lib/snapshots/checks.js';

function snap(o: Partial<Snapshot> = {}): Snapshot {
  return {
    id: 'db-manual-1',
    instanceId: 'db',
    type: 'manual',
    status: 'available',
    createdAt: new Date('2026-11-22T04:00:00Z'),
    encrypted: false,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags: { 'dbops:managed': 'true' },
    ...o,
  };
}

/** The error `fn` throws, as [exit code, message, hint]. */
function refusal(fn: () => void): [number, string, string | undefined] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DbopsError) return [e.exitCode, e.message, e.hint];
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('regions', () => {
  it('accepts AWS regions', () => {
    expect(() => checkRegion('us-east-2')).not.toThrow();
    expect(() => checkDrRegion('us-east-2', 'us-west-2')).not.toThrow();
  });

  it.each(['us-west-9', 'mars-north-1', 'US-EAST-2', ''])('refuses %j (exit 2)', (region) => {
    const [code, message, hint] = refusal(() => checkRegion(region));
    expect(code).toBe(2);
    expect(message).toBe(`Region "${region}" is not an AWS region.`);
    expect(hint).toContain('us-east-2');
  });

  it('refuses a DR region equal to the source (exit 2)', () => {
    const [code, message, hint] = refusal(() => checkDrRegion('us-east-2', 'us-east-2'));
    expect(code).toBe(2);
    expect(message).toBe('The destination region us-east-2 is the source region: a cross-region copy must go to another region.');
    expect(hint).toContain('--to-region');
  });

  it('names the destination when it is the one unknown', () => {
    expect(refusal(() => checkDrRegion('us-east-2', 'us-wets-2'))[1]).toBe('Destination region "us-wets-2" is not an AWS region.');
  });

  it('takes the policy regions from the config', () => {
    expect(policyRegions(DEFAULTS)).toEqual({ source: 'us-east-2', dr: 'us-west-2' });
    const off = { ...DEFAULTS, snapshots: { ...DEFAULTS.snapshots, crossRegion: { ...DEFAULTS.snapshots.crossRegion, enabled: false } } };
    expect(policyRegions(off)).toEqual({ source: 'us-east-2' });
    const same = {
      ...DEFAULTS,
      snapshots: { ...DEFAULTS.snapshots, crossRegion: { ...DEFAULTS.snapshots.crossRegion, region: 'us-east-2' } },
    };
    expect(refusal(() => policyRegions(same))[0]).toBe(2);
  });
});

describe('KMS keys', () => {
  it('reads the region of a key ARN; ids and aliases have none', () => {
    expect(kmsKeyRegion('arn:aws:kms:us-west-2:123456789012:key/abcd')).toBe('us-west-2');
    expect(kmsKeyRegion('arn:aws-us-gov:kms:us-gov-west-1:1:key/x')).toBe('us-gov-west-1');
    expect(kmsKeyRegion('alias/aws/rds')).toBeUndefined();
    expect(kmsKeyRegion('1234abcd-12ab-34cd-56ef-1234567890ab')).toBeUndefined();
  });

  it("defaults to the destination region's AWS-managed RDS key, and says so", () => {
    const key = copyKey(undefined, undefined, 'us-west-2');
    expect(key).toEqual({ kmsKeyId: 'alias/aws/rds', source: 'default' });
    expect(describeCopyKey(key, 'us-west-2')).toBe(
      "encrypted with us-west-2's AWS-managed key alias/aws/rds (the default; --kms-key or snapshots.crossRegion.kmsKeyId picks another)",
    );
  });

  it('takes --kms-key over snapshots.crossRegion.kmsKeyId over the default', () => {
    expect(copyKey('arn:aws:kms:us-west-2:1:key/flag', 'alias/dr-backups', 'us-west-2')).toEqual({
      kmsKeyId: 'arn:aws:kms:us-west-2:1:key/flag',
      source: 'flag',
    });
    expect(copyKey(undefined, 'alias/dr-backups', 'us-west-2')).toEqual({ kmsKeyId: 'alias/dr-backups', source: 'config' });
    expect(describeCopyKey(copyKey(undefined, 'alias/dr-backups', 'us-west-2'), 'us-west-2')).toBe(
      'encrypted with alias/dr-backups (snapshots.crossRegion.kmsKeyId)',
    );
  });

  it('refuses a key of another region (exit 2)', () => {
    const [code, message] = refusal(() => copyKey('arn:aws:kms:us-east-2:1:key/src', undefined, 'us-west-2'));
    expect(code).toBe(2);
    expect(message).toBe(
      'The KMS key arn:aws:kms:us-east-2:1:key/src is in us-east-2, but the copy goes to us-west-2: KMS keys do not cross regions.',
    );
  });
});

describe('checkCopyable', () => {
  it('refuses a snapshot still being created with "retry later" (exit 3) and its progress', () => {
    const [code, message, hint] = refusal(() => checkCopyable(snap({ status: 'creating', progressPercent: 42 })));
    expect(code).toBe(3);
    expect(message).toBe('Snapshot db-manual-1 is still being created (status creating, 42%); it cannot be copied yet.');
    expect(hint).toContain('Wait until it is available');
  });

  it('refuses a failed snapshot (exit 3)', () => {
    expect(refusal(() => checkCopyable(snap({ status: 'failed' })))).toEqual([
      3,
      'Snapshot db-manual-1 is failed; only an available snapshot can be copied.',
      'Copy another snapshot (`dbops snapshot latest`), or take a new one.',
    ]);
  });

  it('accepts an available one', () => {
    expect(() => checkCopyable(snap())).not.toThrow();
  });
});

describe('checkDeletable', () => {
  it('refuses a snapshot dbops did not create (exit 2)', () => {
    const [code, message, hint] = refusal(() => checkDeletable(snap({ tags: {} })));
    expect(code).toBe(2);
    expect(message).toBe('Snapshot db-manual-1 was not created by dbops (no dbops:managed=true tag); dbops will not delete it.');
    expect(hint).toContain('aws rds delete-db-snapshot');
  });

  it('refuses an automated backup (exit 2)', () => {
    expect(refusal(() => checkDeletable(snap({ id: 'rds:db-1', type: 'automated' })))[1]).toBe(
      'Snapshot rds:db-1 is an automated backup; RDS deletes it when it falls out of the backup retention period.',
    );
  });

  it('accepts a manual snapshot dbops made', () => {
    expect(() => checkDeletable(snap())).not.toThrow();
  });
});
