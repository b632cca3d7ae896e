/**
 * How a dbops command is defined. Every command is two files beside this one:
 *
 *   src/commands/<command>.ts      the definition: name, help text, typed options and
 *                                  arguments, examples, and a lazy `load` of its handler
 *   src/commands/<command>.run.ts  the handler(s): map the typed input to one lib call and
 *                                  render the result; loaded only when the command runs
 *
 * and one line in src/commands/index.ts. The option list is the source of the handler's
 * argument type: `handler(def, (ctx, { args, opts }) => ...)` gets `opts.instance` as
 * `string | undefined`, `opts.k` as `number`, `opts.distance` as `'cosine' | 'l2' | 'ip' |
 * undefined`; renaming an option in the definition breaks every handler that reads the
 * old name at compile time. Values are parsed once, here, when commander reads the command
 * line: a bad number, duration or size is a usage error (exit 2) before anything runs.
 */
import type { DbopsConfig } from '../lib/config/schema.js';
import type { Context } from '../lib/context.js';
import { parseDuration } from '../lib/duration.js';
import { UsageError } from '../lib/errors.js';
import { parseMemory } from '../lib/vector/units.js';

/** One option: what commander needs for parsing and help, and how its value is typed. */
export interface OptionDef<T = unknown> {
  /** Commander flags, e.g. "--type <type>" or "-k, --keep". */
  readonly flags: string;
  readonly description: string;
  /** Used when the option is absent, and shown in help. */
  readonly default?: string | number | boolean;
  readonly choices?: readonly string[];
  /** Turns the text after the flag into its value; throws a UsageError on a bad one. */
  readonly parse?: (text: string, previous?: unknown) => unknown;
  /** What commander holds for the option (parsed value, default or nothing) → the handler's value. */
  readonly value: (held: unknown) => T;
  /**
   * The config key this flag overrides (`opt.overrides`): its value goes to the config
   * layer (defaults < file < env < flags), the handler reads `ctx.config`, not the flag.
   */
  readonly config?: ConfigPath;
}

/** A dotted path to one value of the config: 'vector.maintenanceWorkMem'. */
export type ConfigPath = PathsOf<DbopsConfig>;
type PathsOf<T> = {
  [K in keyof T & string]: NonNullable<T[K]> extends readonly unknown[]
    ? K
    : NonNullable<T[K]> extends object
      ? `${K}.${PathsOf<NonNullable<T[K]>>}`
      : K;
}[keyof T & string];

/** One positional argument, typed from its commander syntax. */
export interface ArgDef<T = unknown> {
  /** Commander syntax: "<id>", "[id]", "[args...]". */
  readonly syntax: string;
  readonly description: string;
  readonly value: (held: unknown) => T;
}

export interface Example {
  command: string;
  description: string;
}

/**
 * A command's examples written as `dbops help <command>` shows them, one per line:
 *
 *   examples: examples(`
 *     $ dbops snapshot list --json   # every snapshot as JSON
 *   `)
 */
export function examples(text: string): Example[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const m = /^\$ (.+?)\s+# (.+)$/.exec(line);
      if (!m) throw new Error(`An example reads "$ <command>   # <what it shows>", not: ${line}`);
      return { command: m[1]!, description: m[2]! };
    });
}

export type Options = Readonly<Record<string, OptionDef>>;
export type Args = Readonly<Record<string, ArgDef>>;

/** The typed options a handler receives (a flag that overrides a config key is read from ctx.config). */
export type OptsOf<O> = {
  [K in keyof O as O[K] extends { readonly config: string } ? never : K]: O[K] extends OptionDef<infer T> ? T : never;
};
/** The typed arguments a handler receives. */
export type ArgsOf<A> = { [K in keyof A]: A[K] extends ArgDef<infer T> ? T : never };

interface Meta {
  name: string;
  summary: string;
  /** Longer text for `dbops help <command>`. */
  description?: string;
  /**
   * What --all / --select do (docs/fleet.md): `dbops help <command>` shows it as the last
   * paragraph, after the command's own description.
   */
  fleet?: string;
  examples: Example[];
  /** Changes something: gets --dry-run. */
  mutates?: boolean;
  /**
   * The runbook it follows (runbooks/<name>.md: its steps), or whose sections answer its
   * findings; `dbops help <command>` names it. A command without one is read-only, or in
   * the list of runbooks/README.md (test/unit/commands/runbooks.test.ts checks both).
   */
  runbook?: string;
  /** The subcommand run when none is named (e.g. `instances` = `instances list`). */
  isDefault?: boolean;
  /**
   * The command works without a valid config (e.g. `init`, which writes one): an invalid
   * file is reported as a warning and the defaults are used.
   */
  configOptional?: boolean;
  /**
   * false: the command does not start the configured database's due automated backup on its
   * first use of the provider (it stops, deletes, fails over or backs up the instance
   * itself). Every other command does (src/lib/backups/due.ts).
   */
  dueBackup?: false;
}

/** A command that runs: its handler is behind `load`, so --help imports no handler. */
export interface CommandDef<O extends Options = Options, A extends Args = Args> extends Meta {
  options?: O;
  args?: A;
  load: () => Lazy;
  subcommands?: undefined;
}

/** A command made of subcommands (`dbops snapshot create|list|...`). */
export interface GroupDef extends Meta {
  subcommands: AnyCommand[];
  options?: undefined;
  args?: undefined;
  load?: undefined;
}

export type AnyCommand = CommandDef<Options, Args> | GroupDef;

/** What a handler receives besides the context. */
export type InputOf<D> = D extends CommandDef<infer O, infer A> ? { args: ArgsOf<A>; opts: OptsOf<O> } : never;

/** A handler bound to its definition (the program checks that `load` returned the right one). */
export interface Handler<D = AnyCommand> {
  readonly def: D;
  /** Returns the exit code when it is not 0 without being an error (checks failed, threshold). */
  run(ctx: Context, input: InputOf<D>): Promise<ExitOrNothing>;
}

/**
 * The return type of every `load`. Written out on each definition —
 * `load: (): Lazy => import('./x.run.js').then((m) => m.x)` — because the handler's type
 * comes from the definition, and TypeScript would otherwise go round in a circle.
 */
export type Lazy = Promise<LoadedHandler>;

/** A handler as the program sees it: any handler fits (its input is checked where it is defined). */
/** What a handler returns: nothing (exit 0) or the exit code when it is not 0 without being an error. */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler with no return has type Promise<void>; only a number changes the exit code
type ExitOrNothing = number | void;

export interface LoadedHandler {
  readonly def: unknown;
  run(ctx: Context, input: { args: Record<string, unknown>; opts: Record<string, unknown> }): Promise<ExitOrNothing>;
}

/** A command that runs. `options` and `args` may be left out. */
// biome-ignore lint/complexity/noBannedTypes: {} is the option and argument list of a command that declares none
export function defineCommand<const O extends Options = {}, const A extends Args = {}>(
  def: Meta & { options?: O; args?: A; load: () => Lazy },
): CommandDef<O, A> {
  return def;
}

/** A command made of subcommands. */
export function defineGroup(def: Meta & { subcommands: AnyCommand[] }): GroupDef {
  return def;
}

/** The handler of `def`: `opts` and `args` are typed from the definition. */
export function handler<D extends CommandDef<Options, Args>>(
  def: D,
  run: (ctx: Context, input: InputOf<D>) => Promise<ExitOrNothing>,
): Handler<D> {
  return { def, run };
}

// ---------------------------------------------------------------------------------------
// Option builders

const flagName = (flags: string): string => flags.split(/[ ,|]+/).find((f) => f.startsWith('--')) ?? flags;
const text = (held: unknown): string | undefined => (typeof held === 'string' ? held : undefined);
const number = (held: unknown): number | undefined => (typeof held === 'number' ? held : undefined);

function numberParser(flags: string, kind: 'int' | 'float', range: { min?: number; max?: number }) {
  const flag = flagName(flags);
  return (v: string): number => {
    const n = kind === 'int' ? Number.parseInt(v, 10) : Number.parseFloat(v);
    if (!Number.isFinite(n) || (kind === 'int' && String(n) !== v.trim())) {
      throw new UsageError(`${flag} expects a ${kind === 'int' ? 'whole number' : 'number'}, got "${v}".`);
    }
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      const bounds =
        range.max === undefined
          ? `of at least ${range.min}`
          : range.min === undefined
            ? `of at most ${range.max}`
            : `from ${range.min} to ${range.max}`;
      throw new UsageError(`${flag} must be a ${kind === 'int' ? 'whole number' : 'number'} ${bounds}, got ${v}.`);
    }
    return n;
  };
}

interface NumberOpts {
  min?: number;
  max?: number;
}

function string(flags: string, description: string): OptionDef<string | undefined>;
function string(flags: string, description: string, o: { default: string }): OptionDef<string>;
function string(flags: string, description: string, o: { default?: string } = {}): OptionDef<string | undefined> {
  return { flags, description, default: o.default, value: (held) => text(held) ?? o.default };
}

/** A text value the command cannot do without: missing, it is a usage error with this sentence and hint. */
function requiredString(flags: string, description: string, missing: { message: string; hint?: string }): OptionDef<string> {
  return {
    flags,
    description,
    value: (held) => {
      if (typeof held === 'string') return held;
      throw new UsageError(missing.message, { hint: missing.hint });
    },
  };
}

function int(flags: string, description: string, o?: NumberOpts): OptionDef<number | undefined>;
function int(flags: string, description: string, o: NumberOpts & { default: number }): OptionDef<number>;
function int(flags: string, description: string, o: NumberOpts & { default?: number } = {}): OptionDef<number | undefined> {
  return { flags, description, default: o.default, parse: numberParser(flags, 'int', o), value: (held) => number(held) ?? o.default };
}

function float(flags: string, description: string, o?: NumberOpts): OptionDef<number | undefined>;
function float(flags: string, description: string, o: NumberOpts & { default: number }): OptionDef<number>;
function float(flags: string, description: string, o: NumberOpts & { default?: number } = {}): OptionDef<number | undefined> {
  return { flags, description, default: o.default, parse: numberParser(flags, 'float', o), value: (held) => number(held) ?? o.default };
}

function choice<const C extends readonly string[]>(flags: string, description: string, choices: C): OptionDef<C[number] | undefined>;
function choice<const C extends readonly string[]>(
  flags: string,
  description: string,
  choices: C,
  o: { default: C[number] },
): OptionDef<C[number]>;
function choice<const C extends readonly string[]>(
  flags: string,
  description: string,
  choices: C,
  o: { default?: C[number] } = {},
): OptionDef<C[number] | undefined> {
  const pick = (held: unknown): C[number] | undefined => choices.find((c) => c === held);
  return { flags, description, default: o.default, choices, value: (held) => pick(held) ?? o.default };
}

/**
 * Options shared by several commands are written once and spread into each definition;
 * `withDescription` gives a shared option another help line.
 */
function withDescription<T>(o: OptionDef<T>, description: string): OptionDef<T> {
  return { ...o, description };
}

export const opt = {
  /** A text value: `--instance <id>`. */
  string,
  requiredString,
  /** A switch: true when given. `--no-x` is a switch too (true when --no-x is given). */
  flag(flags: string, description: string): OptionDef<boolean> {
    const negated = flagName(flags).startsWith('--no-');
    return { flags, description, value: (held) => (negated ? held === false : held === true) };
  },
  /** A text value that may be given several times: `--participant a --participant b` → ['a', 'b']. */
  list(flags: string, description: string): OptionDef<string[]> {
    return {
      flags,
      description,
      parse: (v, previous) => [...(Array.isArray(previous) ? previous : []), v],
      value: (held) => (Array.isArray(held) ? held.filter((h): h is string => typeof h === 'string') : []),
    };
  },
  /** A whole number, checked against min/max. */
  int,
  /** A number, checked against min/max. */
  float,
  /** One of a fixed list; commander rejects anything else. */
  choice,
  /** A duration ("10s", "500ms", "2min", "0"), as milliseconds. */
  duration(flags: string, description: string, o: { positive?: boolean } = {}): OptionDef<number | undefined> {
    const flag = flagName(flags);
    return { flags, description, parse: (v) => parseDuration(v, flag, o), value: number };
  },
  /** A PostgreSQL memory size ("256MB", "1GB", "1GiB"), as PostgreSQL text ("1GB"). */
  size(flags: string, description: string): OptionDef<string | undefined> {
    const flag = flagName(flags);
    return { flags, description, parse: (v) => memorySetting(parseMemory(v, flag)), value: text };
  },
  /**
   * The flag sets a config key for this run: `opt.overrides('vector.parallelWorkers',
   * opt.int('--parallel-workers <n>', ...))`. Merged by the config layer (flags win over
   * env, file and defaults) and validated with the rest of the config; `dbops config show`
   * would name the flag as the source. The option must have no default of its own.
   */
  overrides<T>(config: ConfigPath, o: OptionDef<T>): OptionDef<T> & { readonly config: ConfigPath } {
    if (o.default !== undefined) throw new Error(`${o.flags} overrides ${config}: the config holds its default`);
    return { ...o, config };
  },
  /** A value parsed by a lib function (which throws a UsageError on bad input). */
  parsed<T>(
    flags: string,
    description: string,
    parse: (text: string, flag: string) => T,
    isValue: (held: unknown) => held is T,
  ): OptionDef<T | undefined> {
    const flag = flagName(flags);
    return { flags, description, parse: (v) => parse(v, flag), value: (held) => (isValue(held) ? held : undefined) };
  },
  withDescription,
};

/** The text for a memory setting: PostgreSQL's units, never bare bytes (the config accepts kB..TB). */
function memorySetting(m: { bytes: number; text: string }): string {
  return /\d(kB|MB|GB|TB)$/.test(m.text) ? m.text : `${Math.ceil(m.bytes / 1024)}kB`;
}

// ---------------------------------------------------------------------------------------
// Argument builders

/**
 * A positional argument, typed from its syntax: `<x>` → string, `[x]` → string | undefined,
 * `<x...>` / `[x...]` → string[] (empty when none is given).
 */
export function arg(syntax: `<${string}...>` | `[${string}...]`, description: string): ArgDef<string[]>;
export function arg(syntax: `<${string}>`, description: string): ArgDef<string>;
export function arg(syntax: `[${string}]`, description: string): ArgDef<string | undefined>;
export function arg(syntax: string, description: string): ArgDef<string | string[] | undefined> {
  const variadic = syntax.includes('...');
  const required = syntax.startsWith('<');
  const value = (held: unknown): string | string[] | undefined => {
    if (variadic) return Array.isArray(held) ? held.filter((h): h is string => typeof h === 'string') : [];
    if (typeof held === 'string') return held;
    if (required) throw new UsageError(`missing required argument ${syntax}.`);
    return undefined;
  };
  return { syntax, description, value };
}
