/**
 * `dbops audit` on the connection layer: an RDS Proxy that does not require TLS, a target
 * that is not AVAILABLE (with RDS Proxy's reason and what to do about it), a proxy with no
 * target. The proxy is read through the aws adapter from FakeRds, as the audit reads it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditFindings, type LiveDeployment } from '../../../src/lib/audit/findings.js';
import { createAwsFailover } from '../../../src/lib/providers/aws/failover.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import type { PoolerState } from '../../../src/lib/providers/failover-types.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { FAST, REGION, awsOptions } from '../providers/aws/helpers.js';

let rds: FakeRds;
let provider: Provider;

beforeEach(() => {
  rds = new FakeRds();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

/** A clean deployment (alarms aside) with the proxy in front of it. */
function live(pooler: PoolerState | undefined): LiveDeployment {
  return {
    provider: 'aws',
    region: REGION,
    securityGroups: [],
    alarms: [],
    pgvector: { status: 'present' },
    production: { value: true, source: 'x' },
    policy: { backupRetentionDays: 7, dbPort: 5432, cachePort: 6379 },
    database: {
      id: 'prod-db',
      engine: 'postgres',
      engineVersion: '15.8',
      instanceClass: 'db.t3.micro',
      status: 'available',
      region: REGION,
      allocatedStorageGb: 20,
      storageEncrypted: true,
      multiAz: false,
      publiclyAccessible: false,
      deletionProtection: true,
      backupRetentionDays: 7,
      masterUsername: 'u',
      vpcSecurityGroupIds: [],
      replicaIds: [],
      tags: {},
      managedPassword: true,
      pending: {},
    },
    ...(pooler ? { pooler } : {}),
  };
}

async function proxyState(): Promise<PoolerState | undefined> {
  const api = createAwsFailover(
    {
      region: REGION,
      maxAttempts: 1,
      maxWaitSeconds: 5,
      backupRetentionDays: 7,
      proxyName: 'prod-db-pool',
      pollMs: 1,
      dataPlane: { position: async () => ({ ok: false, reason: 'x' }) },
    },
    provider,
  );
  return api.pooler?.find('prod-db');
}

const proxyFindings = (l: LiveDeployment) => auditFindings(l).filter((f) => f.resource.startsWith('db-proxy'));

describe('audit: RDS Proxy', () => {
  it('a healthy proxy with RequireTLS: nothing to say', async () => {
    rds.addInstance(REGION, 'prod-db');
    rds.addProxy(REGION, 'prod-db-pool', ['prod-db']);
    expect(proxyFindings(live(await proxyState()))).toEqual([]);
  });

  it('RequireTLS off, and a target UNAVAILABLE with its reason', async () => {
    rds.addInstance(REGION, 'prod-db');
    rds.addProxy(REGION, 'prod-db-pool', ['prod-db'], { RequireTLS: false });
    rds.holdTargetHealth(REGION, 'prod-db-pool', 'prod-db', {
      State: 'UNAVAILABLE',
      Reason: 'UNREACHABLE',
      Description: 'Timed out connecting to the database.',
    });

    const findings = proxyFindings(live(await proxyState()));

    expect(findings.map((f) => [f.severity, f.id])).toEqual([
      ['high', 'proxy-target-not-available'],
      ['medium', 'proxy-tls-not-required'],
    ]);
    expect(findings[0]!.message).toBe(
      'Target prod-db of the RDS Proxy is UNAVAILABLE (UNREACHABLE: Timed out connecting to the database.): connections through the proxy to it fail or wait.',
    );
    expect(findings[0]!.fix).toMatch(/security group must allow the proxy's security group/);
    expect(findings[1]!.fix).toContain('aws rds modify-db-proxy --db-proxy-name prod-db-pool --require-tls');
  });

  it('a proxy with no target left (a switch interrupted between deregister and register)', async () => {
    rds.addInstance(REGION, 'prod-db');
    rds.addProxy(REGION, 'prod-db-pool', []);
    expect(proxyFindings(live(await proxyState())).map((f) => f.id)).toEqual(['proxy-no-target']);
  });
});
