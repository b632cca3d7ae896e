/**
 * Interrupts of WAL archiving on the local provider (runbooks/automated-backups.md AB-1):
 * the archive command killed mid-copy, before its link and after it never leaves a
 * partial file under a segment's name, and the next attempt archives the segment; the
 * same with the server's own archiver (the command killed by signal 9 while it copies,
 * PostgreSQL retries, and the latest restorable time has every row). `kill -9` of the
 * postmaster itself: archive-crash.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_SCRIPT, listArchive } from '../../../src/lib/providers/local/wal-archive.js';
import type { Provider, RestorableWindow } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, withPg } from '../../_helpers/local.js';

const SEG = 16 * 1024 * 1024;
const NAME = '000000010000000000000003';
let home: string;
let p: Provider;

const regionDir = () => join(home, 'local', 'us-east-2');
const archiveOf = (id: string) => join(regionDir(), 'wal-archive', id);

async function waitRestorable(id: string, t: Date): Promise<RestorableWindow> {
  for (let i = 0; i < 600; i++) {
    const w = await p.restorableWindow!(id);
    if (w.latestRestorableTime && w.latestRestorableTime >= t) return w;
    await sleep(100);
  }
  throw new Error(`the window of ${id} never reached ${t.toISOString()}`);
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-archive-int-');
  p = localProvider(home, 'us-east-2', undefined, { archiveTimeoutSeconds: 60 });
});

afterAll(async () => {
  await p?.close();
  if (home) await destroyLocalHome(home);
});

describe('the archive command killed mid-way (the script alone)', () => {
  let dir: string;
  let segment: string;
  let script: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbops-archive-kill-'));
    segment = join(dir, 'pg_wal', NAME);
    await mkdir(join(dir, 'pg_wal'));
    await writeFile(segment, randomBytes(SEG));
    script = join(dir, 'dbops-archive-wal');
    await writeFile(script, ARCHIVE_SCRIPT, { mode: 0o755 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A command the script calls that, instead of its work (or after it), kills the script with signal 9. */
  const fakes = {
    // half of the segment copied into the temporary file, then the archive command dies
    'mid-copy': ['cp', `head -c ${SEG / 2} "$1" > "$2"\nkill -9 $PPID\nexit 1`],
    // the whole copy made, the archive command dies before it links the file into place
    'before the link': ['ln', 'kill -9 $PPID\nexit 1'],
    // linked into place, the archive command dies before it removes the temporary name
    'after the link': ['rm', 'kill -9 $PPID\nexit 1'],
  } as const;

  it.each(Object.keys(fakes) as (keyof typeof fakes)[])(
    'killed %s: no partial segment is accepted, and the next attempt archives it',
    async (point) => {
      const archive = join(dir, `archive-${point.replace(/ /g, '-')}`);
      await mkdir(archive);
      const bin = join(dir, `bin-${point.replace(/ /g, '-')}`);
      await mkdir(bin);
      const [cmd, body] = fakes[point];
      await writeFile(join(bin, cmd), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      // WHEN the archive command is killed at that point
      const killed = spawnSync('/bin/sh', [script, segment, NAME, archive, String(SEG)], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(killed.signal ?? killed.status, killed.stderr.toString()).toBe('SIGKILL');
      // THEN the archive holds no partial file under the segment's name: nothing, or the whole segment
      const after = await listArchive(archive, SEG);
      if (point === 'after the link') {
        expect(after.map((f) => [f.name, f.bytes])).toEqual([[NAME, SEG]]);
        expect((await readFile(join(archive, NAME))).equals(await readFile(segment))).toBe(true);
      } else {
        expect(after).toEqual([]);
      }
      // (what is left is a temporary name, which the window and restores ignore and `backup run` removes after an hour)
      expect((await readdir(archive)).filter((n) => n !== NAME).every((n) => n.startsWith(`.tmp-${NAME}-`))).toBe(true);
      // WHEN PostgreSQL tries again
      const again = spawnSync('/bin/sh', [script, segment, NAME, archive, String(SEG)]);
      // THEN the segment is archived, whole
      expect(again.status, again.stderr.toString()).toBe(0);
      expect((await listArchive(archive, SEG)).map((f) => [f.name, f.bytes])).toEqual([[NAME, SEG]]);
      expect((await readFile(join(archive, NAME))).equals(await readFile(segment))).toBe(true);
    },
  );
});

describe("the server's archive command killed by signal 9 while it copies", () => {
  it('PostgreSQL retries, the segment lands whole, the partial copy is never a segment, and the latest restorable time has every row', async () => {
    const id = 'arch-kill';
    await p.createInstance(instanceInput(id));
    await p.runAutomatedBackups!(id, { force: true });
    const info = await p.connectionInfo(id);
    await withPg(info, (c) => c.query('CREATE TABLE rows_t (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'));
    // GIVEN the region's archive script wrapped: its first call copies a quarter of the segment and is killed
    const scriptPath = join(regionDir(), 'bin', 'dbops-archive-wal');
    const original = await readFile(scriptPath, 'utf8');
    const side = await mkdtemp(join(tmpdir(), 'dbops-archive-wrap-'));
    await chmod(side, 0o777);
    await writeFile(join(side, 'real'), original, { mode: 0o755 });
    await writeFile(
      scriptPath,
      `#!/bin/sh\nif [ ! -e ${side}/killed ]; then\n  : > ${side}/killed\n  echo "$2" > ${side}/victim\n  head -c ${SEG / 4} "$1" > "$3/.tmp-$2-$$"\n  kill -9 $$\nfi\nexec /bin/sh ${side}/real "$@"\n`,
      { mode: 0o755 },
    );
    try {
      // WHEN a segment with rows is switched out and archived
      const last = await withPg(info, async (c) => {
        await c.query('INSERT INTO rows_t (n) SELECT generate_series(1, 100)');
        await c.query('SELECT pg_switch_wal()');
        return (await c.query<{ at: Date }>('SELECT max(at) AS at FROM rows_t')).rows[0]!.at;
      });
      const w = await waitRestorable(id, last);
      // THEN the killed attempt happened, and the retry archived the segment whole
      const victim = (await readFile(join(side, 'victim'), 'utf8')).trim();
      expect(w.gap).toBeUndefined();
      const files = await listArchive(archiveOf(id), SEG);
      const archived = files.find((f) => f.name === victim);
      expect(archived?.bytes).toBe(SEG);
      expect(files.filter((f) => f.kind === 'segment').every((f) => f.bytes === SEG)).toBe(true);
      const names = await readdir(archiveOf(id));
      expect(names.filter((n) => n.startsWith(`.tmp-${victim}-`))).toHaveLength(1);
      const log = await readFile(join(regionDir(), 'instances', id, 'postgresql.log'), 'utf8');
      // (sh reports its killed child as exit 137, or PostgreSQL sees the signal itself)
      expect(log).toMatch(/archive command (was terminated by signal 9|failed with exit code 137)/);
      // AND a restore to the latest restorable time has every row
      await p.restoreToPointInTime({
        sourceInstanceId: id,
        instanceId: 'arch-kill-latest',
        time: 'latest',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      });
      const n = await withPg(await p.connectionInfo('arch-kill-latest'), async (c) =>
        Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM rows_t')).rows[0]!.n),
      );
      expect(n).toBe(100);
    } finally {
      await writeFile(scriptPath, original, { mode: 0o755 });
      await rm(side, { recursive: true, force: true });
      for (const x of ['arch-kill-latest', id]) if (await p.findInstance(x)) await p.deleteInstance(x, { skipFinalSnapshot: true });
    }
  });
});
