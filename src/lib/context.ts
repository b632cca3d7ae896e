/**
 * The one context injected into every handler and lib function that needs the outside
 * world: `{ config, provider, out, prompt, clock, env, signal }`. Nothing deeper reads
 * process.env or creates an SDK client on its own.
 */
import type { LoadedConfig } from './config/load.js';
import type { DbopsConfig } from './config/schema.js';
import { UsageError } from './errors.js';
import type { Output } from './output/output.js';
import type { Provider } from './providers/types.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Prompter {
  /**
   * Asks before a destructive action. Returns true with --yes; asks on a TTY; refuses
   * (UsageError, exit 2) without a TTY, so cron never guesses.
   */
  confirm(message: string, opts?: { default?: boolean }): Promise<boolean>;
}

export interface Context {
  config: DbopsConfig;
  loaded: LoadedConfig;
  out: Output;
  prompt: Prompter;
  clock: Clock;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM; long waits and runbooks watch it. */
  signal: AbortSignal;
  /** Global flags that are not config: --yes, --dry-run. */
  flags: { yes: boolean; dryRun: boolean; verbose: boolean };
  /** The provider, created on first use (loads the AWS SDK only then). */
  provider(): Promise<Provider>;
  /** Registers a resource release run when the command ends. */
  onClose(fn: () => Promise<void> | void): void;
}

export function createPrompter(out: Output, yes: boolean): Prompter {
  return {
    async confirm(message, opts = {}) {
      if (yes) return true;
      if (!out.interactive) {
        throw new UsageError(`Refusing without confirmation: ${message}`, {
          hint: 'Run it on a terminal to be asked, or pass --yes to confirm (--dry-run shows what it would do).',
        });
      }
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: opts.default ?? false }, { output: process.stderr });
    },
  };
}
