/**
 * `dbops audit` over the seeds' own design (seed 000), built in FakeAwsAccount: publicly
 * accessible RDS, unencrypted, default security groups open to 0.0.0.0/0 on 5432 and
 * 6379, a bare cache.t2.micro cluster without AUTH or TLS, only the CPU alarm, no
 * deletion protection in production (seed 002). Then a deployment dbops applied, which
 * the audit finds clean.
 */
import { Chalk } from 'chalk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit, type ExtensionProbe } from '../../../src/lib/audit/audit.js';
import { auditFindings } from '../../../src/lib/audit/findings.js';
import { renderAudit } from '../../../src/lib/audit/render.js';
import { NotFoundError } from '../../../src/lib/errors.js';
import { applyProvision } from '../../../src/lib/provision/apply.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../_helpers/fake-aws-provision.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];
const unreachable: ExtensionProbe = async () => ({ status: 'not-checked', reason: 'could not connect or query (timeout).' });

beforeEach(() => {
  aws = new FakeAwsAccount();
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

/** Seed 000, as written. */
function buildSeed000(): void {
  const world = (port: number) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
  aws.addSecurityGroup({ GroupId: 'sg-0db000', GroupName: 'recipe-database-sg', IpPermissions: [world(5432)] });
  aws.addSecurityGroup({ GroupId: 'sg-0cache0', GroupName: 'recipe-cache-sg', IpPermissions: [world(6379)] });
  aws.addInstance({
    DBInstanceIdentifier: 'recipe-db-primary',
    Engine: 'postgres',
    EngineVersion: '15.4',
    DBInstanceClass: 'db.t3.micro',
    AllocatedStorage: 20,
    StorageType: 'gp2',
    StorageEncrypted: false,
    MultiAZ: false,
    PubliclyAccessible: true,
    DeletionProtection: false,
    BackupRetentionPeriod: 7,
    PreferredBackupWindow: '03:00-04:00',
    PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    MasterUsername: 'postgres',
    DBName: 'recipe_book',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db000', Status: 'active' }],
    TagList: [{ Key: 'environment', Value: 'production' }],
  });
  aws.addCacheCluster({
    CacheClusterId: 'recipe-cache-redis',
    Engine: 'redis',
    EngineVersion: '7.0.7',
    CacheNodeType: 'cache.t2.micro',
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    AuthTokenEnabled: false,
    SecurityGroups: [{ SecurityGroupId: 'sg-0cache0', Status: 'active' }],
  });
  aws.addAlarm({
    AlarmName: 'recipe-db-cpu-critical',
    Namespace: 'AWS/RDS',
    MetricName: 'CPUUtilization',
    Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'recipe-db-primary' }],
    Statistic: 'Average',
    Period: 300,
    EvaluationPeriods: 2,
    Threshold: 90,
    ComparisonOperator: 'GreaterThanThreshold',
    AlarmActions: [],
  });
}

describe('audit of seed 000', () => {
  it("finds every risky setting of the seeds' design, each with its fix", async () => {
    // GIVEN seed 000's deployment (its cache id set as the proposed cache.identifier key would)
    buildSeed000();
    const d = await awsDeps(awsConfig(), { settings: { cacheId: 'recipe-cache-redis' } });
    open.push(d);
    // WHEN auditing
    const result = await runAudit(d, unreachable);
    // THEN the findings, most severe first
    expect(result.findings.map((f) => [f.severity, f.id, f.resource])).toEqual([
      ['high', 'db-publicly-accessible', 'db-instance recipe-db-primary'],
      ['high', 'port-open-to-world', 'security-group sg-0db000 (recipe-database-sg)'],
      ['high', 'port-open-to-world', 'security-group sg-0cache0 (recipe-cache-sg)'],
      ['high', 'db-storage-unencrypted', 'db-instance recipe-db-primary'],
      ['high', 'cache-no-auth', 'cache recipe-cache-redis'],
      ['high', 'deletion-protection-off', 'db-instance recipe-db-primary'],
      ['medium', 'cache-no-transit-encryption', 'cache recipe-cache-redis'],
      ['medium', 'no-storage-alarm', 'db-instance recipe-db-primary'],
      ['low', 'cache-no-at-rest-encryption', 'cache recipe-cache-redis'],
      ['low', 'cpu-alarm-notifies-nobody', 'alarm recipe-db-cpu-critical'],
      ['info', 'pgvector-not-checked', 'db-instance recipe-db-primary'],
    ]);
    expect(result.findings.find((f) => f.id === 'port-open-to-world')!.message).toBe('Port 5432 (database) is open to 0.0.0.0/0.');
    expect(result.findings.find((f) => f.id === 'deletion-protection-off')!.message).toBe(
      'Deletion protection is off on a production database (tag environment=production).',
    );
    expect(result.findings.every((f) => f.fix.length > 20)).toBe(true);
    expect(result.counts).toEqual({ high: 6, medium: 2, low: 2, info: 1 });
    // AND each names its section of runbooks/audit.md, in the result (--json) and the rendering
    expect(result.findings.slice(0, 2).map((f) => f.runbook)).toEqual(['runbooks/audit.md#AU-R1', 'runbooks/audit.md#AU-R2']);
    const text = renderAudit(result, new Chalk({ level: 0 }));
    for (const f of result.findings) expect(text).toContain(`${f.fix} (see ${f.runbook})`);
  });

  it('reports retention below policy and pgvector missing', async () => {
    buildSeed000();
    const d = await awsDeps(
      awsConfig((c) => {
        c.database.backupRetentionDays = 14;
      }),
      { settings: { cacheId: 'recipe-cache-redis' } },
    );
    open.push(d);
    const result = await runAudit(d, async () => ({ status: 'missing' }));
    const byId = new Map(result.findings.map((f) => [f.id, f]));
    expect(byId.get('backup-retention-below-policy')).toMatchObject({
      severity: 'medium',
      message: 'Backup retention is 7 days, below the policy of 14 days.',
    });
    expect(byId.get('pgvector-missing')).toMatchObject({
      severity: 'medium',
      fix: 'Run `CREATE EXTENSION IF NOT EXISTS vector;` as the master user (`dbops psql -- -c "create extension vector"`).',
    });
  });
});

describe('audit of what dbops provisions', () => {
  it('finds no risky setting (pgvector present)', async () => {
    const apply = await awsDeps(awsConfig());
    open.push(apply);
    await applyProvision(apply, { applyImmediately: false });
    const d = await awsDeps(awsConfig());
    open.push(d);
    const result = await runAudit(d, async () => ({ status: 'present', version: '0.8.0' }));
    expect(result.findings).toEqual([]);
  });

  it('says there is nothing to audit when the database does not exist (exit 2)', async () => {
    const d = await awsDeps(awsConfig());
    open.push(d);
    const err = await runAudit(d, unreachable).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('There is nothing to audit: DB instance recipe-db-primary does not exist in us-east-2.');
  });
});

describe('deletion protection and production', () => {
  it('is only a finding in production', () => {
    // GIVEN one live deployment read twice, production and not
    const base = {
      provider: 'aws' as const,
      region: 'us-east-2',
      securityGroups: [],
      alarms: [],
      pgvector: { status: 'present' as const },
      policy: { backupRetentionDays: 7, dbPort: 5432, cachePort: 6379 },
      database: {
        id: 'db',
        engine: 'postgres' as const,
        engineVersion: '15.8',
        instanceClass: 'db.t3.micro',
        status: 'available',
        region: 'us-east-2',
        allocatedStorageGb: 20,
        storageEncrypted: true,
        multiAz: false,
        publiclyAccessible: false,
        deletionProtection: false,
        backupRetentionDays: 7,
        masterUsername: 'u',
        vpcSecurityGroupIds: [],
        replicaIds: [],
        tags: {},
        managedPassword: true,
        pending: {},
      },
    };
    const ids = (production: boolean) => auditFindings({ ...base, production: { value: production, source: 'x' } }).map((f) => f.id);
    // THEN only production gets it (the CPU/storage alarms are missing in both)
    expect(ids(true)).toEqual(['deletion-protection-off', 'no-cpu-alarm', 'no-storage-alarm']);
    expect(ids(false)).toEqual(['no-cpu-alarm', 'no-storage-alarm']);
  });
});
