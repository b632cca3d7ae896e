/**
 * `dbops dr-drill` interrupted as a process (Ctrl-C, SIGTERM, SIGHUP) at several steps:
 * exit 130 / 129, the cleanup ran, and nothing is left in the DR region — no instance,
 * no directory, no process — while production keeps running.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbops } from '../_helpers/run-dbops.js';
import { processesMentioning, startSource, type Source } from '../integration/restore/_setup.js';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-drill-int-e2e-');
  await src.provider.copySnapshot({
    snapshotId: src.snapshotId,
    targetRegion: 'us-west-2',
    targetSnapshotId: `${src.snapshotId}-copy`,
    copyTags: true,
    tags: {},
  });
});

afterAll(async () => {
  await src?.destroy();
});

describe('dbops dr-drill interrupted (process)', () => {
  it.each([
    ['SIGINT', 'DR-3', 130],
    ['SIGTERM', 'DR-8', 130],
    ['SIGHUP', 'DR-10', 129],
    ['SIGINT', 'DR-13', 130],
  ] as const)('%s during %s: exit %i, cleanup ran, nothing left in us-west-2', async (name, step, code) => {
    const r = await runDbops(`dr-drill --instance ${src.id} --json`, {
      env: { DBOPS_HOME: src.home, DBOPS_PROVIDER: 'local' },
      cwd: src.home,
      timeoutMs: 90_000,
      signal: { name, whenStderrMatches: new RegExp(`\\[${step}\\]`) },
    });
    expect(r.exitCode, r.stderr).toBe(code);
    const record = JSON.parse(r.stdout) as { verdict: string; drillId: string; error: { step: string } };
    expect(record.verdict).toBe('interrupted');
    expect(r.stderr).toMatch(/✔ cleanup: delete recovery instance src-db-dr-\w+ \(us-west-2\)/);
    const west = src.provider.forRegion('us-west-2');
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
    expect(await readdir(join(src.home, 'local', 'us-west-2', 'instances')).catch(() => [])).toEqual([]);
    expect(await processesMentioning(`dr-${record.drillId}`)).toEqual([]);
    expect((await src.provider.describeInstance(src.id)).status).toBe('available');
  });
});
