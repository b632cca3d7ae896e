/** Renders a run report for humans (terminal) and as Markdown (incident records). */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../output/format.js';
import type { RunReport, StepResult } from './runner.js';

const MARK: Record<StepResult['status'], string> = {
  ok: '✔',
  failed: '✖',
  skipped: '–',
  'not-run': '·',
  interrupted: '!',
};

export function renderReport(report: RunReport, c: ChalkInstance): string {
  const color = (s: StepResult['status'], text: string) =>
    s === 'ok' ? c.green(text) : s === 'failed' || s === 'interrupted' ? c.red(text) : c.dim(text);
  const lines = report.steps.map((s) => {
    const time = s.durationMs === undefined ? '' : ` (${formatDuration(s.durationMs)})`;
    const detail = s.error ? `: ${s.error.message}` : s.detail ? `: ${s.detail}` : s.status === 'not-run' ? ': not run' : '';
    return `  ${color(s.status, MARK[s.status])} ${s.id} ${s.title}${detail}${time}`;
  });
  for (const cl of report.cleanup)
    lines.push(
      `  ${cl.status === 'failed' ? c.red('✖') : c.dim('↺')} cleanup: ${cl.label}: ${cl.status}${cl.error ? ` (${cl.error})` : ''}`,
    );
  const head = `${report.runbookFile} · run ${report.runId} · ${report.status} in ${formatDuration(report.durationMs)}`;
  return [head, ...lines].join('\n');
}

export function reportMarkdown(report: RunReport, title: string): string {
  const rows = report.steps.map(
    (s) =>
      `| ${s.id} | ${s.title} | ${s.status} | ${s.durationMs === undefined ? '' : formatDuration(s.durationMs)} | ${(s.error?.message ?? s.detail ?? '').replace(/\|/g, '\\|')} |`,
  );
  const out = [
    `# ${title}`,
    '',
    `- Runbook: \`${report.runbookFile}\``,
    `- Run id: \`${report.runId}\``,
    `- Status: **${report.status}**`,
    `- Started: ${report.startedAt}`,
    `- Finished: ${report.finishedAt} (${formatDuration(report.durationMs)})`,
    '',
    '| Step | Title | Status | Duration | Detail |',
    '|---|---|---|---|---|',
    ...rows,
  ];
  if (report.error)
    out.push(
      '',
      `**Error${report.error.step ? ` in ${report.error.step}` : ''}:** ${report.error.message}`,
      report.error.hint ? `\nHint: ${report.error.hint}` : '',
    );
  if (report.cleanup.length > 0)
    out.push('', '## Cleanup', '', ...report.cleanup.map((c) => `- ${c.label}: ${c.status}${c.error ? ` (${c.error})` : ''}`));
  return out.join('\n') + '\n';
}
