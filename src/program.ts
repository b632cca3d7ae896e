/**
 * Builds the commander program from the command list, runs it, and maps every error to
 * an exit code in one place. It loads commander and the command definitions only: the
 * handlers, the AWS SDK, pg, zod and yaml load when a command runs.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { AnyCommand, CommandDef } from './commands/define.js';
import type { ConfigOverrides } from './lib/config/load.js';
import { ExitCode, isDbopsError, messageOf } from './lib/errors.js';
import { packagePath } from './lib/paths.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    ok
  1    checks failed (restore test, audit, policy violations)
  2    usage or config error (bad flag, bad config, unknown id)
  3    environment or cloud error (credentials, binaries, network, AWS)
  4    threshold exceeded (free tier, budget)
  5    internal error (a bug: please report it with --verbose output)
  130  interrupted (cleanup ran)

Environment:
  DBOPS_HOME          local provider state (default ~/.dbops)
  DBOPS_<KEY>         any config key, e.g. DBOPS_REGION, DBOPS_DATABASE__INSTANCE_CLASS
  DBOPS_DB_PASSWORD   database password when not managed by the provider
  NO_COLOR            no colour
  PG_BIN              PostgreSQL server binaries for the local provider
  AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL   the standard AWS settings
`;

/** Global options every command accepts. */
export interface GlobalOptions {
  config?: string;
  provider?: 'aws' | 'local';
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json: boolean;
  yes: boolean;
  verbose: boolean;
  quiet: boolean;
  color: boolean;
  dryRun?: boolean;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Help is wrapped at a fixed width, so `dbops --help` can be served from dist/help.txt. */
export const HELP_WIDTH = 80;

function examplesText(def: AnyCommand): string {
  if (def.examples.length === 0) return '';
  const width = Math.max(...def.examples.map((e) => e.command.length));
  return '\nExamples:\n' + def.examples.map((e) => `  $ ${e.command.padEnd(width)}   # ${e.description}`).join('\n') + '\n';
}

function addCommand(parent: Command, def: AnyCommand, state: RunState): void {
  const cmd = parent.command(def.name, { isDefault: def.isDefault }).summary(def.summary).description(def.description ?? def.summary);
  if (def.subcommands) {
    cmd.addHelpText('after', examplesText(def));
    for (const sub of def.subcommands) addCommand(cmd, sub, state);
    return;
  }
  for (const a of Object.values(def.args ?? {})) cmd.argument(a.syntax, a.description);
  // Commander keeps each value under the flag's attribute name; the handler gets it under its key.
  const attributes: [key: string, attribute: string][] = [];
  for (const [key, o] of Object.entries(def.options ?? {})) {
    const opt = new Option(o.flags, o.description);
    if (o.default !== undefined) opt.default(o.default);
    if (o.choices) opt.choices(o.choices);
    if (o.parse) opt.argParser(o.parse);
    cmd.addOption(opt);
    attributes.push([key, opt.attributeName()]);
  }
  if (def.mutates) cmd.option('--dry-run', 'show what would change, change nothing');
  cmd.addHelpText('after', examplesText(def));
  cmd.action(async (...actionArgs: unknown[]) => {
    const self = actionArgs[actionArgs.length - 1];
    if (!(self instanceof Command)) throw new Error('commander called an action without its command');
    const held = self.opts();
    const options = attributes.map(([key, attribute]): [string, unknown] => [key, held[attribute]]);
    const input = typedInput(def, actionArgs.slice(0, -2), options);
    state.code = await runHandler(def, input, self.optsWithGlobals(), configOverrides(def, options), state);
  });
}

/** The flags that override config keys (opt.overrides), for the config layer. */
function configOverrides(def: CommandDef, options: [key: string, held: unknown][]): ConfigOverrides {
  const overrides: ConfigOverrides = { values: {}, names: {} };
  for (const [key, held] of options) {
    const o = def.options?.[key];
    if (o?.config === undefined || held === undefined) continue;
    overrides.values[o.config] = held;
    overrides.names[o.config] = o.flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? o.flags;
  }
  return overrides;
}

/** The handler's input: every argument and option turned into its typed value by its definition. */
function typedInput(def: CommandDef, held: unknown[], options: [key: string, held: unknown][]): { args: Record<string, unknown>; opts: Record<string, unknown> } {
  const args = Object.fromEntries(Object.entries(def.args ?? {}).map(([key, a], i) => [key, a.value(held[i])]));
  const opts: Record<string, unknown> = {};
  for (const [key, value] of options) {
    const o = def.options?.[key];
    if (o && o.config === undefined) opts[key] = o.value(value);
  }
  return { args, opts };
}

interface RunState {
  code: number;
  controller: AbortController;
  /** Set when the handler has started: errors are then rendered by the context's output. */
  jsonMode: boolean;
  resultWritten: boolean;
}

export function buildProgram(state: RunState): Command {
  const program = new Command('dbops')
    .description(
      'dbops: the operations CLI for a small AWS database estate: RDS PostgreSQL with pgvector, its ElastiCache cache, alarms, budget and proven-restorable backups.',
    )
    .version(version(), '-V, --version', 'print the dbops version')
    .option('--config <file>', 'config file (default: dbops.config.yaml, searched upward)')
    .addOption(new Option('--provider <name>', 'provider').choices(['aws', 'local']))
    .option('--region <region>', 'AWS region (local: region namespace)')
    .option('--profile <name>', 'AWS profile')
    .option('--endpoint-url <url>', 'AWS endpoint override (LocalStack and friends)')
    .option('--json', 'print one JSON document on stdout, nothing else', false)
    .option('-y, --yes', 'confirm destructive actions without asking', false)
    .option('--verbose', 'more detail, stack traces on errors', false)
    .option('-q, --quiet', 'silent when all is well (for cron): the result only when the exit code is not 0; errors and warnings always', false)
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false, helpWidth: HELP_WIDTH })
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: () => undefined,
    });
  program.helpCommand(false);
  for (const def of COMMANDS) addCommand(program, def, state);
  program
    .command('help [command...]')
    .summary('show help for a command, with examples')
    .description('Show help for a command or subcommand, e.g. `dbops help migrate up`.')
    .action((names: string[]) => {
      let cmd: Command = program;
      for (const name of names) {
        const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) throw new CommanderError(ExitCode.usage, 'commander.unknownCommand', `unknown command '${names.join(' ')}'`);
        cmd = sub;
      }
      cmd.outputHelp();
    });
  return program;
}

async function runHandler(
  def: CommandDef,
  input: { args: Record<string, unknown>; opts: Record<string, unknown> },
  globals: GlobalOptions,
  overrides: ConfigOverrides,
  state: RunState,
): Promise<number> {
  state.jsonMode = Boolean(globals.json);
  const { createContext } = await import('./lib/create-context.js');
  let ctx: Awaited<ReturnType<typeof createContext>>;
  try {
    ctx = await createContext(globals, state.controller.signal, {}, { configOptional: Boolean(def.configOptional), overrides });
  } catch (e) {
    return await reportError(e, globals, false);
  }
  try {
    const handler = await def.load();
    if (handler.def !== def) throw new Error(`the command ${def.name} loaded the handler of another command`);
    const code = (await handler.run(ctx.context, input)) ?? ExitCode.ok;
    ctx.settle(code);
    return code;
  } catch (e) {
    const code = isDbopsError(e) ? e.exitCode : ExitCode.internal;
    ctx.settle(code);
    return await reportError(e, globals, ctx.resultWritten());
  } finally {
    await ctx.close();
  }
}

/** Writes an error as one sentence + hint (stack with --verbose); returns its exit code. */
async function reportError(e: unknown, opts: Partial<GlobalOptions>, resultWritten: boolean): Promise<number> {
  const { redact } = await import('./lib/secret.js');
  const err = isDbopsError(e) ? e : undefined;
  // A bug is an internal error whether or not a runbook met it (InternalError) first.
  const known = err !== undefined && err.code !== 'internal';
  const code = err ? err.exitCode : ExitCode.internal;
  const message = known ? err.message : `Internal error: ${messageOf(e)}`;
  const hint = known ? err.hint : 'This is a bug in dbops. Rerun with --verbose and report the output.';
  const stepId = err?.step;
  const step = stepId ? ` [step ${stepId}]` : '';
  process.stderr.write(redact(`error${step}: ${message}\n`));
  if (hint) process.stderr.write(redact(`hint: ${hint}\n`));
  if (opts.verbose && e instanceof Error && e.stack) process.stderr.write(redact(`${e.stack}\n`));
  if (opts.verbose && e instanceof Error && e.cause instanceof Error) process.stderr.write(redact(`cause: ${e.cause.stack ?? e.cause.message}\n`));
  if (opts.json && !resultWritten) {
    const doc = {
      ok: false,
      error: { code: err?.code ?? 'internal', message, hint, step: err?.step, exitCode: code },
      report: err?.report,
    };
    process.stdout.write(redact(JSON.stringify(doc, null, 2)) + '\n');
  }
  return code;
}

function installSignalHandlers(state: RunState): void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\n${signal}: stopping and cleaning up (press Ctrl-C again to quit at once)…\n`);
      state.controller.abort(signal);
      return;
    }
    process.stderr.write('Quitting without cleanup; `dbops gc` finds what was left.\n');
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function run(argv: string[]): Promise<void> {
  // dbops pins SDK versions that support Node 20; the SDK's notice about future versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const state: RunState = { code: 0, controller: new AbortController(), jsonMode: false, resultWritten: false };
  // `dbops ... | head`: a closed pipe is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(state.code);
    throw e;
  });
  installSignalHandlers(state);
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv);
    if (state.controller.signal.aborted && state.code === ExitCode.ok) state.code = ExitCode.interrupted;
  } catch (e) {
    state.code = handleParseError(e, argv);
  }
  process.exitCode = state.code;
}

/** Commander's own errors: help and version are exit 0; the rest is a usage error (exit 2). */
function handleParseError(e: unknown, argv: string[]): number {
  if (isDbopsError(e)) {
    // A value the definition parses (a number, a duration): its own sentence and hint.
    process.stderr.write(`error: ${e.message}\n`);
    process.stderr.write(`hint: ${e.hint ?? `run \`dbops help${commandWord(argv)}\` for the commands, options and examples.`}\n`);
    return e.exitCode;
  }
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
    const message = e.message.replace(/^error: /, '');
    const sentence = message.charAt(0).toUpperCase() + message.slice(1);
    process.stderr.write(`error: ${sentence.endsWith('.') || sentence.endsWith(')') ? sentence : sentence + '.'}\n`);
    process.stderr.write(`hint: run \`dbops help${commandWord(argv)}\` for the commands, options and examples.\n`);
    return ExitCode.usage;
  }
  process.stderr.write(`error: Internal error: ${messageOf(e)}\nhint: This is a bug in dbops. Rerun with --verbose and report the output.\n`);
  if (argv.includes('--verbose') && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return ExitCode.internal;
}

/** " snapshot" when the command line names a dbops command, else "". */
function commandWord(argv: string[]): string {
  const words = argv.slice(2).filter((w) => !w.startsWith('-'));
  return words.length > 0 && COMMANDS.some((c) => c.name === words[0]) ? ` ${words[0]}` : '';
}
