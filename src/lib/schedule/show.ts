/** Human rendering of `dbops schedule plan | apply | destroy | status`. Pure (colour via the given chalk). */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../output/format.js';
import { renderReport } from '../runbook/render.js';
import type { ScheduleApplyResult, ScheduleDestroyResult } from './apply.js';
import type { Action, ScheduleChange, ScheduleFieldChange, SchedulePlan } from './plan.js';
import type { ScheduleStatus } from './status.js';

const MARK: Record<Action, string> = {
  create: '+',
  modify: '~',
  replace: '-/+',
  delete: '-',
  'no-op': '=',
  'not-applicable': '·',
  blocked: '!',
};

/** Long values (a policy, a definition, the config) are summarised: the plan shows that they differ. */
function show(v: string | number | undefined): string {
  if (v === undefined || v === '') return '(none)';
  const s = String(v);
  return s.length > 80 ? `${s.slice(0, 60)}… (${s.length} chars)` : s;
}

function fieldLine(f: ScheduleFieldChange): string {
  return `      ${f.field}: ${show(f.from)} -> ${show(f.to)}`;
}

function colour(c: ChalkInstance, a: Action): (s: string) => string {
  if (a === 'create') return c.green;
  if (a === 'modify') return c.yellow;
  if (a === 'delete' || a === 'blocked') return c.red;
  return c.dim;
}

function changeLines(ch: ScheduleChange, c: ChalkInstance, w: { kind: number; id: number }): string[] {
  const head = `  ${MARK[ch.action].padEnd(3)} ${ch.kind.padEnd(w.kind)}  ${ch.id.padEnd(w.id)}  ${ch.action}`;
  return [colour(c, ch.action)(head), ...ch.fields.map(fieldLine), ...ch.notes.map((n) => c.dim(`      note: ${n}`))];
}

export function renderSchedulePlan(plan: SchedulePlan, c: ChalkInstance): string {
  const w = {
    kind: Math.max(0, ...plan.changes.map((ch) => ch.kind.length)),
    id: Math.max(0, ...plan.changes.map((ch) => ch.id.length)),
  };
  const summary =
    plan.pending === 0
      ? 'Nothing to do: the account matches the schedule.'
      : `${plan.pending} change${plan.pending === 1 ? '' : 's'} pending.`;
  return [
    `Schedule plan for aws ${plan.region}, account ${plan.accountId} (jobs: ${plan.jobs.join(', ') || 'none'}):`,
    ...plan.changes.flatMap((ch) => changeLines(ch, c, w)),
    '',
    summary,
  ].join('\n');
}

export function renderScheduleApply(r: ScheduleApplyResult, c: ChalkInstance): string {
  if (r.dryRun) return `Dry run: nothing changed.\n\n${renderSchedulePlan(r.plan, c)}`;
  const parts: string[] = [];
  if (r.report) parts.push(renderReport(r.report, c));
  if (r.applied.length === 0 && r.plan.pending === 0) parts.push('', 'Nothing to do: the account matches the schedule.');
  else if (r.applied.length === 0) parts.push('', 'Not applied (not confirmed).');
  else parts.push('', 'Applied:', ...r.applied.map((a) => `  ${MARK[a.action]} ${a.kind} ${a.id}: ${a.detail}`));
  if (r.after && r.after.pending === 0) parts.push('', 'Verified: a new plan finds nothing to do.');
  return parts.join('\n').replace(/^\n/, '');
}

export function renderScheduleDestroy(r: ScheduleDestroyResult, c: ChalkInstance): string {
  const done = r.applied.length > 0;
  const lines = [
    ...r.deletions.map((d) => `  - ${d.kind} ${d.id}: ${done ? 'deleted' : 'would be deleted'}`),
    ...r.skipped.map((s) => `  = ${s.kind} ${s.id}: ${s.reason}`),
  ];
  const head =
    r.deletions.length === 0
      ? 'Nothing dbops created for the schedule was found.'
      : r.dryRun
        ? 'Dry run: nothing deleted.'
        : done
          ? 'Destroyed:'
          : 'Not destroyed (not confirmed):';
  const report = r.report && done ? `${renderReport(r.report, c)}\n\n` : '';
  return `${report}${head}\n${lines.join('\n')}`.trimEnd();
}

export function renderScheduleStatus(s: ScheduleStatus, c: ChalkInstance): string {
  const lines = [`Schedule in aws ${s.region}:`];
  for (const j of s.jobs) {
    const when = !j.deployed
      ? c.yellow('not deployed (run `dbops schedule apply`)')
      : `${j.state}, ${j.expression} ${j.timezone}${j.nextRun ? `, next run ${j.nextRun}` : ''}`;
    lines.push(`  ${c.bold(j.job)}: ${when}`);
    if (j.deployed && j.executions.length === 0) lines.push(c.dim('      no executions yet'));
    for (const e of j.executions) {
      const mark = e.verdict === 'ok' ? c.green('✔') : e.verdict === 'running' ? c.cyan('…') : c.red('✖');
      const took = e.durationSeconds !== undefined ? ` in ${formatDuration(e.durationSeconds * 1000)}` : '';
      const where = [e.database ? `database ${e.database}` : '', e.step ? `step ${e.step}` : ''].filter(Boolean).join(', ');
      const why = e.verdict === 'ok' || e.verdict === 'running' ? '' : `: ${[where, e.error].filter(Boolean).join(': ')}`;
      lines.push(`      ${mark} ${e.startedAt ?? e.name} ${e.verdict}${took}${why}`);
    }
  }
  return lines.join('\n');
}
