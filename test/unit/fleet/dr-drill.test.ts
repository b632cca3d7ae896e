/**
 * `dr-drill --all` against the stateful FakeRds: the DB instance quota of the recovery
 * region is read before any drill starts; with no room, every drill is refused with the
 * reason (its row, exit 3) and nothing is restored; the one confirmation says how many.
 */
import { DescribeAccountAttributesCommand, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetDrDrill } from '../../../src/lib/fleet/dr-drill.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { testContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { awsOptions, FAST } from '../providers/aws/helpers.js';

let rds: FakeRds | undefined;
afterEach(() => rds?.restore());

async function run(o: { yes: boolean }) {
  rds = new FakeRds({ describesToSettle: 1, quotas: { DBInstances: 3 } });
  for (const id of ['app-db-a', 'app-db-b', 'app-db-c'])
    rds.addInstance('us-east-2', id, { TagList: [{ Key: 'dbops:managed', Value: 'true' }] });
  const provider = createAwsProvider(awsOptions(), FAST);
  const t = await testContext({
    config: { provider: 'aws', region: 'us-east-2', fleet: { regions: ['us-east-2'] } },
    provider,
    yes: o.yes,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  try {
    return await fleetDrDrill(t.ctx, { all: true, selectors: [] }, { scenario: 'instance' }, { concurrency: 3 }).catch((e: Error) => e);
  } finally {
    await t.close();
    await provider.close();
  }
}

describe('dr-drill --all and the DB instance quota', () => {
  it('no room in the recovery region: each drill refused with the reason before anything is restored, exit 3', async () => {
    const result = await run({ yes: true });
    if (result instanceof Error) throw result;
    expect(result.rows.map((r) => `${r.id}:${r.verdict}`)).toEqual(['app-db-a:error', 'app-db-b:error', 'app-db-c:error']);
    expect(result.rows[0]!.error?.message).toBe(
      "Refusing to create the drill's temporary instance of app-db-a in us-east-2 (current): the account has 3 of its 3 DB instances there, room for 0 and one is needed.",
    );
    expect(result.exitCode).toBe(3);
    expect(rds!.mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)).toHaveLength(0);
    expect(rds!.mock.commandCalls(DescribeAccountAttributesCommand)).toHaveLength(1);
  });

  it('off a terminal without --yes: refused with the count, the quota not even read', async () => {
    const result = await run({ yes: false });
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/^Refusing without confirmation: Run the DR drill of 3 databases of the fleet/);
    expect(rds!.mock.commandCalls(DescribeAccountAttributesCommand)).toHaveLength(0);
  });
});
