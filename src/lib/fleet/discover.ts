/**
 * How a fleet run reaches each account and region: the run's own provider for the current
 * credentials, and one provider per other account (its role assumed once, its clients
 * shared by every region), closed when the command ends.
 */
import type { Context } from '../context.js';
import { createProvider } from '../providers/index.js';
import type { Provider } from '../providers/types.js';
import type { Discover, FleetAccount } from './select.js';

export interface FleetProviders {
  /** The provider of one account and region. */
  providerFor(account: FleetAccount, region: string): Promise<Provider>;
  discover: Discover;
}

export function fleetProviders(ctx: Context): FleetProviders {
  const byAccount = new Map<string, Promise<Provider>>();
  const base = (account: FleetAccount): Promise<Provider> => {
    const role = account.role;
    if (!role) return ctx.provider();
    const known = byAccount.get(role.roleArn);
    if (known) return known;
    const created = createProvider(ctx.config, ctx.env, { signal: ctx.signal }, role);
    byAccount.set(role.roleArn, created);
    ctx.onClose(async () => (await created).close());
    return created;
  };
  const providerFor = async (account: FleetAccount, region: string): Promise<Provider> => {
    const p = await base(account);
    return p.region === region ? p : p.forRegion(region);
  };
  return { providerFor, discover: async (account, region) => (await providerFor(account, region)).listInstances() };
}
