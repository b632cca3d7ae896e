/**
 * Removing an instance's directory quickly: on a Ctrl-C the exit waits for it (nothing
 * may be left behind), and a restored 1 GB relation segment alone takes the kernel a few
 * hundred milliseconds to free. The files are unlinked on several threads at once, the
 * largest first, so that the big segment is freed while the thousand small files go on
 * the other threads; then the emptied directories are removed. The result is `rm -rf`'s:
 * symbolic links are removed, never followed, and a tree already gone is no error.
 *
 * The state record at the top of the tree (instance.json, snapshot.json, …) goes last, in
 * one synchronous step with the emptied directories: a removal cut short (a second Ctrl-C
 * exits at once) leaves either the whole record, which `instances delete` finishes, or
 * nothing. No signal handler runs between a synchronous step's system calls.
 */
import { rmSync } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Unlinks at once; libuv's thread pool has 4 threads by default. */
const PARALLEL = 4;

export async function removeTree(dir: string): Promise<void> {
  const all: string[] = [];
  await listFiles(dir, all);
  const files = all.filter((file) => !(dirname(file) === dir && file.endsWith('.json')));
  const sized = await Promise.all(
    files.map(async (file) => ({
      file,
      size: await lstat(file).then(
        (s) => s.size,
        () => 0,
      ),
    })),
  );
  sized.sort((a, b) => b.size - a.size);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sized.length) {
      const { file } = sized[next++]!;
      await unlink(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  // The record and the emptied directories (and anything that appeared meanwhile), at once.
  rmSync(dir, { recursive: true, force: true });
}

async function listFiles(dir: string, into: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  });
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await listFiles(path, into);
    else into.push(path);
  }
}
