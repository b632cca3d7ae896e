/**
 * The CLI as a process on the local provider, with real PostgreSQL: the foundation's
 * commands end to end, their exit codes, --json, and the bad input of the issue.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, runDbops, type RunResult } from '../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-local-'));
chmodSync(home, 0o755);
const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' };
const cwd = home;
const outputs: RunResult[] = [];

async function dbops(args: string | string[]): Promise<RunResult> {
  const r = await runDbops(args, { env, cwd });
  outputs.push(r);
  return r;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('dbops on the local provider', () => {
  let busy: Server;
  let busyPort = 0;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    busy.close();
    await runDbops('instances delete e2e-db --yes --skip-final-snapshot', { env, cwd });
    rmSync(home, { recursive: true, force: true });
  });

  it('says which instance does not exist (exit 2)', async () => {
    const r = await dbops('status nope-db');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: No instance nope-db/m);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('refuses a port that is in use (exit 3) and creates nothing', async () => {
    const r = await dbops(['instances', 'create', 'busy-db', '--port', String(busyPort)]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`Port ${busyPort} on 127.0.0.1 is in use`);
    expect((await dbops('status busy-db')).exitCode).toBe(2);
  });

  it('rejects an invalid identifier (exit 2)', async () => {
    const r = await dbops('instances create 9-bad--id');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a valid instance identifier');
  });

  it('creates an instance following its runbook, and lists it', async () => {
    const r = await dbops('instances create e2e-db --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { instance: { id: string; status: string }; report: { steps: { id: string; status: string }[] } };
    expect(doc.instance).toMatchObject({ id: 'e2e-db', status: 'available' });
    expect(doc.report.steps.map((s) => [s.id, s.status])).toEqual([
      ['IC-1', 'ok'],
      ['IC-2', 'ok'],
      ['IC-3', 'ok'],
      ['IC-4', 'ok'],
    ]);
    expect(r.stderr).toContain('[IC-2] Create the instance');

    const list = await dbops('instances --json');
    expect(list.exitCode).toBe(0);
    const instances = JSON.parse(list.stdout) as { id: string; engine: string; region: string; tags: Record<string, string> }[];
    expect(instances.map((i) => i.id)).toEqual(['e2e-db']);
    expect(instances[0]).toMatchObject({ engine: 'postgres', region: 'us-east-2' });
    expect(instances[0]!.tags['dbops:managed']).toBe('true');

    const human = await dbops('instances');
    expect(human.stdout).toMatch(/^ID\s+ENGINE\s+CLASS\s+STATUS\s+ENDPOINT\s+STORAGE\s+REGION\s+TAGS/m);
    expect(human.stdout).toMatch(/^e2e-db\s+postgres 15/m);
    expect(human.stdout + human.stderr).not.toMatch(ANSI);
  });

  it('refuses a duplicate instance id (exit 2)', async () => {
    const r = await dbops('instances create e2e-db');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('An instance named e2e-db already exists');
  });

  it('shows one instance in detail', async () => {
    const r = await dbops('status e2e-db --json');
    expect(r.exitCode).toBe(0);
    const i = JSON.parse(r.stdout) as { id: string; endpoint: { host: string; port: number }; masterUsername: string };
    expect(i.endpoint.host).toBe('127.0.0.1');
    expect(i.masterUsername).toBe('dbadmin');
    const human = await dbops('status e2e-db');
    expect(human.stdout).toMatch(/^Identifier\s+e2e-db$/m);
  });

  it('runs SQL through dbops psql with the stored password', async () => {
    const r = await dbops(['psql', 'e2e-db', '--', '-X', '-A', '-t', '-c', 'select current_user || 1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('dbadmin1');
  });

  it('takes a verified snapshot and lists it newest first', async () => {
    const r = await dbops('snapshot create --instance e2e-db --wait --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { snapshotId: string; snapshot: { status: string; sizeBytes: number } };
    expect(doc.snapshotId).toMatch(/^e2e-db-manual-\d{8}-\d{6}$/);
    expect(doc.snapshot.status).toBe('available');
    expect(doc.snapshot.sizeBytes).toBeGreaterThan(1_000_000);
    const list = await dbops('snapshot list --instance e2e-db --json');
    const snaps = JSON.parse(list.stdout) as { id: string; type: string }[];
    expect(snaps.map((s) => s.id)).toContain(doc.snapshotId);
    expect(snaps.every((s) => s.type === 'manual')).toBe(true);
  });

  it('refuses to delete without --yes when there is no terminal (exit 2), and --dry-run changes nothing', async () => {
    const r = await dbops('instances delete e2e-db --skip-final-snapshot');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Refusing without confirmation');
    expect(r.stderr).toContain('--yes');
    const dry = await dbops('instances delete e2e-db --dry-run --json');
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ id: 'e2e-db', dryRun: true, deleted: false });
    expect((await dbops('status e2e-db')).exitCode).toBe(0);
  });

  it('never prints the password, and keeps it only in the 0600 secrets file', async () => {
    const secretsFile = join(home, 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(secretsFile, 'utf8');
    const passwords = [...text.matchAll(/"password"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!);
    expect(passwords.length).toBeGreaterThan(0);
    const others = filesUnder(home).filter(
      (f) => f !== secretsFile && !f.endsWith('.tar') && !/\/data\//.test(f) && !/\/snapshots\//.test(f),
    );
    for (const pw of passwords) {
      for (const r of outputs) {
        expect(r.stdout).not.toContain(pw);
        expect(r.stderr).not.toContain(pw);
      }
      for (const f of others) expect(readFileSync(f, 'utf8'), f).not.toContain(pw);
    }
  });

  it('says when DBOPS_HOME is not writable (exit 3)', async () => {
    // GIVEN a DBOPS_HOME below a regular file (root can write anywhere else)
    const blocked = join(home, 'secrets.json', 'home');
    const r = await runDbops('instances create x-db', { env: { DBOPS_HOME: blocked }, cwd, timeoutMs: 30_000 });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`DBOPS_HOME ${blocked} is not writable`);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('deletes the instance with --yes and leaves no directory', async () => {
    const r = await dbops('instances delete e2e-db --yes --skip-final-snapshot');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await dbops('status e2e-db')).exitCode).toBe(2);
    expect(readdirSync(join(home, 'local', 'us-east-2', 'instances'))).toEqual([]);
  });
});
