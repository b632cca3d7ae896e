/**
 * Smaller faults, the CLI run as a process: a stopped source (restore-test says so before
 * restoring anything; `dbops instances start|stop` is how to fix it) and concurrent
 * `snapshot create` runs on one instance (unique ids; `--id` taken as given).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../_helpers/local.js';
import { runDbops, type RunResult } from '../_helpers/run-dbops.js';
import type { Provider } from '../../src/lib/providers/types.js';
import { envFor, expectNothingLeft, spawnDbops } from './_setup.js';

let home: string;
let provider: Provider;
const DB = 'life-db';

function dbops(args: string | string[]): Promise<RunResult> {
  return runDbops(args, { env: envFor(home), cwd: home, timeoutMs: 60_000 });
}

describe('faults: stopped instances and concurrent snapshots', () => {
  beforeAll(async () => {
    home = await makeLocalHome('dbops-faults-life-');
    provider = localProvider(home);
    await provider.createInstance(instanceInput(DB));
  });

  afterAll(async () => {
    await provider?.close();
    if (home) await destroyLocalHome(home);
  });

  it('stop asks first (no terminal, no --yes: exit 2, still running); --dry-run changes nothing', async () => {
    const refused = await dbops(`instances stop ${DB}`);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`Refusing without confirmation: Stop instance ${DB}`);
    const dry = await dbops(`instances stop ${DB} --dry-run`);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Dry run: would stop ${DB}`);
    expect((await provider.describeInstance(DB)).status).toBe('available');
  });

  it('a stopped source: restore-test stops at RT-1 with exit 3 and the way out, before restoring anything; start brings it back', async () => {
    const stop = await dbops(`instances stop ${DB} --yes --json`);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ id: DB, action: 'stop', changed: true, instance: { status: 'stopped' } });
    const rt = await dbops(`restore-test --instance ${DB}`);
    expect(rt.exitCode, rt.stderr).toBe(3);
    expect(rt.stderr).toContain(
      `error [step RT-1]: Source instance ${DB} is stopped; a restore test compares the restore with the running source.`,
    );
    expect(rt.stderr).toContain(`hint: Start it first: dbops instances start ${DB}`);
    expect(rt.stderr).not.toContain('[RT-2]');
    const start = await dbops(`instances start ${DB}`);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stdout).toContain(`Started ${DB}: available`);
    const again = await dbops(`instances start ${DB}`);
    expect(again.stdout).toContain(`${DB} is available already`);
    await expectNothingLeft(home, [DB]);
  });

  it('three concurrent `snapshot create` runs: three distinct snapshots, all exit 0', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => dbops(`snapshot create --instance ${DB} --json`)));
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    const ids = runs.map((r) => (JSON.parse(r.stdout) as { snapshotId: string }).snapshotId);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${DB}-manual-\\d{8}-\\d{6}(-\\d+)?$`));
    // (an automated backup the earlier `instances start` took when due is listed too: only manual ones count here)
    const listed = (await provider.listSnapshots({ instanceId: DB })).filter((s) => s.type === 'manual').map((s) => s.id);
    expect(listed.sort()).toEqual([...ids].sort());
  });

  it('Ctrl-C during `snapshot create --wait` says what is true: the snapshot was taken, and the exit code agrees', async () => {
    const r = await spawnDbops(['snapshot', 'create', '--instance', DB, '--id', `${DB}-ctrl-c`, '--wait', '--json'], {
      home,
      onStderr: (text, child) => {
        if (/\[SN-8\] Take a manual snapshot/.test(text) && !child.killed) child.kill('SIGINT');
      },
    });
    // The local snapshot is taken in one go: it completed, so the result stands (never "failed … Interrupted").
    expect((await provider.findSnapshot(`${DB}-ctrl-c`))?.status).toBe('available');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ snapshotId: `${DB}-ctrl-c`, snapshot: { status: 'available' } });
    expect(r.stderr).toContain('SIGINT arrived after the work was done; the result stands.');
    expect(r.stderr).not.toMatch(/failed|Interrupted/);
  });

  it('--id: taken as given; a clash is exit 2 naming the id', async () => {
    const r = await dbops(`snapshot create --instance ${DB} --id ${DB}-before-upgrade --json`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ snapshotId: `${DB}-before-upgrade`, snapshot: { status: 'available' } });
    const clash = await dbops(`snapshot create --instance ${DB} --id ${DB}-before-upgrade`);
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain(`error [step SN-8]: Snapshot ${DB}-before-upgrade already exists in us-east-2.`);
    expect(clash.stderr).toContain('hint: Pass another --id');
    const bad = await dbops(`snapshot create --instance ${DB} --id 1-bad`);
    expect(bad.exitCode).toBe(2);
  });
});
