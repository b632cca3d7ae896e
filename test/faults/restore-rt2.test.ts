/**
 * Faults inside RT-2 (the restore) of a snapshot big enough that extraction takes a
 * while (~120 MB): Ctrl-C reaches tar / pg_verifybackup / pg_ctl and the half-made
 * instance is rolled back; a second Ctrl-C quits at once but still kills what dbops
 * started; a snapshot deleted while it is being read is reported as deleted, not corrupt.
 * The figures (SIGINT to exit) are measured by `npm run bench:interrupt`, not asserted here.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPg } from '../_helpers/local.js';
import { runDbops } from '../_helpers/run-dbops.js';
import { startSource, type Source } from '../integration/restore/_setup.js';
import { envFor, expectNothingLeft, processesMentioning, processesUnder, REGION, spawnDbops, temporaryId } from './_setup.js';

let src: Source;
let bigSnap: string;

/** Calls `fn` once the temporary instance's data directory has files in it: extraction has begun. */
function whenExtracting(fn: (child: ChildProcess, tmp: string) => void): (text: string, child: ChildProcess) => void {
  let armed = false;
  return (text, child) => {
    const tmp = temporaryId(text, src.id);
    if (armed || !tmp || !/\[RT-2\]/.test(text)) return;
    armed = true;
    const data = join(src.home, 'local', REGION, 'instances', tmp, 'data');
    const timer = setInterval(() => {
      if (child.exitCode !== null) return clearInterval(timer);
      if (existsSync(data) && readdirSync(data).length > 0) {
        clearInterval(timer);
        fn(child, tmp);
      }
    }, 2);
  };
}

describe('faults: inside RT-2 of a large snapshot', () => {
  beforeAll(async () => {
    src = await startSource('dbops-faults-rt2-', 'big-src');
    await withPg(src.info, (c) =>
      c.query(`CREATE TABLE bulk AS SELECT g, repeat(md5(g::text), 30) AS t FROM generate_series(1, 120000) g`),
    );
    bigSnap = `${src.id}-big`;
    await src.provider.createSnapshot({ instanceId: src.id, snapshotId: bigSnap, tags: {} });
  });

  afterAll(async () => {
    await src?.destroy();
  });

  it('Ctrl-C while the snapshot is extracted: the children stop, the half-made instance is removed, exit 130', async () => {
    const r = await spawnDbops(['restore-test', '--instance', src.id, '--snapshot', bigSnap], {
      home: src.home,
      onStderr: whenExtracting((child) => child.kill('SIGINT')),
    });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping and cleaning up');
    expect(r.stderr).toMatch(/^error \[step RT-2\]: Interrupted by SIGINT\.$/m);
    expect(r.stderr).not.toMatch(/corrupt|killed by/);
    expect(await processesMentioning(join(src.home, 'local', REGION, 'instances', `${src.id}-rt-`))).toEqual([]);
    await expectNothingLeft(src.home, [src.id]);
  });

  it('a second Ctrl-C quits at once and still kills every process dbops started', async () => {
    let tmpId = '';
    const r = await spawnDbops(['restore-test', '--instance', src.id, '--snapshot', bigSnap], {
      home: src.home,
      onStderr: whenExtracting((child, tmp) => {
        tmpId = tmp;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 5);
      }),
    });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(tmpId).not.toBe('');
    const instanceDir = join(src.home, 'local', REGION, 'instances', tmpId);
    // Whatever the second signal interrupted, nothing runs on: no tar, no pg_ctl, no postgres of the run.
    await new Promise((res) => setTimeout(res, 200));
    expect(await processesMentioning(instanceDir)).toEqual([]);
    expect(await processesUnder(instanceDir)).toEqual([]);
    // What is left on disk (if anything) is a stopped, half-made instance that delete removes.
    if (existsSync(instanceDir)) {
      const del = await runDbops(['instances', 'delete', tmpId, '--yes', '--skip-final-snapshot'], {
        env: envFor(src.home),
        cwd: src.home,
      });
      expect(del.exitCode, del.stderr).toBe(0);
    }
    await expectNothingLeft(src.home, [src.id]);
  });

  it('the snapshot deleted while it is restored: "deleted while it was being restored" (exit 3), not "corrupt"', async () => {
    const doomed = `${src.id}-doomed`;
    await src.provider.createSnapshot({ instanceId: src.id, snapshotId: doomed, tags: {} });
    const snapDir = join(src.home, 'local', REGION, 'snapshots', doomed);
    // A big enough file to still be extracting when the snapshot goes away.
    const r = await spawnDbops(['restore-test', '--instance', src.id, '--snapshot', doomed], {
      home: src.home,
      onStderr: whenExtracting(() => rmSync(snapDir, { recursive: true, force: true })),
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`error [step RT-2]: Snapshot ${doomed} was deleted while it was being restored.`);
    expect(r.stderr).not.toContain('corrupt');
    await expectNothingLeft(src.home, [src.id]);
  });
});
