/**
 * `dbops migrate status --all`: the migration history of every database of the fleet
 * against the same migrations directory: applied, pending, drift (edited, missing or
 * out-of-order), migrations that stopped half-way. Each database is reached with its own
 * config (its account, region and identifier), `concurrency` at a time. Only reads.
 */
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { assertDirectory } from '../migrate/files.js';
import { migrateStatus, type StatusResult } from '../migrate/migrate.js';
import { migrateSettings } from '../migrate/settings.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

export async function fleetMigrateStatus(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<StatusResult>, 'command'>,
): Promise<FleetRunResult<StatusResult>> {
  // One directory for the whole fleet: a missing one is bad input (exit 2), said once, before any database is listed.
  const { dir } = migrateSettings(ctx.config);
  await assertDirectory(resolve(dir), dir);
  return runOverFleet<StatusResult>(
    ctx,
    request,
    async ({ member, config, ctx: memberCtx }) => {
      const s = migrateSettings(config);
      const result = await migrateStatus(memberCtx, { target: { instanceId: member.id }, dir: s.dir, lockTimeoutMs: s.lockTimeoutMs });
      const bad = result.summary.drift > 0 || result.summary.failed > 0;
      return { verdict: bad ? 'failed' : 'ok', figure: figureOf(result), result };
    },
    { command: 'migrate status', ...options },
  );
}

/** The summary's key figure: applied, pending, drift, failed. Pure. */
export function figureOf(r: Pick<StatusResult, 'summary'>): string {
  const s = r.summary;
  const parts = [`${s.applied} applied`, `${s.pending} pending`];
  if (s.drift > 0) parts.push(`${s.drift} drift`);
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  return parts.join(', ');
}
