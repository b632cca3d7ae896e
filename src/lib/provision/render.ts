/** Human rendering of plans, apply and destroy results. Pure (colour via the given chalk). */
import type { ChalkInstance } from 'chalk';
import { renderReport } from '../runbook/render.js';
import { describeCopyKey } from '../snapshots/checks.js';
import type { ApplyResult } from './apply.js';
import type { DestroyResult } from './destroy.js';
import type { Action, Change, FieldChange, Plan } from './plan-types.js';

const MARK: Record<Action, string> = {
  create: '+',
  modify: '~',
  replace: '-/+',
  delete: '-',
  'no-op': '=',
  'not-applicable': '·',
  blocked: '!',
};

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function fieldLine(f: FieldChange): string {
  const flags = [
    f.dataLoss ? 'DATA LOSS' : '',
    f.replace ? 'replace' : '',
    f.downtime ? 'downtime' : '',
    f.deferrable ? 'maintenance window' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `      ${f.field}: ${show(f.from)} -> ${show(f.to)}${f.note ? ` (${f.note})` : ''}${flags ? ` [${flags}]` : ''}`;
}

function colour(c: ChalkInstance, a: Action): (s: string) => string {
  if (a === 'create') return c.green;
  if (a === 'modify') return c.yellow;
  if (a === 'replace' || a === 'delete' || a === 'blocked') return c.red;
  return c.dim;
}

function changeLines(ch: Change, c: ChalkInstance, widths: { kind: number; id: number }): string[] {
  const flags = [ch.downtime ? 'downtime' : '', ch.dataLoss ? 'data loss' : ''].filter(Boolean);
  const head = `  ${MARK[ch.action].padEnd(3)} ${ch.kind.padEnd(widths.kind)}  ${ch.id.padEnd(widths.id)}  ${ch.action}${flags.length ? ` [${flags.join(', ')}]` : ''}`;
  return [colour(c, ch.action)(head), ...ch.fields.map(fieldLine), ...ch.notes.map((n) => c.dim(`      note: ${n}`))];
}

export function renderPlan(plan: Plan, c: ChalkInstance): string {
  const widths = {
    kind: Math.max(...plan.changes.map((ch) => ch.kind.length)),
    id: Math.max(...plan.changes.map((ch) => ch.id.length)),
  };
  const summary =
    plan.pending === 0
      ? 'Nothing to do: the deployment matches the config.'
      : `${plan.pending} change${plan.pending === 1 ? '' : 's'} pending.`;
  const lines = [
    `Plan for ${plan.provider} ${plan.region} (dependency order):`,
    ...plan.changes.flatMap((ch) => changeLines(ch, c, widths)),
    '',
    summary,
  ];
  const lost = plan.changes.filter((ch) => ch.dataLoss && (ch.action === 'modify' || ch.action === 'replace' || ch.action === 'delete'));
  if (lost.length > 0) {
    lines.push(
      c.red(
        `${lost.length === 1 ? '1 change loses' : `${lost.length} changes lose`} data (${lost.map((ch) => `${ch.action} ${ch.kind} ${ch.id}`).join('; ')}): apply needs --allow-data-loss as well as --yes.`,
      ),
    );
  }
  if (plan.copies) {
    const key = { kmsKeyId: plan.copies.kmsKeyId, source: plan.copies.keySource };
    lines.push('', `Cross-region copies to ${plan.copies.region} (snapshot run-policy): ${describeCopyKey(key, plan.copies.region)}.`);
  }
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => c.yellow(`  ! ${w}`)));
  return lines.join('\n');
}

export function renderApply(r: ApplyResult, c: ChalkInstance): string {
  const parts: string[] = [];
  if (r.dryRun) return `Dry run: nothing changed.\n\n${renderPlan(r.plan, c)}`;
  if (r.report) parts.push(renderReport(r.report, c));
  if (r.applied.length === 0 && r.plan.pending === 0) parts.push('', 'Nothing to do: the deployment matches the config.');
  else if (r.applied.length === 0) parts.push('', 'Not applied (not confirmed).');
  else parts.push('', 'Applied:', ...r.applied.map((a) => `  ${MARK[a.action]} ${a.kind} ${a.id}: ${a.detail}`));
  if (r.after && r.after.pending === 0) parts.push('', 'Verified: a new plan finds nothing to do.');
  return parts.join('\n').replace(/^\n/, '');
}

export function renderDestroy(r: DestroyResult, c: ChalkInstance): string {
  const lines = r.items.map((i) => {
    const extra = [
      i.finalSnapshotId ? `final snapshot ${i.finalSnapshotId}` : '',
      i.disableDeletionProtection ? 'deletion protection turned off first' : '',
      i.reason ?? '',
    ]
      .filter(Boolean)
      .join('; ');
    return `  ${i.action === 'delete' ? '-' : '='} ${i.kind} ${i.id}: ${i.action === 'delete' ? (r.confirmed ? 'deleted' : 'would be deleted') : 'kept'}${extra ? ` (${extra})` : ''}`;
  });
  const head =
    r.items.length === 0
      ? 'Nothing dbops created was found.'
      : r.dryRun
        ? 'Dry run: nothing deleted.'
        : r.confirmed
          ? 'Destroyed:'
          : 'Not destroyed (not confirmed):';
  const report = r.report && r.confirmed ? `${renderReport(r.report, c)}\n\n` : '';
  return `${report}${head}\n${lines.join('\n')}`.trimEnd();
}
