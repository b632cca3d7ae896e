/**
 * removeTree: the instance directory goes as with `rm -rf` (files unlinked in parallel,
 * the largest first): every file and directory is gone, symbolic links are removed and
 * never followed, and a tree that is already gone is no error.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTree } from '../../../../src/lib/providers/local/remove-tree.js';
import { tempDir } from '../../../_helpers/tmp.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = tempDir('dbops-remove-tree-');
  dirs.push(d);
  return d;
}

describe('removeTree', () => {
  it('removes a data directory with nested directories, many files, a large one and symbolic links, following none', async () => {
    // GIVEN an instance directory shaped like PGDATA, with links to a file and a directory outside it
    const root = scratch();
    const outside = join(root, 'outside');
    mkdirSync(join(outside, 'tblspc'), { recursive: true });
    writeFileSync(join(outside, 'keep.txt'), 'keep');
    const inst = join(root, 'db-rt-x');
    const data = join(inst, 'data');
    mkdirSync(join(data, 'base', '16384'), { recursive: true });
    mkdirSync(join(data, 'pg_wal', 'archive_status'), { recursive: true });
    mkdirSync(join(data, 'pg_tblspc'), { recursive: true });
    mkdirSync(join(data, 'empty'), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(join(data, 'base', '16384', String(16385 + i)), 'x'.repeat(i));
    writeFileSync(join(data, 'base', '16384', 'big'), Buffer.alloc(8 * 1024 * 1024));
    writeFileSync(join(data, 'pg_wal', '000000010000000000000001'), Buffer.alloc(1024 * 1024));
    symlinkSync(join(outside, 'tblspc'), join(data, 'pg_tblspc', '16390'));
    symlinkSync(join(outside, 'keep.txt'), join(inst, 'link.txt'));
    symlinkSync(join(root, 'nowhere'), join(inst, 'dangling'));
    // WHEN
    await removeTree(inst);
    // THEN the tree is gone, and what the links pointed at is untouched
    expect(existsSync(inst)).toBe(false);
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(outside, 'tblspc'))).toBe(true);
  });

  it('is no error when the tree is already gone, or is a single file', async () => {
    const root = scratch();
    await expect(removeTree(join(root, 'never-there'))).resolves.toBeUndefined();
    writeFileSync(join(root, 'a-file'), 'x');
    await removeTree(join(root, 'a-file'));
    expect(existsSync(join(root, 'a-file'))).toBe(false);
  });
});
