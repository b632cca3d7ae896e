/** Human rendering of an audit. Pure. */
import type { ChalkInstance } from 'chalk';
import type { AuditResult } from './audit.js';
import type { Severity } from './findings.js';
import { seeAnchor } from '../runbook/findings.js';

function colour(c: ChalkInstance, s: Severity): (t: string) => string {
  return s === 'high' ? c.red : s === 'medium' ? c.yellow : c.dim;
}

export function renderAudit(r: AuditResult, c: ChalkInstance): string {
  const head = `Audit of ${r.database}${r.cache ? ` and ${r.cache}` : ''} (${r.provider} ${r.region}):`;
  const lines = r.findings.flatMap((f) => [
    colour(c, f.severity)(`  ${f.severity.toUpperCase().padEnd(6)} ${f.resource}: ${f.message}`),
    `         fix: ${f.fix} ${seeAnchor(f.runbook)}`,
  ]);
  const total = r.findings.filter((f) => f.severity !== 'info').length;
  const summary =
    total === 0
      ? 'No risky settings found.'
      : `${r.counts.high} high, ${r.counts.medium} medium, ${r.counts.low} low${r.counts.high > 0 ? ' — exit 1' : ''}.`;
  const na = r.notApplicable.length > 0 ? ['', 'Not checked here:', ...r.notApplicable.map((n) => c.dim(`  · ${n}`))] : [];
  return [head, ...lines, '', summary, ...na].join('\n');
}
