/**
 * The one way tests build a dbops Context for calling lib functions and handlers in
 * process: the seeds' defaults (deep-merged with overrides, or a whole config given),
 * output to memory, a clock, an abort controller the test holds, the prompt answering as
 * told (or refusing like cron without --yes), a provider given or created on first use,
 * and `close()` running what the code registered with `onClose` (as the CLI does).
 */
import { DEFAULTS } from '../../src/lib/config/defaults.js';
import type { LoadedConfig } from '../../src/lib/config/load.js';
import type { DbopsConfig } from '../../src/lib/config/schema.js';
import { type Clock, type Context, createPrompter } from '../../src/lib/context.js';
import type { Provider } from '../../src/lib/providers/types.js';
import { testOutput, type TestOutput, type TestOutputOptions } from './output.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** The defaults with `over` merged in, object by object (lists and scalars replace). */
export function mergeConfig(over: DeepPartial<DbopsConfig> = {}, base: DbopsConfig = DEFAULTS): DbopsConfig {
  return merge(base, over);
}

function merge<T>(base: T, over: DeepPartial<T>): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    const nested = v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && cur && typeof cur === 'object';
    out[k] = nested ? merge(cur, v) : v;
  }
  return out as T;
}

export interface TestContextOptions {
  /** A whole config, or overrides of the defaults. */
  config?: DbopsConfig | DeepPartial<DbopsConfig>;
  /** What `loadConfig` found; `{ config, sources: {} }` otherwise. */
  loaded?: LoadedConfig;
  /** The provider, or how to create it on first use (closed by `close()`). */
  provider?: Provider | (() => Promise<Provider>);
  /** A fixed time, or a function; the system clock otherwise. */
  now?: Date | (() => Date);
  env?: Record<string, string | undefined>;
  yes?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  /** What the prompt answers; without it the prompt behaves as on cron (refuses unless --yes). */
  answer?: boolean;
  /** Output options (json, quiet, color, tty...). Colour is off unless asked. */
  output?: TestOutputOptions;
  controller?: AbortController;
  /** A signal of the test's own instead of the controller's. */
  signal?: AbortSignal;
}

export interface TestContext {
  ctx: Context;
  io: TestOutput;
  /** The questions the prompt was asked. */
  asked: string[];
  controller: AbortController;
  /** Runs what was registered with `ctx.onClose`, newest first (the provider's close included). */
  close(): Promise<void>;
}

function isWholeConfig(c: DbopsConfig | DeepPartial<DbopsConfig>): c is DbopsConfig {
  return Object.keys(DEFAULTS).every((k) => k in c);
}

export async function testContext(o: TestContextOptions = {}): Promise<TestContext> {
  const io = await testOutput({ color: false, ...o.output });
  const config = o.config && isWholeConfig(o.config) ? o.config : mergeConfig(o.config);
  const controller = o.controller ?? new AbortController();
  const asked: string[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const fallback = createPrompter(io.out, Boolean(o.yes));
  const now = o.now;
  const clock: Clock = { now: () => (now === undefined ? new Date() : typeof now === 'function' ? now() : new Date(now)) };
  let provider: Promise<Provider> | undefined;
  const given = o.provider;
  const ctx: Context = {
    config,
    loaded: o.loaded ?? { config, sources: {} },
    out: io.out,
    prompt: {
      async confirm(message, opts) {
        asked.push(message);
        if (o.answer !== undefined && !o.yes) return o.answer;
        return fallback.confirm(message, opts);
      },
    },
    clock,
    env: o.env ?? {},
    signal: o.signal ?? controller.signal,
    flags: { yes: Boolean(o.yes), dryRun: Boolean(o.dryRun), verbose: Boolean(o.verbose) },
    provider() {
      if (given === undefined) return Promise.reject(new Error('this test gave the context no provider'));
      provider ??=
        typeof given === 'function'
          ? given().then((p) => {
              closers.push(() => p.close());
              return p;
            })
          : Promise.resolve(given);
      return provider;
    },
    onClose(fn) {
      closers.push(fn);
    },
  };
  return {
    ctx,
    io,
    asked,
    controller,
    async close() {
      for (const fn of closers.splice(0).reverse()) await fn();
    },
  };
}
