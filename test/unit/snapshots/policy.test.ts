/**
 * The retention policy's decisions as pure functions of (snapshots, policy, now), pinned
 * with a fixed clock: prune, newest available, resume, copy lineage.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/lib/providers/types.js';
import { refusalError } from '../../../src/lib/snapshots/prune.js';
import {
  classOf,
  copyIdFor,
  existingCopy,
  newestAvailable,
  planPrune,
  resumableSnapshot,
  type RetentionPolicy,
} from '../../../src/lib/snapshots/policy.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const SEEDS: RetentionPolicy = { manualRetentionWeeks: 4, copyRetentionWeeks: 2, keepNewest: 1 };
const MANAGED = { 'dbops:managed': 'true', 'dbops:purpose': 'manual' };
const COPY_TAGS = { 'dbops:managed': 'true', 'dbops:purpose': 'cross-region-copy' };

function ago(days: number, extraMs = 0): Date {
  return new Date(NOW.getTime() - days * DAY - extraMs);
}

function snap(id: string, days: number | undefined, o: Partial<Snapshot> = {}): Snapshot {
  return {
    id,
    instanceId: 'db',
    type: 'manual',
    status: 'available',
    createdAt: days === undefined ? undefined : ago(days),
    encrypted: false,
    engine: 'postgres',
    engineVersion: '15.8',
    region: 'us-east-2',
    tags: { ...MANAGED },
    ...o,
  };
}

function dr(id: string, days: number, o: Partial<Snapshot> = {}): Snapshot {
  return snap(id, days, { region: 'us-west-2', sourceRegion: 'us-east-2', sourceSnapshotId: id, tags: { ...COPY_TAGS }, ...o });
}

type Row = [id: string, region: string, action: 'keep' | 'delete', reason: string];
const rows = (snaps: Snapshot[], policy = SEEDS): Row[] =>
  planPrune(snaps, policy, NOW).decisions.map((d) => [d.id, d.region, d.action, d.reason]);

describe('classOf', () => {
  it.each([
    ['an automated backup', snap('rds:db-1', 1, { type: 'automated' }), 'automated'],
    ['a manual snapshot', snap('m', 1), 'manual'],
    ['a copy from another region (SourceRegion)', dr('c', 1, { tags: {} }), 'copy'],
    ['a copy dbops tagged, whatever RDS says', snap('c', 1, { tags: { ...COPY_TAGS } }), 'copy'],
    ['a same-region copy', snap('c', 1, { sourceRegion: 'us-east-2' }), 'manual'],
  ])('%s is %s', (_what, s, expected) => {
    expect(classOf(s)).toBe(expected);
  });
});

describe('planPrune (seeds: manual 4 weeks, copies 2 weeks, keep newest 1)', () => {
  const cases: { name: string; snaps: Snapshot[]; policy?: RetentionPolicy; expected: Row[] }[] = [
    {
      name: 'weekly manual snapshots: those older than 4 weeks go',
      snaps: [1, 8, 15, 22, 29, 36].map((d) => snap(`m-${d}`, d)),
      expected: [
        ['m-1', 'us-east-2', 'keep', 'one of the newest 1 manual snapshot of db in us-east-2 (24h00m old)'],
        ['m-8', 'us-east-2', 'keep', 'within the 4 weeks manual retention (8d00h old)'],
        ['m-15', 'us-east-2', 'keep', 'within the 4 weeks manual retention (15d00h old)'],
        ['m-22', 'us-east-2', 'keep', 'within the 4 weeks manual retention (22d00h old)'],
        ['m-29', 'us-east-2', 'delete', 'older than the 4 weeks manual retention (29d00h old)'],
        ['m-36', 'us-east-2', 'delete', 'older than the 4 weeks manual retention (36d00h old)'],
      ],
    },
    {
      name: 'exactly 4 weeks old stays; a second more goes',
      snaps: [snap('new', 0), snap('edge', 28), snap('past', undefined, { createdAt: ago(28, 1000) })],
      expected: [
        ['new', 'us-east-2', 'keep', 'one of the newest 1 manual snapshot of db in us-east-2 (0ms old)'],
        ['edge', 'us-east-2', 'keep', 'within the 4 weeks manual retention (28d00h old)'],
        ['past', 'us-east-2', 'delete', 'older than the 4 weeks manual retention (28d00h old)'],
      ],
    },
    {
      name: 'weekly copies in the DR region: those older than 2 weeks go',
      snaps: [1, 8, 15, 22].map((d) => dr(`c-${d}`, d)),
      expected: [
        ['c-1', 'us-west-2', 'keep', 'one of the newest 1 copy snapshot of db in us-west-2 (24h00m old)'],
        ['c-8', 'us-west-2', 'keep', 'within the 2 weeks copy retention (8d00h old)'],
        ['c-15', 'us-west-2', 'delete', 'older than the 2 weeks copy retention (15d00h old)'],
        ['c-22', 'us-west-2', 'delete', 'older than the 2 weeks copy retention (22d00h old)'],
      ],
    },
    {
      name: 'never automated backups, snapshots dbops did not make, temporary ones or other purposes',
      snaps: [
        snap('keeper', 1),
        snap('rds:db-2026-09-01', 80, { type: 'automated', tags: {} }),
        snap('by-hand', 80, { tags: {} }),
        snap('tagged-false', 80, { tags: { 'dbops:managed': 'false', 'dbops:purpose': 'manual' } }),
        snap('rt-snap', 80, { tags: { ...MANAGED, 'dbops:expires-at': '2026-09-01T00:00:00Z' } }),
        snap('db-final-20260901', 80, { tags: { 'dbops:managed': 'true', 'dbops:purpose': 'primary' } }),
        snap('no-purpose', 80, { tags: { 'dbops:managed': 'true' } }),
      ],
      expected: [
        ['keeper', 'us-east-2', 'keep', 'one of the newest 1 manual snapshot of db in us-east-2 (24h00m old)'],
        ['by-hand', 'us-east-2', 'keep', 'not created by dbops (no dbops:managed=true): never touched'],
        ['db-final-20260901', 'us-east-2', 'keep', 'dbops:purpose=primary is not under the retention policy'],
        ['no-purpose', 'us-east-2', 'keep', 'dbops:purpose=(none) is not under the retention policy'],
        ['rds:db-2026-09-01', 'us-east-2', 'keep', 'automated backup: RDS expires it after the backup retention period'],
        ['rt-snap', 'us-east-2', 'keep', 'temporary (dbops:expires-at=2026-09-01T00:00:00Z): `dbops gc` removes it'],
        ['tagged-false', 'us-east-2', 'keep', 'not created by dbops (no dbops:managed=true): never touched'],
      ],
    },
    {
      name: 'a snapshot still being made is kept and does not count as the newest',
      snaps: [snap('creating', 0, { status: 'creating' }), snap('old-a', 40), snap('old-b', 50)],
      expected: [
        ['creating', 'us-east-2', 'keep', 'status creating: only available snapshots are pruned'],
        ['old-a', 'us-east-2', 'keep', 'one of the newest 1 manual snapshot of db in us-east-2 (40d00h old)'],
        ['old-b', 'us-east-2', 'delete', 'older than the 4 weeks manual retention (50d00h old)'],
      ],
    },
    {
      name: 'keep newest N counts per instance and class, whatever the age',
      policy: { ...SEEDS, keepNewest: 2 },
      snaps: [snap('a-40', 40), snap('a-50', 50), snap('a-60', 60), snap('b-70', 70, { instanceId: 'other' }), dr('c-90', 90)],
      expected: [
        ['a-40', 'us-east-2', 'keep', 'one of the newest 2 manual snapshots of db in us-east-2 (40d00h old)'],
        ['a-50', 'us-east-2', 'keep', 'one of the newest 2 manual snapshots of db in us-east-2 (50d00h old)'],
        ['a-60', 'us-east-2', 'delete', 'older than the 4 weeks manual retention (60d00h old)'],
        ['b-70', 'us-east-2', 'keep', 'one of the newest 2 manual snapshots of other in us-east-2 (70d00h old)'],
        ['c-90', 'us-west-2', 'keep', 'one of the newest 2 copy snapshots of db in us-west-2 (90d00h old)'],
      ],
    },
    {
      name: 'a manual snapshot taken in the DR region is judged as manual there, apart from the copies',
      snaps: [dr('c-1', 1), dr('c-20', 20), snap('dr-manual-40', 40, { region: 'us-west-2' })],
      expected: [
        ['c-1', 'us-west-2', 'keep', 'one of the newest 1 copy snapshot of db in us-west-2 (24h00m old)'],
        ['c-20', 'us-west-2', 'delete', 'older than the 2 weeks copy retention (20d00h old)'],
        ['dr-manual-40', 'us-west-2', 'keep', 'one of the newest 1 manual snapshot of db in us-west-2 (40d00h old)'],
      ],
    },
    {
      name: 'no creation time: kept',
      snaps: [snap('timeless', undefined)],
      expected: [['timeless', 'us-east-2', 'keep', 'no creation time: cannot tell its age']],
    },
    { name: 'nothing at all', snaps: [], expected: [] },
  ];

  it.each(cases)('$name', ({ snaps, policy, expected }) => {
    // GIVEN these snapshots and the policy WHEN planning at NOW THEN exactly these decisions, newest first
    expect(rows(snaps, policy)).toEqual(expected);
  });

  it('lists the deletes oldest first and has no refusal when something stays', () => {
    const plan = planPrune(
      [1, 30, 40].map((d) => snap(`m-${d}`, d)),
      SEEDS,
      NOW,
    );
    expect(plan.deletes.map((d) => d.id)).toEqual(['m-40', 'm-30']);
    expect(plan.refusals).toEqual([]);
  });

  it('is unchanged by the order of its input', () => {
    const snaps = [snap('a', 1), dr('b', 20), snap('c', 30), snap('d', 40)];
    expect(planPrune([...snaps].reverse(), SEEDS, NOW)).toEqual(planPrune(snaps, SEEDS, NOW));
  });
});

describe('planPrune refusals: a prune that would delete every snapshot of an instance', () => {
  const keepNone: RetentionPolicy = { ...SEEDS, keepNewest: 0 };

  it('is refused per region and instance, with the count', () => {
    // GIVEN a policy that keeps nothing by count, and only old policy snapshots
    const snaps = [snap('m-40', 40), snap('m-50', 50), dr('c-30', 30), snap('x-1', 1, { instanceId: 'other' })];
    // WHEN planning THEN both regions of db are refused, the other instance is not
    expect(planPrune(snaps, keepNone, NOW).refusals).toEqual([
      { region: 'us-east-2', instanceId: 'db', count: 2 },
      { region: 'us-west-2', instanceId: 'db', count: 1 },
    ]);
  });

  it('is not refused when another available snapshot of the instance stays (an automated backup, one by hand)', () => {
    const withAutomated = [snap('m-40', 40), snap('rds:db-1', 1, { type: 'automated', tags: {} })];
    const withManual = [snap('m-40', 40), snap('by-hand', 90, { tags: {} })];
    expect(planPrune(withAutomated, keepNone, NOW).refusals).toEqual([]);
    expect(planPrune(withManual, keepNone, NOW).refusals).toEqual([]);
    expect(planPrune(withManual, keepNone, NOW).deletes.map((d) => d.id)).toEqual(['m-40']);
  });

  it('becomes a refusal of the whole prune: one sentence, a hint, exit 2', () => {
    const plan = planPrune([snap('m-40', 40), snap('m-50', 50)], keepNone, NOW);
    const e = refusalError(plan);
    expect([e?.exitCode, e?.message]).toEqual([2, 'Refusing to prune: it would delete every snapshot of db in us-east-2 (2).']);
    expect(e?.hint).toContain('Nothing was deleted');
    expect(refusalError(planPrune([snap('m-40', 40)], SEEDS, NOW))).toBeUndefined();
  });

  it('never happens with keepNewest >= 1 (the config minimum)', () => {
    const snaps = [40, 50, 60].map((d) => snap(`m-${d}`, d));
    expect(planPrune(snaps, SEEDS, NOW).refusals).toEqual([]);
  });
});

describe('newestAvailable', () => {
  const snaps = [
    snap('creating', 0, { status: 'creating' }),
    snap('auto', 1, { type: 'automated' }),
    snap('m-2', 2),
    snap('other-1', 1, { instanceId: 'other' }),
    dr('c-3', 3),
    snap('timeless', undefined),
  ];

  it.each([
    [{}, 'auto'],
    [{ type: 'manual' as const }, 'other-1'],
    [{ type: 'manual' as const, instanceId: 'db' }, 'm-2'],
    [{ type: 'automated' as const }, 'auto'],
    [{ class: 'copy' as const }, 'c-3'],
    [{ instanceId: 'nobody' }, undefined],
  ])('with %j is %s', (filter, expected) => {
    expect(newestAvailable(snaps, filter)?.id).toBe(expected);
  });
});

describe('resumableSnapshot: what a rerun of run-policy continues with', () => {
  it.each([
    ['a policy snapshot taken 2 h ago', [snap('s', 2 / 24)], 's'],
    ['one still creating (the rerun waits for it)', [snap('s', 1 / 24, { status: 'creating' })], 's'],
    ['the newest of two', [snap('old', 20 / 24), snap('new', 1 / 24)], 'new'],
    ['not one 24 h old (next week must take a new one)', [snap('s', 1)], undefined],
    ["not last week's", [snap('s', 7)], undefined],
    ['not a failed one', [snap('s', 1 / 24, { status: 'failed' })], undefined],
    ['not one dbops did not make', [snap('s', 1 / 24, { tags: {} })], undefined],
    ['not a temporary one', [snap('s', 1 / 24, { tags: { ...MANAGED, 'dbops:expires-at': '2026-11-23T00:00:00Z' } })], undefined],
    ["not another instance's", [snap('s', 1 / 24, { instanceId: 'other' })], undefined],
    ['not an automated backup', [snap('s', 1 / 24, { type: 'automated' })], undefined],
    ['not a copy', [dr('s', 1 / 24, { region: 'us-east-2', sourceRegion: 'eu-west-1' })], undefined],
    ['not one from the future (clock skew)', [snap('s', -1 / 24)], undefined],
  ])('%s', (_what, snaps, expected) => {
    expect(resumableSnapshot(snaps, 'db', NOW)?.id).toBe(expected);
  });
});

describe('copy lineage', () => {
  it('names a copy like its source, without an automated prefix', () => {
    expect(copyIdFor('db-manual-20261122-043005')).toBe('db-manual-20261122-043005');
    expect(copyIdFor('rds:db-2026-11-22-03-10')).toBe('db-2026-11-22-03-10');
  });

  it('finds an existing copy by lineage first, then by name', () => {
    const source = snap('db-manual-1', 1, { arn: 'arn:aws:rds:us-east-2:1:snapshot:db-manual-1' });
    const byLineage = dr('renamed-by-hand', 1, { sourceSnapshotId: 'db-manual-1' });
    const byTag = dr('tagged', 1, { sourceSnapshotId: undefined, tags: { ...COPY_TAGS, 'dbops:source-snapshot': 'db-manual-1' } });
    const clash = snap('db-manual-1', 1, { region: 'us-west-2', tags: {} });
    expect(existingCopy([clash, byLineage], source)?.id).toBe('renamed-by-hand');
    expect(existingCopy([byTag], source)?.id).toBe('tagged');
    expect(existingCopy([clash], source)).toBe(clash);
    expect(existingCopy([dr('db-manual-1', 1, { status: 'deleting' })], source)).toBeUndefined();
    expect(existingCopy([], source)).toBeUndefined();
  });
});
