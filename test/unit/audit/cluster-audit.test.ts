/**
 * `dbops audit` of an Aurora cluster (seed 004) against FakeAwsAccount: the cluster's own
 * settings in the database's place — not encrypted, deletion protection off in production,
 * retention below policy — its publicly accessible instances, and the alarms looked for
 * on the cluster (no free-storage alarm: Aurora storage grows by itself).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit, type ExtensionProbe } from '../../../src/lib/audit/audit.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { NotFoundError } from '../../../src/lib/errors.js';
import { applyProvision } from '../../../src/lib/provision/apply.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../_helpers/fake-aws-provision.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];
const probed: string[] = [];
const probe: ExtensionProbe = async (_pp, id) => {
  probed.push(id);
  return { status: 'present', version: '0.8.0' };
};

beforeEach(() => {
  aws = new FakeAwsAccount();
  probed.length = 0;
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

function hub(more: (c: DbopsConfig) => void = () => undefined): DbopsConfig {
  return awsConfig((c) => {
    c.database.identifier = 'content-hub';
    c.database.engine = 'aurora-postgresql';
    c.database.engineVersion = '15.4';
    c.database.instanceClass = 'db.serverless';
    c.cache.enabled = false;
    more(c);
  });
}

async function deps(config: DbopsConfig): Promise<AwsDeps> {
  const d = await awsDeps(config);
  open.push(d);
  return d;
}

describe('audit of an Aurora cluster', () => {
  it('reports the cluster as seed 004 might leave it: unencrypted, unprotected in production, short retention, a public instance, no alarms', async () => {
    aws.clusters.addCluster('us-east-2', 'content-hub', {
      StorageEncrypted: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
      TagList: [{ Key: 'environment', Value: 'production' }],
    });
    aws.clusters.join('us-east-2', 'content-hub', 'hub-1', 'db.serverless');
    aws.addInstance({
      DBInstanceIdentifier: 'hub-1',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.serverless',
      PubliclyAccessible: true,
      DBClusterIdentifier: 'content-hub',
    });

    const result = await runAudit(await deps(hub((c) => (c.environment = 'production'))), probe);

    expect(result.findings.map((f) => `${f.severity} ${f.id} ${f.resource}`)).toEqual([
      'high db-publicly-accessible db-cluster content-hub',
      'high db-storage-unencrypted db-cluster content-hub',
      'high deletion-protection-off db-cluster content-hub',
      'medium backup-retention-below-policy db-cluster content-hub',
      'medium no-cpu-alarm db-cluster content-hub',
    ]);
    expect(result.findings[0]!.message).toBe(
      'Instances of the Aurora cluster are publicly accessible (hub-1): they have addresses on the internet.',
    );
    // AND pgvector was looked for on the writer
    expect(probed).toEqual(['hub-1']);
  });

  it('a cluster dbops provisioned has no finding', async () => {
    await applyProvision(await deps(hub((c) => (c.environment = 'production'))), { applyImmediately: false });
    const result = await runAudit(await deps(hub((c) => (c.environment = 'production'))), probe);
    expect(result.findings).toEqual([]);
    expect(probed).toEqual(['content-hub-writer']);
  });

  it('a missing cluster is said plainly', async () => {
    const e = await runAudit(await deps(hub()), probe).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toBe('There is nothing to audit: Aurora cluster content-hub does not exist in us-east-2.');
  });
});
