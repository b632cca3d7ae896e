/**
 * `dbops instances restore --latest-restorable` (runbooks/pitr.md, PR-1..PR-4) interrupted
 * or failing at every step, in process, the provider bound to the run's signal as the CLI
 * binds it: Ctrl-C as each step begins, a failure once each step's work is done, and
 * Ctrl-C inside PR-2 while the base backup is extracted and while the server replays the
 * archive. Each case leaves no half-made instance: no record, no instance or WAL-archive
 * directory, no scratch file, no secret, no process — and the source untouched.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreToPointInTime } from '../../src/lib/backups/pitr.js';
import { PITR } from '../../src/lib/backups/runbooks.js';
import { EnvironmentError, ExitCode, Interrupted, isDbopsError } from '../../src/lib/errors.js';
import { createLocalProvider } from '../../src/lib/providers/local/provider.js';
import type { Provider } from '../../src/lib/providers/types.js';
import { testContext } from '../_helpers/context.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, TEST_OS_USER, withPg } from '../_helpers/local.js';
import { processesMentioning, processesUnder } from './_setup.js';

const REGION = 'us-east-2';
const SRC = 'pitr-fault-src';
let home: string;
let p: Provider;
let rows: number;

type Mode = 'abort' | 'fail' | 'abort-extracting' | 'abort-replaying';

const cases: [string, Mode][] = [
  ...PITR.steps.flatMap((s) => (['abort', 'fail'] as const).map((m): [string, Mode] => [s.id, m])),
  ['PR-2', 'abort-extracting'],
  ['PR-2', 'abort-replaying'],
];

const regionDir = () => join(home, 'local', REGION);

/** Calls `fn` once `path` exists (polling every 2 ms), unless the run ended first. */
function when(path: () => boolean, fn: () => void, done: () => boolean): void {
  const timer = setInterval(() => {
    if (done()) return clearInterval(timer);
    if (path()) {
      clearInterval(timer);
      fn();
    }
  }, 2);
}

async function restoreWithFault(target: string, step: string, mode: Mode) {
  const controller = new AbortController();
  const provider = createLocalProvider({
    home,
    region: REGION,
    osUser: TEST_OS_USER,
    pgBin: process.env.PG_BIN,
    env: { ...process.env },
    signal: controller.signal,
  });
  const t = await testContext({ config: { provider: 'local' }, provider, env: { DBOPS_HOME: home }, controller });
  const hits: string[] = [];
  let finished = false;
  const data = join(regionDir(), 'instances', target, 'data');
  const work = restoreToPointInTime(
    t.ctx,
    { sourceId: SRC, targetId: target, latestRestorable: true },
    {
      runId: target.replace(/[^a-z0-9]/g, '').slice(-8),
      faults: (id, at) => {
        if (id !== step) return;
        if (mode === 'abort' && at === 'start') {
          hits.push(`${id}:${at}`);
          controller.abort('SIGINT');
        } else if (mode === 'fail' && at === 'end') {
          hits.push(`${id}:${at}`);
          throw new EnvironmentError(`Injected fault at the end of ${id}.`);
        } else if (mode === 'abort-extracting' && at === 'start') {
          when(
            () => existsSync(data) && readdirSync(data).length > 0,
            () => {
              hits.push(`${id}:extracting`);
              controller.abort('SIGINT');
            },
            () => finished,
          );
        } else if (mode === 'abort-replaying' && at === 'start') {
          when(
            () => existsSync(join(data, 'postmaster.pid')),
            () => {
              hits.push(`${id}:replaying`);
              controller.abort('SIGINT');
            },
            () => finished,
          );
        }
      },
    },
  );
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  finished = true;
  return { error, hits, stderr: t.io.stderr() };
}

async function strayProcesses(): Promise<number[]> {
  const src = join(regionDir(), 'instances', SRC);
  const out: number[] = [];
  for (const pid of await processesUnder(join(home, 'local'))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd !== src && !cwd.startsWith(`${src}/`)) out.push(pid);
  }
  return out;
}

async function leftovers(target: string) {
  const ls = async (kind: string) => (await readdir(join(regionDir(), kind)).catch(() => [] as string[])).sort();
  for (let i = 0; i < 20 && (await processesMentioning(join(regionDir(), 'instances', target))).length > 0; i++) await sleep(100);
  const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: Record<string, unknown> };
  return {
    instances: (await p.listInstances()).map((i) => i.id),
    dirs: await ls('instances'),
    archives: await ls('wal-archive'),
    tmp: await ls('tmp'),
    secrets: Object.keys(secrets.instances),
    processes: [...(await processesMentioning(join(regionDir(), 'instances', target))), ...(await strayProcesses())],
  };
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-faults-pitr-');
  p = localProvider(home, REGION, undefined, { archiveTimeoutSeconds: 60 });
  await p.createInstance(instanceInput(SRC));
  await p.runAutomatedBackups!(SRC, { force: true });
  const info = await p.connectionInfo(SRC);
  // Enough WAL after the base backup that replay takes a moment (several segments).
  await withPg(info, async (c) => {
    await c.query('CREATE TABLE rows_t (n int PRIMARY KEY, pad text)');
    for (let i = 0; i < 4; i++) {
      await c.query(`INSERT INTO rows_t SELECT g, repeat(md5(g::text), 40) FROM generate_series(${i * 20000 + 1}, ${(i + 1) * 20000}) g`);
      await c.query('SELECT pg_switch_wal()');
    }
  });
  rows = 80000;
  const last = await withPg(info, async (c) => (await c.query<{ t: Date }>('SELECT now() AS t')).rows[0]!.t);
  for (let i = 0; i < 300; i++) {
    const w = await p.restorableWindow!(SRC);
    if (w.latestRestorableTime && w.latestRestorableTime >= new Date(last.getTime() - 1000)) break;
    await sleep(100);
  }
});

afterAll(async () => {
  await p?.close();
  if (home) await destroyLocalHome(home);
});

describe('instances restore (point in time): a fault at every step leaves no half-made instance', () => {
  it.each(cases)('%s, %s', async (step, mode) => {
    const target = `pitr-f-${step.slice(3)}-${mode}`;
    const r = await restoreWithFault(target, step, mode);
    // THEN the run met the fault there and stopped with its exit code
    expect(r.hits, r.stderr).toHaveLength(1);
    if (mode === 'fail') {
      expect(r.error, r.stderr).toBeInstanceOf(EnvironmentError);
      expect((r.error as Error).message).toBe(`Injected fault at the end of ${step}.`);
    } else {
      expect(r.error, r.stderr).toBeInstanceOf(Interrupted);
      expect((r.error as Interrupted).exitCode).toBe(ExitCode.interrupted);
    }
    const report = isDbopsError(r.error) ? r.error.report : undefined;
    expect(
      report?.cleanup.filter((c) => c.status !== 'done'),
      r.stderr,
    ).toEqual([]);
    // AND nothing of the target is left
    expect(await leftovers(target), r.stderr).toEqual({
      instances: [SRC],
      dirs: [SRC],
      archives: [SRC],
      tmp: [],
      secrets: [`${REGION}/${SRC}`],
      processes: [],
    });
    // AND the source is untouched
    expect((await p.describeInstance(SRC)).status).toBe('available');
    expect(
      await withPg(await p.connectionInfo(SRC), async (c) => Number((await c.query('SELECT count(*) AS n FROM rows_t')).rows[0].n)),
    ).toBe(rows);
  });

  it('without a fault the same restore succeeds and is kept (the cleanup entry is dropped once PR-4 has read it)', async () => {
    const t = await testContext({ config: { provider: 'local' }, provider: p, env: { DBOPS_HOME: home } });
    const r = await restoreToPointInTime(t.ctx, { sourceId: SRC, targetId: 'pitr-f-ok', latestRestorable: true });
    expect(r.instance?.status).toBe('available');
    expect(r.report?.cleanup).toEqual([]);
    expect(
      await withPg(await p.connectionInfo('pitr-f-ok'), async (c) => Number((await c.query('SELECT count(*) AS n FROM rows_t')).rows[0].n)),
    ).toBe(rows);
    await p.deleteInstance('pitr-f-ok', { skipFinalSnapshot: true });
    expect((await leftovers('pitr-f-ok')).archives).toEqual([SRC]);
  });
});
