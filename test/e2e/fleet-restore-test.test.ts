/**
 * `dbops restore-test --all` as a process on the local provider, real PostgreSQL: four
 * small instances in two regions (namespaces), each with a snapshot and heartbeats. The
 * fleet passes two at a time, each in its own region; off a terminal it needs --yes; and
 * a SIGINT in the middle stops the run, every started test deletes its temporary
 * instance, and nothing is left in any region (no instance, directory or process).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, withPg } from '../_helpers/local.js';
import { runDbops, type RunOptions } from '../_helpers/run-dbops.js';
import { DBOPS_SCHEMA } from '../integration/restore/_setup.js';

const REGIONS = ['us-east-2', 'us-west-2'] as const;
const MEMBERS = [
  ['fl-a', 'us-east-2'],
  ['fl-b', 'us-east-2'],
  ['fl-c', 'us-west-2'],
  ['fl-d', 'us-west-2'],
] as const;

let home: string;
const providers = new Map<string, Provider>();

const dbops = (args: string, opts: RunOptions = {}) =>
  runDbops(args, { env: { DBOPS_HOME: home }, cwd: home, timeoutMs: 120_000, ...opts });

type FleetDoc = {
  command: string;
  exitCode: number;
  verdict: string;
  rows: {
    region: string;
    id: string;
    verdict: string;
    figure: string;
    result?: { verdict: string; region: string; temporary: { instanceId: string; deleted: boolean }; rpo: { measured: boolean } };
  }[];
};

/** A small database: one table, dbops' schema and heartbeats (the RPO is measured), one snapshot. */
async function member(id: string, region: string): Promise<void> {
  const p = providers.get(region)!;
  await p.createInstance(instanceInput(id, { dbName: 'app' }));
  await withPg(await p.connectionInfo(id), async (c) => {
    await c.query('SET client_min_messages = warning');
    await c.query(await readFile(DBOPS_SCHEMA, 'utf8'));
    await c.query(`
      CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
      INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;
      INSERT INTO dbops.heartbeat (beat_at) SELECT now() - g * interval '5 minutes' FROM generate_series(0, 3) g;
      ANALYZE;`);
  });
  await p.createSnapshot({ instanceId: id, snapshotId: `${id}-snap-1`, tags: {} });
}

/** Processes of a temporary instance under this home (its postmaster's -D names it). */
async function temporaryProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (cmd.includes(home) && cmd.includes('-rt-')) pids.push(Number(entry));
  }
  return pids;
}

/** What exists in each region: instances and their directories, the tmp directory. */
async function leftovers(): Promise<Record<string, { instances: string[]; dirs: string[]; tmp: string[] }>> {
  const out: Record<string, { instances: string[]; dirs: string[]; tmp: string[] }> = {};
  for (const region of REGIONS) {
    const dir = join(home, 'local', region);
    out[region] = {
      instances: (await providers.get(region)!.listInstances()).map((i) => i.id).sort(),
      dirs: (await readdir(join(dir, 'instances')).catch(() => [])).sort(),
      tmp: await readdir(join(dir, 'tmp')).catch(() => []),
    };
  }
  return out;
}

const CLEAN = {
  'us-east-2': { instances: ['fl-a', 'fl-b'], dirs: ['fl-a', 'fl-b'], tmp: [] },
  'us-west-2': { instances: ['fl-c', 'fl-d'], dirs: ['fl-c', 'fl-d'], tmp: [] },
};

beforeAll(async () => {
  home = await makeLocalHome('dbops-e2e-fleetrestore-');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(
    join(home, 'dbops.config.yaml'),
    ['provider: local', 'region: us-east-2', 'fleet:', `  regions: [${REGIONS.join(', ')}]`, ''].join('\n'),
  );
  for (const r of REGIONS) providers.set(r, localProvider(home, r));
  await Promise.all(MEMBERS.map(([id, region]) => member(id, region)));
}, 180_000);

afterAll(async () => {
  for (const p of providers.values()) await p.close();
  if (home) await destroyLocalHome(home);
}, 120_000);

describe('dbops restore-test --all (local, real PostgreSQL)', () => {
  it('off a terminal without --yes: refused (exit 2), nothing created', async () => {
    const r = await dbops('restore-test --all');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: Refusing without confirmation: Restore-test 4 databases of the fleet \(a temporary instance each/);
    expect(r.stderr).toMatch(/hint: .*--yes/);
    expect(await leftovers()).toEqual(CLEAN);
  });

  it('flags of one test are refused with --all (exit 2)', async () => {
    const r = await dbops('restore-test --all --yes --snapshot fl-a-snap-1');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --snapshot names one restore test; --all \/ --select test a fleet\./);
  });

  it('--dry-run needs no --yes: the plan for every database, nothing created', async () => {
    const r = await dbops('restore-test --all --dry-run --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc.rows.map((row) => `${row.id}:${row.figure}`)).toEqual(MEMBERS.map(([id]) => `${id}:dry run: nothing restored`));
    expect(await leftovers()).toEqual(CLEAN);
  });

  it('audit --all: every database audited in its region, findings as the key figure; nothing changed', async () => {
    const r = await dbops('audit --all --json');
    const doc = JSON.parse(r.stdout) as Omit<FleetDoc, 'rows'> & {
      rows: { region: string; verdict: string; figure: string; result?: { database: string; findings: unknown[] } }[];
    };
    expect(doc.command).toBe('audit');
    expect(doc.rows.map((row) => `${row.region}/${row.result?.database}`)).toEqual(MEMBERS.map(([id, region]) => `${region}/${id}`));
    for (const row of doc.rows) expect(row.figure).toMatch(/^(no findings|\d+ findings? \()/);
    // The worst of the fleet: 1 when any database has a high finding, else 0.
    expect(r.exitCode).toBe(doc.rows.some((row) => row.verdict === 'failed') ? 1 : 0);
    expect(doc.exitCode).toBe(r.exitCode);
    expect(await leftovers()).toEqual(CLEAN);
  });

  it('--concurrency 2: all four pass, each in its own region; restore time and data loss in the summary', async () => {
    const r = await dbops('restore-test --all --concurrency 2 --yes --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as FleetDoc;
    expect(doc).toMatchObject({ command: 'restore-test', exitCode: 0, verdict: 'all 4 passed.' });
    expect(doc.rows.map((row) => `${row.region}/${row.id}:${row.verdict}`)).toEqual([
      'us-east-2/fl-a:ok',
      'us-east-2/fl-b:ok',
      'us-west-2/fl-c:ok',
      'us-west-2/fl-d:ok',
    ]);
    for (const row of doc.rows) {
      expect(row.result).toMatchObject({ verdict: 'passed', region: row.region, rpo: { measured: true }, temporary: { deleted: true } });
      expect(row.result!.temporary.instanceId).toMatch(new RegExp(`^${row.id}-rt-`));
      expect(row.figure).toMatch(/^restore [\d.]+m?s, data loss \d/);
    }
    expect(await leftovers()).toEqual(CLEAN);
    expect(await temporaryProcesses()).toEqual([]);
  });

  it('SIGINT in the middle: exit 130, every started test cleaned up, nothing left in any region', async () => {
    const r = await dbops('restore-test --all --concurrency 2 --yes', {
      signal: { name: 'SIGINT', whenStderrMatches: /\[RT-5\]/ },
    });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping and cleaning up');
    expect(r.stderr).toMatch(/✔ cleanup: delete temporary instance fl-a-rt-/);
    expect(r.stdout).toMatch(/^us-east-2\s+fl-a\s+interrupted\s+interrupted; its cleanup ran$/m);
    expect(r.stdout).toMatch(/✖ Interrupted: \d of 4 finished; .*fl-a \(us-east-2\).* interrupted \(cleanup ran\)/);
    expect(r.stdout).not.toMatch(/passed\./);
    expect(await leftovers()).toEqual(CLEAN);
    expect(await temporaryProcesses()).toEqual([]);
  });
});
