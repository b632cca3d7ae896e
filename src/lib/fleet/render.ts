/** Human rendering of `dbops fleet list`. */
import { dirname } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { statusColor } from '../instances/render.js';
import { plural, renderTable } from '../output/format.js';
import type { FleetListResult } from './list.js';
import type { FleetRow, FleetRunResult, Verdict } from './run.js';

export function renderFleetList(r: FleetListResult, c: ChalkInstance): string {
  const lines: string[] = [];
  const scope = `${r.provider === 'local' ? 'local' : `${plural(r.accounts.length, 'account')} (${r.accounts.join(', ')})`} × ${plural(r.regions.length, 'region')} (${r.regions.join(', ')})`;
  lines.push(`Fleet: ${plural(r.databases.length, 'database')} in ${scope}; ${plural(r.listings, 'listing')}.`);
  if (r.databases.length > 0) {
    lines.push(
      '',
      renderTable(
        [
          ...(r.provider === 'aws' ? [{ header: 'ACCOUNT', value: (d: FleetListResult['databases'][number]) => d.account }] : []),
          { header: 'REGION', value: (d: FleetListResult['databases'][number]) => d.region },
          { header: 'DATABASE', value: (d) => d.id },
          { header: 'ENGINE', value: (d) => `${d.engine} ${d.engineVersion}` },
          { header: 'STATUS', value: (d) => statusColor(d.status, c) },
          { header: 'DBOPS', value: (d) => (d.managed ? 'managed' : c.dim('read-only')) },
          { header: 'WHY', value: (d) => `${d.reasons.join('; ')}${d.overrides ? ' (with overrides)' : ''}` },
        ],
        r.databases,
      ),
    );
    if (r.databases.some((d) => !d.managed)) {
      lines.push(
        '',
        c.dim('read-only: not tagged dbops:managed=true; audit, backup status, restore-test and dr-drill read it, nothing changes it.'),
      );
    }
  }
  for (const p of r.problems) {
    lines.push('', c.red(`✖ ${p.account} / ${p.region}: ${p.message}`), ...(p.hint ? [`  hint: ${p.hint}`] : []));
  }
  for (const n of r.notes) lines.push('', c.dim(`note: ${n}`));
  return lines.join('\n');
}

const VERDICT: Record<Verdict, (c: ChalkInstance, s: string) => string> = {
  ok: (c, s) => c.green(s),
  failed: (c, s) => c.red(s),
  error: (c, s) => c.red(s),
  interrupted: (c, s) => c.yellow(s),
  skipped: (c, s) => c.dim(s),
};

/** The one summary table of a fleet-wide command, then what went wrong and the verdict. */
export function renderFleetRun(r: FleetRunResult<unknown>, c: ChalkInstance): string {
  const what = r.unit === 'database' ? 'database' : r.unit === 'account' ? 'account' : 'account region';
  const lines: string[] = [`${r.command} over ${plural(r.rows.length, what)} (${r.regions.join(', ')})`, ''];
  if (r.rows.length > 0) {
    lines.push(
      renderTable(
        [
          ...(r.provider === 'aws' || r.unit === 'account' ? [{ header: 'ACCOUNT', value: (x: FleetRow<unknown>) => x.account }] : []),
          { header: 'REGION', value: (x: FleetRow<unknown>) => x.region },
          ...(r.unit === 'database' ? [{ header: 'DATABASE', value: (x: FleetRow<unknown>) => x.id }] : []),
          { header: 'VERDICT', value: (x) => VERDICT[x.verdict](c, x.verdict) },
          { header: 'KEY FIGURE', value: (x) => x.figure },
        ],
        r.rows,
      ),
    );
  }
  for (const row of r.rows.filter((x) => x.error)) {
    const who = r.unit === 'database' ? `${row.id} (${row.region})` : r.unit === 'account' ? row.account : `${row.account} / ${row.region}`;
    lines.push('', c.red(`✖ ${who}: ${row.error!.message}`), ...(row.error!.hint ? [`  hint: ${row.error!.hint}`] : []));
  }
  for (const p of r.problems) lines.push('', c.red(`✖ ${p.account} / ${p.region}: ${p.message}`), ...(p.hint ? [`  hint: ${p.hint}`] : []));
  const reports = r.rows.filter((x) => x.reportFile).length;
  if (reports > 0)
    lines.push(
      '',
      `Each database's full report: ${plural(reports, 'file')} under ${dirname(r.rows.find((x) => x.reportFile)!.reportFile!)}.`,
    );
  if (r.awsCalls) {
    const ops = Object.entries(r.awsCalls.byOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    lines.push('', `AWS calls: ${r.awsCalls.total} (${ops}).`);
  }
  lines.push('', `${r.exitCode === 0 ? c.green('✔') : c.red('✖')} ${r.verdict}`);
  return lines.join('\n');
}
