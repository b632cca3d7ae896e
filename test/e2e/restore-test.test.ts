/**
 * `dbops restore-test` as a process, as cron or the on-call engineer runs it (no TTY):
 * --json is one parseable document, exit codes 0 / 1 / 2 / 3 / 130, no ANSI, and a
 * signal in the middle leaves nothing behind. Runs against bin/dbops (the built dist).
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPg } from '../_helpers/local.js';
import { ANSI, runDbops, type RunOptions, type RunResult } from '../_helpers/run-dbops.js';
import { leftovers, startSource, type Source } from '../integration/restore/_setup.js';

let src: Source;

function dbops(args: string, opts: RunOptions = {}): Promise<RunResult> {
  return runDbops(`restore-test --instance ${src.id} ${args}`, {
    env: { DBOPS_HOME: src.home, DBOPS_PROVIDER: 'local' },
    cwd: src.home,
    timeoutMs: 90_000,
    ...opts,
  });
}

function runIdOf(r: RunResult): string {
  const m = /-rt-([a-z0-9]+)/.exec(r.stderr);
  if (!m) throw new Error(`no temporary instance id in:\n${r.stderr}`);
  return m[1]!;
}

async function expectNothingLeft(r: RunResult): Promise<void> {
  expect(await leftovers(src, `${src.id}-rt-${runIdOf(r)}`)).toEqual({ instances: [src.id], dirs: [src.id], processes: [], tmp: [] });
}

describe('dbops restore-test (process)', () => {
  beforeAll(async () => {
    src = await startSource('dbops-rt-e2e-', 'e2e-src');
  });

  afterAll(async () => {
    await src?.destroy();
  });

  it('passes: exit 0, one JSON document on stdout, no ANSI anywhere', async () => {
    const r = await dbops('--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      verdict: string;
      checks: { id: string; status: string }[];
      temporary: { deleted: boolean };
      report: { runbookFile: string };
    };
    expect(doc.verdict).toBe('passed');
    expect(doc.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(doc.temporary.deleted).toBe(true);
    expect(doc.report.runbookFile).toBe('runbooks/restore-test.md');
    expect(r.stderr).toContain('[RT-5] Check physical integrity');
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    expect(r.stdout + r.stderr).not.toContain(src.info.password!.reveal());
    await expectNothingLeft(r);
  });

  it('human output and a Markdown report', async () => {
    const file = join(src.home, 'rt-report.md');
    const r = await dbops(`--report ${file}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASSED {2}restore test of e2e-src from snapshot e2e-src-snap-1 \(manual, .+ old\)$/m);
    expect(r.stdout).toMatch(/^ {2}✔ RT-5 Physical integrity \(amcheck\): No corruption in \d+ heap relations and \d+ B-tree indexes\.$/m);
    expect(r.stdout).not.toMatch(ANSI);
    expect(await readFile(file, 'utf8')).toMatch(/^# Restore test of e2e-src: PASSED\n/);
  });

  it('a failed check: the report first, then exit 1', async () => {
    await withPg(src.info, (c) => c.query('DROP INDEX recipes_dietary_tags_idx'));
    try {
      const r = await dbops('--json');
      expect(r.exitCode, r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout) as { verdict: string; failedChecks: string[] };
      expect(doc).toMatchObject({ verdict: 'failed', failedChecks: ['schema'] });
      await expectNothingLeft(r);
    } finally {
      await withPg(src.info, (c) => c.query('CREATE INDEX recipes_dietary_tags_idx ON recipes USING gin (dietary_tags)'));
    }
  });

  it('a damaged snapshot: exit 3 with the corrupt message', async () => {
    const bad = `${src.id}-snap-bad`;
    await src.provider.createSnapshot({ instanceId: src.id, snapshotId: bad, tags: {} });
    const fh = await open(join(src.home, 'local', 'us-east-2', 'snapshots', bad, 'base.tar'), 'r+');
    const { size } = await fh.stat();
    await fh.write(Buffer.alloc(256, 0x5a), 0, 256, Math.floor(size / 2));
    await fh.close();
    try {
      const r = await dbops(`--snapshot ${bad} --json`);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^error \\[step RT-2\\]: Snapshot ${bad} is corrupt: `, 'm'));
      expect(r.stderr).toMatch(/^hint: Take a new snapshot, or restore an older one/m);
      expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'error', error: { step: 'RT-2', code: 'environment' } });
      await expectNothingLeft(r);
    } finally {
      await src.provider.deleteSnapshot(bad);
    }
  });

  it('usage errors: exit 2 before anything is created', async () => {
    const both = await dbops('--snapshot x --latest-restorable');
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('error: --snapshot, --point-in-time and --latest-restorable exclude each other.');
    const pitr = await dbops('--point-in-time 2000-01-01T00:00:00Z');
    expect(pitr.exitCode).toBe(2);
    expect(pitr.stderr).toMatch(
      /2000-01-01T00:00:00.000Z is outside the restorable window of \S+: \S+ to \S+\.|has no restorable window yet/,
    );
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
  });

  it('--dry-run: exit 0, the plan, nothing created', async () => {
    const r = await dbops('--dry-run --json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'dry-run', temporary: { created: false, publiclyAccessible: false } });
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
  });

  it.each([
    ['SIGINT', 'RT-5'],
    ['SIGTERM', 'RT-2'],
  ] as const)('%s during %s: exit 130, cleanup ran, nothing left behind', async (name, step) => {
    const r = await dbops('', { signal: { name, whenStderrMatches: new RegExp(`\\[${step}\\]`) } });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain(`${name}: stopping and cleaning up`);
    expect(r.stderr).toMatch(/✔ cleanup: delete temporary instance e2e-src-rt-/);
    await expectNothingLeft(r);
  });
});
