/** `dbops fleet list`: what a selection resolves to, per account and region, and why each database is in it. */
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { fleetProviders } from './discover.js';
import { type FleetRequest, type FleetSelection, selectFleet } from './select.js';

export interface FleetListResult {
  provider: FleetSelection['provider'];
  accounts: string[];
  regions: string[];
  listings: number;
  databases: {
    account: string;
    accountId?: string;
    region: string;
    id: string;
    engine: string;
    engineVersion: string;
    status: string;
    managed: boolean;
    reasons: string[];
    overrides?: Record<string, unknown>;
  }[];
  problems: FleetSelection['problems'];
  notes: string[];
  /** 0, or 3 when an account, region or named database could not be listed. */
  exitCode: number;
}

export async function fleetList(ctx: Context, request: FleetRequest): Promise<FleetListResult> {
  const { discover } = fleetProviders(ctx);
  const sel = await selectFleet(ctx.config, request, discover, { concurrency: ctx.config.fleet?.concurrency });
  return {
    provider: sel.provider,
    accounts: sel.accounts.map((a) => a.label),
    regions: sel.regions,
    listings: sel.listings,
    databases: sel.members.map((m) => ({
      account: m.account.label,
      ...(m.account.id ? { accountId: m.account.id } : {}),
      region: m.region,
      id: m.id,
      engine: m.instance.engine,
      engineVersion: m.instance.engineVersion,
      status: m.instance.status,
      managed: m.managed,
      reasons: m.reasons,
      ...(m.overrides ? { overrides: m.overrides } : {}),
    })),
    problems: sel.problems,
    notes: sel.notes,
    exitCode: sel.problems.length > 0 ? ExitCode.environment : ExitCode.ok,
  };
}
