/**
 * `snapshot run-policy --all` against the stateful FakeRds, which refuses a sixth
 * cross-region copy in progress into one region as RDS does: 12 databases at
 * --concurrency 12 all copying to one DR region never have more than 5 copies in flight
 * (the others wait for a slot) and all succeed; the manual snapshot quota of a region
 * warns at 90 % and refuses, with the reason, the snapshot past it (that database's row,
 * exit 3) while the others go on; a database dbops does not manage is left alone; the one
 * confirmation says how many databases.
 */
import { CopyDBSnapshotCommand, CreateDBSnapshotCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetQuotas } from '../../../src/lib/fleet/quotas.js';
import { fleetSnapshotPolicy } from '../../../src/lib/fleet/snapshot-policy.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { testContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { awsOptions, FAST } from '../providers/aws/helpers.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const MANAGED = [{ Key: 'dbops:managed', Value: 'true' }];
let rds: FakeRds | undefined;
afterEach(() => rds?.restore());

async function run(fake: FakeRds, o: { copies: boolean; yes?: boolean; concurrency?: number }) {
  rds = fake;
  const provider = createAwsProvider(awsOptions(), FAST);
  const t = await testContext({
    config: {
      provider: 'aws',
      region: 'us-east-2',
      snapshots: { crossRegion: { enabled: o.copies, region: 'us-west-2', retentionWeeks: 2 } },
      fleet: { regions: ['us-east-2', 'eu-west-1'] },
    },
    provider,
    now: NOW,
    yes: o.yes ?? true,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  const quotas = new FleetQuotas(t.ctx.out);
  try {
    const result = await fleetSnapshotPolicy(t.ctx, { all: true, selectors: [] }, { concurrency: o.concurrency ?? 12 }, quotas).catch(
      (e: Error) => e,
    );
    return { result, quotas, t };
  } finally {
    await t.close();
    await provider.close();
  }
}

describe('snapshot run-policy --all', () => {
  it('12 databases copying to one region: never more than 5 copies in flight, the rest queued, all done', async () => {
    const fake = new FakeRds({ describesToSettle: 3, maxCopiesInFlight: 5 });
    for (let i = 0; i < 12; i++) {
      fake.addInstance(i % 2 === 0 ? 'us-east-2' : 'eu-west-1', `app-db-${String(i).padStart(2, '0')}`, { TagList: MANAGED });
    }
    const { result, quotas } = await run(fake, { copies: true });
    if (result instanceof Error) throw result;
    expect(result.rows.map((r) => r.verdict)).toEqual(Array(12).fill('ok'));
    expect(result.rows.every((r) => r.figure.includes('copied to us-west-2'))).toBe(true);
    expect(fake.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(12);
    // The fake refuses a sixth copy in progress; the run queued instead: at most 5, and the queue was used.
    expect(fake.copiesInFlightPeak.get('us-west-2')).toBeLessThanOrEqual(5);
    expect(quotas.copySlots('current', 'us-west-2').peak).toBe(5);
    expect(result.exitCode).toBe(0);
  });

  it('the manual snapshot quota: a warning at 90 %, and the snapshot past it refused with the reason; the others go on (exit 3)', async () => {
    const fake = new FakeRds({ describesToSettle: 1 });
    for (const id of ['app-db-a', 'app-db-b', 'app-db-c']) fake.addInstance('us-east-2', id, { TagList: MANAGED });
    fake.addInstance('us-east-2', 'legacy-db');
    // 98 manual snapshots already in the region: room for two more.
    for (let i = 0; i < 98; i++) {
      fake.addSnapshot('us-east-2', `legacy-db-${i}`, {
        DBInstanceIdentifier: 'legacy-db',
        SnapshotCreateTime: new Date(NOW.getTime() - 3600_000),
      });
    }
    const { result, t } = await run(fake, { copies: false, concurrency: 1 });
    if (result instanceof Error) throw result;
    expect(result.rows.map((r) => `${r.id}:${r.verdict}`)).toEqual(['app-db-a:ok', 'app-db-b:ok', 'app-db-c:error', 'legacy-db:ok']);
    expect(fake.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(2);
    expect(result.rows[2]!.error?.message).toBe(
      "Refusing to create snapshot app-db-c-manual-20261122-050000 in us-east-2 (current): the region has 100 manual snapshots, the account's quota of 100.",
    );
    expect(result.rows[3]!.figure).toBe('left alone: not dbops-managed');
    // The warning names the databases whose snapshots take the last room: the one being snapshotted and those still to come.
    expect(t.io.stderr()).toContain(
      'warning: us-east-2 (current): 99 of 100 manual snapshots (99% of the quota), creating those of app-db-a, app-db-b, app-db-c.',
    );
    expect(result.exitCode).toBe(3);
  });

  it('off a terminal without --yes: refused with the count before anything is created', async () => {
    const fake = new FakeRds({ describesToSettle: 1 });
    for (const id of ['app-db-a', 'app-db-b']) fake.addInstance('us-east-2', id, { TagList: MANAGED });
    fake.addInstance('eu-west-1', 'legacy-db');
    const { result } = await run(fake, { copies: true, yes: false });
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toBe(
      'Refusing without confirmation: Run the snapshot policy on 2 dbops-managed databases of the fleet (1 other left alone): a snapshot each, a copy each to us-west-2, and delete dbops snapshots past retention?',
    );
    expect(fake.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });
});
