/**
 * A dbops Context for in-process restore-test runs (the shared test context): a given
 * config and provider, output to memory, a clock, an abort controller the test holds, and
 * DBOPS_HOME for the history.
 */
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import type { Clock, Context } from '../../../src/lib/context.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { mergeConfig, testContext } from '../../_helpers/context.js';
import type { TestOutput } from '../../_helpers/output.js';

export interface RestoreTestContext {
  ctx: Context;
  output: TestOutput;
  controller: AbortController;
}

/** A merge of config overrides onto the defaults. */
export function config(overrides: { [K in keyof DbopsConfig]?: Partial<DbopsConfig[K]> } = {}): DbopsConfig {
  return mergeConfig(overrides);
}

export async function restoreTestContext(opts: {
  config: DbopsConfig;
  provider: Provider;
  home: string;
  clock?: Clock;
  dryRun?: boolean;
  env?: Record<string, string>;
}): Promise<RestoreTestContext> {
  const t = await testContext({
    config: opts.config,
    provider: opts.provider,
    ...(opts.clock ? { now: () => opts.clock!.now() } : {}),
    env: { DBOPS_HOME: opts.home, ...opts.env },
    dryRun: opts.dryRun ?? false,
    answer: true,
  });
  return { ctx: t.ctx, output: t.io, controller: t.controller };
}
