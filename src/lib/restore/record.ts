/**
 * After a run: CloudWatch metrics (the local provider stores them), one line of history
 * (`dbops backup status` reads it), and the Markdown report when asked. Best effort:
 * a failure here is reported in the result and as a warning, never hides the verdict.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import { appendRestoreTest, historyFile, type RestoreTestRecord } from '../history/restore-tests.js';
import type { MetricDatum, Provider } from '../providers/types.js';
import { redact } from '../secret.js';
import { renderMarkdown } from './render.js';
import type { RecordOutcome, RestoreTestResult } from './types.js';

export const METRIC = {
  success: 'RestoreTestSuccess',
  duration: 'RestoreTestDurationSeconds',
  dataLoss: 'RestoreTestDataLossSeconds',
} as const;

/**
 * Pure: the data points of a run. Success 1/0 (an error counts as 0: the backup was not
 * proven restorable); the restore time and the measured data loss when known. An
 * interrupted run publishes nothing: it proved nothing either way.
 */
export function metricData(r: RestoreTestResult, now: Date): MetricDatum[] {
  if (r.verdict === 'interrupted' || r.verdict === 'dry-run' || !r.source) return [];
  const dimensions = { DBInstanceIdentifier: r.source.instanceId };
  const data: MetricDatum[] = [
    { metricName: METRIC.success, value: r.verdict === 'passed' ? 1 : 0, unit: 'Count', dimensions, timestamp: now },
  ];
  if (r.timing.restoreSeconds !== undefined)
    data.push({ metricName: METRIC.duration, value: r.timing.restoreSeconds, unit: 'Seconds', dimensions, timestamp: now });
  if (r.rpo.measured && r.rpo.dataLossSeconds !== undefined) {
    data.push({ metricName: METRIC.dataLoss, value: r.rpo.dataLossSeconds, unit: 'Seconds', dimensions, timestamp: now });
  }
  return data;
}

/** Pure: the history line of a run. */
export function historyRecord(r: RestoreTestResult): RestoreTestRecord | undefined {
  if (r.verdict === 'dry-run' || !r.source) return undefined;
  return {
    runId: r.runId,
    provider: r.provider,
    region: r.region,
    instanceId: r.source.instanceId,
    ...(r.backup?.kind === 'snapshot' ? { snapshotId: r.backup.snapshotId } : {}),
    ...(r.backup?.kind === 'point-in-time' ? { pointInTime: r.backup.time } : {}),
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    verdict: r.verdict,
    ...(r.timing.restoreSeconds !== undefined ? { restoreSeconds: r.timing.restoreSeconds } : {}),
    ...(r.rpo.measured && r.rpo.dataLossSeconds !== undefined ? { dataLossSeconds: r.rpo.dataLossSeconds } : {}),
    failedChecks: r.failedChecks,
  };
}

/** Where a result is recorded: the provider (metrics), $DBOPS_HOME (history), a report file. */
export interface RecordDeps {
  provider: Provider;
  namespace: string;
  home: string;
  reportFile?: string;
  now: Date;
  warn(message: string): void;
}

async function attempt(what: string, fn: () => Promise<void>, warn: (m: string) => void): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    const message = redact(messageOf(e));
    warn(`${what} failed: ${message}`);
    return message;
  }
}

/** Publishes, appends and writes; returns what happened to each. */
export async function recordResult(r: RestoreTestResult, deps: RecordDeps): Promise<RecordOutcome> {
  const data = metricData(r, deps.now);
  const metricsError =
    data.length === 0
      ? undefined
      : await attempt(`Publishing metrics to ${deps.namespace}`, () => deps.provider.putMetricData(deps.namespace, data), deps.warn);
  const record = historyRecord(r);
  const file = historyFile(deps.home);
  const historyError = record ? await attempt(`Appending to ${file}`, () => appendRestoreTest(deps.home, record), deps.warn) : undefined;
  const outcome: RecordOutcome = {
    metrics: {
      namespace: deps.namespace,
      published: data.length > 0 && metricsError === undefined,
      data,
      ...(metricsError ? { error: metricsError } : {}),
    },
    history: { file, appended: record !== undefined && historyError === undefined, ...(historyError ? { error: historyError } : {}) },
  };
  if (deps.reportFile) {
    const path = resolve(deps.reportFile);
    const withRecord = { ...r, recorded: outcome };
    const error = await attempt(
      `Writing the report ${path}`,
      async () => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, redact(renderMarkdown(withRecord)), 'utf8');
      },
      deps.warn,
    );
    outcome.reportFile = { path, written: error === undefined, ...(error ? { error } : {}) };
  }
  return outcome;
}
