/**
 * The switchover/failover history: one JSON line per run in
 * $DBOPS_HOME/history/failovers.jsonl. `dbops switchover` and `dbops failover` append;
 * `dbops replica status --history` reads it.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailoverResult, HistoryRecord } from './types.js';

export function failoverHistoryFile(home: string): string {
  return join(home, 'history', 'failovers.jsonl');
}

/** Pure: the history line of a run. */
export function historyRecord(r: FailoverResult): HistoryRecord {
  return {
    runId: r.runId,
    operation: r.operation,
    provider: r.provider,
    region: r.region,
    oldPrimaryId: r.oldPrimaryId,
    ...(r.candidateId ? { candidateId: r.candidateId } : {}),
    outcome: r.outcome,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    ...(r.writePauseMs !== undefined ? { writePauseMs: r.writePauseMs } : {}),
    ...(r.probe ? { probeGapMs: r.probe.longestGapMs, clientErrors: r.probe.clientErrors, lostAcked: r.probe.lostAcked } : {}),
    ...(r.loss?.bytes !== undefined ? { lossBytes: r.loss.bytes } : {}),
    ...(r.loss?.transactions !== undefined ? { lossTransactions: r.loss.transactions } : {}),
    ...(r.loss?.seconds !== undefined ? { lossSeconds: r.loss.seconds } : {}),
    failedChecks: r.checks.filter((c) => c.status === 'fail').map((c) => c.id),
  };
}

export async function appendFailover(home: string, r: FailoverResult): Promise<void> {
  await mkdir(join(home, 'history'), { recursive: true });
  await appendFile(failoverHistoryFile(home), JSON.stringify(historyRecord(r)) + '\n', { mode: 0o644 });
}

/** Newest first; a torn line (a crash mid-append) is skipped. */
export async function readFailovers(home: string, filter: { region?: string; provider?: string } = {}): Promise<HistoryRecord[]> {
  let text: string;
  try {
    text = await readFile(failoverHistoryFile(home), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: HistoryRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as HistoryRecord;
      if (filter.region && r.region !== filter.region) continue;
      if (filter.provider && r.provider !== filter.provider) continue;
      out.push(r);
    } catch {
      // torn line
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
