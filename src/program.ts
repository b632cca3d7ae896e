/**
 * Builds the commander program from the command list, runs it, and maps every error to
 * an exit code in one place. It loads commander and the command definitions only: the
 * handlers, the AWS SDK, pg, zod and yaml load when a command runs.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { AnyCommand, CommandDef } from './commands/define.js';
import type { ConfigOverrides } from './lib/config/load.js';
import { runEmergency } from './lib/emergency.js';
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
  129  hang-up: SIGHUP, the terminal or SSH session went away (cleanup ran)
  130  interrupted: Ctrl-C or SIGTERM (cleanup ran)

Environment:
  DBOPS_HOME          local provider state (default ~/.dbops)
  DBOPS_<KEY>         any config key, e.g. DBOPS_REGION, DBOPS_DATABASE__INSTANCE_CLASS
  DBOPS_DB_PASSWORD   database password when not managed by the provider
  NO_COLOR            no colour
  PG_BIN              PostgreSQL server binaries for the local provider
  MARIADB_BIN         MariaDB binaries (mariadbd, mariadb-install-db, mariadb-backup) for local mysql instances
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

/** `Runbook: runbooks/x.md (dbops runbook x)`: where the command's steps, or its findings, are explained. */
function runbookText(def: AnyCommand): string {
  if (!def.runbook) return '';
  return `\nRunbook: runbooks/${def.runbook}.md (print it: dbops runbook ${def.runbook})\n`;
}

function addCommand(parent: Command, def: AnyCommand, state: RunState): void {
  const cmd = parent
    .command(def.name, { isDefault: def.isDefault })
    .summary(def.summary)
    .description([def.description ?? def.summary, def.fleet].filter(Boolean).join('\n\n'));
  if (def.subcommands) {
    cmd.addHelpText('after', examplesText(def) + runbookText(def));
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
  cmd.addHelpText('after', examplesText(def) + runbookText(def));
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
function typedInput(
  def: CommandDef,
  held: unknown[],
  options: [key: string, held: unknown][],
): { args: Record<string, unknown>; opts: Record<string, unknown> } {
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
      'dbops: the operations CLI for a small AWS database estate: RDS PostgreSQL with pgvector, RDS MySQL and Aurora Serverless v2, their ElastiCache or Valkey cache, alarms, budget and proven-restorable backups, one database or a fleet.',
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
    .option(
      '-q, --quiet',
      'silent when all is well (for cron): the result only when the exit code is not 0; errors and warnings always',
      false,
    )
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
    ctx = await createContext(
      globals,
      state.controller.signal,
      {},
      { configOptional: Boolean(def.configOptional), overrides, dueBackup: def.dueBackup !== false },
    );
  } catch (e) {
    return await reportError(e, globals, false);
  }
  const signal = state.controller.signal;
  try {
    const handler = await def.load();
    if (handler.def !== def) throw new Error(`the command ${def.name} loaded the handler of another command`);
    let code = (await handler.run(ctx.context, input)) ?? ExitCode.ok;
    code = reportDamagedState(ctx.damagedState(), code);
    if (signal.aborted && code === ExitCode.ok) {
      if (ctx.resultWritten()) {
        // The work was done before the signal could stop it: its result is the truth.
        process.stderr.write(`${String(signal.reason)} arrived after the work was done; the result stands.\n`);
      } else {
        code = exitCodeOfSignal(signal);
      }
    }
    ctx.settle(code);
    return code;
  } catch (e) {
    let code: number = isDbopsError(e) ? e.exitCode : ExitCode.internal;
    if (code === ExitCode.interrupted && signal.aborted) code = exitCodeOfSignal(signal);
    reportDamagedState(ctx.damagedState(), code);
    ctx.settle(code);
    await reportError(e, globals, ctx.resultWritten());
    return code;
  } finally {
    await ctx.close();
  }
}

/**
 * Damaged state files met while listing: the healthy ones were shown; each bad one is
 * reported by path and reason with its repair hint, and the run exits 3 (unless it
 * already fails with another code).
 */
function reportDamagedState(damaged: { message: string; hint?: string }[], code: number): number {
  for (const d of damaged) {
    safeWrite(process.stderr, `error: ${d.message}\n`);
    if (d.hint) safeWrite(process.stderr, `hint: ${d.hint}\n`);
  }
  return damaged.length > 0 && code === ExitCode.ok ? ExitCode.environment : code;
}

function exitCodeOfSignal(signal: AbortSignal): number {
  return signal.reason === 'SIGHUP' ? ExitCode.hangup : ExitCode.interrupted;
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
  // The --json document first: the one-line error and hint are then the last lines of a run's
  // log (a scheduled run's alarm message quotes its last lines, src/lib/schedule/asl.ts).
  if (opts.json && !resultWritten) {
    const doc = {
      ok: false,
      error: { code: err?.code ?? 'internal', message, hint, step: err?.step, exitCode: code },
      report: err?.report,
    };
    process.stdout.write(redact(JSON.stringify(doc, null, 2)) + '\n');
  }
  process.stderr.write(redact(`error${step}: ${message}\n`));
  if (hint) process.stderr.write(redact(`hint: ${hint}\n`));
  if (opts.verbose && e instanceof Error && e.stack) process.stderr.write(redact(`${e.stack}\n`));
  if (opts.verbose && e instanceof Error && e.cause instanceof Error)
    process.stderr.write(redact(`cause: ${e.cause.stack ?? e.cause.message}\n`));
  return code;
}

/**
 * SIGINT, SIGTERM and SIGHUP (the SSH session dropped) abort the run: the cleanup stack
 * unwinds and dbops exits 130 (129 for SIGHUP). A second signal quits at once, without the
 * cleanup stack, but still kills the child processes and half-made servers it started
 * (emergency.ts); `dbops gc` removes what is left on disk.
 */
function installSignalHandlers(state: RunState): void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      safeWrite(process.stderr, `\n${signal}: stopping and cleaning up (press Ctrl-C again to quit at once)…\n`);
      state.controller.abort(signal);
      return;
    }
    runEmergency();
    safeWrite(process.stderr, 'Quitting without cleanup (the processes dbops started were killed); `dbops gc` finds what was left.\n');
    process.exit(signal === 'SIGHUP' ? ExitCode.hangup : ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

function safeWrite(stream: NodeJS.WriteStream, text: string): void {
  if (stream.destroyed || !stream.writable) return;
  try {
    stream.write(text);
  } catch {
    // The stream is gone; the exit code still tells.
  }
}

/**
 * `dbops ... | head`, `2>&1 >/dev/null | head`: a closed stdout or stderr is not a reason
 * to stop. dbops stops writing to that stream and finishes the run: cleanup, history,
 * the run's exit code.
 */
function survivePipeErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || e.code === 'ECONNRESET') return;
      throw e;
    });
  }
}

export async function run(argv: string[]): Promise<void> {
  // dbops pins SDK versions that support Node 20; the SDK's notice about future versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const state: RunState = { code: 0, controller: new AbortController(), jsonMode: false, resultWritten: false };
  // A fleet run (--concurrency up to 64) waits on the run's signal for every database in flight (SDK waiters, quota
  // queues): more than Node's 10 listeners is expected there, not a leak, so no MaxListenersExceededWarning on stderr.
  setMaxListeners(1000, state.controller.signal);
  survivePipeErrors();
  installSignalHandlers(state);
  // A promise that never settles would let Node exit 0 with the work undone: never.
  let finished = false;
  process.on('beforeExit', () => {
    if (finished) return;
    finished = true;
    safeWrite(
      process.stderr,
      'error: Internal error: dbops stopped before its work was done (an operation never finished).\nhint: This is a bug in dbops. Rerun with --verbose and report the output.\n',
    );
    process.exitCode = ExitCode.internal;
  });
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    state.code = handleParseError(e, argv);
  }
  finished = true;
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
  process.stderr.write(
    `error: Internal error: ${messageOf(e)}\nhint: This is a bug in dbops. Rerun with --verbose and report the output.\n`,
  );
  if (argv.includes('--verbose') && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return ExitCode.internal;
}

/** " snapshot" when the command line names a dbops command, else "". */
function commandWord(argv: string[]): string {
  const words = argv.slice(2).filter((w) => !w.startsWith('-'));
  return words.length > 0 && COMMANDS.some((c) => c.name === words[0]) ? ` ${words[0]}` : '';
}
