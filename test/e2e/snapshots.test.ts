/**
 * `dbops snapshot`, `dbops backup status` and `dbops gc` as processes, as cron runs them:
 * exit codes, one JSON document with --json, no ANSI without a TTY, and the bad input of
 * issue 5 as one sentence and a hint. The local provider with real PostgreSQL; the aws
 * provider against a fake endpoint on 127.0.0.1 (real SDK, real retries) for throttling
 * and the snapshot quota.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, runDbops, type RunResult } from '../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-snap-'));
chmodSync(home, 0o755);
const DB = 'e2e-snap';
const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: DB };
const outputs: RunResult[] = [];

async function dbops(args: string | string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
  const r = await runDbops(args, { env: { ...env, ...extraEnv }, cwd: home });
  outputs.push(r);
  return r;
}

function json<T>(r: RunResult): T {
  return JSON.parse(r.stdout) as T;
}

/** One sentence and a hint on stderr, nothing on stdout, no stack. */
function expectOneSentence(r: RunResult, code: number, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

interface Snap {
  id: string;
  region: string;
  status: string;
}

let snapId = '';

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('dbops snapshot on the local provider', () => {
  beforeAll(async () => {
    const r = await dbops(`instances create ${DB} --json`);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await runDbops(`instances delete ${DB} --yes --skip-final-snapshot`, { env, cwd: home });
  });

  it('backup status before any snapshot: the violations, exit 1 (rendered first)', async () => {
    const r = await dbops('backup status');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Automated backups +7 days \(policy 7\), window 03:00-04:00/);
    expect(r.stdout).toContain('✖ 2 violations:');
    expect(r.stdout).toContain('[no-recent-manual-snapshot]');
    expect(r.stdout).toContain('[no-recent-cross-region-copy]');
    // a fresh instance has no restorable time yet, and is younger than the RPO: a note, not a violation
    expect(r.stdout).toMatch(/note: No latest restorable time yet: e2e-snap is [\d.]+ h old, under the RPO of 24 h/);
    const doc = json<{ ok: boolean; violations: { code: string }[] }>(await dbops('backup status --json'));
    expect(doc.ok).toBe(false);
    expect(doc.violations.map((v) => v.code)).toEqual(['no-recent-manual-snapshot', 'no-recent-cross-region-copy']);
  });

  it('create --wait --json: one document, the snapshot available', async () => {
    const r = await dbops('snapshot create --wait --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json<{ snapshotId: string; snapshot: Snap }>(r);
    snapId = doc.snapshotId;
    expect(snapId).toMatch(/^e2e-snap-manual-\d{8}-\d{6}$/);
    expect(doc.snapshot).toMatchObject({ id: snapId, status: 'available', region: 'us-east-2' });
  });

  it('list and latest, as a table and as JSON', async () => {
    const table = await dbops('snapshot list');
    expect(table.exitCode).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+CREATED\s+AGE\s+SIZE\s+ENCRYPTED\s+ENGINE\s+REGION\s+SOURCE$/);
    expect(table.stdout).toContain(snapId);
    expect(json<Snap[]>(await dbops('snapshot list --type manual --json')).map((s) => s.id)).toEqual([snapId]);
    expect(json<Snap>(await dbops('snapshot latest --json')).id).toBe(snapId);
    expect(json<Snap[]>(await dbops('snapshot list --type automated --json'))).toEqual([]);
  });

  it('copy --to-region us-west-2, then again: a no-op that says so', async () => {
    const r = await dbops(`snapshot copy ${snapId} --to-region us-west-2 --json`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<{ alreadyExisted: boolean; copy: Snap }>(r)).toMatchObject({
      alreadyExisted: false,
      copy: { id: snapId, region: 'us-west-2', status: 'available' },
    });
    const again = await dbops(`snapshot copy ${snapId} --to-region us-west-2`);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe(`Nothing to do: ${snapId} is already in us-west-2 (a copy of ${snapId}, available).\n`);
    expect(json<Snap[]>(await dbops('snapshot list --region us-west-2 --json')).map((s) => [s.id, s.region])).toEqual([
      [snapId, 'us-west-2'],
    ]);
  });

  it.each<[string, (id: string) => string, number, RegExp]>([
    [
      'an unknown snapshot',
      () => 'snapshot copy nope-snap --to-region us-west-2',
      2,
      /^error \[step SN-10\]: No snapshot nope-snap in us-east-2/m,
    ],
    [
      'the DR region equal to the source',
      (id) => `snapshot copy ${id} --to-region us-east-2`,
      2,
      /^error \[step SN-10\]: The destination region us-east-2 is the source region/m,
    ],
    [
      'an unknown destination region',
      (id) => `snapshot copy ${id} --to-region us-west-9`,
      2,
      /^error \[step SN-10\]: Destination region "us-west-9" is not an AWS region\.$/m,
    ],
    ['an unknown --region', () => 'snapshot list --region us-west-9', 2, /^error: Region "us-west-9" is not an AWS region\.$/m],
    [
      'latest with nothing there',
      () => 'snapshot latest --instance ghost-db',
      2,
      /^error: No available snapshot of ghost-db in us-east-2\.$/m,
    ],
    [
      'delete without --yes and without a TTY',
      (id) => `snapshot delete ${id}`,
      2,
      /^error \[step SN-11\]: Refusing without confirmation: Delete snapshot /m,
    ],
    [
      'run-policy without --yes and without a TTY',
      () => 'snapshot run-policy',
      2,
      /^error: Refusing without confirmation: Run the snapshot policy/m,
    ],
  ])('refuses %s', async (_what, args, code, message) => {
    const r = await dbops(args(snapId));
    expectOneSentence(r, code, message);
  });

  it('prune --dry-run --json: every decision and its reason, nothing deleted', async () => {
    const r = await dbops('snapshot prune --dry-run --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json<{ dryRun: boolean; plan: { decisions: { id: string; region: string; action: string; reason: string }[] } }>(r);
    expect(doc.dryRun).toBe(true);
    expect(doc.plan.decisions.map((d) => [d.id, d.region, d.action])).toEqual([
      [snapId, 'us-west-2', 'keep'],
      [snapId, 'us-east-2', 'keep'],
    ]);
  });

  it('run-policy --yes --json: the report of every step; then backup status holds (exit 0)', async () => {
    const r = await dbops('snapshot run-policy --yes --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json<{
      snapshot: { id: string; reused: boolean };
      report: { status: string; steps: { id: string; status: string; durationMs?: number }[] };
    }>(r);
    expect(doc.report.status).toBe('ok');
    expect(doc.report.steps.map((s) => s.id)).toEqual(['SN-1', 'SN-2', 'SN-3', 'SN-4', 'SN-5', 'SN-6', 'SN-7']);
    expect(doc.snapshot).toEqual({ id: snapId, reused: true, status: 'available' });
    const status = await dbops('backup status');
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain('✔ The backup policy holds.');
  });

  it('gc --dry-run --json and delete --dry-run change nothing', async () => {
    const gc = await dbops('gc --dry-run --json');
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(json<{ regions: string[]; items: unknown[] }>(gc)).toMatchObject({ regions: ['us-east-2', 'us-west-2'], items: [] });
    const dry = await dbops(`snapshot delete ${snapId} --region us-west-2 --dry-run`);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toBe(`Dry run: would delete snapshot ${snapId} of ${DB} in us-west-2.\n`);
  });

  it('delete --yes removes the DR copy; backup status then fails on the missing copy (exit 1)', async () => {
    const del = await dbops(`snapshot delete ${snapId} --region us-west-2 --yes --json`);
    expect(del.exitCode, del.stderr).toBe(0);
    expect(json<{ deleted: boolean }>(del).deleted).toBe(true);
    const status = await dbops('backup status --json');
    expect(status.exitCode).toBe(1);
    expect(json<{ violations: { code: string }[] }>(status).violations.map((v) => v.code)).toEqual(['no-recent-cross-region-copy']);
  });

  it('prints no ANSI escape anywhere without a TTY', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) expect(ANSI.test(r.stdout + r.stderr)).toBe(false);
  });
});

describe('dbops snapshot on the aws provider against a fake endpoint (real SDK)', () => {
  let server: Server;
  let url = '';
  const requests: string[] = [];
  const answers: Record<string, { status: number; body: string }> = {
    DescribeDBSnapshots: {
      status: 400,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>',
    },
    DescribeDBInstances: {
      status: 200,
      body: `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance>
        <DBInstanceIdentifier>prod-db</DBInstanceIdentifier><Engine>postgres</Engine><EngineVersion>15.8</EngineVersion>
        <DBInstanceClass>db.t3.micro</DBInstanceClass><DBInstanceStatus>available</DBInstanceStatus><MasterUsername>dbops</MasterUsername>
        <AllocatedStorage>20</AllocatedStorage></DBInstance></DBInstances></DescribeDBInstancesResult>
        <ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`,
    },
    CreateDBSnapshot: {
      status: 400,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>SnapshotQuotaExceeded</Code><Message>Cannot create more than 100 manual snapshots</Message></Error><RequestId>r3</RequestId></ErrorResponse>',
    },
  };
  const awsEnv = () => ({
    DBOPS_PROVIDER: 'aws',
    DBOPS_AWS__MAX_ATTEMPTS: '2',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: url,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const action = /Action=([A-Za-z]+)/.exec(body)?.[1] ?? '?';
        requests.push(action);
        const a = answers[action] ?? { status: 500, body: '' };
        res.writeHead(a.status, { 'content-type': 'text/xml' }).end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('throttling: retried by the SDK (aws.maxAttempts), then one clear sentence, exit 3', async () => {
    requests.length = 0;
    const r = await dbops('snapshot list', awsEnv());
    expectOneSentence(r, 3, /^error: AWS kept throttling DescribeDBSnapshots in us-east-2, even after 2 attempts\.$/m);
    expect(requests).toEqual(['DescribeDBSnapshots', 'DescribeDBSnapshots']);
  });

  it('snapshot quota exceeded: exit 3, says what to do', async () => {
    requests.length = 0;
    const r = await dbops('snapshot create --instance prod-db --json', awsEnv());
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error \[step SN-8\]: The account has reached its manual DB snapshot quota in us-east-2\.$/m);
    expect(requests).toEqual(['DescribeDBInstances', 'CreateDBSnapshot']);
    const doc = json<{ ok: boolean; error: { code: string; exitCode: number } }>(r);
    expect(doc).toMatchObject({ ok: false, error: { code: 'environment', exitCode: 3 } });
  });
});
