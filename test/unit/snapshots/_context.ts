/**
 * A dbops Context for the snapshot lib functions, without a CLI: the config is the seeds'
 * defaults (overridable), the provider is the one given (aws over FakeRds, or local),
 * output goes to memory, the clock is fixed unless a function is given, and the prompt
 * answers as told (or refuses like a non-TTY without --yes when no answer is given).
 */
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { type Context, createPrompter } from '../../../src/lib/context.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { testOutput, type TestOutput } from '../../_helpers/output.js';

export interface SnapshotTestContext {
  ctx: Context;
  io: TestOutput;
  /** The questions the prompt was asked. */
  asked: string[];
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (!over) return structuredClone(base);
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? merge(cur, v as never) : v;
  }
  return out as T;
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
  const io = await testOutput({ json: o.json ?? false, color: false });
  const config = merge(DEFAULTS, { provider: o.provider.name, region: o.provider.region, ...o.config } as DeepPartial<DbopsConfig>);
  const asked: string[] = [];
  const base = createPrompter(io.out, Boolean(o.yes));
  const now = o.now ?? new Date('2026-11-22T05:00:00Z');
  const ctx: Context = {
    config,
    loaded: { config, sources: {} },
    out: io.out,
    prompt: {
      async confirm(message, opts) {
        asked.push(message);
        if (o.answer !== undefined && !o.yes) return o.answer;
        return base.confirm(message, opts);
      },
    },
    clock: { now: () => (typeof now === 'function' ? now() : new Date(now)) },
    env: o.env ?? {},
    signal: o.signal ?? new AbortController().signal,
    flags: { yes: Boolean(o.yes), dryRun: Boolean(o.dryRun), verbose: false },
    provider: async () => o.provider,
    onClose: () => undefined,
  };
  return { ctx, io, asked };
}
