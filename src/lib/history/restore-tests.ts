/**
 * The restore-test history: one JSON line per run in $DBOPS_HOME/history/restore-tests.jsonl.
 * `dbops restore-test` appends; `dbops backup status` reads it. (On AWS the same results
 * are also published as CloudWatch metrics, which outlive this machine.)
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RestoreTestRecord {
  runId: string;
  provider: 'aws' | 'local';
  region: string;
  instanceId: string;
  snapshotId?: string;
  pointInTime?: string;
  startedAt: string;
  finishedAt: string;
  verdict: 'passed' | 'failed' | 'error' | 'interrupted';
  /** Snapshot restored and instance available, seconds (the RTO measure). */
  restoreSeconds?: number;
  /** Newest heartbeat in the restore vs the start of the test, seconds: the data really lost (RPO). */
  dataLossSeconds?: number;
  failedChecks: string[];
}

export function historyFile(home: string): string {
  return join(home, 'history', 'restore-tests.jsonl');
}

export async function appendRestoreTest(home: string, record: RestoreTestRecord): Promise<void> {
  await mkdir(join(home, 'history'), { recursive: true });
  await appendFile(historyFile(home), JSON.stringify(record) + '\n', { mode: 0o644 });
}

/** Newest first; lines that do not parse are skipped (a crash mid-append leaves at most one). */
export async function readRestoreTests(
  home: string,
  filter: { provider?: string; region?: string; instanceId?: string } = {},
): Promise<RestoreTestRecord[]> {
  let text: string;
  try {
    text = await readFile(historyFile(home), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: RestoreTestRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as RestoreTestRecord;
      if (filter.provider && r.provider !== filter.provider) continue;
      if (filter.region && r.region !== filter.region) continue;
      if (filter.instanceId && r.instanceId !== filter.instanceId) continue;
      out.push(r);
    } catch {
      // skip a torn line
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
