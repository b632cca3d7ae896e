/** One temporary root per test run, removed at the end (see test/_helpers/tmp.ts). */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'dbops-test-run-'));
  // The local provider's server binaries run as the postgres user when tests run as root.
  chmodSync(root, 0o755);
  process.env.DBOPS_TEST_TMP_ROOT = root;
  return () => {
    reportWireOperations(join(root, 'wire-operations.jsonl'));
    rmSync(root, { recursive: true, force: true });
  };
}

/** The wire tier's figure: how many distinct AWS operations dbops sent to moto (test/wire). */
function reportWireOperations(file: string): void {
  if (!existsSync(file)) return;
  const ops = new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const r = JSON.parse(l) as { service: string; action: string };
        return `${r.service}:${r.action}`;
      }),
  );
  const services = new Set([...ops].map((o) => o.split(':')[0]));
  console.log(`wire tier: dbops sent ${ops.size} distinct AWS operations (${services.size} services) to moto_server`);
  if (process.env.DBOPS_WIRE_OPERATIONS) console.log([...ops].sort().join('\n'));
}
