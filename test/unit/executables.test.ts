/** The one executable finder: first directory in order, executable files only. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, pathDirs } from '../../src/lib/executables.js';
import { tempDir } from '../_helpers/tmp.js';

function file(dir: string, name: string, mode: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), '#!/bin/sh\n');
  chmodSync(join(dir, name), mode);
}

describe('findExecutable', () => {
  it('returns the first directory holding an executable of that name, skipping files that are not executable', async () => {
    // GIVEN a/ with a non-executable psql, b/ and c/ with executable ones
    const root = tempDir('dbops-exe-');
    file(join(root, 'a'), 'psql', 0o644);
    file(join(root, 'b'), 'psql', 0o755);
    file(join(root, 'c'), 'psql', 0o755);
    // WHEN searched in order (undefined entries, like an unset PG_BIN, are skipped)
    const found = await findExecutable('psql', [undefined, join(root, 'a'), join(root, 'b'), join(root, 'c')]);
    // THEN b's
    expect(found).toBe(join(root, 'b', 'psql'));
    expect(await findExecutable('initdb', [join(root, 'b')])).toBeUndefined();
  });

  it('reads PATH without its empty entries', () => {
    expect(pathDirs('/usr/bin::/bin:')).toEqual(['/usr/bin', '/bin']);
    expect(pathDirs(undefined)).toEqual([]);
  });
});
