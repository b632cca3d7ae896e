/**
 * `dbops audit --all`: the audit (runbooks/audit.md) of every database of the fleet, each
 * with its own config (its overrides, region and identifier) through its account's
 * provider in its region. Only the database is audited per member (its instance, its
 * security groups, the region's alarms, pgvector); the config's cache is the config's
 * deployment's. An audit only reads: nothing is created, changed or deleted.
 */
import { type AuditResult, connectAndProbe, type ExtensionProbe, runAudit } from '../audit/audit.js';
import type { Context } from '../context.js';
import { plural } from '../output/format.js';
import { provisionDeps } from '../provision/deps.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

export async function fleetAudit(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<AuditResult>, 'command'>,
  probe: ExtensionProbe = connectAndProbe,
): Promise<FleetRunResult<AuditResult>> {
  return runOverFleet<AuditResult>(
    ctx,
    request,
    async ({ member, ctx: memberCtx }) => {
      const deps = await provisionDeps(memberCtx);
      const result = await runAudit(deps, probe, { instanceId: member.id, withoutCache: true });
      return { verdict: result.counts.high > 0 ? 'failed' : 'ok', figure: figureOf(result), result };
    },
    { command: 'audit', ...options },
  );
}

/** The summary's key figure: the findings, by severity. Pure. */
export function figureOf(r: Pick<AuditResult, 'counts' | 'findings'>): string {
  if (r.findings.length === 0) return 'no findings';
  const by = (['high', 'medium', 'low', 'info'] as const).filter((s) => r.counts[s] > 0).map((s) => `${r.counts[s]} ${s}`);
  return `${plural(r.findings.length, 'finding')} (${by.join(', ')})`;
}
