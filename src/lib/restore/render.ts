/**
 * The restore test for people: on the terminal (the on-call engineer at 3 a.m.: verdict
 * first, then what failed and why) and as Markdown for the incident or audit record.
 */
import type { ChalkInstance } from 'chalk';
import type { CheckStatus } from '../checks/types.js';
import { formatBytes, formatDuration } from '../output/format.js';
import type { StepResult } from '../runbook/runner.js';
import { describeBackup } from './backup.js';
import type { RestoreTestResult, StepCheck } from './types.js';

const CHECK_MARK: Record<CheckStatus, string> = { passed: '✔', failed: '✖', warning: '!', skipped: '–' };
const STEP_MARK: Record<StepResult['status'], string> = { ok: '✔', failed: '✖', skipped: '–', 'not-run': '·', interrupted: '!' };

function seconds(s: number | undefined): string {
  return s === undefined ? '-' : formatDuration(s * 1000);
}

function headline(r: RestoreTestResult): string {
  const what = `restore test of ${r.source?.instanceId ?? r.requestedSourceId}${r.backup ? ` from ${describeBackup(r.backup, new Date(r.startedAt))}` : ''}`;
  switch (r.verdict) {
    case 'passed':
      return `PASSED  ${what}`;
    case 'failed':
      return `FAILED  ${what}: ${r.failedChecks.length} check${r.failedChecks.length === 1 ? '' : 's'} failed (${r.failedChecks.join(', ')})`;
    case 'error':
      return `COULD NOT RUN  ${what}${r.error ? `: ${r.error.message}` : ''}`;
    case 'interrupted':
      return `INTERRUPTED  ${what}`;
    case 'dry-run':
      return `DRY RUN  ${what}: nothing created`;
  }
}

function colourVerdict(r: RestoreTestResult, c: ChalkInstance, text: string): string {
  return r.verdict === 'passed' ? c.green.bold(text) : r.verdict === 'dry-run' ? c.cyan.bold(text) : c.red.bold(text);
}

function objectives(r: RestoreTestResult): string[] {
  const lines: string[] = [];
  if (r.rto.restoreSeconds !== undefined) {
    lines.push(
      `restore ${seconds(r.rto.restoreSeconds)} against an RTO of ${r.rto.targetHours} h${r.rto.withinTarget ? ' (within)' : ' (EXCEEDED)'}${phases(r) ? `: ${phases(r)}` : ''}`,
    );
  }
  if (r.rpo.measured) {
    lines.push(
      `data loss window ${seconds(r.rpo.dataLossSeconds)} against an RPO of ${r.rpo.targetHours} h${r.rpo.withinTarget ? ' (within)' : ' (EXCEEDED)'}`,
    );
  } else if (r.checks.some((c) => c.id === 'rpo')) {
    lines.push(`data loss not measured (no dbops heartbeat in the backup); RPO target ${r.rpo.targetHours} h`);
  }
  return lines;
}

/** An Aurora source: the restore's two phases, the cluster and its writer. */
function phases(r: RestoreTestResult): string {
  const { clusterSeconds, writerSeconds } = r.timing;
  if (clusterSeconds === undefined) return '';
  return `cluster ${seconds(clusterSeconds)}${writerSeconds !== undefined ? `, writer ${seconds(writerSeconds)}` : ''}`;
}

function temporaryLines(r: RestoreTestResult): string[] {
  const t = r.temporary;
  if (!t) return [];
  const state = t.kept ? 'KEPT' : t.deleted ? 'deleted' : t.created ? 'NOT deleted' : 'not created';
  const lines = [
    ...(t.clusterId ? [`temporary Aurora cluster ${t.clusterId} (its writer below, deleted first): ${state}`] : []),
    `temporary ${t.clusterId ? 'writer' : 'instance'} ${t.instanceId} (${t.instanceClass}, not publicly accessible${t.subnetGroup ? `, subnet group ${t.subnetGroup}` : ''}${t.securityGroups.length ? `, ${t.securityGroups.join(' ')}` : ''}): ${state}`,
  ];
  if (t.kept) {
    lines.push(
      `  connect: ${t.connectCommand}`,
      `  remove:  ${t.removeCommand}`,
      `  it expires at ${t.expiresAt}; after that \`dbops gc\` removes it`,
    );
  } else if (t.created && !t.deleted) {
    lines.push(
      t.clusterId
        ? `  remove them: dbops instances delete ${t.instanceId} --yes --skip-final-snapshot, then aws rds delete-db-cluster --db-cluster-identifier ${t.clusterId} --skip-final-snapshot (or \`dbops gc\` after ${t.expiresAt})`
        : `  remove it: dbops instances delete ${t.instanceId} --yes --skip-final-snapshot (or \`dbops gc\` after ${t.expiresAt})`,
    );
  }
  return lines;
}

function checkLines(ch: StepCheck, c: ChalkInstance, withEvidence: boolean): string[] {
  const mark =
    ch.status === 'passed'
      ? c.green(CHECK_MARK.passed)
      : ch.status === 'failed'
        ? c.red(CHECK_MARK.failed)
        : ch.status === 'warning'
          ? c.yellow(CHECK_MARK.warning)
          : c.dim(CHECK_MARK.skipped);
  const lines = [`  ${mark} ${ch.step} ${ch.title}: ${ch.summary}`];
  if (withEvidence) for (const e of ch.evidence) lines.push(c.dim(`      ${e}`));
  if (ch.hint && ch.status !== 'passed') lines.push(`      hint: ${ch.hint}`);
  return lines;
}

function stepLines(r: RestoreTestResult, c: ChalkInstance): string[] {
  return r.report.steps.map((s) => {
    const time = s.durationMs === undefined ? '' : ` ${formatDuration(s.durationMs)}`;
    const mark =
      s.status === 'ok'
        ? c.green(STEP_MARK.ok)
        : s.status === 'failed' || s.status === 'interrupted'
          ? c.red(STEP_MARK[s.status])
          : c.dim(STEP_MARK[s.status]);
    return `  ${mark} ${s.id.padEnd(5)} ${s.title}${time}${s.status === 'skipped' && s.detail ? ` (${s.detail})` : s.status === 'not-run' ? ' (not run)' : ''}`;
  });
}

/** The terminal rendering. Evidence is shown for checks that did not pass (all with verbose). */
export function renderHuman(r: RestoreTestResult, c: ChalkInstance, verbose = false): string {
  const out = [
    colourVerdict(r, c, headline(r)),
    `run ${r.runId} · ${r.provider} ${r.region} · ${r.report.runbookFile} · ${formatDuration(r.timing.totalSeconds * 1000)}`,
  ];
  if (r.error) {
    out.push(
      '',
      `${r.verdict === 'interrupted' ? 'Interrupted' : 'Error'}${r.error.step ? ` in ${r.error.step}` : ''}: ${r.error.message}`,
    );
    if (r.error.hint) out.push(`hint: ${r.error.hint}`);
  }
  const obj = objectives(r);
  if (obj.length > 0) out.push('', ...obj);
  out.push(...temporaryLines(r));
  if (r.checks.length > 0) {
    out.push('', 'Checks:');
    for (const ch of r.checks) out.push(...checkLines(ch, c, verbose || ch.status === 'failed' || ch.status === 'warning'));
  }
  out.push('', 'Steps:', ...stepLines(r, c));
  const failedCleanup = r.cleanup.filter((x) => x.status === 'failed');
  for (const x of failedCleanup) out.push(c.red(`  cleanup failed: ${x.label}: ${x.error ?? ''}`));
  const rec = r.recorded;
  if (rec) {
    const notes = [
      rec.metrics.data.length > 0
        ? `metrics ${rec.metrics.published ? 'published to' : 'NOT published to'} ${rec.metrics.namespace}`
        : undefined,
      rec.history.appended ? `history ${rec.history.file}` : undefined,
      rec.reportFile ? `report ${rec.reportFile.written ? rec.reportFile.path : `NOT written (${rec.reportFile.error ?? ''})`}` : undefined,
    ].filter(Boolean);
    if (notes.length) out.push('', `Recorded: ${notes.join('; ')}`);
  }
  if (r.verdict === 'failed' || r.verdict === 'error')
    out.push(`Runbook: ${r.report.runbookFile} says how to do and finish each step by hand.`);
  return out.join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown report for an incident or audit record. */
export function renderMarkdown(r: RestoreTestResult): string {
  const b = r.backup;
  const lines = [
    `# Restore test of ${r.source?.instanceId ?? r.requestedSourceId}: ${r.verdict.toUpperCase()}`,
    '',
    `- Run: \`${r.runId}\` (${r.provider}, ${r.region}), runbook \`${r.report.runbookFile}\``,
    `- Started: ${r.startedAt}; finished: ${r.finishedAt} (${formatDuration(r.timing.totalSeconds * 1000)})`,
    ...(r.source ? [`- Source: \`${r.source.instanceId}\`, ${sourceEngine(r.source)}, ${r.source.instanceClass}`] : []),
    ...(b
      ? [
          `- Backup: ${describeBackup(b, new Date(r.startedAt))}${b.kind === 'snapshot' && b.createdAt ? `, taken ${b.createdAt}` : ''}${b.kind === 'snapshot' && b.sizeBytes !== undefined ? `, ${formatBytes(b.sizeBytes)}` : ''}`,
        ]
      : []),
    ...(r.temporary
      ? [
          `- Temporary ${r.temporary.clusterId ? `Aurora cluster \`${r.temporary.clusterId}\` with writer` : 'instance:'} \`${r.temporary.instanceId}\` (${r.temporary.instanceClass}), ${r.temporary.kept ? 'kept' : r.temporary.deleted ? 'deleted' : r.temporary.created ? '**not deleted**' : 'not created'}; expires-at ${r.temporary.expiresAt}`,
        ]
      : []),
    ...(r.error
      ? [
          '',
          `**${r.verdict === 'interrupted' ? 'Interrupted' : 'Could not run'}${r.error.step ? ` (${r.error.step})` : ''}:** ${r.error.message}`,
          ...(r.error.hint ? ['', `Hint: ${r.error.hint}`] : []),
        ]
      : []),
    '',
    '## Recovery objectives',
    '',
    '| Objective | Target | Measured | Result |',
    '|---|---|---|---|',
    `| RTO (restore until available${r.timing.clusterSeconds !== undefined ? '; cluster, then writer' : ''}) | ${r.rto.targetHours} h | ${seconds(r.rto.restoreSeconds)}${phases(r) ? ` (${phases(r)})` : ''} | ${r.rto.withinTarget === undefined ? '-' : r.rto.withinTarget ? 'within' : '**exceeded**'} |`,
    `| RPO (data loss window) | ${r.rpo.targetHours} h | ${r.rpo.measured ? seconds(r.rpo.dataLossSeconds) : 'not measured'} | ${r.rpo.withinTarget === undefined ? '-' : r.rpo.withinTarget ? 'within' : '**exceeded**'} |`,
    '',
    '## Checks',
    '',
    '| Step | Check | Result | Summary |',
    '|---|---|---|---|',
    ...r.checks.map((ch) => `| ${ch.step} | ${md(ch.title)} | ${ch.status === 'failed' ? '**failed**' : ch.status} | ${md(ch.summary)} |`),
  ];
  for (const ch of r.checks) {
    lines.push('', `### ${ch.step} ${ch.title}: ${ch.status}`, '', ch.summary, '', ...ch.evidence.map((e) => `- ${e}`));
    if (ch.hint && ch.status !== 'passed') lines.push('', `Hint: ${ch.hint}`);
  }
  lines.push(
    '',
    '## Steps',
    '',
    '| Step | Title | Status | Duration | Detail |',
    '|---|---|---|---|---|',
    ...r.report.steps.map(
      (s) =>
        `| ${s.id} | ${s.title} | ${s.status} | ${s.durationMs === undefined ? '' : formatDuration(s.durationMs)} | ${md(s.error?.message ?? s.detail ?? '')} |`,
    ),
  );
  if (r.cleanup.length > 0)
    lines.push('', '## Cleanup', '', ...r.cleanup.map((x) => `- ${x.label}: ${x.status}${x.error ? ` (${x.error})` : ''}`));
  const rec = r.recorded;
  if (rec) {
    lines.push(
      '',
      '## Recorded',
      '',
      `- Metrics (${rec.metrics.namespace}): ${rec.metrics.data.map((d) => `${d.metricName}=${d.value}`).join(', ') || 'none'}${rec.metrics.published ? '' : rec.metrics.data.length ? ' — not published' : ''}`,
    );
    lines.push(`- History: ${rec.history.appended ? rec.history.file : 'not appended'}`);
  }
  return lines.join('\n') + '\n';
}

/** "PostgreSQL 15.8", or "MySQL 8.0 (MariaDB 10.11 standing in for MySQL 8.0)" for a local mysql source. */
export function sourceEngine(s: { engine?: string; engineVersion: string; engineLabel?: string }): string {
  const name = s.engine === 'mysql' ? 'MySQL' : 'PostgreSQL';
  return `${name} ${s.engineVersion}${s.engineLabel ? ` (${s.engineLabel})` : ''}`;
}
