/**
 * Seed 004's Valkey serverless cache (`cache.kind: serverless`) against FakeAwsAccount:
 * the plan row, CreateServerlessCache with its exact input (engine valkey, major version,
 * usage limits, the deployment's security group, the configured subnets, dbops tags), a
 * second plan with nothing to do, drift in the limits made in place by
 * ModifyServerlessCache, and destroy deleting only a dbops-tagged cache. Its access control
 * (RBAC, the only one a serverless cache has): the AUTH token stored in Secrets Manager, the
 * user `default` with it as password, the user group, the cache naming the group, so audit has
 * no cache-no-auth; destroy removes cache, group, user, secret in that order. Bad input: one
 * sentence, exit 2, nothing sent.
 */
import {
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteServerlessCacheCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeServerlessCachesCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyServerlessCacheCommand,
} from '@aws-sdk/client-elasticache';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
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

/** The cache's rows: its RBAC user and user group, then the cache. */
function cacheRows(plan: { changes: { kind: string; id: string; action: string }[] }): string[] {
  return plan.changes.filter((x) => x.kind.startsWith('cache')).map((c) => `${c.kind} ${c.id} ${c.action}`);
}

const TAGS = (runId: string) => [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: runId },
  { Key: 'dbops:purpose', Value: 'provision' },
];

/** The token stored in Secrets Manager for the cache (the fake keeps what CreateSecret was given). */
function storedToken(): string {
  return (JSON.parse(aws.secretValues.get('dbops/content-hub-cache/auth-token')!.value) as { token: string }).token;
}

describe('a Valkey serverless cache on a fresh account', () => {
  it('plans the cache and no cache alarms (a serverless cache has no node to watch)', async () => {
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(cacheRows(plan)).toEqual([
      'cache-user content-hub-cache-default create',
      'cache-user-group content-hub-cache-users create',
      'cache content-hub-cache create',
    ]);
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
        UserGroupId: 'content-hub-cache-users',
        Tags: TAGS(result.report!.runId),
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

    // AND a second plan has nothing to do for the cache, its user or its user group
    const again = await planProvision(await deps(valkeyConfig()));
    expect(cacheRows(again)).toEqual([
      'cache-user content-hub-cache-default no-op',
      'cache-user-group content-hub-cache-users no-op',
      'cache content-hub-cache no-op',
    ]);
    expect(again.pending).toBe(0);
  });

  it('makes the access control first: token secret, user default, user group (active), then the cache naming it', async () => {
    const result = await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const runId = result.report!.runId;
    // GIVEN the token was stored (tagged) before anything used it
    const [secret] = inputsOf(aws.secrets, CreateSecretCommand);
    expect(secret).toEqual({
      Name: 'dbops/content-hub-cache/auth-token',
      Description: 'dbops: Redis AUTH token of cache content-hub-cache',
      SecretString: expect.stringMatching(/^\{"token":"[A-Za-z0-9_-]{43}"\}$/),
      Tags: TAGS(runId),
    });
    const token = storedToken();
    expect(inputsOf(aws.elastiCache, CreateUserCommand)).toEqual([
      {
        UserId: 'content-hub-cache-default',
        UserName: 'default',
        Engine: 'valkey',
        AccessString: 'on ~* +@all',
        AuthenticationMode: { Type: 'password', Passwords: [token] },
        Tags: TAGS(runId),
      },
    ]);
    expect(inputsOf(aws.elastiCache, CreateUserGroupCommand)).toEqual([
      { UserGroupId: 'content-hub-cache-users', Engine: 'valkey', UserIds: ['content-hub-cache-default'], Tags: TAGS(runId) },
    ]);
    // AND the group was waited for (the fake refuses a cache naming a group still creating)
    expect(inputsOf(aws.elastiCache, DescribeUserGroupsCommand)).toContainEqual({ UserGroupId: 'content-hub-cache-users' });
    expect(inputsOf(aws.elastiCache, DescribeUsersCommand)).toContainEqual({ UserId: 'content-hub-cache-default' });
    const [createUser] = aws.elastiCache.commandCalls(CreateUserCommand);
    const [createGroup] = aws.elastiCache.commandCalls(CreateUserGroupCommand);
    const [createCache] = aws.elastiCache.commandCalls(CreateServerlessCacheCommand);
    expect(aws.secrets.commandCalls(CreateSecretCommand)[0]!.calledBefore(createUser!)).toBe(true);
    expect(createUser!.calledBefore(createGroup!)).toBe(true);
    expect(createGroup!.calledBefore(createCache!)).toBe(true);
    expect(aws.userGroups.get('content-hub-cache-users')?.shape.Status).toBe('active');
    expect(aws.cacheUsers.get('content-hub-cache-default')?.passwords).toEqual([token]);
    // AND the token is in no result, report or step detail
    expect(JSON.stringify(result)).not.toContain(token);
    expect(result.applied.filter((a) => a.kind.startsWith('cache')).map((a) => `${a.kind} ${a.id} ${a.detail}`)).toEqual([
      'cache content-hub-cache AUTH token stored (arn:aws:secretsmanager:us-east-2:123456789012:secret:dbops/content-hub-cache/auth-token-AbCdEf)',
      'cache-user content-hub-cache-default created user content-hub-cache-default (default)',
      'cache-user-group content-hub-cache-users created user group content-hub-cache-users',
      'cache content-hub-cache created content-hub-cache',
    ]);
  });

  it('a failed CreateUserGroup: the rerun keeps the user and the token and makes only the group', async () => {
    aws.failOnce.set('CreateUserGroup', new Error('throttled'));
    await rejectionOf(applyProvision(await deps(valkeyConfig()), { applyImmediately: false }));
    expect(aws.serverlessCaches.size).toBe(0);
    const token = storedToken();
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(cacheRows(plan)).toEqual([
      'cache-user content-hub-cache-default no-op',
      'cache-user-group content-hub-cache-users create',
      'cache content-hub-cache create',
    ]);
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    expect(aws.elastiCache.commandCalls(CreateUserCommand)).toHaveLength(1);
    expect(aws.secrets.commandCalls(CreateSecretCommand)).toHaveLength(1);
    expect(storedToken()).toBe(token);
    expect(aws.serverlessCaches.get('content-hub-cache')?.shape.UserGroupId).toBe('content-hub-cache-users');
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

describe("the adapter's RBAC calls", () => {
  it('reads a missing user or group as absent, and deleting one that is gone is not an error', async () => {
    const api = (await deps(valkeyConfig())).pp.serverlessCache!;
    expect(await api.findCacheUser('nobody')).toBeUndefined();
    expect(await api.findUserGroup('no-group')).toBeUndefined();
    await api.deleteCacheUser('nobody');
    await api.deleteUserGroup('no-group');
    expect(inputsOf(aws.elastiCache, DeleteUserCommand)).toEqual([{ UserId: 'nobody' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserGroupCommand)).toEqual([{ UserGroupId: 'no-group' }]);
  });

  it('reads a user and a group with their tags, and waits for the group to be active, then gone', async () => {
    const api = (await deps(valkeyConfig())).pp.serverlessCache!;
    aws.cacheUsers.set('u-1', { UserId: 'u-1', UserName: 'default', Status: 'active', ARN: 'arn:u-1', passwords: ['x'] });
    aws.cacheTags.set('arn:u-1', [{ Key: 'dbops:managed', Value: 'true' }]);
    await api.createUserGroup({ id: 'g-1', userIds: ['u-1'], tags: { team: 'hub' } });
    expect(await api.findCacheUser('u-1')).toEqual({ id: 'u-1', userName: 'default', status: 'active', tags: { 'dbops:managed': 'true' } });
    const ready = await api.waitForUserGroup('g-1', 'active', { maxWaitSeconds: 30 });
    expect(ready).toMatchObject({ id: 'g-1', status: 'active', userIds: ['u-1'], tags: { team: 'hub' } });
    await api.deleteUserGroup('g-1');
    expect(await api.waitForUserGroup('g-1', 'deleted', { maxWaitSeconds: 30 })).toBeUndefined();
    expect(aws.userGroups.size).toBe(0);
  });
});

describe('a user of that id dbops did not create', () => {
  it('apply refuses (its password is not the stored token) and creates nothing', async () => {
    aws.cacheUsers.set('content-hub-cache-default', {
      UserId: 'content-hub-cache-default',
      UserName: 'default',
      Status: 'active',
      passwords: [],
    });
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(cacheRows(plan)[0]).toBe('cache-user content-hub-cache-default blocked');
    const e = await rejectionOf(applyProvision(await deps(valkeyConfig()), { applyImmediately: false }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('cache-user content-hub-cache-default exists but was not created by dbops; dbops will not change it.');
    expect(aws.elastiCache.commandCalls(CreateUserGroupCommand)).toHaveLength(0);
    expect(aws.serverlessCaches.size).toBe(0);
  });
});

describe('destroy with a serverless cache', () => {
  it('deletes the dbops cache, then its user group, user and token (PD-14), and leaves nothing', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.filter((i) => i.kind.startsWith('cache'))).toEqual([
      { kind: 'cache', id: 'content-hub-cache', action: 'delete' },
      { kind: 'cache-user-group', id: 'content-hub-cache-users', action: 'delete' },
      { kind: 'cache-user', id: 'content-hub-cache-default', action: 'delete' },
    ]);
    expect(inputsOf(aws.elastiCache, DeleteServerlessCacheCommand)).toEqual([{ ServerlessCacheName: 'content-hub-cache' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserGroupCommand)).toEqual([{ UserGroupId: 'content-hub-cache-users' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserCommand)).toEqual([{ UserId: 'content-hub-cache-default' }]);
    expect(inputsOf(aws.secrets, DeleteSecretCommand)).toEqual([
      { SecretId: 'dbops/content-hub-cache/auth-token', ForceDeleteWithoutRecovery: true },
    ]);
    // AND in that order (the fake refuses DeleteUserGroup while a cache names the group)
    const [cache] = aws.elastiCache.commandCalls(DeleteServerlessCacheCommand);
    const [group] = aws.elastiCache.commandCalls(DeleteUserGroupCommand);
    const [user] = aws.elastiCache.commandCalls(DeleteUserCommand);
    expect(cache!.calledBefore(group!)).toBe(true);
    expect(group!.calledBefore(user!)).toBe(true);
    expect(user!.calledBefore(aws.secrets.commandCalls(DeleteSecretCommand)[0]!)).toBe(true);
    const steps = result.report!.steps.map((s) => `${s.id} ${s.status}`);
    expect(steps).toEqual(expect.arrayContaining(['PD-5 skipped', 'PD-14 ok']));
    expect(aws.serverlessCaches.size).toBe(0);
    expect(aws.userGroups.size).toBe(0);
    expect(aws.cacheUsers.size).toBe(0);
    expect(aws.counts()).toMatchObject({ caches: 0, secrets: 0 });
  });

  it('a cache already gone (a destroy stopped part-way): its user group, user and token still go', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    aws.serverlessCaches.delete('content-hub-cache');
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.report!.steps.find((s) => s.id === 'PD-14')?.status).toBe('ok');
    expect(aws.elastiCache.commandCalls(DeleteServerlessCacheCommand)).toHaveLength(0);
    expect(inputsOf(aws.elastiCache, DeleteUserGroupCommand)).toEqual([{ UserGroupId: 'content-hub-cache-users' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserCommand)).toEqual([{ UserId: 'content-hub-cache-default' }]);
    expect(aws.userGroups.size + aws.cacheUsers.size + aws.secretValues.size).toBe(0);
  });

  it("a kept cache (not dbops's) naming the user group: the group and user stay too", async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const arn = aws.serverlessCaches.get('content-hub-cache')!.shape.ARN!;
    aws.cacheTags.set(arn, []);
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.filter((i) => i.kind.startsWith('cache'))).toEqual([
      { kind: 'cache', id: 'content-hub-cache', action: 'keep', reason: 'not created by dbops (no dbops:managed=true tag)' },
      { kind: 'cache-user-group', id: 'content-hub-cache-users', action: 'keep', reason: 'the kept cache content-hub-cache uses it' },
      { kind: 'cache-user', id: 'content-hub-cache-default', action: 'keep', reason: 'the kept cache content-hub-cache uses it' },
    ]);
    expect(aws.elastiCache.commandCalls(DeleteUserGroupCommand)).toHaveLength(0);
    expect(aws.elastiCache.commandCalls(DeleteUserCommand)).toHaveLength(0);
    expect(aws.secretValues.size).toBe(1);
  });

  it('keeps a user group and user of those ids that dbops did not create', async () => {
    aws.cacheUsers.set('content-hub-cache-default', {
      UserId: 'content-hub-cache-default',
      UserName: 'default',
      Status: 'active',
      passwords: [],
    });
    aws.userGroups.set('content-hub-cache-users', { shape: { UserGroupId: 'content-hub-cache-users', Status: 'active', UserIds: [] } });
    const result = await destroyProvision(await deps(valkeyConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.filter((i) => i.kind.startsWith('cache-user')).map((i) => `${i.kind} ${i.action}`)).toEqual([
      'cache-user-group keep',
      'cache-user keep',
    ]);
    expect(aws.elastiCache.commandCalls(DeleteUserGroupCommand)).toHaveLength(0);
    expect(aws.elastiCache.commandCalls(DeleteUserCommand)).toHaveLength(0);
    expect(aws.userGroups.size).toBe(1);
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
  it('the cache dbops made has its user group: no cache finding (no cache-no-auth, AU-R4)', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const result = await runAudit(await deps(valkeyConfig()), async () => ({ status: 'present', version: '0.8.0' }));
    expect(result.findings.filter((f) => f.resource.startsWith('cache '))).toEqual([]);
  });

  it('a cache made without a user group: audit flags it; apply attaches one in place; audit is then clean', async () => {
    // GIVEN a dbops serverless cache from before dbops made access control (its user group detached)
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    delete aws.serverlessCaches.get('content-hub-cache')!.shape.UserGroupId;
    const before = await runAudit(await deps(valkeyConfig()), async () => ({ status: 'present', version: '0.8.0' }));
    expect(before.findings.filter((f) => f.resource.startsWith('cache ')).map((f) => [f.severity, f.id, f.message])).toEqual([
      ['high', 'cache-no-auth', 'The serverless cache has no user group: anyone who reaches the port can read and write it.'],
    ]);
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const plan = await planProvision(await deps(valkeyConfig()));
    expect(cacheRows(plan).map((r) => r.split(' ').pop())).toEqual(['no-op', 'no-op', 'no-op']);
    const attach = inputsOf(aws.elastiCache, ModifyServerlessCacheCommand).filter((i) => i.UserGroupId);
    expect(attach).toEqual([{ ServerlessCacheName: 'content-hub-cache', UserGroupId: 'content-hub-cache-users' }]);
    expect(aws.elastiCache.commandCalls(DeleteServerlessCacheCommand)).toHaveLength(0);
    const after = await runAudit(await deps(valkeyConfig()), async () => ({ status: 'present', version: '0.8.0' }));
    expect(after.findings.filter((f) => f.resource.startsWith('cache '))).toEqual([]);
  });

  it('plans the attach as an in-place modify of the cache', async () => {
    aws.addServerlessCache(
      {
        ServerlessCacheName: 'content-hub-cache',
        MajorEngineVersion: '8',
        CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
        SubnetIds: SUBNETS,
      },
      [{ Key: 'dbops:managed', Value: 'true' }],
    );
    const plan = await planProvision(await deps(valkeyConfig()));
    const row = plan.changes.find((c) => c.kind === 'cache')!;
    expect(row.fields.filter((f) => f.field === 'userGroupId').map((f) => [f.from, f.to, f.replace, f.dataLoss])).toEqual([
      [null, 'content-hub-cache-users', false, false],
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
  it('the cache gone already: PV-14 removes the user group, user and token left of it', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    aws.serverlessCaches.delete('content-hub-cache');
    const off = valkeyConfig((c) => (c.cache.enabled = false));
    const plan = await planProvision(await deps(off));
    expect(cacheRows(plan)).toEqual(['cache-user-group content-hub-cache-users delete', 'cache-user content-hub-cache-default delete']);
    const result = await applyProvision(await deps(off), { applyImmediately: false });
    expect(result.report!.steps.filter((s) => s.id === 'PV-14' || s.id === 'PV-6').map((s) => `${s.id} ${s.status}`)).toEqual([
      'PV-6 skipped',
      'PV-14 ok',
    ]);
    expect(aws.userGroups.size + aws.cacheUsers.size + aws.secretValues.size).toBe(0);
    expect(result.after?.pending).toBe(0);
  });

  it('deletes the serverless cache with --allow-data-loss (PV-14)', async () => {
    await applyProvision(await deps(valkeyConfig()), { applyImmediately: false });
    const off = valkeyConfig((c) => (c.cache.enabled = false));
    const refused = await rejectionOf(applyProvision(await deps(off), { applyImmediately: false }));
    expect(refused).toBeInstanceOf(UsageError);
    const result = await applyProvision(await deps(off), { applyImmediately: false, allowDataLoss: true });
    expect(inputsOf(aws.elastiCache, DeleteServerlessCacheCommand)).toEqual([{ ServerlessCacheName: 'content-hub-cache' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserGroupCommand)).toEqual([{ UserGroupId: 'content-hub-cache-users' }]);
    expect(inputsOf(aws.elastiCache, DeleteUserCommand)).toEqual([{ UserId: 'content-hub-cache-default' }]);
    expect(aws.serverlessCaches.size).toBe(0);
    expect(aws.userGroups.size + aws.cacheUsers.size + aws.secretValues.size).toBe(0);
    expect(result.after?.pending).toBe(0);
  });
});
