/**
 * A command is a definition listed once (src/commands/index.ts). The definition holds
 * everything --help needs; the handler is behind `load`, so --help imports no handler,
 * no SDK and no database driver.
 */
import type { Context } from '../lib/context.js';

export interface OptionDef {
  /** Commander flags, e.g. "--type <type>" or "-k, --keep". */
  flags: string;
  description: string;
  default?: string | boolean | number;
  choices?: readonly string[];
  /** Parse the value as a number (integers when 'int'). */
  parse?: 'int' | 'float';
}

export interface ArgDef {
  /** Commander syntax: "<id>", "[id]", "[args...]". */
  syntax: string;
  description: string;
}

export interface Example {
  command: string;
  description: string;
}

export interface CommandInput {
  args: (string | string[] | undefined)[];
  opts: Record<string, unknown>;
}

export interface CommandModule {
  /** Returns the exit code when it is not 0 without being an error (checks failed, threshold). */
  run(ctx: Context, input: CommandInput): Promise<number | void>;
}

export interface CommandDef {
  name: string;
  summary: string;
  /** Longer text for `dbops help <command>`. */
  description?: string;
  args?: ArgDef[];
  options?: OptionDef[];
  examples: Example[];
  /** Changes something: gets --dry-run. */
  mutates?: boolean;
  /** The subcommand run when none is named (e.g. `instances` = `instances list`). */
  isDefault?: boolean;
  /**
   * The command works without a valid config (e.g. `init`, which writes one): an invalid
   * file is reported as a warning and the defaults are used.
   */
  configOptional?: boolean;
  subcommands?: CommandDef[];
  load?: () => Promise<CommandModule>;
}
