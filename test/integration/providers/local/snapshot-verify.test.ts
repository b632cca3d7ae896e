/**
 * The local provider's two snapshot verifiers side by side, on real pg_basebackup tars of
 * a real PostgreSQL 15 instance: dbops' streaming check (the default; done while the
 * backup is written or copied) and pg_verifybackup after extraction. They must agree:
 * both accept a good snapshot, and both reject every kind of damage below.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, type DbopsError } from '../../../../src/lib/errors.js';
import { giveTreeTo, resolveRunAs } from '../../../../src/lib/providers/local/os-user.js';
import { copyVerified, followFile, verifySnapshotDir } from '../../../../src/lib/providers/local/snapshot.js';
import type { Toolbox } from '../../../../src/lib/providers/local/toolbox.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import {
  corruptTarMember,
  destroyLocalHome,
  exists,
  instanceInput,
  localProvider,
  localToolbox,
  makeLocalHome,
  tarMembers,
  TEST_OS_USER,
  withPg,
} from '../../../_helpers/local.js';

const DB = 'verify-db';
const EAST = 'us-east-2';
const GOOD = 'snap-good';

let home: string;
let east: Provider;
let tb: Toolbox;
let caseNo = 0;

const snapshotDir = (region: string, id: string) => join(home, 'local', region, 'snapshots', id);

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** A copy of the good snapshot's files, owned by the server's OS user like a real one. */
async function caseCopy(): Promise<string> {
  const dir = join(home, 'cases', `case-${++caseNo}`);
  await mkdir(join(home, 'cases'), { recursive: true, mode: 0o755 });
  execFileSync('cp', ['-r', snapshotDir(EAST, GOOD), dir]);
  await giveTreeTo(await resolveRunAs(TEST_OS_USER), dir);
  return dir;
}

/** Both verifiers' verdicts on a snapshot directory (undefined = accepted). */
async function verdicts(dir: string): Promise<{ dbops?: DbopsError; pgVerifyBackup?: DbopsError }> {
  const target = `${dir}-copied`;
  await mkdir(target, { mode: 0o755 });
  const scratch = join(home, 'scratch');
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as DbopsError,
    );
  return {
    dbops: await settle(copyVerified(tb, dir, target, GOOD, scratch, 'dbops')),
    pgVerifyBackup: await settle(verifySnapshotDir(tb, dir, scratch, GOOD)),
  };
}

/** The WAL segment and offset of the manifest's Start-LSN (16 MB segments). */
async function walStart(dir: string): Promise<{ segment: string; offset: number }> {
  const manifest = JSON.parse(await readFile(join(dir, 'backup_manifest'), 'utf8')) as {
    'WAL-Ranges': { Timeline: number; 'Start-LSN': string }[];
  };
  const range = manifest['WAL-Ranges'][0]!;
  const [hi, lo] = range['Start-LSN'].split('/').map((x) => parseInt(x, 16)) as [number, number];
  const lsn = hi * 2 ** 32 + lo;
  const seg = Math.floor(lsn / 2 ** 24);
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return { segment: `${hex(range.Timeline)}${hex(Math.floor(seg / 256))}${hex(seg % 256)}`, offset: lsn % 2 ** 24 };
}

/** Byte offset of a member's data inside a tar. */
async function memberDataOffset(tarPath: string, name: string): Promise<number> {
  const m = tarMembers(await readFile(tarPath)).find((x) => x.name === name);
  if (!m) throw new Error(`${name} not in ${tarPath}`);
  return m.data;
}

/** Rewrites a tar without one member (GNU tar --delete garbles pg_basebackup's archives). */
async function removeTarMember(tarPath: string, name: string): Promise<void> {
  const buf = await readFile(tarPath);
  const members = tarMembers(buf);
  const m = members.find((x) => x.name === name);
  if (!m) throw new Error(`${name} not in ${tarPath}`);
  await writeFile(tarPath, Buffer.concat([buf.subarray(0, m.header), buf.subarray(m.end)]));
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-verify-');
  east = localProvider(home, EAST);
  tb = await localToolbox(home);
  await east.createInstance(instanceInput(DB));
  await withPg(await east.connectionInfo(DB), async (c) => {
    await c.query('CREATE TABLE recipes (id int PRIMARY KEY, title text)');
    await c.query("INSERT INTO recipes SELECT g, 'recipe ' || g FROM generate_series(1, 20000) g");
  });
  // Taken with the default verifier: dbops reads base.tar while pg_basebackup writes it.
  await east.createSnapshot({ instanceId: DB, snapshotId: GOOD, tags: {} });
});

afterAll(async () => {
  await destroyLocalHome(home);
});

describe('a good snapshot', () => {
  it('taken with the streaming check is available and passes pg_verifybackup as well', async () => {
    // GIVEN the snapshot taken in beforeAll WHEN both verifiers judge it THEN both accept it
    expect((await east.describeSnapshot(GOOD)).status).toBe('available');
    const v = await verdicts(await caseCopy());
    expect(v.dbops).toBeUndefined();
    expect(v.pgVerifyBackup).toBeUndefined();
  });

  it('is taken and copied with local.snapshotVerifier=pg_verifybackup too, and the copy is byte-identical', async () => {
    // GIVEN a provider told to verify with pg_verifybackup
    const old = localProvider(home, EAST, undefined, { snapshotVerifier: 'pg_verifybackup' });
    // WHEN it snapshots and copies THEN both are available
    const snap = await old.createSnapshot({ instanceId: DB, snapshotId: 'snap-old-way', tags: {} });
    expect(snap.status).toBe('available');
    const copy = await old.copySnapshot({
      snapshotId: 'snap-old-way',
      targetRegion: 'us-west-2',
      targetSnapshotId: 'snap-old-way',
      copyTags: true,
      tags: {},
    });
    expect(copy.status).toBe('available');
    for (const f of ['base.tar', 'pg_wal.tar', 'backup_manifest'])
      expect(await sha256(join(snapshotDir('us-west-2', 'snap-old-way'), f))).toBe(
        await sha256(join(snapshotDir(EAST, 'snap-old-way'), f)),
      );
  });

  it('copied with the streaming check is byte-identical to its source and fsynced into place', async () => {
    const copy = await east.copySnapshot({
      snapshotId: GOOD,
      targetRegion: 'eu-west-1',
      targetSnapshotId: GOOD,
      copyTags: true,
      tags: {},
    });
    expect(copy.status).toBe('available');
    for (const f of ['base.tar', 'pg_wal.tar', 'backup_manifest'])
      expect(await sha256(join(snapshotDir('eu-west-1', GOOD), f))).toBe(await sha256(join(snapshotDir(EAST, GOOD), f)));
  });
});

describe('damage both verifiers must report', () => {
  const cases: { name: string; damage: (dir: string) => Promise<void>; dbops: RegExp; pgVerifyBackup: RegExp }[] = [
    {
      name: 'bytes flipped inside a data file',
      damage: async (dir) => void (await corruptTarMember(join(dir, 'base.tar'))),
      dbops: /checksum mismatch for file "base\//,
      pgVerifyBackup: /checksum mismatch for file "base\//,
    },
    {
      name: 'base.tar cut short in the middle of a file',
      damage: async (dir) => {
        const at = await memberDataOffset(join(dir, 'base.tar'), 'global/pg_control');
        await truncate(join(dir, 'base.tar'), at + 100);
      },
      dbops: /base\.tar is damaged: it ends inside "global\/pg_control"/,
      pgVerifyBackup: /corrupt: .*(unexpected|EOF|end)/i,
    },
    {
      name: 'a file removed from base.tar',
      damage: async (dir) => removeTarMember(join(dir, 'base.tar'), 'PG_VERSION'),
      dbops: /"PG_VERSION" is present in the manifest but not on disk/,
      pgVerifyBackup: /"PG_VERSION" is present in the manifest but not on disk/,
    },
    {
      name: 'a file added to base.tar',
      damage: async (dir) => {
        await writeFile(join(dir, 'stray.conf'), 'x = 1\n');
        execFileSync('tar', ['-rf', join(dir, 'base.tar'), '-C', dir, 'stray.conf']);
        await rm(join(dir, 'stray.conf'));
      },
      dbops: /"stray\.conf" is present on disk but not in the manifest/,
      pgVerifyBackup: /"stray\.conf" is present on disk but not in the manifest/,
    },
    {
      name: 'the manifest edited (its own checksum no longer matches)',
      damage: async (dir) => {
        const text = await readFile(join(dir, 'backup_manifest'), 'utf8');
        await writeFile(join(dir, 'backup_manifest'), text.replace('"Path": "PG_VERSION", "Size": 3', '"Path": "PG_VERSION", "Size": 4'));
      },
      dbops: /manifest checksum mismatch/,
      pgVerifyBackup: /manifest checksum mismatch/,
    },
    {
      name: 'the WAL record the backup starts at damaged',
      damage: async (dir) => {
        const { segment, offset } = await walStart(dir);
        const at = (await memberDataOffset(join(dir, 'pg_wal.tar'), segment)) + offset;
        const fh = await open(join(dir, 'pg_wal.tar'), 'r+');
        try {
          const b = Buffer.alloc(24);
          await fh.read(b, 0, 24, at);
          for (let i = 0; i < b.length; i++) b[i] = b[i]! ^ 0xff;
          await fh.write(b, 0, 24, at);
        } finally {
          await fh.close();
        }
      },
      dbops: /WAL parsing failed for timeline 1: .*could not find a valid record after/,
      // pg_verifybackup prints pg_waldump's error first, then its own "WAL parsing failed"
      pgVerifyBackup: /could not find a valid record after|WAL parsing failed/,
    },
    {
      name: 'pg_wal.tar missing',
      damage: async (dir) => rm(join(dir, 'pg_wal.tar')),
      dbops: /pg_wal\.tar is missing/,
      pgVerifyBackup: /corrupt: /,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      // GIVEN a copy of the good snapshot, damaged
      const dir = await caseCopy();
      await c.damage(dir);
      // WHEN both verifiers judge it THEN both refuse it as corrupt, saying why
      const v = await verdicts(dir);
      expect(v.dbops).toBeInstanceOf(CheckFailed);
      expect(v.dbops?.message).toMatch(new RegExp(`^Snapshot ${GOOD} is corrupt: `));
      expect(v.dbops?.message).toMatch(c.dbops);
      expect(v.pgVerifyBackup).toBeInstanceOf(CheckFailed);
      expect(v.pgVerifyBackup?.message).toMatch(c.pgVerifyBackup);
      // AND the WAL scratch directories are gone
      const scratch = join(home, 'scratch');
      expect((await exists(scratch)) ? await readdir(scratch) : []).toEqual([]);
    });
  }

  it('a damaged snapshot is refused by provider copy, and nothing is left in the target region', async () => {
    // GIVEN a snapshot whose tar was altered after it was taken
    await east.createSnapshot({ instanceId: DB, snapshotId: 'snap-altered', tags: {} });
    await corruptTarMember(join(snapshotDir(EAST, 'snap-altered'), 'base.tar'));
    // WHEN copied THEN refused as corrupt, and the target region holds no copy nor temporary directory
    const err = await east
      .copySnapshot({ snapshotId: 'snap-altered', targetRegion: 'ap-south-1', targetSnapshotId: 'snap-altered', copyTags: true, tags: {} })
      .then(
        () => expect.fail('the copy should be refused'),
        (e: unknown) => e as DbopsError,
      );
    expect(err).toBeInstanceOf(CheckFailed);
    expect(err.message).toMatch(/^Snapshot snap-altered is corrupt: checksum mismatch for file "base\//);
    const left = await readdir(join(home, 'local', 'ap-south-1', 'snapshots')).catch(() => []);
    expect(left).toEqual([]);
  });
});

describe('followFile: reading a file while another process writes it', () => {
  it('yields every byte once the writer is done, however the writes are spaced', async () => {
    // GIVEN a writer that creates the file late and appends in uneven pieces with pauses
    const path = join(home, 'growing.bin');
    const pieces = [1, 4096, 100_000, 7, 3 << 20, 12_345].map((n, i) => Buffer.alloc(n, i + 1));
    const writer = (async () => {
      await sleep(40);
      await writeFile(path, '');
      for (const p of pieces) {
        await appendFile(path, p);
        await sleep(25);
      }
    })();
    // WHEN followed until the writer settles THEN the bytes read are exactly the bytes written
    const got: Buffer[] = [];
    for await (const chunk of followFile(path, writer, new AbortController().signal)) got.push(Buffer.from(chunk));
    expect(Buffer.concat(got).equals(Buffer.concat(pieces))).toBe(true);
    expect(Buffer.concat(got).length).toBe(pieces.reduce((n, p) => n + p.length, 0));
  });

  it('ends without reading when the writer fails before the file exists', async () => {
    const writer = sleep(30).then(() => {
      throw new Error('pg_basebackup failed');
    });
    writer.catch(() => undefined);
    const got: Buffer[] = [];
    for await (const chunk of followFile(join(home, 'never.bin'), writer, new AbortController().signal)) got.push(chunk);
    expect(got).toEqual([]);
  });

  it('stops when aborted, even though the writer is still running', async () => {
    const path = join(home, 'aborted.bin');
    await writeFile(path, Buffer.alloc(10));
    const stop = new AbortController();
    const never = new Promise<void>(() => undefined);
    const got: Buffer[] = [];
    setTimeout(() => stop.abort(), 50);
    for await (const chunk of followFile(path, never, stop.signal)) got.push(Buffer.from(chunk));
    expect(Buffer.concat(got).equals(Buffer.alloc(10))).toBe(true);
  });
});
