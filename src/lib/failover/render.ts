/**
 * Switchover, failover and the replica topology for people: the terminal (outcome first,
 * then every pre-check with its value and limit, the steps, what the application saw)
 * and Markdown for the incident or change record.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../output/format.js';
import type { PoolerState, Topology } from '../providers/failover-types.js';
import { renderReport, reportMarkdown } from '../runbook/render.js';
import { describeLag } from './checks.js';
import { describeLoss, formatBytes } from './settings.js';
import type { FailoverResult, HistoryRecord, PreCheck } from './types.js';

const MARK: Record<PreCheck['status'], string> = { pass: '✔', warn: '!', fail: '✖' };

export function checkLine(ch: PreCheck): string {
  return `${MARK[ch.status]} ${ch.title}: ${ch.value}${ch.limit ? ` (limit ${ch.limit})` : ''}${ch.status !== 'pass' && ch.remedy ? ` — ${ch.remedy}` : ''}`;
}

function headline(r: FailoverResult): string {
  const what = `${r.operation} ${r.oldPrimaryId}${r.candidateId ? ` -> ${r.candidateId}` : ''}`;
  switch (r.outcome) {
    case 'switched':
      return `SWITCHED  ${what}: ${r.candidateId} is the primary`;
    case 'dry-run':
      return `DRY RUN  ${what}: pre-checks and plan only, nothing changed`;
    case 'rolled-back':
      return `ROLLED BACK  ${what}: ${r.oldPrimaryId} is the primary again`;
    case 'refused':
      return `REFUSED  ${what}: ${r.summary}`;
    case 'interrupted':
      return `INTERRUPTED  ${what}: ${r.summary}`;
    case 'failed':
      return `FAILED  ${what}: ${r.summary}`;
  }
}

/** The connection layer and its SHOW POOLS figures (replica status, dbops status). */
export function poolLine(p: PoolerState): string {
  const figures = p.pools.map(
    (f) =>
      `${f.database}: cl_active ${f.clientsActive}, cl_waiting ${f.clientsWaiting}, sv_active ${f.serversActive}, sv_idle ${f.serversIdle}, maxwait ${f.maxWaitSeconds} s`,
  );
  const targets =
    p.targets
      .map((t) => `${t.instanceId} ${t.state}${t.reason ? ` (${[t.reason, t.description].filter(Boolean).join(': ')})` : ''}`)
      .join(', ') || 'none';
  return [
    `${p.kind} ${p.name} at ${p.endpoint.host}:${p.endpoint.port} -> ${p.targetId || '(no target)'}: ${p.running ? 'running' : 'NOT running'}${p.kind === 'rds-proxy' ? `, TLS ${p.requireTls ? 'required' : 'NOT required'}` : ''}; targets ${targets}`,
    ...figures.map((f) => `  ${f}`),
  ].join('\n');
}

export function topologyLines(t: Topology): string[] {
  const p = t.primary;
  const lines = [
    `primary ${p.id} (${p.instanceClass}, ${p.allocatedStorageGb} GB${p.multiAz ? ', Multi-AZ' : ''}) ${p.status}${p.reachable ? (p.lsn ? ` at WAL ${p.lsn}` : p.unreachableReason ? `; ${p.unreachableReason}` : '') : `, unreachable: ${p.unreachableReason ?? ''}`}${p.walSenders ? `; WAL senders ${p.walSenders.used}/${p.walSenders.max}` : ''}${p.pendingMaintenance.length ? `; pending: ${p.pendingMaintenance.join('; ')}` : ''}${p.fenced ? `; FENCED by run ${p.fenced.runId}` : ''}`,
  ];
  if (t.replicas.length === 0) lines.push('  no replicas');
  for (const r of t.replicas) {
    lines.push(
      `  replica ${r.id} (${r.instanceClass}, ${r.allocatedStorageGb} GB) ${r.state}, lag ${describeLag(r)}${r.replayLsn ? `, replayed ${r.replayLsn}` : ''}${r.replayPaused ? ', REPLAY PAUSED' : ''}${r.reachable ? '' : `, unreachable: ${r.unreachableReason ?? ''}`}`,
    );
  }
  if (t.pooler) lines.push(poolLine(t.pooler));
  else lines.push('no connection layer: applications connect to the primary endpoint');
  return lines;
}

function probeLines(r: FailoverResult): string[] {
  const p = r.probe;
  if (!p) return [];
  return [
    `write probe through ${p.address}, every ${p.intervalMs} ms:`,
    `  longest gap between acknowledged writes ${formatDuration(p.longestGapMs)}; ${p.acked} of ${p.attempts} acknowledged; ${p.clientErrors} client error${p.clientErrors === 1 ? '' : 's'}${p.errorSamples.length ? ` (${p.errorSamples.join('; ')})` : ''}`,
    `  acknowledged writes missing on the new primary: ${p.lostAcked}${p.lostSample.length ? ` (seq ${p.lostSample.join(', ')})` : ''}`,
  ];
}

function detailLines(r: FailoverResult): string[] {
  const lines: string[] = [];
  if (r.writePauseMs !== undefined)
    lines.push(`write pause (writes stopped -> connection layer on the new primary): ${formatDuration(r.writePauseMs)}`);
  if (r.rollback) lines.push(`rolled back because ${r.rollback.reason}:`, ...r.rollback.actions.map((a) => `  - ${a}`));
  if (r.follow) lines.push(`old primary ${r.oldPrimaryId}: ${r.follow.detail}`);
  if (r.fence) lines.push(`old primary ${r.oldPrimaryId} fenced:`, ...r.fence.actions.map((a) => `  - ${a}`));
  if (r.loss) {
    lines.push(
      `data loss: ${describeLoss(r.loss)} (${r.loss.oldPrimaryLsn ? `old primary reached ${r.loss.oldPrimaryLsn}, ` : ''}${r.loss.promotedAtLsn ? `the new one forked at ${r.loss.promotedAtLsn}; ` : ''}${r.loss.source})`,
    );
  }
  if (r.endpointChange) lines.push(`endpoint: ${r.endpointChange.from} -> ${r.endpointChange.to}. ${r.endpointChange.advice}`);
  return lines;
}

export function renderResult(r: FailoverResult, c: ChalkInstance): string {
  const good = r.outcome === 'switched' || r.outcome === 'dry-run';
  const lines = [good ? c.green.bold(headline(r)) : c.red.bold(headline(r)), '', 'pre-checks:'];
  lines.push(
    ...(r.checks.length
      ? r.checks.map(
          (ch) => `  ${ch.status === 'fail' ? c.red(checkLine(ch)) : ch.status === 'warn' ? c.yellow(checkLine(ch)) : checkLine(ch)}`,
        )
      : ['  (not run)']),
  );
  if (r.outcome === 'dry-run' || r.plan.length) lines.push('', 'plan:', ...r.plan.map((p, i) => `  ${i + 1}. ${p}`));
  const details = [...detailLines(r), ...probeLines(r)];
  if (details.length) lines.push('', ...details);
  if (r.before) lines.push('', 'before:', ...topologyLines(r.before).map((l) => `  ${l}`));
  if (r.after) lines.push('', 'after:', ...topologyLines(r.after).map((l) => `  ${l}`));
  lines.push('', renderReport(r.report, c));
  if (r.reportFile) lines.push(`report: ${r.reportFile}`);
  return lines.join('\n');
}

export function renderMarkdown(r: FailoverResult): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `# ${r.operation === 'switchover' ? 'Switchover' : 'Failover'} ${r.oldPrimaryId}${r.candidateId ? ` → ${r.candidateId}` : ''}: ${r.outcome}`,
    '',
    r.summary,
    '',
    '## Pre-checks',
    '',
    '| Check | Status | Value | Limit | Remedy |',
    '|---|---|---|---|---|',
    ...r.checks.map(
      (ch) =>
        `| ${esc(ch.title)} | ${ch.status} | ${esc(ch.value)} | ${esc(ch.limit ?? '')} | ${esc(ch.status === 'pass' ? '' : (ch.remedy ?? ''))} |`,
    ),
    '',
    '## Plan',
    '',
    ...r.plan.map((p, i) => `${i + 1}. ${p}`),
    '',
  ];
  const details = [...detailLines(r), ...probeLines(r)];
  if (details.length)
    lines.push('## What the application saw', '', ...details.map((d) => (d.startsWith('  ') ? `  ${d.trim()}` : `- ${d}`)), '');
  if (r.before) lines.push('## Topology before', '', ...topologyLines(r.before).map((l) => `    ${l}`), '');
  if (r.after) lines.push('## Topology after', '', ...topologyLines(r.after).map((l) => `    ${l}`), '');
  lines.push(reportMarkdown(r.report, 'Steps').replace(/^# Steps/, '## Steps'));
  return lines.join('\n');
}

/** `dbops replica status` */
export function renderTopology(t: Topology): string {
  return topologyLines(t).join('\n');
}

export function renderHistory(rows: HistoryRecord[]): string {
  if (rows.length === 0) return 'No switchover or failover recorded yet.';
  return rows
    .map((h) => {
      const figures = [
        h.writePauseMs !== undefined ? `pause ${formatDuration(h.writePauseMs)}` : '',
        h.probeGapMs !== undefined ? `gap ${formatDuration(h.probeGapMs)}, ${h.clientErrors ?? 0} errors, ${h.lostAcked ?? 0} lost` : '',
        h.lossBytes !== undefined
          ? `loss ${formatBytes(h.lossBytes)}${h.lossTransactions !== undefined ? ` / ${h.lossTransactions} tx` : ''}`
          : h.lossSeconds !== undefined
            ? `loss ≤ ${h.lossSeconds} s`
            : '',
        h.failedChecks.length ? `failed: ${h.failedChecks.join(', ')}` : '',
      ].filter(Boolean);
      return `${h.startedAt}  ${h.operation.padEnd(10)} ${h.oldPrimaryId} -> ${h.candidateId ?? '?'}  ${h.outcome}${figures.length ? `  (${figures.join('; ')})` : ''}  run ${h.runId}`;
    })
    .join('\n');
}
