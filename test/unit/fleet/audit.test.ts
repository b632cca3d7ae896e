/**
 * `audit --all` against the stateful FakeAwsAccount: every database of the fleet audited
 * with its own config through the fleet's provider, the findings count as the key
 * figure, exit 1 when any database has a high finding, a selector narrowing the fleet,
 * and an audit that only reads (no create, modify, delete or tag call anywhere).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExtensionProbe } from '../../../src/lib/audit/audit.js';
import { fleetAudit, figureOf } from '../../../src/lib/fleet/audit.js';
import { parseSelector } from '../../../src/lib/fleet/select.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { testContext } from '../../_helpers/context.js';
import { awsConfig, FakeAwsAccount } from '../../_helpers/fake-aws-provision.js';

let aws: FakeAwsAccount;
const present: ExtensionProbe = async () => ({ status: 'present', version: '0.7.0' });

beforeEach(() => {
  aws = new FakeAwsAccount();
});
afterEach(() => aws.restore());

function addDb(id: string, o: { public?: boolean; team: string }): void {
  aws.addInstance({
    DBInstanceIdentifier: id,
    Engine: 'postgres',
    EngineVersion: '15.4',
    DBInstanceClass: 'db.t3.micro',
    AllocatedStorage: 20,
    StorageType: 'gp3',
    StorageEncrypted: !o.public,
    MultiAZ: false,
    PubliclyAccessible: Boolean(o.public),
    DeletionProtection: true,
    BackupRetentionPeriod: 7,
    MasterUsername: 'postgres',
    DBName: 'app',
    TagList: [
      { Key: 'team', Value: o.team },
      { Key: 'dbops:managed', Value: 'true' },
    ],
  });
}

async function run(selectors: string[] = []) {
  const provider = createAwsProvider({ region: 'us-east-2', maxAttempts: 1, maxWaitSeconds: 60, env: {} }, { pollDelaySeconds: 0.001 });
  const t = await testContext({ config: awsConfig(), provider, env: { DBOPS_HOME: '/nonexistent-dbops-home' } });
  try {
    return await fleetAudit(t.ctx, { all: selectors.length === 0, selectors: selectors.map(parseSelector) }, { concurrency: 2 }, present);
  } finally {
    await t.close();
    await provider.close();
  }
}

/** Every call the fake saw, by command name. */
function callNames(): string[] {
  const stubs = [aws.rds, aws.ec2, aws.elastiCache, aws.sns, aws.cloudWatch, aws.budgets, aws.sts, aws.secrets];
  return stubs.flatMap((s) => s.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name));
}

describe('audit --all', () => {
  it('audits every database with its own findings; one with a high finding makes exit 1; nothing is changed', async () => {
    addDb('core-db', { team: 'core' });
    addDb('content-db', { team: 'content', public: true });
    addDb('hub-db', { team: 'content' });
    const result = await run();
    expect(result.command).toBe('audit');
    expect(result.rows.map((r) => `${r.id}:${r.verdict}`)).toEqual(['content-db:failed', 'core-db:ok', 'hub-db:ok']);
    const content = result.rows[0]!;
    expect(content.result!.findings.filter((f) => f.severity === 'high').map((f) => f.id)).toEqual([
      'db-publicly-accessible',
      'db-storage-unencrypted',
    ]);
    expect(content.figure).toBe(figureOf(content.result!));
    expect(content.figure).toMatch(/^\d+ findings \(2 high, /);
    // Each member is audited as its own database, never the config's cache.
    expect(result.rows.map((r) => r.result!.database)).toEqual(['content-db', 'core-db', 'hub-db']);
    expect(result.rows.every((r) => r.result!.cache === undefined)).toBe(true);
    expect(result.exitCode).toBe(1);
    expect(result.verdict).toBe('content-db (us-east-2) failed; the rest passed.');
    const names = callNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !/^(Describe|List|Get)/.test(n))).toEqual([]);
  });

  it('--select narrows the fleet to what matches', async () => {
    addDb('core-db', { team: 'core' });
    addDb('content-db', { team: 'content', public: true });
    const result = await run(['team=core']);
    expect(result.rows.map((r) => r.id)).toEqual(['core-db']);
    expect(result.exitCode).toBe(0);
    expect(result.verdict).toBe('all 1 passed.');
  });

  it('the key figure: the findings by severity, or none', () => {
    expect(figureOf({ findings: [], counts: { high: 0, medium: 0, low: 0, info: 0 } })).toBe('no findings');
  });
});
