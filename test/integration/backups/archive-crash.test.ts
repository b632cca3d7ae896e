/**
 * `kill -9` of the postmaster while it archives under a steady write load (local provider,
 * real PostgreSQL): after the restart no segment is lost or duplicated, every archived
 * segment is whole, a copy the kill interrupted is never under a segment's name, and a
 * restore to the latest restorable time holds every write that was acknowledged before
 * the crash. (The quiet case, a few rows and a switch, is in pitr.test.ts.)
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/lib/db/connect.js';
import { killStragglers } from '../../../src/lib/providers/local/cluster.js';
import { contiguousFrom, listArchive } from '../../../src/lib/providers/local/wal-archive.js';
import type { Provider, RestorableWindow } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, pidAlive, withPg } from '../../_helpers/local.js';

const SEG = 16 * 1024 * 1024;
/** Rows per commit (~1.3 kB each): a 16 MiB segment every ~125 commits. */
const BATCH = 100;
let home: string;
let p: Provider;

const regionDir = () => join(home, 'local', 'us-east-2');
const archiveOf = (id: string) => join(regionDir(), 'wal-archive', id);

async function waitRestorable(id: string, t: Date): Promise<RestorableWindow> {
  for (let i = 0; i < 900; i++) {
    const w = await p.restorableWindow!(id);
    if (w.latestRestorableTime && w.latestRestorableTime >= t) return w;
    await sleep(100);
  }
  throw new Error(`the window of ${id} never reached ${t.toISOString()}`);
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-archive-crash-');
  p = localProvider(home, 'us-east-2', undefined, { archiveTimeoutSeconds: 60 });
});

afterAll(async () => {
  await p?.close();
  if (home) await destroyLocalHome(home);
});

describe('kill -9 of the postmaster while it archives under a write load', () => {
  it('after the restart no segment is lost or duplicated, each is whole, and the latest restorable time has every acknowledged write', async () => {
    const id = 'crash-load';
    await p.createInstance(instanceInput(id));
    await p.runAutomatedBackups!(id, { force: true });
    const info = await p.connectionInfo(id);
    await withPg(info, (c) => c.query('CREATE TABLE load_t (n int PRIMARY KEY, pad text NOT NULL)'));
    // GIVEN a writer committing batches of rows without pause (the archiver copying segment after segment behind it)
    let acked = 0;
    let stop = false;
    let writerError: Error | undefined;
    const writer = (async () => {
      const c: pg.Client = await connect(info, { applicationName: 'dbops test: write load' });
      c.on('error', () => undefined);
      try {
        for (let from = 1; !stop; from += BATCH) {
          await c.query('INSERT INTO load_t SELECT g, repeat(md5(g::text), 40) FROM generate_series($1::int, $2::int) g', [
            from,
            from + BATCH - 1,
          ]);
          acked = from + BATCH - 1;
        }
      } catch (e) {
        writerError = e as Error;
      } finally {
        await c.end().catch(() => undefined);
      }
    })();
    // WHEN the postmaster is killed once segments are being archived and the writer is mid-flight
    for (let i = 0; i < 1200; i++) {
      const segs = (await listArchive(archiveOf(id), SEG)).filter((f) => f.kind === 'segment').length;
      if (segs >= 4 && acked >= 30 * BATCH) break;
      await sleep(25);
    }
    const dataDir = join(regionDir(), 'instances', id, 'data');
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(50);
    // (its orphans, the archiver and an archive command among them, die with it, as on a host that loses it)
    await killStragglers(dataDir);
    await rm(join(dataDir, 'postmaster.pid'), { force: true });
    stop = true;
    await writer;
    const ackedAtCrash = acked;
    expect(ackedAtCrash).toBeGreaterThanOrEqual(30 * BATCH);
    // (the writer stopped because its server went away under it, not on an error of its own)
    expect(writerError?.message ?? '').toMatch(/terminat|ECONNRESET|Connection|closed|shut ?down/i);
    // AND it is started again, writes once more and switches
    await p.startInstance(id);
    const marker = await withPg(await p.connectionInfo(id), async (c) => {
      // (read before the insert: its commit, the archive's newest, is after this time)
      const t = (await c.query<{ t: Date }>('SELECT now() AS t')).rows[0]!.t;
      await c.query(`INSERT INTO load_t VALUES (0, 'after the restart')`);
      await c.query('SELECT pg_switch_wal()');
      return t;
    });
    const w = await waitRestorable(id, marker);
    // THEN the archive is one unbroken chain: no segment missing, none twice, every one whole
    expect(w.gap).toBeUndefined();
    const files = await listArchive(archiveOf(id), SEG);
    const segments = files.filter((f) => f.kind === 'segment');
    expect(segments.length).toBeGreaterThanOrEqual(4);
    expect(new Set(segments.map((f) => f.segno)).size).toBe(segments.length);
    expect(segments.filter((f) => f.bytes !== SEG)).toEqual([]);
    const { chain, gapAt } = contiguousFrom(files, segments[0]!.segno);
    expect(gapAt).toBeUndefined();
    expect(chain.length).toBe(segments.length);
    // (a copy the kill interrupted is only ever a temporary name)
    const strays = (await readdir(archiveOf(id))).filter(
      (n) => !n.startsWith('.tmp-') && !/^[0-9A-F]{24}$|^[0-9A-F]{8}\.history$|^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/.test(n),
    );
    expect(strays).toEqual([]);
    // AND a restore to the latest restorable time holds every acknowledged row and the marker
    await p.restoreToPointInTime({
      sourceInstanceId: id,
      instanceId: 'crash-load-latest',
      time: 'latest',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    const got = await withPg(await p.connectionInfo('crash-load-latest'), async (c) => {
      const r = await c.query<{ upto: string; marker: string }>(
        'SELECT count(*) FILTER (WHERE n BETWEEN 1 AND $1) AS upto, count(*) FILTER (WHERE n = 0) AS marker FROM load_t',
        [ackedAtCrash],
      );
      return { upto: Number(r.rows[0]!.upto), marker: Number(r.rows[0]!.marker) };
    });
    expect(got).toEqual({ upto: ackedAtCrash, marker: 1 });
    for (const x of ['crash-load-latest', id]) await p.deleteInstance(x, { skipFinalSnapshot: true });
  }, 300_000);
});
