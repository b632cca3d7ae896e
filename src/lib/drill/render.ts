/**
 * The drill record for people: the terminal (verdict, objectives, findings first) and
 * Markdown for the audit file. Both are views of the sealed JSON record.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../output/format.js';
import { describeBackup } from '../restore/backup.js';
import type { VerifyResult } from './evidence.js';
import type { DrillHistoryLine } from './history.js';
import { terminalDrillChart } from './history.js';
import type { DrillBackup, DrillRecord } from './types.js';
import { sourceEngine } from '../restore/render.js';

function secs(s: number | undefined): string {
  return s === undefined ? 'not measured' : formatDuration(s * 1000);
}

function headline(r: DrillRecord): string {
  const what = `DR drill (${r.scenario}) of ${r.environment.sourceInstanceId} in ${r.environment.recoveryRegion}`;
  const v = { passed: 'PASSED', failed: 'FAILED', error: 'COULD NOT RUN', interrupted: 'INTERRUPTED', 'dry-run': 'DRY RUN' }[r.verdict];
  return `${v}  ${what}${r.verdict === 'error' && r.error ? `: ${r.error.message}` : ''}`;
}

function objectiveLines(r: DrillRecord): string[] {
  const rto =
    r.rto.seconds === undefined
      ? `RTO not reached (target ${r.rto.targetHours} h)`
      : `RTO ${secs(r.rto.seconds)} against ${r.rto.targetHours} h: ${r.rto.withinTarget ? 'met' : 'MISSED'}${r.rto.recovered ? '' : ' (the recovery did not pass every check)'}`;
  const rpo =
    r.rpo.seconds === undefined
      ? `RPO not measured (target ${r.rpo.targetHours} h)`
      : `RPO ${secs(r.rpo.seconds)} against ${r.rpo.targetHours} h: ${r.rpo.withinTarget ? 'met' : 'MISSED'} (newest data ${r.rpo.newestData}, from the ${r.rpo.basis})`;
  const covers = r.rto.covers === 'automated-only' ? ['the RTO covers the automated part only: the manual steps were not exercised'] : [];
  return [rto, rpo, ...covers];
}

/** The terminal rendering. */
/** Which source the region scenario used (DR-2): replicated automated backups, or the newest copy. */
function sourceNote(b: DrillBackup): string {
  if (b.source === 'replicated-automated-backups') return ' (replicated automated backups, preferred over the newest copy)';
  if (b.source === 'newest-copy') return ' (the newest copy: no replicated automated backups there)';
  return '';
}

export function renderDrillHuman(r: DrillRecord, c: ChalkInstance): string {
  const colour = r.verdict === 'passed' ? c.green.bold : r.verdict === 'dry-run' ? c.cyan.bold : c.red.bold;
  const out = [
    colour(headline(r)),
    `drill ${r.drillId} · T0 ${r.t0} (${r.t0Source}) · ${r.environment.provider} ${r.environment.primaryRegion} -> ${r.environment.recoveryRegion} · ${r.runbook.file}`,
  ];
  if (r.environment.backup)
    out.push(
      `recovered from ${describeBackup(r.environment.backup, new Date(r.t0))} in ${r.environment.backup.region}${sourceNote(r.environment.backup)}`,
    );
  out.push('', ...objectiveLines(r));
  if (r.phases.length > 0) out.push(`phases: ${r.phases.map((p) => `${p.name} ${secs(p.seconds)}`).join(', ')}`);
  if (r.findings.length > 0) {
    out.push('', 'Findings:');
    for (const f of r.findings)
      out.push(`  ${f.kind === 'not-exercised' ? c.yellow('!') : c.red('✖')} [${f.step}] ${f.message}`, `      fix: ${f.remedy}`);
  }
  if (r.checks.length > 0) {
    out.push('', 'Checks:');
    for (const ch of r.checks)
      out.push(
        `  ${ch.status === 'passed' ? c.green('✔') : ch.status === 'failed' ? c.red('✖') : ch.status === 'warning' ? c.yellow('!') : c.dim('–')} ${ch.step} ${ch.title}: ${ch.summary}`,
      );
  }
  out.push('', 'Steps:');
  for (const s of r.steps)
    out.push(
      `  ${s.id.padEnd(6)}${s.title} · ${s.status}${s.durationMs !== undefined ? ` ${formatDuration(s.durationMs)}` : ''}${s.outcome ? ` (${s.outcome}${s.note ? `: ${s.note}` : ''})` : s.status === 'skipped' && s.detail ? ` (${s.detail})` : ''}`,
    );
  if (r.recovery?.kept)
    out.push(
      '',
      `kept: ${r.recovery.instanceId} in ${r.recovery.region}`,
      `  connect: ${r.recovery.connectCommand}`,
      `  remove:  ${r.recovery.removeCommand}`,
      `  it expires at ${r.recovery.expiresAt}; after that \`dbops gc --region ${r.recovery.region}\` removes it`,
    );
  for (const x of r.cleanup.filter((x) => x.status === 'failed')) out.push(c.red(`cleanup failed: ${x.label}: ${x.error ?? ''}`));
  out.push(
    '',
    `record sha256 ${r.integrity.recordSha256}${r.written?.history ? ` · history ${r.written.history}` : ''}${r.written?.report ? ` · report ${r.written.report}` : ''}`,
  );
  return out.join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown record for the audit file. */
export function renderDrillMarkdown(r: DrillRecord): string {
  const e = r.environment;
  const lines = [
    `# DR drill ${r.drillId}: ${r.verdict.toUpperCase()}`,
    '',
    `- Scenario: **${r.scenario}**`,
    `- T0 (disaster instant): ${r.t0} (${r.t0Source === 'detected-at' ? 'detected at, --detected-at' : 'the start of the drill'})`,
    `- Started: ${r.startedAt}; finished: ${r.finishedAt}`,
    `- Environment: ${e.account}; primary region ${e.primaryRegion}, recovery region ${e.recoveryRegion}${e.drRegion ? `, DR region ${e.drRegion}` : ''}`,
    `- Source: \`${e.sourceInstanceId}\`${e.sourceEngineVersion ? `, ${sourceEngine({ engine: e.sourceEngine, engineVersion: e.sourceEngineVersion, engineLabel: e.sourceEngineLabel })}` : ''}`,
    ...(e.backup ? [`- Backup: ${describeBackup(e.backup, new Date(r.t0))} in ${e.backup.region}${sourceNote(e.backup)}`] : []),
    ...(e.recoveryInstanceId
      ? [
          `- Recovery: \`${e.recoveryInstanceId}\`${e.recoveryEngineVersion ? `, ${e.recoveryProduct ?? 'PostgreSQL'} ${e.recoveryEngineVersion}${e.sourceEngineLabel ? ` (${e.sourceEngineLabel})` : ''}` : ''}${r.recovery ? `, ${r.recovery.kept ? 'kept' : r.recovery.deleted ? 'deleted' : '**not deleted**'}` : ''}`,
        ]
      : []),
    ...(e.replicaInstanceId ? [`- Throwaway replica: \`${e.replicaInstanceId}\``] : []),
    `- Participants: ${r.participants.length ? r.participants.join(', ') : 'none named'}`,
    `- Runbook: \`${r.runbook.file}\` sha256 \`${r.runbook.sha256}\``,
    ...(r.error
      ? [
          '',
          `**${r.verdict === 'interrupted' ? 'Interrupted' : 'Stopped'}${r.error.step ? ` at ${r.error.step}` : ''}:** ${r.error.message}`,
        ]
      : []),
    '',
    '## Recovery objectives',
    '',
    '| Objective | Target | Actual | Result |',
    '|---|---|---|---|',
    `| RTO (T0 → accepting writes, every check passed) | ${r.rto.targetHours} h | ${secs(r.rto.seconds)} | ${r.rto.withinTarget === undefined ? '-' : r.rto.withinTarget ? 'met' : '**missed**'} |`,
    `| RPO (T0 − newest data, ${r.rpo.basis ?? '-'}) | ${r.rpo.targetHours} h | ${secs(r.rpo.seconds)} | ${r.rpo.withinTarget === undefined ? '-' : r.rpo.withinTarget ? 'met' : '**missed**'} |`,
    '',
    r.rto.covers === 'automated-only'
      ? 'The manual steps were not exercised: the RTO covers the automated part only.'
      : 'The manual steps were exercised and timed: the RTO includes them.',
    '',
    '### RTO phases',
    '',
    '| Phase | Steps | Duration |',
    '|---|---|---|',
    ...r.phases.map((p) => `| ${p.name} | ${p.steps.join(', ')} | ${secs(p.seconds)} |`),
    '',
    '## Findings',
    '',
    ...(r.findings.length === 0
      ? ['None.']
      : ['| Step | Finding | Remedy |', '|---|---|---|', ...r.findings.map((f) => `| ${f.step} | ${md(f.message)} | ${md(f.remedy)} |`)]),
    '',
    '## Steps',
    '',
    '| Step | Title | Status | Started | Duration | Detail |',
    '|---|---|---|---|---|---|',
    ...r.steps.map(
      (s) =>
        `| ${s.id} | ${md(s.title)}${s.manual ? ' (manual)' : ''} | ${s.status}${s.outcome ? `: ${s.outcome}` : ''} | ${s.startedAt ?? ''} | ${s.durationMs === undefined ? '' : formatDuration(s.durationMs)} | ${md(s.note ?? s.detail ?? '')} |`,
    ),
    '',
    '## Checks',
    '',
    '| Step | Check | Result | Summary | Evidence sha256 |',
    '|---|---|---|---|---|',
    ...r.checks.map((ch) => `| ${ch.step} | ${md(ch.title)} | ${ch.status} | ${md(ch.summary)} | \`${ch.evidenceSha256.slice(0, 16)}…\` |`),
  ];
  for (const ch of r.checks)
    lines.push(
      '',
      `### ${ch.step} ${ch.title}: ${ch.status}`,
      '',
      ...ch.evidence.map((x) => `- ${x}`),
      '',
      `Evidence sha256: \`${ch.evidenceSha256}\``,
    );
  if (r.failover)
    lines.push(
      '',
      '## Failover on the throwaway copy',
      '',
      `- Promoted: \`${r.failover.promoted}\``,
      `- Probe: ${r.failover.probeWrites ?? '-'} writes, ${r.failover.probeLost ?? '-'} lost, ${r.failover.unavailableSeconds ?? '-'} s without a writable primary`,
      `- Production untouched (system identifier and timeline unchanged): ${r.failover.productionUntouched ? 'yes' : '**no**'}`,
    );
  lines.push(
    '',
    '## Compliance mapping',
    '',
    '| Framework | Control | Requirement | Where in this record |',
    '|---|---|---|---|',
    ...r.compliance.map((x) => `| ${x.framework} | ${x.control} | ${md(x.requirement)} | ${md(x.evidence)} |`),
  );
  lines.push(
    '',
    '## Integrity',
    '',
    `Record sha256: \`${r.integrity.recordSha256}\` (canonical JSON of the record; check it with \`dbops dr-drill verify <record.json>\`).`,
    '',
  );
  return lines.join('\n');
}

export function renderVerifyHuman(v: VerifyResult, c: ChalkInstance): string {
  const head = v.ok
    ? c.green.bold(`VERIFIED  ${v.file}: drill ${v.drillId} (${v.verdict}), record and ${v.checks.length} evidence hashes match`)
    : c.red.bold(`ALTERED  ${v.file}: drill ${v.drillId}`);
  return [head, ...v.problems.map((p) => `  ✖ ${p}`), `record sha256 ${v.recordSha256.stored}`].join('\n');
}

export function renderHistoryHuman(drills: DrillHistoryLine[]): string {
  if (drills.length === 0) return 'No DR drill recorded yet: run `dbops dr-drill` (quarterly; recovery.drillEveryDays).';
  const rows = drills.map(
    (d) =>
      `${d.startedAt.slice(0, 19)}Z  ${d.drillId.padEnd(10)} ${d.scenario.padEnd(8)} ${d.verdict.padEnd(11)} RTO ${secs(d.rtoSeconds).padEnd(12)} RPO ${secs(d.rpoSeconds).padEnd(12)} targets ${d.rtoTargetHours} h / ${d.rpoTargetHours} h`,
  );
  return [...rows, '', terminalDrillChart(drills)].join('\n');
}
