/**
 * A dbops Context for the snapshot lib functions, without a CLI (the shared test context):
 * the config is the seeds' defaults (overridable) for the given provider's name and region,
 * output goes to memory, the clock is fixed unless a function is given, and the prompt
 * answers as told (or refuses like a non-TTY without --yes when no answer is given).
 */
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import type { Context } from '../../../src/lib/context.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { type DeepPartial, testContext } from '../../_helpers/context.js';
import type { TestOutput } from '../../_helpers/output.js';

export interface SnapshotTestContext {
  ctx: Context;
  io: TestOutput;
  /** The questions the prompt was asked. */
  asked: string[];
}

export interface ContextOptions {
  provider: Provider;
  config?: DeepPartial<DbopsConfig>;
  /** A fixed time, or a function (e.g. () => new Date() for flows against FakeRds' real clock). */
  now?: Date | (() => Date);
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** What the prompt answers; without it the prompt behaves as on cron (refuses unless --yes). */
  answer?: boolean;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export async function snapshotContext(o: ContextOptions): Promise<SnapshotTestContext> {
  const t = await testContext({
    config: { provider: o.provider.name, region: o.provider.region, ...o.config },
    provider: o.provider,
    now: o.now ?? new Date('2026-11-22T05:00:00Z'),
    yes: o.yes,
    dryRun: o.dryRun,
    output: { json: o.json ?? false },
    ...(o.answer !== undefined ? { answer: o.answer } : {}),
    env: o.env ?? {},
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { ctx: t.ctx, io: t.io, asked: t.asked };
}
