/**
 * A dbops Context for in-process restore-test runs: a given config and provider, output
 * to memory, a clock, an abort controller the test holds, and DBOPS_HOME for the history.
 */
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import type { Clock, Context } from '../../../src/lib/context.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { testOutput, type TestOutput } from '../../_helpers/output.js';

export interface RestoreTestContext {
  ctx: Context;
  output: TestOutput;
  controller: AbortController;
}

/** A deep-ish merge of config overrides onto the defaults (one level of sections). */
export function config(overrides: { [K in keyof DbopsConfig]?: Partial<DbopsConfig[K]> } = {}): DbopsConfig {
  const out = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    const base = out[k];
    out[k] = typeof base === 'object' && base !== null && !Array.isArray(base) && typeof v === 'object' ? { ...base, ...v } : v;
  }
  return out as unknown as DbopsConfig;
}

export async function restoreTestContext(opts: {
  config: DbopsConfig;
  provider: Provider;
  home: string;
  clock?: Clock;
  dryRun?: boolean;
  env?: Record<string, string>;
}): Promise<RestoreTestContext> {
  const output = await testOutput({ color: false });
  const controller = new AbortController();
  const ctx: Context = {
    config: opts.config,
    loaded: { config: opts.config, sources: {} },
    out: output.out,
    prompt: { confirm: async () => true },
    clock: opts.clock ?? { now: () => new Date() },
    env: { DBOPS_HOME: opts.home, ...opts.env },
    signal: controller.signal,
    flags: { yes: false, dryRun: opts.dryRun ?? false, verbose: false },
    provider: async () => opts.provider,
    onClose: () => undefined,
  };
  return { ctx, output, controller };
}
