/**
 * `dbops switchover`, `dbops failover`, `dbops replica status` as a process: bad input is
 * one sentence, a hint and exit 2 before anything is touched; a destructive command off a
 * terminal without --yes refuses; the history starts empty. (The operations themselves
 * run against real servers in test/integration/failover.)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDbops } from '../_helpers/run-dbops.js';

const home = mkdtempSync(join(tmpdir(), 'dbops-e2e-failover-'));
chmodSync(home, 0o755);
const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' };
const dbops = (args: string) => runDbops(args, { env, cwd: home });

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('switchover and failover: bad input', () => {
  it.each([
    ['switchover --max-lag lots --yes', 'error: --max-lag expects a size such as 16MB or a duration such as 10s, got "lots".'],
    ['switchover --timeout soon --yes', 'error: --timeout expects a duration such as 10s, 500ms or 2min, got "soon".'],
    ['switchover --scheduled yesterday --yes', 'error: --scheduled expects a time such as 2026-12-02T04:00:00Z, got "yesterday".'],
    ['switchover --scheduled 2020-01-01T00:00:00Z --yes', 'error: --scheduled 2020-01-01T00:00:00Z is in the past'],
    ['switchover --instance ghost-db --yes', 'error: There is no instance ghost-db in us-east-2.'],
    ['failover --instance ghost-db --yes', 'error: There is no instance ghost-db in us-east-2.'],
    ['replica status --instance ghost-db', 'error: There is no instance ghost-db in us-east-2.'],
  ])('dbops %s: exit 2, one sentence and a hint', async (args, sentence) => {
    const r = await dbops(args);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(sentence);
    expect(r.stderr).toMatch(/\nhint: \S/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('the history starts empty, as JSON and for people', async () => {
    const json = await dbops('replica status --history --json');
    expect([json.exitCode, JSON.parse(json.stdout)]).toEqual([0, []]);
    const text = await dbops('replica status --history');
    expect(text.stdout.trim()).toBe('No switchover or failover recorded yet.');
  });

  it('help shows the examples', async () => {
    const r = await dbops('help switchover');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dbops switchover --dry-run');
    expect(r.stdout).toContain('--max-lag <size|duration>');
    const f = await dbops('help failover');
    expect(f.stdout).toContain('dbops failover --yes --probe --report incident.md');
  });
});
