/** gc's choice as a pure function of what was found and a fixed clock. */
import { describe, expect, it } from 'vitest';
import type { Instance, Snapshot } from '../../../src/lib/providers/types.js';
import { planGc } from '../../../src/lib/snapshots/gc.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const PAST = '2026-11-22T02:00:00Z';
const FUTURE = '2026-11-22T09:30:00Z';
const temp = (expiresAt: string) => ({ 'dbops:managed': 'true', 'dbops:purpose': 'restore-test', 'dbops:expires-at': expiresAt });

function inst(id: string, tags: Record<string, string>, o: Partial<Instance> = {}): Instance {
  return {
    id,
    engine: 'postgres',
    engineVersion: '15.8',
    instanceClass: 'db.t3.micro',
    status: 'available',
    region: 'us-east-2',
    allocatedStorageGb: 20,
    storageEncrypted: true,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    backupRetentionDays: 0,
    masterUsername: 'dbops',
    vpcSecurityGroupIds: [],
    replicaIds: [],
    tags,
    ...o,
  };
}

function snap(id: string, tags: Record<string, string>, o: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    instanceId: 'db',
    type: 'manual',
    status: 'available',
    encrypted: true,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags,
    ...o,
  };
}

describe('planGc', () => {
  it('deletes what dbops made and has expired, and says why it keeps the rest', () => {
    // GIVEN temporary resources in two regions, expired or not, and some that are not dbops'
    const items = planGc(
      {
        instances: [
          inst('prod-db', { 'dbops:managed': 'true', 'dbops:purpose': 'primary' }),
          inst('rt-old', temp(PAST)),
          inst('rt-new', temp(FUTURE)),
          inst('drill-west', temp(PAST), { region: 'us-west-2' }),
          inst('someone-else', { 'dbops:expires-at': PAST }),
          inst('protected', temp(PAST), { deletionProtection: true }),
          inst('going', temp(PAST), { status: 'deleting' }),
        ],
        snapshots: [
          snap('rt-snap', temp(PAST)),
          snap('weekly', { 'dbops:managed': 'true', 'dbops:purpose': 'manual' }),
          snap('garbled', temp('next tuesday')),
          snap('rds:rt-old-2026-11-22', temp(PAST), { type: 'automated' }),
          snap('rt-creating', temp(PAST), { status: 'creating' }),
          snap('rt-failed', temp(PAST), { status: 'failed', region: 'us-west-2' }),
        ],
      },
      NOW,
    );
    // THEN exactly these, instances first, by region and id
    expect(items.map((i) => [i.kind, i.id, i.region, i.action, i.reason])).toEqual([
      ['instance', 'going', 'us-east-2', 'keep', 'already deleting'],
      ['instance', 'protected', 'us-east-2', 'keep', 'deletion protection is on: dbops respects it'],
      ['instance', 'rt-new', 'us-east-2', 'keep', 'expires in 4h30m'],
      ['instance', 'rt-old', 'us-east-2', 'delete', 'expired 3h00m ago'],
      ['instance', 'someone-else', 'us-east-2', 'keep', 'no dbops:managed=true: not created by dbops, never touched'],
      ['instance', 'drill-west', 'us-west-2', 'delete', 'expired 3h00m ago'],
      ['snapshot', 'garbled', 'us-east-2', 'keep', 'dbops:expires-at is not a time: left alone'],
      ['snapshot', 'rds:rt-old-2026-11-22', 'us-east-2', 'keep', 'automated backup: it goes with its instance'],
      ['snapshot', 'rt-creating', 'us-east-2', 'keep', 'status creating: run gc again once it settles'],
      ['snapshot', 'rt-snap', 'us-east-2', 'delete', 'expired 3h00m ago'],
      ['snapshot', 'rt-failed', 'us-west-2', 'delete', 'expired 3h00m ago'],
    ]);
  });

  it('ignores everything without a dbops:expires-at tag', () => {
    expect(planGc({ instances: [inst('prod-db', { 'dbops:managed': 'true' })], snapshots: [snap('s', {})] }, NOW)).toEqual([]);
  });

  it('treats an expiry exactly now as expired', () => {
    const [item] = planGc({ instances: [], snapshots: [snap('s', temp(NOW.toISOString()))] }, NOW);
    expect(item?.action).toBe('delete');
  });
});
