/**
 * Turns the global flags into the injected Context. Loaded only when a command runs.
 */
import { type ConfigOverrides, type LoadedConfig, loadConfig } from './config/load.js';
import { ConfigError } from './errors.js';
import { type Context, createPrompter, systemClock } from './context.js';
import { createOutput, type Output } from './output/output.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/types.js';

/** A state file the provider could not trust: where, why, and how to repair it. */
export interface DamagedState {
  path: string;
  reason: string;
  hint?: string;
  message: string;
}

export interface ContextFlags {
  config?: string;
  provider?: 'aws' | 'local';
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
  dryRun?: boolean;
}

export interface CreatedContext {
  context: Context;
  /** Whether the command already printed its result (so an error is not a second JSON document). */
  resultWritten(): boolean;
  /** Damaged state files the provider skipped while listing (reported after the result, exit 3). */
  damagedState(): DamagedState[];
  /**
   * --quiet (without --json) holds the result back: printed only when the exit code is not
   * 0, so a cron line is silent while all is well and mails the report when it is not.
   */
  settle(exitCode: number): void;
  close(): Promise<void>;
}

export interface ContextIO {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function createContext(
  flags: ContextFlags,
  signal: AbortSignal,
  io: ContextIO = {},
  opts: {
    configOptional?: boolean;
    /** A command's flags that override config keys (opt.overrides). */
    overrides?: ConfigOverrides;
    /** Start the configured database's due automated backup on the provider's first use (src/lib/backups/due.ts). */
    dueBackup?: boolean;
  } = {},
): Promise<CreatedContext> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const baseOut = await createOutput({
    json: Boolean(flags.json),
    quiet: Boolean(flags.quiet),
    verbose: Boolean(flags.verbose),
    color: flags.color !== false && !noColor,
    stdout,
    stderr,
    ci: env.CI === 'true' || env.CI === '1',
  });
  let written = false;
  let held: (() => void) | undefined;
  const holdResult = Boolean(flags.quiet) && !flags.json;
  const out: Output = Object.assign(Object.create(baseOut) as Output, {
    result<T>(value: T, render: Parameters<Output['result']>[1]) {
      written = true;
      if (holdResult) held = () => baseOut.result(value, render as never);
      else baseOut.result(value, render as never);
    },
  });

  const configInput = {
    cwd: io.cwd ?? process.cwd(),
    explicitPath: flags.config,
    env,
    flags: {
      provider: flags.provider,
      region: flags.region,
      profile: flags.profile,
      endpointUrl: flags.endpointUrl,
      ...opts.overrides?.values,
    },
    flagNames: opts.overrides?.names,
  };
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(configInput);
  } catch (e) {
    if (!opts.configOptional || !(e instanceof ConfigError)) throw e;
    // A command that writes the config must not be stopped by the broken one it replaces.
    baseOut.warn(`ignoring the current config: ${e.message}`);
    // Flags and DBOPS_* variables still count (init writes them), unless they are the problem.
    try {
      loaded = loadConfig({ ...configInput, explicitPath: undefined, cwd: '/' });
    } catch {
      loaded = loadConfig({ ...configInput, explicitPath: undefined, cwd: '/', env: {} });
    }
  }

  const closers: (() => Promise<void> | void)[] = [];
  const damaged: DamagedState[] = [];
  let provider: Promise<Provider> | undefined;
  const context: Context = {
    config: loaded.config,
    loaded,
    out,
    prompt: createPrompter(out, Boolean(flags.yes)),
    clock: systemClock,
    env,
    signal,
    flags: { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun), verbose: Boolean(flags.verbose) },
    provider() {
      provider ??= createProvider(loaded.config, env, { signal, onDamagedState: (p) => damaged.push(p) }).then(async (p) => {
        closers.push(() => p.close());
        if (opts.dueBackup) {
          const { startDueBackup } = await import('./backups/due.js');
          await startDueBackup(context, p);
        }
        return p;
      });
      return provider;
    },
    onClose(fn) {
      closers.push(fn);
    },
  };
  return {
    context,
    resultWritten: () => written,
    damagedState: () => {
      const seen = new Set<string>();
      return damaged.filter((d) => !seen.has(d.path) && seen.add(d.path));
    },
    settle(exitCode) {
      if (exitCode !== 0) held?.();
      held = undefined;
    },
    async close() {
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch {
          // Closing is best effort; the command's own outcome stands.
        }
      }
    },
  };
}
