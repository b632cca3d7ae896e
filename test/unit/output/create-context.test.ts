import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type ContextFlags } from '../../../src/lib/create-context.js';
import { memoryStream } from '../../_helpers/output.js';

const ESC = '\u001b';
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dbops-ctx-'));
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

/** A context over two fake TTYs; writes a coloured result, a warning and an error. */
async function writeThrough(flags: ContextFlags, env: Record<string, string>) {
  const stdout = memoryStream({ isTTY: true });
  const stderr = memoryStream({ isTTY: true });
  const created = await createContext(flags, new AbortController().signal, { env, cwd, stdout, stderr });
  const { out } = created.context;
  out.result({ status: 'available' }, (v, c) => c.green(v.status));
  out.warn('careful');
  out.error(out.c.red('broken'));
  await created.close();
  return { stdout: stdout.text(), stderr: stderr.text(), created };
}

describe('createContext colour', () => {
  it('shows progress as plain lines on a terminal that reports no width', async () => {
    // GIVEN a TTY with no size (a pty nobody sized: ora would never finish clearing)
    const stdout = memoryStream({ isTTY: true });
    const stderr = memoryStream({ isTTY: true });
    Object.assign(stderr, { columns: 0 });
    const created = await createContext({}, new AbortController().signal, { env: {}, cwd, stdout, stderr });
    // WHEN a step reports progress
    const p = created.context.out.progress('Creating');
    p.succeed('Created');
    await created.close();
    // THEN it is two plain lines
    expect(stderr.text()).toBe('… Creating\n✔ Created\n');
  });

  it('shows progress as plain lines, not a spinner, with NO_COLOR on a TTY', async () => {
    // GIVEN NO_COLOR=1 and TTY streams
    const stdout = memoryStream({ isTTY: true });
    const stderr = memoryStream({ isTTY: true });
    const created = await createContext({}, new AbortController().signal, { env: { NO_COLOR: '1' }, cwd, stdout, stderr });
    // WHEN a long step reports progress
    const p = created.context.out.progress('Restoring');
    p.update('Restoring 40 %');
    p.succeed('Restored');
    await new Promise((r) => setTimeout(r, 50));
    await created.close();
    // THEN the start and end lines are plain text, with no cursor or colour escape
    expect(stderr.text()).toBe('… Restoring\n✔ Restored\n');
  });

  it('writes no ANSI escape with NO_COLOR set, even on TTYs', async () => {
    // GIVEN NO_COLOR=1 and TTY streams WHEN the command writes THEN there is no escape anywhere
    const { stdout, stderr } = await writeThrough({}, { NO_COLOR: '1' });
    expect(stdout).toBe('available\n');
    expect(stdout + stderr).not.toContain(ESC);
    expect(stderr).toBe('warning: careful\nerror: broken\n');
  });

  it('writes no ANSI escape with --no-color', async () => {
    const { stdout, stderr } = await writeThrough({ color: false }, {});
    expect(stdout + stderr).not.toContain(ESC);
  });

  it('colours on TTYs when NO_COLOR is unset or empty (control case)', async () => {
    for (const env of [{}, { NO_COLOR: '' }] as Record<string, string>[]) {
      const { stdout, stderr } = await writeThrough({}, env);
      expect(stdout).toContain(ESC);
      expect(stderr).toContain(ESC);
    }
  });
});

describe('createContext', () => {
  it('wires --json, --yes and --dry-run, loads the config from cwd, and tracks the result', async () => {
    // GIVEN --json --yes --dry-run and a region from the env
    const stdout = memoryStream();
    const stderr = memoryStream();
    const created = await createContext({ json: true, yes: true, dryRun: true, region: 'eu-west-1' }, new AbortController().signal, {
      env: { DBOPS_PROFILE: 'ops' },
      cwd,
      stdout,
      stderr,
    });
    const { context } = created;
    // THEN the context carries them
    expect(context.flags).toStrictEqual({ yes: true, dryRun: true, verbose: false });
    expect(context.config.region).toBe('eu-west-1');
    expect(context.config.profile).toBe('ops');
    expect(context.loaded.sources.region).toStrictEqual({ kind: 'flag', name: '--region' });
    expect(await context.prompt.confirm('Delete it?')).toBe(true);
    // AND result() marks the result as written, as one JSON document
    expect(created.resultWritten()).toBe(false);
    context.out.result({ a: 1 }, () => 'a');
    expect(created.resultWritten()).toBe(true);
    expect(JSON.parse(stdout.text())).toStrictEqual({ a: 1 });
    await created.close();
  });

  it("puts a command's config overrides over the env and names their flags as the source", async () => {
    // GIVEN vector.parallelWorkers from the env, and --maintenance-work-mem / --parallel-workers as overrides
    const created = await createContext(
      {},
      new AbortController().signal,
      { env: { DBOPS_VECTOR__PARALLEL_WORKERS: '3' }, cwd, stdout: memoryStream(), stderr: memoryStream() },
      {
        overrides: {
          values: { 'vector.maintenanceWorkMem': '1GB', 'vector.parallelWorkers': 6 },
          names: { 'vector.maintenanceWorkMem': '--maintenance-work-mem', 'vector.parallelWorkers': '--parallel-workers' },
        },
      },
    );
    // THEN the flags win, and the config says where the values came from
    const { config, loaded } = created.context;
    expect(config.vector).toStrictEqual({ maintenanceWorkMem: '1GB', parallelWorkers: 6 });
    expect(loaded.sources['vector.maintenanceWorkMem']).toStrictEqual({ kind: 'flag', name: '--maintenance-work-mem' });
    expect(loaded.sources['vector.parallelWorkers']).toStrictEqual({ kind: 'flag', name: '--parallel-workers' });
    await created.close();
  });

  it('runs onClose functions newest first and survives one that throws', async () => {
    const created = await createContext({}, new AbortController().signal, { env: {}, cwd, stdout: memoryStream(), stderr: memoryStream() });
    const order: string[] = [];
    created.context.onClose(() => void order.push('first'));
    created.context.onClose(() => {
      throw new Error('close failed');
    });
    created.context.onClose(async () => void order.push('third'));
    await created.close();
    expect(order).toEqual(['third', 'first']);
  });
});
