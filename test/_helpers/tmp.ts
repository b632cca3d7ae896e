/**
 * Temporary directories for tests. They are made inside one directory per test run
 * (DBOPS_TEST_TMP_ROOT, created and removed by test/_helpers/global-setup.ts), so a run
 * leaves nothing behind in /tmp.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(process.env.DBOPS_TEST_TMP_ROOT ?? tmpdir(), prefix));
}
