/**
 * A job that selects its databases by tag (schedule.jobs.<job>.select) is resolved through
 * the fleet listing at plan/apply time, on the stateful FakeFleet (50 databases over 2
 * accounts by their roles × 3 regions): its state machine runs over exactly the matching
 * databases, inline or Distributed; a selection that matches nothing is refused (exit 2)
 * before the schedule's services get a single call.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply } from '../../../src/commands/schedule.run.js';
import { ConfigError } from '../../../src/lib/errors.js';
import { fleetItems } from '../../../src/lib/schedule/fleet-items.js';
import { checkedSchedule, scheduleInput } from '../../../src/lib/schedule/input.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet } from '../../_helpers/fake-fleet.js';

const ACCOUNT = '333333333333';
const NOW = new Date('2026-12-02T10:00:00Z');
let fleet: FakeFleet;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  fleet = new FakeFleet({ instances: 50, now: NOW });
  fleet.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops` });
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  fleet.restore();
});

/** A config with the seeds' jobs off but one: backup status over the databases tagged `tags`. */
function config(tags: Record<string, string>, schedule: Record<string, unknown> = {}) {
  const off = ['heartbeat', 'backup-status', 'snapshot-policy', 'restore-test', 'free-tier-report', 'dr-drill'];
  return {
    provider: 'aws' as const,
    region: 'us-east-2',
    fleet: fleet.fleetConfig(),
    schedule: {
      image: '123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:1.0.0',
      subnets: ['subnet-0a1b2c3d'],
      securityGroups: ['sg-0a1b2c3d'],
      ...schedule,
      jobs: {
        ...Object.fromEntries(off.map((j) => [j, { enabled: false, select: { identifier: 'core-db-00' } }])),
        'prod-backups': { command: 'backup status', expression: 'cron(0 6 * * ? *)', select: { tags } },
      },
    },
  };
}

async function context(c: ReturnType<typeof config>, o: { yes?: boolean } = {}) {
  const t = await testContext({ config: c, now: NOW, yes: o.yes ?? false, env: { DBOPS_HOME: '/nonexistent-dbops-home' } });
  closers.push(() => t.close());
  return t.ctx;
}

/** The databases the job's state machine runs over, and its Map's mode. */
async function resolved(c: ReturnType<typeof config>) {
  const ctx = await context(c);
  const input = await scheduleInput(ctx.config, checkedSchedule(ctx.config), ACCOUNT, fleetItems(ctx));
  const job = input.jobs.find((j) => j.name === 'prod-backups')!;
  const def = JSON.parse(job.definition) as {
    States: {
      Databases: { Result: { databases: { id: string; region: string }[] } };
      'Each database': { ItemsPath: string; ItemProcessor: { ProcessorConfig: { Mode: string } } };
    };
  };
  return {
    items: [...def.States.Databases.Result.databases].sort((a, b) => a.id.localeCompare(b.id)),
    itemsPath: def.States['Each database'].ItemsPath,
    mode: def.States['Each database'].ItemProcessor.ProcessorConfig.Mode,
  };
}

/** What the FakeFleet holds that carries both tags, by its own seeds: n even (production) and n % 3 = 0 (dbops:managed). */
const expected = () =>
  fleet.seeds
    .filter((s) => s.n % 2 === 0 && s.n % 3 === 0)
    .map((s) => ({ id: s.id, region: s.region }))
    .sort((a, b) => a.id.localeCompare(b.id));

describe('a schedule job that selects its databases by tag', () => {
  it('runs over exactly the databases that carry every tag (inline Map)', async () => {
    const r = await resolved(config({ environment: 'production', 'dbops:managed': 'true' }));

    expect(expected()).toHaveLength(9);
    expect(r.items).toEqual(expected());
    expect([r.itemsPath, r.mode]).toEqual(['$.databases', 'INLINE']);
  });

  it('above schedule.distributedMapThreshold, the Distributed Map gets the same databases as its input', async () => {
    const r = await resolved(config({ environment: 'production', 'dbops:managed': 'true' }, { distributedMapThreshold: 5 }));

    expect(r.items).toEqual(expected());
    expect([r.itemsPath, r.mode]).toEqual(['$.databases', 'DISTRIBUTED']);
  });

  it('a tag no database carries: apply refuses (exit 2) with the selection, before any call to the schedule’s services', async () => {
    const services = [
      mockClient(SSMClient),
      mockClient(CloudWatchLogsClient),
      mockClient(IAMClient),
      mockClient(ECSClient),
      mockClient(SFNClient),
      mockClient(SchedulerClient),
    ];
    try {
      const ctx = await context(config({ environment: 'qa' }), { yes: true });

      const refused = apply.run(ctx, { args: {}, opts: {} });

      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toMatchObject({
        exitCode: 2,
        message:
          'schedule.jobs.prod-backups runs over no database: No database matches tag environment=qa in us-east-2, us-west-2, eu-west-1.',
        hint: expect.stringMatching(
          /^What exists: .+ and 40 more; `dbops fleet list --all` shows them\. Change schedule\.jobs\.prod-backups\.select, or set schedule\.jobs\.prod-backups\.enabled: false\.$/,
        ),
      });
      // The fleet was listed (every account and region), the schedule not touched
      expect(fleet.rds.mock.calls().length).toBeGreaterThan(0);
      expect(services.map((s) => s.calls().length)).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      for (const s of services) s.restore();
    }
  });
});
