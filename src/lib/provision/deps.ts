/**
 * What plan / apply / destroy / audit need from the outside world: the Context's parts
 * plus the provisioning port. Commands build it from the Context (`provisionDeps`);
 * tests build it around a fake.
 */
import type { DbopsConfig } from '../config/schema.js';
import type { Clock, Context, Prompter } from '../context.js';
import type { Output } from '../output/output.js';
import type { PoolerApi } from '../providers/failover-types.js';
import type { ProvisionProvider } from '../providers/provision-types.js';
import { provisionSettings, type ProvisionSettings } from './settings.js';

export interface ProvisionDeps {
  config: DbopsConfig;
  settings: ProvisionSettings;
  pp: ProvisionProvider;
  out: Output;
  clock: Clock;
  signal: AbortSignal;
  prompt: Prompter;
  dryRun: boolean;
  /** Ceiling for each wait (aws.maxWaitMinutes). */
  maxWaitSeconds: number;
  /** The connection layer (connectionPool), built on first use. */
  pooler?: () => Promise<PoolerApi | undefined>;
}

/** The provisioning port for the context's provider; closed when the command ends. */
export async function provisionDeps(ctx: Context, overrides: Partial<ProvisionSettings> = {}): Promise<ProvisionDeps> {
  const { createProvisionProvider } = await import('../providers/provision.js');
  const base = await ctx.provider();
  const pp = await createProvisionProvider(ctx.config, ctx.env, base);
  ctx.onClose(() => pp.close());
  return {
    config: ctx.config,
    settings: provisionSettings(ctx.config, overrides),
    pp,
    out: ctx.out,
    clock: ctx.clock,
    signal: ctx.signal,
    prompt: ctx.prompt,
    dryRun: ctx.flags.dryRun,
    maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
    pooler: async () => {
      const { createFailoverProvider } = await import('../providers/failover.js');
      return (await createFailoverProvider(ctx.config, ctx.env, base)).pooler;
    },
  };
}
