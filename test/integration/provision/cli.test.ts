/**
 * `dbops provision` and `dbops audit` as processes on the local provider: exit codes
 * (--detailed-exitcode: 1 pending, 0 nothing to do), --json, and bad input (one sentence,
 * exit 2, nothing created).
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDbops } from '../../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-provision-cli-'));
chmodSync(home, 0o755);
const base = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: 'cli-db', DBOPS_CACHE__ENABLED: 'false' };

function dbops(args: string, env: Record<string, string> = {}) {
  return runDbops(args, { env: { ...base, ...env }, cwd: home });
}

function nothingCreated(): boolean {
  const dir = join(home, 'local', 'us-east-2', 'instances');
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

afterAll(async () => {
  await dbops('provision destroy --yes --skip-final-snapshot');
  rmSync(home, { recursive: true, force: true });
});

describe('bad input: one sentence, exit 2, nothing created', () => {
  it.each([
    ['a region that does not exist', { DBOPS_REGION: 'us-nowhere-1' }, /^error: The region us-nowhere-1 does not exist\.$/m],
    [
      'an identifier RDS would reject',
      { DBOPS_DATABASE__IDENTIFIER: 'cli--db' },
      /^error: Invalid config: env DBOPS_DATABASE__IDENTIFIER: database\.identifier: expected .*single hyphens/m,
    ],
    [
      'storage below the engine minimum',
      { DBOPS_DATABASE__ALLOCATED_STORAGE_GB: '10' },
      /^error: Invalid config: .*database\.allocatedStorageGb: expected .*>=20/m,
    ],
    [
      'a CIDR that does not parse',
      { DBOPS_NETWORK__ALLOWED_CIDR: '300.1.1.1/32' },
      /^error: Invalid config: .*network\.allowedCidr: expected an IPv4 CIDR/m,
    ],
    [
      'an email that does not parse',
      { DBOPS_ALARMS__EMAIL: 'oncall-at-example' },
      /^error: Invalid config: .*alarms\.email: expected .*email/m,
    ],
    ['a budget below zero', { DBOPS_BUDGET__MONTHLY_USD: '-5' }, /^error: Invalid config: .*budget\.monthlyUsd: expected .*>=0/m],
    [
      'a MySQL version other than 8.0 (locally MariaDB 10.11 stands in for MySQL 8.0)',
      { DBOPS_DATABASE__ENGINE: 'mysql', DBOPS_DATABASE__ENGINE_VERSION: '5.7' },
      /^error: Invalid config: .*database\.engineVersion: expected MySQL 8\.0 \(8\.0 or 8\.0\.x\) for engine mysql, found the string "5\.7"\.$/m,
    ],
  ])('%s', async (_name, env, sentence) => {
    for (const cmd of ['provision plan', 'provision apply --yes']) {
      const r = await dbops(cmd, env);
      expect([r.exitCode, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(sentence);
      expect(r.stderr).toMatch(/^hint: /m);
    }
    expect(nothingCreated()).toBe(true);
  });
});

describe('plan, apply, plan, audit', () => {
  it('--detailed-exitcode is 1 while changes are pending and 0 after apply', async () => {
    const before = await dbops('provision plan --detailed-exitcode --json');
    expect(before.exitCode).toBe(1);
    const plan = JSON.parse(before.stdout) as { pending: number; changes: { kind: string; action: string }[] };
    expect(plan.pending).toBe(1);
    expect(plan.changes.find((c) => c.kind === 'db-instance')?.action).toBe('create');

    const apply = await dbops('provision apply --yes --json');
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect((JSON.parse(apply.stdout) as { after: { pending: number } }).after.pending).toBe(0);

    const after = await dbops('provision plan --detailed-exitcode');
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain('Nothing to do: the deployment matches the config.');

    const audit = await dbops('audit --json');
    expect(audit.exitCode, audit.stderr).toBe(0);
    expect((JSON.parse(audit.stdout) as { counts: { high: number } }).counts.high).toBe(0);
  });

  it('destroy --dry-run lists and keeps; destroy without a terminal and without --yes refuses', async () => {
    const dry = await dbops('provision destroy --dry-run');
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('- db-instance cli-db: would be deleted (final snapshot cli-db-final-');
    const refused = await dbops('provision destroy');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^error: Refusing without confirmation: Destroy 1 resource in us-east-2: db-instance cli-db/m);
    expect(nothingCreated()).toBe(false);
  });
});
