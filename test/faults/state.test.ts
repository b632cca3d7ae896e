/**
 * Hand-damaged state under $DBOPS_HOME, the CLI run as a process: a bad port never leads
 * to a connection anywhere nor to a silent exit 0; a state file that does not match its
 * schema is reported by path and reason (exit 3) without hiding or blocking the healthy
 * ones; a DBOPS_HOME that is a regular file fails every command the same way.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../_helpers/local.js';
import { runDbops, type RunResult } from '../_helpers/run-dbops.js';
import type { Provider } from '../../src/lib/providers/types.js';
import { MIGRATIONS_DIR } from '../integration/restore/_setup.js';
import { envFor, REGION } from './_setup.js';

let home: string;
let provider: Provider;
const DB = 'state-db';
const OTHER = 'state-other';

function dbops(args: string | string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runDbops(args, { env: envFor(home, env), cwd: home, timeoutMs: 60_000 });
}

const instanceJson = (id: string) => join(home, 'local', REGION, 'instances', id, 'instance.json');
const snapshotJson = (id: string) => join(home, 'local', REGION, 'snapshots', id, 'snapshot.json');

/** Runs `fn` with `file` replaced, then puts the original back. */
async function withDamaged(file: string, edit: (text: string) => string, fn: () => Promise<void>): Promise<void> {
  const original = await readFile(file, 'utf8');
  await writeFile(file, edit(original));
  try {
    await fn();
  } finally {
    await writeFile(file, original);
  }
}

function setPort(value: string): (text: string) => string {
  return (t) => t.replace(/"port": \d+/, `"port": ${value}`);
}

describe('faults: damaged state', () => {
  beforeAll(async () => {
    home = await makeLocalHome('dbops-faults-state-');
    provider = localProvider(home);
    await provider.createInstance(instanceInput(DB));
    await provider.createInstance(instanceInput(OTHER));
    await provider.createSnapshot({ instanceId: DB, snapshotId: `${DB}-s1`, tags: {} });
    await provider.createSnapshot({ instanceId: OTHER, snapshotId: `${OTHER}-s1`, tags: {} });
  });

  afterAll(async () => {
    await provider?.close();
    if (home) await destroyLocalHome(home);
  });

  it.each(['"abc"', '99999', 'null', '0', '"5432x"'])(
    'port %s: heartbeat and migrate status exit 3 naming the file, never 0, never another server',
    async (bad) => {
      await withDamaged(instanceJson(DB), setPort(bad), async () => {
        for (const args of [
          `heartbeat --instance ${DB}`,
          `migrate status --instance ${DB} --dir ${MIGRATIONS_DIR}`,
          `migrate status --instance ${DB} --dir ${MIGRATIONS_DIR} --json`,
        ]) {
          const r = await dbops(args);
          expect(r.exitCode, `${args}: ${r.stderr}`).toBe(3);
          expect(r.stderr).toContain(`The state file ${instanceJson(DB)} is damaged: port: `);
          expect(r.stderr).toMatch(args.startsWith('heartbeat') ? /^error \[step HB-1\]: The state file/m : /^error: The state file/m);
          expect(r.stderr).toMatch(/^hint: Repair it by hand/m);
          expect(r.stderr).not.toMatch(/5432\b.*(connect|refused)|Internal error/);
        }
      });
    },
  );

  it('instance.json = {}: `instances` lists the healthy one, reports the bad file by path and reason, exit 3', async () => {
    await withDamaged(
      instanceJson(DB),
      () => '{}\n',
      async () => {
        const r = await dbops('instances --json');
        expect(r.exitCode).toBe(3);
        expect((JSON.parse(r.stdout) as { id: string }[]).map((i) => i.id)).toEqual([OTHER]);
        expect(r.stderr).toContain(`error: The state file ${instanceJson(DB)} is damaged: version: `);
        expect(r.stderr).toContain(
          'hint: Repair it by hand (compare with another instance.json), or, if the instance is not needed, stop its server',
        );
        expect(r.stderr).not.toMatch(/not iterable|Cannot read properties/);
        const status = await dbops(`status ${DB}`);
        expect(status.exitCode).toBe(3);
        expect(status.stderr).toContain(`error: The state file ${instanceJson(DB)} is damaged`);
        // gc is not blocked: it judges the healthy ones and still reports the bad file
        const gc = await dbops('gc --yes');
        expect(gc.exitCode).toBe(3);
        expect(gc.stderr).toContain(`The state file ${instanceJson(DB)} is damaged`);
      },
    );
  });

  it.each([
    ['status 42', (t: string) => t.replace(/"status": "[a-z-]+"/, '"status": 42'), /status: /],
    ['an empty file', () => '', /it is empty/],
    [
      'an id that is not its directory',
      (t: string) => t.replace(`"id": "${DB}"`, `"id": "${OTHER}"`),
      /its id "state-other" is not its directory's name "state-db"/,
    ],
  ])('instance.json with %s is reported, not listed twice nor hidden', async (_name, edit, reason) => {
    await withDamaged(instanceJson(DB), edit, async () => {
      const r = await dbops('instances --json');
      expect(r.exitCode).toBe(3);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((i) => i.id)).toEqual([OTHER]);
      expect(r.stderr).toContain(`The state file ${instanceJson(DB)} is damaged: `);
      expect(r.stderr).toMatch(reason);
    });
  });

  it.each([
    ['{}', () => '{}\n'],
    ['empty', () => ''],
  ])('snapshot.json %s: `snapshot list` shows the healthy snapshots and reports the bad one, exit 3', async (_name, edit) => {
    await withDamaged(snapshotJson(`${DB}-s1`), edit, async () => {
      const r = await dbops('snapshot list --json');
      expect(r.exitCode).toBe(3);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id)).toEqual([`${OTHER}-s1`]);
      expect(r.stderr).toContain(`error: The state file ${snapshotJson(`${DB}-s1`)} is damaged: `);
      expect(r.stderr).not.toContain('localeCompare');
    });
  });

  it('DBOPS_HOME is a regular file: every command fails the same way (exit 3)', async () => {
    const file = join(home, 'not-a-dir');
    await writeFile(file, 'x');
    for (const args of ['instances', 'instances --json', 'gc --yes', 'snapshot list', `status ${DB}`, `restore-test --instance ${DB}`]) {
      const r = await runDbops(args, { env: envFor(file), cwd: home });
      expect(r.exitCode, `${args}: ${r.stdout}${r.stderr}`).toBe(3);
      expect(r.stderr, args).toMatch(new RegExp(`^error( \\[step (RT-1|GC-1)\\])?: DBOPS_HOME ${file} is not a directory\\.$`, 'm'));
      expect(r.stdout, args).not.toMatch(/No instances|nothing to do/i);
    }
    await rm(file);
    await mkdir(join(home, 'local'), { recursive: true });
  });
});
