/**
 * `dbops fleet list` as a process on the local provider, real PostgreSQL: two instances in
 * two regions (namespaces), the fleet of the config, --select, --region, and the bad input
 * (a selector that matches nothing says what exists; --account does not apply locally).
 * Then the read-only commands over the same fleet: status, replica status, migrate status
 * (one summary row per database, the worst exit code), and gc --all --dry-run. Last, the
 * same fleet with trouble: one database whose applied migration was since edited (migrate
 * status --all: drift, exit 1) and one with a real streaming replica (replica status --all:
 * its lag in the primary's row, the replica not measured twice).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProvider, withPg } from '../_helpers/local.js';
import { runDbops } from '../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-fleet-'));
chmodSync(home, 0o755);
const env = { DBOPS_HOME: home };
const dbops = (args: string) => runDbops(args, { env, cwd: home, timeoutMs: 120_000 });

type Listed = {
  databases: { account: string; region: string; id: string; managed: boolean; reasons: string[] }[];
  listings: number;
  notes: string[];
};

beforeAll(async () => {
  writeFileSync(
    join(home, 'dbops.config.yaml'),
    [
      'provider: local',
      'region: us-east-2',
      'database: { backupRetentionDays: 0 }',
      'fleet:',
      '  regions: [us-east-2, us-west-2]',
      '',
    ].join('\n'),
  );
  mkdirSync(join(home, 'sql', 'migrations'), { recursive: true });
  writeFileSync(join(home, 'sql', 'migrations', '0001_items.sql'), 'CREATE TABLE items (id bigint PRIMARY KEY);\n');
  for (const [id, region] of [
    ['fleet-a', 'us-east-2'],
    ['fleet-b', 'us-west-2'],
  ]) {
    const r = await dbops(`instances create ${id} --region ${region}`);
    expect(r.exitCode, r.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await dbops('instances delete fleet-a-reader --skip-final-snapshot --yes');
  await dbops('instances delete fleet-a --skip-final-snapshot --yes');
  await dbops('instances delete fleet-b --skip-final-snapshot --yes --region us-west-2');
  rmSync(home, { recursive: true, force: true });
}, 120_000);

describe('dbops fleet list (local)', () => {
  it('lists both regions once each and every database with why it is in', async () => {
    const r = await dbops('fleet list --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Listed;
    expect(out.listings).toBe(2);
    expect(out.databases.map((d) => `${d.region}/${d.id}`)).toEqual(['us-east-2/fleet-a', 'us-west-2/fleet-b']);
    expect(out.databases.every((d) => d.account === 'local' && d.managed)).toBe(true);
    expect(out.databases[0]!.reasons).toEqual(['in us-east-2']);
  });

  it('--select and --region narrow it; the table says so for a person', async () => {
    const sel = JSON.parse((await dbops('fleet list --select identifier=*-b --json')).stdout) as Listed;
    expect(sel.databases.map((d) => d.id)).toEqual(['fleet-b']);
    expect(sel.databases[0]!.reasons).toEqual(['--select identifier=*-b']);
    const west = JSON.parse((await dbops('fleet list --region us-west-2 --json')).stdout) as Listed;
    expect(west.listings).toBe(1);
    expect(west.databases.map((d) => d.id)).toEqual(['fleet-b']);
    const human = await dbops('fleet list');
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^Fleet: 2 databases in local × 2 regions \(us-east-2, us-west-2\); 2 listings\./);
    expect(human.stdout).toMatch(/us-west-2\s+fleet-b\s+postgres 15/);
  });

  it('bad input: nothing matches (exit 2, what exists), --account locally, a malformed --select', async () => {
    const none = await dbops('fleet list --select team=payments');
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(
      /^error: No database matches tag team=payments in us-east-2, us-west-2\.\nhint: What exists: fleet-a, fleet-b;/,
    );
    const acct = await dbops('fleet list --account core');
    expect(acct.exitCode).toBe(2);
    expect(acct.stderr).toMatch(/--account core: not an account of the fleet\.\nhint: Accounts do not apply to the local provider/);
    const bad = await dbops('fleet list --select production');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--select production: expected key=value\./);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

type FleetDoc = {
  command: string;
  unit: string;
  exitCode: number;
  verdict: string;
  rows: { account: string; region: string; id: string; verdict: string; figure: string }[];
};

describe('read-only commands over the fleet (local)', () => {
  it('status --all: one row per database with its status and class, exit 0; a person gets the table', async () => {
    const r = await dbops('status --all --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc).toMatchObject({ command: 'status', unit: 'database', exitCode: 0, verdict: 'all 2 passed.' });
    expect(doc.rows.map((x) => `${x.region}/${x.id}:${x.verdict}`)).toEqual(['us-east-2/fleet-a:ok', 'us-west-2/fleet-b:ok']);
    for (const row of doc.rows) expect(row.figure).toMatch(/^available · db\.t3\.micro/);
    const human = await dbops('status --all');
    expect(human.stdout).toMatch(/^status over 2 databases \(us-east-2, us-west-2\)/);
    expect(human.stdout).toMatch(/^us-west-2\s+fleet-b\s+ok\s+available/m);
  });

  it('replica status --all and migrate status --all: each database in its region; pending migrations are not a failure', async () => {
    const replicas = JSON.parse((await dbops('replica status --all --json')).stdout) as FleetDoc;
    expect(replicas.rows.map((x) => x.figure)).toEqual(['fleet-a: no replicas', 'fleet-b: no replicas']);
    const m = await dbops('migrate status --all --json');
    expect(m.exitCode, m.stderr).toBe(0);
    const doc = JSON.parse(m.stdout) as FleetDoc;
    expect(doc.rows.map((x) => `${x.id}:${x.figure}`)).toEqual(['fleet-a:0 applied, 1 pending', 'fleet-b:0 applied, 1 pending']);
    const mixed = await dbops('migrate status --all --instance fleet-a');
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toMatch(/^error: --instance names one database; --all \/ --select name a fleet: give one or the other\.$/m);
    expect(mixed.stderr).toMatch(/^hint: Drop --instance to run over the fleet/m);
  });

  it('gc --all --dry-run: one row per region, nothing expired', async () => {
    const r = await dbops('gc --all --dry-run --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc.unit).toBe('region');
    expect(doc.rows.map((x) => `${x.region}:${x.figure}`)).toEqual(['us-east-2:nothing expired', 'us-west-2:nothing expired']);
  });

  it('dr-drill --all --dry-run: each database its own row (no point in time here: exit 3, the reason each), progress lines prefixed', async () => {
    const r = await dbops('dr-drill --all --dry-run --scenario instance --json');
    expect(r.exitCode).toBe(3);
    const doc = JSON.parse(r.stdout) as FleetDoc & { rows: { error?: { message: string } }[] };
    expect(doc.command).toBe('dr-drill');
    expect(doc.rows.map((x) => `${x.id}:${x.verdict}`)).toEqual(['fleet-a:error', 'fleet-b:error']);
    expect(doc.rows[1]!.error?.message).toBe(
      'Instance fleet-b has automated backups off (retention 0 days): there is no point in time to recover to.',
    );
    expect(doc.verdict).toBe('fleet-a (us-east-2), fleet-b (us-west-2) could not be processed.');
    // Two drills at once: every progress line is whole and names its database.
    const lines = r.stderr.split('\n').filter((l) => l.includes('[DR-'));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const l of lines) expect(l).toMatch(/^\[fleet-[ab]\] […✔✖] \[DR-\d+\]/);
  });
});

describe('the fleet with trouble (local)', () => {
  it('migrate status --all: an applied migration since edited is drift in its row; exit 1, the verdict names it', async () => {
    // Its own directory, so the migrations above stay as they were.
    const dir = join(home, 'sql', 'drift');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0001_notes.sql'), 'CREATE TABLE notes (id bigint PRIMARY KEY);\n');
    const up = await dbops('migrate up --instance fleet-a --dir sql/drift --yes');
    expect(up.exitCode, up.stderr).toBe(0);
    writeFileSync(join(dir, '0001_notes.sql'), 'CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n');
    const r = await dbops('migrate status --all --dir sql/drift --json');
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc.rows.map((x) => `${x.id}:${x.verdict}:${x.figure}`)).toEqual([
      'fleet-a:failed:1 applied, 0 pending, 1 drift',
      'fleet-b:ok:0 applied, 1 pending',
    ]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(doc.exitCode).toBe(1);
    expect(doc.verdict).toBe('fleet-a (us-east-2) failed; the rest passed.');
  });

  it("replica status --all: a real streaming replica of fleet-a, its lag in its primary's row; fleet-b has none", async () => {
    const east = localProvider(home, 'us-east-2');
    try {
      await east.createReadReplica({ sourceInstanceId: 'fleet-a', replicaId: 'fleet-a-reader', tags: {} });
      // A write the replica replays, so its lag is measured.
      await withPg(await east.connectionInfo('fleet-a'), (c) =>
        c.query('CREATE TABLE beat (at timestamptz DEFAULT now()); INSERT INTO beat DEFAULT VALUES'),
      );
    } finally {
      await east.close();
    }
    const r = await dbops('replica status --all --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc.rows.map((x) => `${x.region}/${x.id}`)).toEqual(['us-east-2/fleet-a', 'us-east-2/fleet-a-reader', 'us-west-2/fleet-b']);
    const [primary, reader, other] = doc.rows;
    expect(primary!.figure).toMatch(/^1 replica, lag ≤ \d+(\.\d+)? s$/);
    expect(reader!.figure).toBe('replica of fleet-a: in its row');
    expect(other!.figure).toBe('fleet-b: no replicas');
    const human = await dbops('replica status --all');
    expect(human.stdout).toMatch(/^us-east-2\s+fleet-a\s+ok\s+1 replica, lag ≤ /m);
  });
});
