/**
 * Seed 004's Valkey serverless cache (`cache.kind: serverless`) against FakeAwsAccount:
 * the plan row, CreateServerlessCache with its exact input (engine valkey, major version,
 * usage limits, the deployment's security group, the configured subnets, dbops tags), a
 * second plan with nothing to do, drift in the limits made in place by
 * ModifyServerlessCache, and destroy deleting only a dbops-tagged cache. Bad input: one
 * sentence, exit 2, nothing sent.
 */
import {
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  DeleteServerlessCacheCommand,
  DescribeServerlessCachesCommand,
  ModifyServerlessCacheCommand,
} from '@aws-sdk/client-elasticache';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbopsConfig } from '../../../../src/lib/config/schema.js';
import { ExitCode, UsageError } from '../../../../src/lib/errors.js';
import { runAudit } from '../../../../src/lib/audit/audit.js';
import { DEFAULTS } from '../../../../src/lib/config/defaults.js';
import { loadConfig } from '../../../../src/lib/config/load.js';
import { applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
import { serverlessCacheProblem } from '../../../../src/lib/provision/validate.js';
import { destroyProvision } from '../../../../src/lib/provision/destroy.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { inputsOf, rejectionOf } from './helpers.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];

async function deps(...args: Parameters<typeof awsDeps>): Promise<AwsDeps> {
  const d = await awsDeps(...args);
  open.push(d);
  return d;
}

beforeEach(() => {
  aws = new FakeAwsAccount({ describesToSettle: 2 });
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

const SUBNETS = ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'];

/** Seed 004: a Valkey serverless cache in the private isolated subnets. */
function valkeyConfig(more: (c: DbopsConfig) => void = () => undefined): DbopsConfig {
  return awsConfig((c) => {
    c.database.identifier = 'content-hub';
    c.cache.kind = 'serverless';
    c.cache.engine = 'valkey';
    c.cache.serverless = { majorVersion: '8', dataStorageMaxGb: 2, ecpuPerSecondMax: 5000, subnetIds: SUBNETS };
    more(c);
  });
}

function cacheRow(plan: { changes: { kind: string; id: string; action: string }[] }): string | undefined {
  const c = plan.changes.find((x) => x.kind === 'cache');
  return c ? `${c.id} ${c.action}` : undefined;
}

describe('a Valkey serverless cache on a fresh account', () => {
  it('plans the cache and no cache alarms (a serverless cache has no node to watch)', async () => {
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(cacheRow(plan)).toBe('content-hub-cache create');
    expect(plan.changes.find((c) => c.kind === 'cache')?.notes).toEqual([
      'Valkey 8 serverless: at most 2 GB stored and 5000 ECPUs per second',
    ]);
    expect(plan.changes.filter((c) => c.kind === 'alarm').map((c) => c.id)).toEqual([
      'content-hub-db-cpu-critical',
      'content-hub-db-cpu-warning',
      'content-hub-db-free-storage-low',
      'content-hub-db-connections-high',
    ]);
  });

  it('sends CreateServerlessCache with the limits, group, subnets and tags, waits, and leaves nothing to do', async () => {
    const result = await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const sg = aws.groups.keys().next().value as string;
    expect(inputsOf(aws.elastiCache, CreateServerlessCacheCommand)).toEqual([
      {
        ServerlessCacheName: 'content-hub-cache',
        Description: 'dbops cache content-hub-cache',
        Engine: 'valkey',
        MajorEngineVersion: '8',
        CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
        SecurityGroupIds: [sg],
        SubnetIds: SUBNETS,
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: result.report!.runId },
          { Key: 'dbops:purpose', Value: 'provision' },
        ],
      },
    ]);
    expect(aws.elastiCache.commandCalls(CreateReplicationGroupCommand)).toHaveLength(0);
    // AND it was read, and waited for, by name
    expect(new Set(inputsOf(aws.elastiCache, DescribeServerlessCachesCommand).map((i) => JSON.stringify(i)))).toEqual(
      new Set([JSON.stringify({ ServerlessCacheName: 'content-hub-cache' })]),
    );
    expect(aws.serverlessCaches.get('content-hub-cache')?.shape.Status).toBe('available');
    const steps = result.report!.steps.map((s) => `${s.id} ${s.status}`);
    expect(steps).toEqual(expect.arrayContaining(['PV-6 skipped', 'PV-14 ok']));
    expect(result.after?.pending).toBe(0);
    // AND no alarm names the cache
    expect(inputsOf(aws.cloudWatch, PutMetricAlarmCommand).filter((a) => a.Namespace === 'AWS/ElastiCache')).toEqual([]);

    // AND a second plan has nothing to do for the cache
    const again = await planProvision(await deps(valkeyConfig()));
    expect(cacheRow(again)).toBe('content-hub-cache no-op');
    expect(again.pending).toBe(0);
  });

  it('without subnetIds the request names none (ElastiCache uses the default VPC subnets)', async () => {
    await applyProvision(
      await deps(valkeyConfig((c) => (c.cache.serverless = { majorVersion: '8', dataStorageMaxGb: 1, ecpuPerSecondMax: 1000 }))),
      { applyImmediately: false },
    );
    const [input] = inputsOf(aws.elastiCache, CreateServerlessCacheCommand);
    expect(input).not.toHaveProperty('SubnetIds');
    expect(input?.CacheUsageLimits).toEqual({ DataStorage: { Maximum: 1, Unit: 'GB' }, ECPUPerSecond: { Maximum: 1000 } });
  });
});

describe('drift of a serverless cache', () => {
  it('limits changed outside dbops are set back in place by ModifyServerlessCache', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    // GIVEN someone raised the limits in the console
    const shape = aws.serverlessCaches.get('content-hub-cache')!.shape;
    shape.CacheUsageLimits = { DataStorage: { Maximum: 50, Unit: 'GB' }, ECPUPerSecond: { Maximum: 90000 } };

    const plan = await planProvision(await deps(valkeyConfig()));
    const row = plan.changes.find((c) => c.kind === 'cache')!;
    expect(row.action).toBe('modify');
    expect(row.fields.map((f) => [f.field, f.from, f.to])).toEqual([
      ['dataStorageMaxGb', 50, 2],
      ['ecpuPerSecondMax', 90000, 5000],
    ]);

    const result = await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    expect(inputsOf(aws.elastiCache, ModifyServerlessCacheCommand)).toEqual([
      {
        ServerlessCacheName: 'content-hub-cache',
        CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
      },
    ]);
    expect(result.after?.pending).toBe(0);
  });

  it('one limit drifted: both are sent (CacheUsageLimits is one setting)', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    aws.serverlessCaches.get('content-hub-cache')!.shape.CacheUsageLimits!.ECPUPerSecond = { Maximum: 90000 };
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(plan.changes.find((c) => c.kind === 'cache')!.fields.map((f) => f.field)).toEqual(['ecpuPerSecondMax']);
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    expect(inputsOf(aws.elastiCache, ModifyServerlessCacheCommand)).toEqual([
      {
        ServerlessCacheName: 'content-hub-cache',
        CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
      },
    ]);
  });

  it('a higher major version is an in-place upgrade', async () => {
    await applyProvision(await deps(valkeyConfig((c) => (c.cache.serverless.majorVersion = '7'))), { applyImmediately: false });
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    expect(inputsOf(aws.elastiCache, ModifyServerlessCacheCommand)).toEqual([
      { ServerlessCacheName: 'content-hub-cache', Engine: 'valkey', MajorEngineVersion: '8' },
    ]);
    expect(aws.elastiCache.commandCalls(DeleteServerlessCacheCommand)).toHaveLength(0);
  });

  it('a lower major version would replace the cache: apply refuses', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const e = await rejectionOf(
      applyProvision(await deps(valkeyConfig((c) => (c.cache.serverless.majorVersion = '7'))), { applyImmediately: false }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      'This plan loses data: replace cache content-hub-cache (majorVersion). Apply refuses that without --allow-data-loss.',
    );
    expect(aws.elastiCache.commandCalls(DeleteServerlessCacheCommand)).toHaveLength(0);
  });
});

describe('destroy with a serverless cache', () => {
  it('deletes the dbops cache (PD-14) and leaves nothing', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.find((i) => i.kind === 'cache')).toEqual({ kind: 'cache', id: 'content-hub-cache', action: 'delete' });
    expect(inputsOf(aws.elastiCache, DeleteServerlessCacheCommand)).toEqual([{ ServerlessCacheName: 'content-hub-cache' }]);
    const steps = result.report!.steps.map((s) => `${s.id} ${s.status}`);
    expect(steps).toEqual(expect.arrayContaining(['PD-5 skipped', 'PD-14 ok']));
    expect(aws.serverlessCaches.size).toBe(0);
    expect(aws.counts().caches).toBe(0);
  });

  it('keeps a serverless cache of that name dbops did not create', async () => {
    aws.addServerlessCache({ ServerlessCacheName: 'content-hub-cache', MajorEngineVersion: '8' });
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.find((i) => i.kind === 'cache')?.action).toBe('keep');
    expect(aws.elastiCache.commandCalls(DeleteServerlessCacheCommand)).toHaveLength(0);
    expect(aws.serverlessCaches.size).toBe(1);
  });
});

describe('bad serverless cache input: one sentence, exit 2, nothing sent', () => {
  const cases: [string, (c: DbopsConfig) => void, string][] = [
    [
      'no data storage',
      (c) => (c.cache.serverless.dataStorageMaxGb = 0),
      'cache.serverless.dataStorageMaxGb is 0; ElastiCache serverless takes a whole number of GB from 1 to 5000.',
    ],
    [
      'too much data storage',
      (c) => (c.cache.serverless.dataStorageMaxGb = 6000),
      'cache.serverless.dataStorageMaxGb is 6000; ElastiCache serverless takes a whole number of GB from 1 to 5000.',
    ],
    [
      'negative ECPUs',
      (c) => (c.cache.serverless.ecpuPerSecondMax = -1),
      'cache.serverless.ecpuPerSecondMax is -1; ElastiCache serverless takes a whole number from 1000 to 15000000 ECPUs per second.',
    ],
    [
      'too many ECPUs',
      (c) => (c.cache.serverless.ecpuPerSecondMax = 20_000_000),
      'cache.serverless.ecpuPerSecondMax is 20000000; ElastiCache serverless takes a whole number from 1000 to 15000000 ECPUs per second.',
    ],
    ['a Redis engine', (c) => (c.cache.engine = 'redis'), 'cache.kind serverless is a Valkey serverless cache, but cache.engine is redis.'],
  ];
  it.each(cases)('%s', async (_name, change, message) => {
    const e = await rejectionOf(planProvision(await deps(valkeyConfig(change))));
    expect(e.message).toBe(message);
    expect((e as { exitCode?: number }).exitCode).toBe(ExitCode.usage);
    expect(aws.counts().caches).toBe(0);
  });
});

describe('where a serverless cache is not', () => {
  it('the local provider refuses cache.kind serverless with one sentence', () => {
    const c = structuredClone(DEFAULTS);
    c.cache.kind = 'serverless';
    c.cache.engine = 'valkey';
    expect(serverlessCacheProblem(c)?.message).toBe(
      'cache.kind serverless is a Valkey serverless cache on ElastiCache, which the local provider does not have.',
    );
  });
});

describe('audit of a serverless cache', () => {
  it('finds the cache dbops made and says only that it has no user group (it is always encrypted)', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const result = await runAudit(await deps(valkeyConfig()), async () => ({ status: 'present', version: '0.8.0' }));
    expect(result.findings.filter((f) => f.resource.startsWith('cache ')).map((f) => [f.severity, f.id, f.message])).toEqual([
      ['high', 'cache-no-auth', 'The serverless cache has no user group: anyone who reaches the port can read and write it.'],
    ]);
  });

  it('a user group attached: no cache finding', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    aws.serverlessCaches.get('content-hub-cache')!.shape.UserGroupId = 'hub-users';
    const result = await runAudit(await deps(valkeyConfig()), async () => ({ status: 'present', version: '0.8.0' }));
    expect(result.findings.filter((f) => f.resource.startsWith('cache '))).toEqual([]);
  });
});

describe('the config section', () => {
  it('reads seed 004 from YAML: a number major version, the unset limits from the defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbops-valkey-'));
    try {
      writeFileSync(
        join(dir, 'dbops.config.yaml'),
        'provider: aws\ncache:\n  kind: serverless\n  engine: valkey\n  serverless:\n    majorVersion: 7\n    subnetIds: [subnet-0a1b2c3d]\n',
      );
      const { config } = loadConfig({ cwd: dir, env: {}, flags: {} });
      expect(config.cache.kind).toBe('serverless');
      expect(config.cache.serverless).toEqual({
        majorVersion: '7',
        dataStorageMaxGb: 1,
        ecpuPerSecondMax: 1000,
        subnetIds: ['subnet-0a1b2c3d'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cache.enabled turned off', () => {
  it('deletes the serverless cache with --allow-data-loss (PV-14)', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const off = valkeyConfig((c) => (c.cache.enabled = false));
    const refused = await rejectionOf(applyProvision(await deps(off), { applyImmediately: false }));
    expect(refused).toBeInstanceOf(UsageError);
    const result = await applyProvision(await deps(off), { applyImmediately: false, allowDataLoss: true });
    expect(inputsOf(aws.elastiCache, DeleteServerlessCacheCommand)).toEqual([{ ServerlessCacheName: 'content-hub-cache' }]);
    expect(aws.serverlessCaches.size).toBe(0);
    expect(result.after?.pending).toBe(0);
  });
});
