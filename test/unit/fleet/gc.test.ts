/**
 * `gc --all` against the FakeFleet: what crashed runs left in 2 accounts × 3 regions.
 * Only dbops-managed, expired resources are deleted, in every account and region; the one
 * confirmation says how many resources in how many accounts and regions and, off a
 * terminal without --yes, nothing is deleted; --dry-run lists; an account whose role
 * cannot be assumed is its regions' rows (exit 3) while the other account is collected.
 */
import { DeleteDBInstanceCommand, DeleteDBSnapshotCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { fleetGc } from '../../../src/lib/fleet/gc.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet, FLEET_ACCOUNTS } from '../../_helpers/fake-fleet.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const PAST = '2026-11-21T05:00:00Z';
const [CORE, CONTENT] = FLEET_ACCOUNTS.map((a) => a.id) as [string, string];
let fleet: FakeFleet | undefined;
afterEach(() => fleet?.restore());

function leftovers(f: FakeFleet): void {
  const tags = (managed: boolean) => [
    { Key: 'dbops:expires-at', Value: PAST },
    ...(managed ? [{ Key: 'dbops:managed', Value: 'true' }] : []),
  ];
  // A crashed restore test in each account, an expired snapshot, and an expired one nobody tagged managed.
  f.rds.addInstance('us-east-2', 'core-rt-1', { DBInstanceArn: `arn:aws:rds:us-east-2:${CORE}:db:core-rt-1`, TagList: tags(true) });
  f.rds.addInstance('eu-west-1', 'content-rt-1', {
    DBInstanceArn: `arn:aws:rds:eu-west-1:${CONTENT}:db:content-rt-1`,
    TagList: tags(true),
  });
  f.rds.addSnapshot('us-west-2', 'content-tmp-snap', {
    DBSnapshotArn: `arn:aws:rds:us-west-2:${CONTENT}:snapshot:content-tmp-snap`,
    TagList: tags(true),
  });
  f.rds.addSnapshot('us-east-2', 'core-handmade', {
    DBSnapshotArn: `arn:aws:rds:us-east-2:${CORE}:snapshot:core-handmade`,
    TagList: tags(false),
  });
}

async function run(o: { yes?: boolean; dryRun?: boolean; deny?: string } = {}) {
  fleet = new FakeFleet({ instances: 6, now: NOW });
  leftovers(fleet);
  if (o.deny) fleet.denied.add(o.deny);
  const t = await testContext({
    config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig() },
    now: NOW,
    yes: o.yes,
    dryRun: o.dryRun,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  try {
    const result = await fleetGc(t.ctx, {}, { concurrency: 4 }).catch((e: Error) => e);
    const deleted = [
      ...fleet.rds.mock.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier),
      ...fleet.rds.mock.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier),
    ];
    return { result, deleted, asked: t.asked };
  } finally {
    await t.close();
  }
}

describe('gc --all', () => {
  it('off a terminal without --yes: refused with the count, nothing deleted', async () => {
    const { result, deleted } = await run();
    expect(result).toBeInstanceOf(UsageError);
    expect((result as UsageError).message).toBe(
      'Refusing without confirmation: Delete 3 expired resources (2 instances, 1 snapshot) in 2 accounts and 3 regions of the fleet (dbops-managed and expired only, no final snapshot)?',
    );
    expect(deleted).toEqual([]);
  });

  it('--dry-run: one row per account and region, what would go, nothing deleted', async () => {
    const { result, deleted } = await run({ dryRun: true });
    expect(deleted).toEqual([]);
    if (result instanceof Error) throw result;
    expect(result.unit).toBe('region');
    expect(result.rows.map((r) => `${r.account}/${r.region}: ${r.figure}`)).toEqual([
      'core/us-east-2: would delete 1; 1 kept',
      'core/us-west-2: nothing expired',
      'core/eu-west-1: nothing expired',
      'content/us-east-2: nothing expired',
      'content/us-west-2: would delete 1',
      'content/eu-west-1: would delete 1',
    ]);
  });

  it('--yes: every dbops-managed expired resource of every account goes; the one nobody tagged stays', async () => {
    const { result, deleted } = await run({ yes: true });
    if (result instanceof Error) throw result;
    expect(deleted.sort()).toEqual(['content-rt-1', 'content-tmp-snap', 'core-rt-1']);
    expect(result.exitCode).toBe(0);
    const kept = result.rows.find((r) => r.account === 'core' && r.region === 'us-east-2')!;
    expect(kept.figure).toBe('1 of 1 deleted; 1 kept');
    expect(kept.result?.items.find((i) => i.id === 'core-handmade')?.reason).toMatch(/not created by dbops, never touched/);
  });

  it("an account whose role cannot be assumed: its regions' rows say so (exit 3), the other account is collected", async () => {
    const { result, deleted } = await run({ yes: true, deny: CONTENT });
    if (result instanceof Error) throw result;
    expect(deleted).toEqual(['core-rt-1']);
    expect(result.rows.filter((r) => r.verdict === 'error').map((r) => `${r.account}/${r.region}`)).toEqual([
      'content/us-east-2',
      'content/us-west-2',
      'content/eu-west-1',
    ]);
    expect(result.exitCode).toBe(3);
  });
});
