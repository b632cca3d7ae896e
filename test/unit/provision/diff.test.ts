/** The plan's decisions, as pure functions, with exact equality. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DatabaseState } from '../../../src/lib/providers/provision-types.js';
import { cacheSupport } from '../../../src/lib/provision/cache-support.js';
import { isWorldOpen, parseCidr } from '../../../src/lib/provision/cidr.js';
import { desiredState } from '../../../src/lib/provision/desired.js';
import { diffDatabase, modifyInput } from '../../../src/lib/provision/diff-database.js';
import { diffBudget, diffCache, diffPool, diffSecurityGroup, diffSubscriptions } from '../../../src/lib/provision/diff-resources.js';
import { destroyPlan, protectionRefusal } from '../../../src/lib/provision/destroy.js';
import { computePlan } from '../../../src/lib/provision/plan.js';
import { maxConnections } from '../../../src/lib/provision/alarms.js';
import { provisionSettings } from '../../../src/lib/provision/settings.js';
import { orderableProblem, inputProblem } from '../../../src/lib/provision/validate.js';

const config = { ...structuredClone(DEFAULTS), provider: 'aws' as const };
const settings = provisionSettings(config);
const desired = desiredState(config, settings);

function current(overrides: Partial<DatabaseState> = {}): DatabaseState {
  return {
    id: 'recipe-db-primary',
    engine: 'postgres',
    engineVersion: '15.8',
    instanceClass: 'db.t3.micro',
    status: 'available',
    region: 'us-east-2',
    allocatedStorageGb: 20,
    storageType: 'gp2',
    storageEncrypted: true,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    preferredBackupWindow: '03:00-04:00',
    preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    masterUsername: 'dbadmin',
    dbName: 'recipe_book',
    vpcSecurityGroupIds: ['sg-1'],
    replicaIds: [],
    tags: { 'dbops:managed': 'true' },
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    managedPassword: true,
    pending: {},
    ...overrides,
  };
}

const diff = (c: DatabaseState, provider: 'aws' | 'local' = 'aws') =>
  diffDatabase({ desired: desired.database, current: c, provider, securityGroupIds: ['sg-1'] });

describe('diffDatabase', () => {
  it('is a no-op when the instance matches (a newer minor version is fine)', () => {
    expect(diff(current())).toEqual({
      kind: 'db-instance',
      id: 'recipe-db-primary',
      action: 'no-op',
      fields: [],
      downtime: false,
      dataLoss: false,
      notes: [],
    });
  });

  it.each([
    ['class change: downtime, deferrable', { instanceClass: 'db.t3.small' }, 'modify', true, false],
    ['storage growth: online', { allocatedStorageGb: 10 }, 'modify', false, false],
    ['encryption change: replace with data loss', { storageEncrypted: false }, 'replace', false, true],
    ['engine major downgrade: replace', { engineVersion: '16.4' }, 'replace', false, true],
    ['engine major upgrade: modify with downtime', { engineVersion: '14.12' }, 'modify', true, false],
    ['backups off -> on: downtime', { backupRetentionDays: 0 }, 'modify', true, false],
    ['retention 3 -> 7: online', { backupRetentionDays: 3 }, 'modify', false, false],
    ['public -> private: online', { publiclyAccessible: true }, 'modify', false, false],
    ['master user: replace', { masterUsername: 'postgres' }, 'replace', false, true],
  ] as const)('%s', (_n, overrides, action, downtime, dataLoss) => {
    const change = diff(current(overrides as Partial<DatabaseState>));
    expect([change.action, change.downtime, change.dataLoss]).toEqual([action, downtime, dataLoss]);
  });

  it('leaves storage grown by autoscaling alone, with a note', () => {
    const change = diff(current({ allocatedStorageGb: 30 }));
    expect([change.action, change.notes]).toEqual(['no-op', ['storage is 30 GB (above the configured 20 GB); RDS cannot shrink it']]);
  });

  it('treats values pending for the maintenance window as done', () => {
    const change = diff(current({ instanceClass: 'db.t3.small', pending: { instanceClass: 'db.t3.micro' } }));
    expect([change.action, change.notes]).toEqual(['no-op', ['pending until the maintenance window: instanceClass=db.t3.micro']]);
  });

  it('blocks changes to an instance dbops did not create', () => {
    expect(diff(current({ instanceClass: 'db.t3.small', tags: {} })).action).toBe('blocked');
  });

  it('records local settings instead of replacing (encryption has no meaning there)', () => {
    const change = diff(current({ storageEncrypted: false }), 'local');
    expect([change.action, change.fields.map((f) => f.note)]).toEqual([
      'modify',
      ['recorded only: local clusters are not encrypted at rest'],
    ]);
  });

  it('builds the ModifyDBInstance input from the fields (autoscaling off = cap at the size)', () => {
    const change = diff(current({ instanceClass: 'db.t3.small', maxAllocatedStorageGb: 100, engineVersion: '14.1' }));
    expect(modifyInput(change.fields, false, 20)).toEqual({
      applyImmediately: false,
      engineVersion: '15',
      allowMajorVersionUpgrade: true,
      instanceClass: 'db.t3.micro',
      maxAllocatedStorageGb: 20,
    });
  });
});

describe('the other resources', () => {
  it('security group: rules compared as a set', () => {
    const want = desired.securityGroup!;
    expect(want.ingress).toEqual([]);
    const sg = { id: 'sg-1', name: want.name, ingress: [{ port: 5432, cidr: '0.0.0.0/0' }], tags: { 'dbops:managed': 'true' } };
    expect(diffSecurityGroup(want, sg).fields).toEqual([
      {
        field: 'ingress',
        from: ['5432/0.0.0.0/0'],
        to: [],
        downtime: false,
        replace: false,
        dataLoss: false,
        deferrable: false,
        note: 'rules are added and revoked in place',
      },
    ]);
  });

  it('cache: turning on TLS or AUTH means a new cache; node type is a short interruption', () => {
    const d = desired.cache!;
    const c = {
      id: d.id,
      kind: 'replication-group' as const,
      engine: 'redis',
      engineVersion: '7.0.7',
      nodeType: 'cache.t3.micro',
      status: 'available',
      transitEncryption: true,
      atRestEncryption: true,
      authEnabled: true,
      securityGroupIds: ['sg-1'],
      tags: { 'dbops:managed': 'true' },
    };
    expect(diffCache(d, c, 'aws', ['sg-1'], d.id)!.action).toBe('no-op');
    expect(diffCache(d, { ...c, authEnabled: false, transitEncryption: false }, 'aws', ['sg-1'], d.id)).toMatchObject({
      action: 'replace',
      dataLoss: true,
    });
    expect(diffCache({ ...d, nodeType: 'cache.t3.small' }, c, 'aws', ['sg-1'], d.id)).toMatchObject({
      action: 'modify',
      downtime: true,
      dataLoss: false,
    });
  });

  it('cache: a value the endpoint did not report is never a reason to replace (noted instead)', () => {
    const d = desired.cache!;
    const c = {
      id: d.id,
      kind: 'replication-group' as const,
      engine: 'redis',
      nodeType: 'cache.t3.micro',
      status: 'available',
      securityGroupIds: ['sg-1'],
      tags: { 'dbops:managed': 'true' },
    };
    expect(diffCache(d, c, 'aws', ['sg-1'], d.id)).toEqual({
      kind: 'cache',
      id: d.id,
      action: 'no-op',
      fields: [],
      downtime: false,
      dataLoss: false,
      notes: [
        "the endpoint did not report the cache's engine version, in-transit encryption, at-rest encryption, AUTH: not compared (an unknown value is never a reason to change or replace)",
      ],
    });
    // What is known is still compared.
    expect(diffCache(d, { ...c, authEnabled: false }, 'aws', ['sg-1'], d.id)).toMatchObject({ action: 'replace', dataLoss: true });
  });

  it('database: an engine version or master user the endpoint did not report is not compared', () => {
    const change = diff(current({ engineVersion: '', masterUsername: '' }));
    expect([change.action, change.notes]).toEqual([
      'no-op',
      [
        "the endpoint did not report the instance's engine version, master user: not compared (an unknown value is never a reason to change or replace)",
      ],
    ]);
  });

  it('subscriptions: a changed email subscribes the new one and removes the confirmed old one', () => {
    const topic = {
      arn: 't',
      name: 't',
      tags: { 'dbops:managed': 'true' },
      subscriptions: [{ arn: 'arn:sub:1', protocol: 'email', endpoint: 'old@example.com' }],
    };
    expect(diffSubscriptions('new@example.com', topic).map((c) => `${c.id} ${c.action}`)).toEqual([
      'new@example.com create',
      'old@example.com delete',
    ]);
  });

  it('budget: limit and notifications', () => {
    const spec = desiredState({ ...config, alarms: { ...config.alarms, email: 'a@example.com' } }, settings).budget!;
    expect(spec.notifications.map((n) => `${n.type}@${n.thresholdPercent}`)).toEqual([
      'ACTUAL@50',
      'FORECASTED@50',
      'ACTUAL@80',
      'FORECASTED@80',
    ]);
    const have = { ...spec, limitUsd: 40, tags: { 'dbops:managed': 'true' } };
    expect(diffBudget(spec, have, spec.name)!.fields.map((f) => f.field)).toEqual(['limitUsd']);
  });
});

describe('computePlan on the local provider', () => {
  it('reports the AWS-only resources as not applicable, with the reason', () => {
    const local = { ...structuredClone(DEFAULTS) };
    const s = provisionSettings(local);
    const na = { network: 'n/a net', notifications: 'n/a sns', alarms: 'n/a cw', budgets: 'n/a bill', 'parameter-group': 'n/a pg' };
    const plan = computePlan(desiredState(local, s), { alarms: [], notApplicable: na }, s);
    expect(plan.changes.map((c) => [c.kind, c.action, c.notes[0]])).toEqual([
      ['security-group', 'not-applicable', 'n/a net'],
      ['parameter-group', 'not-applicable', 'n/a pg'],
      ['db-instance', 'create', undefined],
      ['cache', 'create', undefined],
      ['sns-topic', 'not-applicable', 'n/a sns'],
      ['alarm', 'not-applicable', 'n/a cw'],
      ['budget', 'not-applicable', 'n/a bill'],
    ]);
    expect(plan.pending).toBe(2);
  });
});

describe('destroyPlan', () => {
  it('lists in reverse dependency order, keeps what dbops did not make, names the final snapshot', () => {
    const m = { 'dbops:managed': 'true' };
    const items = destroyPlan(
      {
        securityGroup: { id: 'sg-1', name: 'x-sg', ingress: [], tags: m },
        database: current({ deletionProtection: true }),
        cache: {
          id: 'c',
          kind: 'cache-cluster',
          engine: 'redis',
          engineVersion: '7',
          nodeType: 'cache.t2.micro',
          status: 'available',
          transitEncryption: false,
          atRestEncryption: false,
          authEnabled: false,
          securityGroupIds: [],
          tags: {},
        },
        alarms: [],
        notApplicable: {},
      },
      { skipFinalSnapshot: false, ignoreDeletionProtection: false, now: new Date('2026-03-01T10:00:00Z') },
    );
    expect(items).toEqual([
      { kind: 'cache', id: 'c', action: 'keep', reason: 'not created by dbops (no dbops:managed=true tag)' },
      {
        kind: 'db-instance',
        id: 'recipe-db-primary',
        action: 'delete',
        finalSnapshotId: 'recipe-db-primary-final-20260301-100000',
        disableDeletionProtection: true,
      },
      { kind: 'security-group', id: 'sg-1', action: 'delete' },
    ]);
    expect(protectionRefusal(items, { skipFinalSnapshot: false, ignoreDeletionProtection: false })?.message).toBe(
      'DB instance recipe-db-primary has deletion protection on; nothing was destroyed.',
    );
    expect(protectionRefusal(items, { skipFinalSnapshot: false, ignoreDeletionProtection: true })).toBeUndefined();
  });
});

describe('small decisions', () => {
  it('cache.t2 has neither TLS nor AUTH; t3 has both', () => {
    expect([
      cacheSupport('cache.t2.micro').auth,
      cacheSupport('cache.t2.micro').transitEncryption,
      cacheSupport('cache.t3.micro').auth,
    ]).toEqual([false, false, true]);
    const t2 = desiredState({ ...config, cache: { ...config.cache, nodeType: 'cache.t2.micro' } }, settings);
    expect([t2.cache!.auth, t2.cache!.transitEncryption]).toEqual([false, false]);
    expect(t2.warnings).toContain(cacheSupport('cache.t2.micro').note);
  });

  it('parses CIDRs and spots the whole internet', () => {
    expect(parseCidr('203.0.113.7/24')).toEqual({ text: '203.0.113.0/24', prefix: 24, size: 256 });
    expect(parseCidr('10.0.0.0/33')).toEqual({ error: '"10.0.0.0/33" is not an IPv4 CIDR: the prefix /33 is above /32.' });
    expect(parseCidr('nope')).toEqual({ error: '"nope" is not an IPv4 CIDR such as 203.0.113.7/32.' });
    expect([isWorldOpen('0.0.0.0/0'), isWorldOpen('::/0'), isWorldOpen('10.0.0.0/8')]).toEqual([true, true, false]);
  });

  it('max_connections of RDS PostgreSQL by class', () => {
    expect([
      maxConnections('db.t3.micro'),
      maxConnections('db.t3.small'),
      maxConnections('db.r6g.large'),
      maxConnections('db.x.weird'),
    ]).toEqual([112, 225, 1802, 100]);
  });

  it('orderable options decide class, version and storage minimum', () => {
    const opts = [
      { engineVersion: '15.8', storageType: 'gp2', minStorageGb: 20 },
      { engineVersion: '15.8', storageType: 'io1', minStorageGb: 100 },
    ];
    expect(orderableProblem(config, 'us-east-2', opts)).toBeUndefined();
    expect(orderableProblem(config, 'us-east-2', [])?.message).toBe('PostgreSQL does not offer db.t3.micro in us-east-2.');
    expect(orderableProblem({ ...config, database: { ...config.database, storageType: 'gp3' } }, 'us-east-2', opts)?.message).toBe(
      'gp3 storage is not offered for PostgreSQL 15 on db.t3.micro in us-east-2.',
    );
  });

  it('no offline problem with the defaults', () => {
    expect(inputProblem(config, settings)).toBeUndefined();
  });
});

describe('data loss needs its own flag', () => {
  const d = desired.cache!;
  const c = {
    id: d.id,
    kind: 'replication-group' as const,
    engine: 'redis',
    engineVersion: '7.0.7',
    nodeType: 'cache.t3.micro',
    status: 'available',
    transitEncryption: true,
    atRestEncryption: true,
    authEnabled: false,
    securityGroupIds: ['sg-1'],
    tags: { 'dbops:managed': 'true' },
  };
  const plan = {
    provider: 'aws' as const,
    region: 'us-east-2',
    changes: [diffCache(d, c, 'aws', ['sg-1'], d.id)!],
    pending: 1,
    warnings: [],
  };

  it('apply refuses a plan that loses data without --allow-data-loss, naming what and why', async () => {
    const { dataLossRefusal } = await import('../../../src/lib/provision/apply.js');
    const e = dataLossRefusal(plan, { applyImmediately: false });
    expect([e?.message, e?.hint, e?.exitCode]).toEqual([
      `This plan loses data: replace cache ${d.id} (authEnabled). Apply refuses that without --allow-data-loss.`,
      'Read `dbops provision plan` (the rows marked DATA LOSS); revert the setting in the config, or rerun with --allow-data-loss if losing that data is intended.',
      2,
    ]);
    expect(dataLossRefusal(plan, { applyImmediately: false, allowDataLoss: true })).toBeUndefined();
    const modify = {
      ...plan,
      changes: [diffCache({ ...d, nodeType: 'cache.t3.small' }, { ...c, authEnabled: true }, 'aws', ['sg-1'], d.id)!],
    };
    expect(dataLossRefusal(modify, { applyImmediately: false })).toBeUndefined();
  });

  it('the plan says so', async () => {
    const { renderPlan } = await import('../../../src/lib/provision/render.js');
    const { Chalk } = await import('chalk');
    const text = renderPlan(plan, new Chalk({ level: 0 }));
    expect(text).toContain(
      `authEnabled: false -> true (AUTH is set when the cache is created: a new cache (contents lost)) [DATA LOSS, replace]`,
    );
    expect(text).toContain(`1 change loses data (replace cache ${d.id}): apply needs --allow-data-loss as well as --yes.`);
  });
});

describe('appliedSummary', () => {
  it("lists each resource once: a cache's AUTH token entry is not a second creation", async () => {
    const { appliedSummary } = await import('../../../src/lib/provision/apply.js');
    expect(
      appliedSummary([
        { kind: 'security-group', id: 'db-sg', action: 'create', detail: 'created sg-1' },
        { kind: 'cache', id: 'db-cache', action: 'create', detail: 'AUTH token stored (secret)' },
        { kind: 'cache', id: 'db-cache', action: 'create', detail: 'created db-cache' },
      ]),
    ).toBe('create security-group db-sg; create cache db-cache');
  });
});

describe('diffPool (the connection layer in provision plan)', () => {
  const local = { ...structuredClone(DEFAULTS), connectionPool: { ...DEFAULTS.connectionPool, enabled: true } };
  const want = desiredState(local, provisionSettings(local)).pool;
  const running = {
    kind: 'pgbouncer' as const,
    name: 'recipe-db-primary-pool',
    endpoint: { host: '127.0.0.1', port: 6432 },
    running: true,
    targetId: 'recipe-db-primary',
    pools: [],
    targets: [],
    requireTls: false,
  };
  const rows = (cur: Parameters<typeof diffPool>[1]) => diffPool(want, cur).map((c) => [c.kind, c.id, c.action, c.notes]);

  it('local: a pgbouncer to create, in sync, or stopped (apply starts it); nothing when connectionPool is off', () => {
    expect(rows({})).toEqual([['connection-pool', 'recipe-db-primary-pool', 'create', ['pgbouncer in front of recipe-db-primary']]]);
    expect(rows({ pool: running })).toEqual([
      ['connection-pool', 'recipe-db-primary-pool', 'no-op', ['in sync: pgbouncer at 127.0.0.1:6432 -> recipe-db-primary']],
    ]);
    expect(rows({ pool: { ...running, running: false } })).toEqual([
      ['connection-pool', 'recipe-db-primary-pool', 'modify', ['pgbouncer is not running: apply starts it']],
    ]);
    expect(diffPool(desiredState(DEFAULTS, provisionSettings(DEFAULTS)).pool, {})).toEqual([]);
  });

  it('aws: connectionPool.roleArn is a role dbops does not manage (no-op row, no IAM read)', () => {
    const aws = {
      ...local,
      provider: 'aws' as const,
      connectionPool: { ...local.connectionPool, kind: 'rds-proxy' as const, roleArn: 'arn:aws:iam::123456789012:role/mine' },
    };
    const d = desiredState(aws, provisionSettings(aws)).pool;
    expect(diffPool(d, {}).map((c) => [c.kind, c.id, c.action])).toEqual([
      ['connection-pool', 'recipe-db-primary-pool', 'create'],
      ['iam-role', 'mine', 'no-op'],
    ]);
  });

  it('a plan with the pool counts it as pending until it runs', () => {
    const d = desiredState(local, provisionSettings(local));
    const plan = computePlan(d, { alarms: [], notApplicable: {} }, provisionSettings(local));
    expect(plan.changes.filter((c) => c.kind === 'connection-pool').map((c) => c.action)).toEqual(['create']);
  });
});
