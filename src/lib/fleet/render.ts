/** Human rendering of `dbops fleet list`. */
import type { ChalkInstance } from 'chalk';
import { statusColor } from '../instances/render.js';
import { plural, renderTable } from '../output/format.js';
import type { FleetListResult } from './list.js';

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
