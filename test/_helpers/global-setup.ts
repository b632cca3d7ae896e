/** One temporary root per test run, removed at the end (see test/_helpers/tmp.ts). */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'dbops-test-run-'));
  // The local provider's server binaries run as the postgres user when tests run as root.
  chmodSync(root, 0o755);
  process.env.DBOPS_TEST_TMP_ROOT = root;
  return () => rmSync(root, { recursive: true, force: true });
}
