/**
 * Human renderings of the migrate results (--json prints the results themselves).
 * Pure functions of a result and the styling functions.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration, renderTable } from '../output/format.js';
import { seeAnchor } from '../runbook/findings.js';
import type { Drift, FailedMigration, MigrationState, StatusRow } from './drift.js';
import type { HeartbeatPlan, HeartbeatResult } from './heartbeat.js';
import type { LintWarning } from './lint.js';
import type {
  BaselineResult,
  DownResult,
  PlannedMigration,
  RanMigration,
  ResolveResult,
  StatusResult,
  UpResult,
  VerifyResult,
} from './migrate.js';
import type { NewMigrationResult } from './new.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');
const v4 = (v: number) => String(v).padStart(4, '0');

function stateText(state: MigrationState, c: ChalkInstance): string {
  if (state === 'applied' || state === 'baselined') return c.green(state);
  if (state === 'pending') return c.yellow(state);
  return c.red(state);
}

export function renderDrift(drift: readonly Drift[], c: ChalkInstance): string[] {
  if (drift.length === 0) return [];
  return [
    '',
    c.bold(`Drift (${drift.length}): migrate up refuses to run over it unless --allow-drift`),
    ...drift.map((d) => `  ${c.red('✖')} ${d.kind}: ${d.message} ${seeAnchor(d.runbook)}`),
  ];
}

export function renderFailed(failed: readonly FailedMigration[], c: ChalkInstance): string[] {
  if (failed.length === 0) return [];
  return [
    '',
    c.bold(`Failed half-way (${failed.length}): migrate up refuses until \`dbops migrate resolve <version>\``),
    ...failed.map((f) => `  ${c.red('✖')} ${f.message}${f.error ? ` — ${f.error}` : ''} ${seeAnchor(f.runbook)}`),
  ];
}

export function renderLint(lint: readonly LintWarning[], c: ChalkInstance, title = 'Lint warnings for the pending migrations'): string[] {
  if (lint.length === 0) return [];
  return [
    '',
    c.bold(`${title} (${lint.length}):`),
    ...lint.map((w) => `  ${c.yellow('!')} ${w.file}:${w.line} [${w.rule}] ${w.message} ${seeAnchor(w.runbook)}`),
  ];
}

export function renderStatus(r: StatusResult, c: ChalkInstance): string {
  const s = r.summary;
  const failed = s.failed > 0 ? `, ${c.red(`${s.failed} failed`)}` : '';
  const head = `Migrations of ${r.target} (${r.dir}): ${s.applied} applied, ${s.pending} pending, ${s.drift === 0 ? 'no drift' : c.red(plural(s.drift, 'drift'))}${failed}.`;
  const table =
    r.migrations.length === 0
      ? 'No migration files and no history.'
      : renderTable<StatusRow>(
          [
            { header: 'VERSION', value: (m) => v4(m.version) },
            { header: 'NAME', value: (m) => m.name },
            { header: 'STATE', value: (m) => stateText(m.state, c) },
            { header: 'APPLIED AT', value: (m) => iso(m.appliedAt) },
            { header: 'TOOK', value: (m) => (m.durationMs === undefined ? '-' : formatDuration(m.durationMs)), align: 'right' },
            { header: 'BY', value: (m) => m.appliedBy ?? '-' },
            { header: 'DOWN', value: (m) => (m.hasDown ? 'yes' : 'no') },
          ],
          r.migrations,
        );
  return [head, '', table, ...renderDrift(r.drift, c), ...renderFailed(r.failed, c), ...renderLint(r.lint, c)].join('\n');
}

export function renderVerify(r: VerifyResult, c: ChalkInstance): string {
  const k = r.checked;
  const lintPart = r.lint.length === 0 ? 'no lint warnings' : plural(r.lint.length, 'lint warning');
  const head = r.ok
    ? `${c.green('✔')} ${r.target}: ${plural(k.applied, 'applied migration')} match their files, ${k.pending} pending, ${lintPart}.`
    : `${c.red('✖')} ${r.target}: ${r.drift.length > 0 ? plural(r.drift.length, 'drift') : 'no drift'}${r.failed.length > 0 ? `, ${r.failed.length} failed` : ''}, ${lintPart}${r.strict && r.lint.length > 0 ? ' (--strict: warnings fail)' : ''}.`;
  return [head, ...renderDrift(r.drift, c), ...renderFailed(r.failed, c), ...renderLint(r.lint, c)].join('\n');
}

function ranLines(ran: readonly RanMigration[]): string[] {
  const width = Math.max(...ran.map((m) => m.file.length));
  return ran.map(
    (m) => `  ${m.file.padEnd(width)}  ${formatDuration(m.durationMs).padStart(7)}${m.noTransaction ? '  (no transaction)' : ''}`,
  );
}

function planLines(plan: readonly PlannedMigration[], c: ChalkInstance): string[] {
  return plan.flatMap((p) => [
    '',
    c.dim(`-- ==== ${p.file} (${p.noTransaction ? 'no transaction: statement by statement' : 'one transaction'}) ====`),
    p.sql.trimEnd(),
  ]);
}

export function renderUp(r: Omit<UpResult, 'report'>, c: ChalkInstance): string {
  const settings = `lock_timeout ${r.settings.lockTimeout}, statement_timeout ${r.settings.statementTimeout}`;
  const rest = r.remaining > 0 ? `${r.remaining} still pending${r.to !== undefined ? ` beyond --to ${r.to}` : ''}.` : 'Nothing is pending.';
  switch (r.status) {
    case 'refused':
      return [
        `${c.red('✖')} Refused to migrate ${r.target}: its history and the files in ${r.dir} disagree; nothing was applied.`,
        ...renderDrift(r.drift, c),
      ].join('\n');
    case 'dry-run':
      if (r.plan.length === 0) return `Dry run: ${r.target} is up to date; nothing would be applied.`;
      return [
        `Dry run: would apply ${plural(r.plan.length, 'migration')} to ${r.target} in this order (${settings}); nothing was changed.`,
        ...(r.transactionalDdl ? [] : [implicitCommit(r)]),
        ...planLines(r.plan, c),
        ...renderLint(r.lint, c),
      ].join('\n');
    case 'up-to-date':
      return `${r.target} is up to date: nothing to apply. ${rest}`;
    case 'applied': {
      const total = r.applied.reduce((s, m) => s + m.durationMs, 0);
      return [
        `${c.green('✔')} Applied ${plural(r.applied.length, 'migration')} to ${r.target} in ${formatDuration(total)} (${settings}):`,
        ...ranLines(r.applied),
        rest,
        ...(r.transactionalDdl ? [] : [implicitCommit(r)]),
      ].join('\n');
    }
  }
}

/** The implicit-commit warning of an engine without transactional DDL (MySQL). */
function implicitCommit(r: Pick<UpResult, 'engine'>): string {
  return `Note: ${r.engine === 'mysql' ? 'MySQL' : r.engine} commits DDL implicitly: a migration that fails half-way is not rolled back; it is marked failed and migrate up refuses until \`dbops migrate resolve <version>\` (after you checked the schema).`;
}

export function renderDown(r: Omit<DownResult, 'report'>, c: ChalkInstance): string {
  switch (r.status) {
    case 'refused':
      return [
        `${c.red('✖')} Refused to revert on ${r.target}: its history and the files in ${r.dir} disagree; nothing was changed.`,
        ...renderDrift(r.drift, c),
      ].join('\n');
    case 'cancelled':
      return 'Cancelled: nothing was reverted.';
    case 'dry-run':
      return [
        `Dry run: would revert ${plural(r.plan.length, 'migration')} on ${r.target}, newest first; nothing was changed.`,
        ...planLines(r.plan, c),
      ].join('\n');
    case 'reverted':
      return [`${c.green('✔')} Reverted ${plural(r.reverted.length, 'migration')} on ${r.target}:`, ...ranLines(r.reverted)].join('\n');
  }
}

export function renderBaseline(r: Omit<BaselineResult, 'report'>, c: ChalkInstance): string {
  const files = r.marked.map((m) => `  ${m.file}`);
  if (r.status === 'up-to-date') return `${r.target} already records every migration up to ${v4(r.version)}; nothing to mark.`;
  if (r.status === 'dry-run') {
    if (r.marked.length === 0) return `Dry run: ${r.target} already records every migration up to ${v4(r.version)}.`;
    return [`Dry run: would mark ${plural(r.marked.length, 'migration')} as applied on ${r.target} without running them:`, ...files].join(
      '\n',
    );
  }
  return [
    `${c.green('✔')} Marked ${plural(r.marked.length, 'migration')} as applied on ${r.target} (baseline at ${v4(r.version)}); none of them ran:`,
    ...files,
  ].join('\n');
}

export function renderResolve(r: Omit<ResolveResult, 'report'>, c: ChalkInstance): string {
  const what =
    r.as === 'applied' ? 'recorded as applied (baselined); migrate up goes on after it' : 'unmarked: the next migrate up runs it again';
  switch (r.status) {
    case 'cancelled':
      return 'Cancelled: nothing was changed.';
    case 'dry-run':
      return `Dry run: migration ${v4(r.version)} (${r.name}) on ${r.target} is marked failed${r.error ? ` (${r.error})` : ''}; it would be ${what}. Nothing was changed.`;
    case 'resolved':
      return `${c.green('✔')} Migration ${v4(r.version)} (${r.name}) on ${r.target} is resolved: ${what}.`;
  }
}

export function renderNew(r: NewMigrationResult): string {
  return r.dryRun ? `Dry run: would create ${r.files.join(' and ')}.` : `Created ${r.files.join(' and ')}.`;
}

export function renderHeartbeat(r: HeartbeatResult | HeartbeatPlan, c: ChalkInstance): string {
  if (r.dryRun)
    return `Dry run: would write one heartbeat row to ${r.target}${r.wouldCreateSchema ? ' (creating the dbops schema)' : ''}; nothing was written.`;
  const gap = r.gapSeconds === undefined ? 'the first one' : `${formatDuration(r.gapSeconds * 1000)} after the previous one`;
  return `${c.green('✔')} Heartbeat ${r.id} written to ${r.target} at ${iso(r.beatAt)} by ${r.writtenBy} (${gap})${r.createdSchema ? '; created the dbops schema' : ''}.`;
}
