/**
 * The reporter. `result()` is the only thing that writes to stdout: with --json one JSON
 * document, otherwise the rendered text. Everything else (progress, notes, warnings)
 * goes to stderr. Colour and spinners only on a TTY, never with NO_COLOR or --no-color,
 * spinners never under CI. All text passes through `redact()` first.
 */
import type { ChalkInstance } from 'chalk';
import { redact } from '../secret.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** true under CI=true: no spinners even on a TTY. */
  ci: boolean;
}

/** A unit of progress: a spinner on a TTY, start/end lines otherwise. */
export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  /** Ends the progress without a final line. */
  stop(): void;
}

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Styling functions; identity functions when colour is off. */
  readonly c: ChalkInstance;
  /** The command's result: JSON document with --json, else `render(value)`. */
  result<T>(value: T, render: (value: T, c: ChalkInstance) => string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  progress(text: string): Progress;
  /** Whether spinners and prompts may be used. */
  readonly interactive: boolean;
}

export async function createOutput(opts: OutputOptions): Promise<Output> {
  const { Chalk } = await import('chalk');
  const stderrTTY = Boolean(opts.stderr.isTTY);
  const c = new Chalk({ level: opts.color && stderrTTY ? 1 : 0 });
  // NO_COLOR and --no-color also mean no spinner: ora moves the cursor with ANSI escapes.
  // A terminal that reports no width (a pty without a size) gets plain lines too: ora
  // would divide by it and never finish clearing.
  const width = (opts.stderr as { columns?: number }).columns ?? 0;
  const spinners = stderrTTY && width > 0 && opts.color && !opts.ci && !opts.quiet;
  const err = (line: string) => opts.stderr.write(redact(line) + '\n');

  return {
    json: opts.json,
    quiet: opts.quiet,
    verbose: opts.verbose,
    c,
    interactive: stderrTTY && Boolean((process.stdin as { isTTY?: boolean }).isTTY) && !opts.ci,
    result(value, render) {
      if (opts.json) {
        opts.stdout.write(redact(JSON.stringify(value, jsonReplacer, 2)) + '\n');
        return;
      }
      // stdout rendering uses colour only when stdout itself is a TTY.
      const outC = new Chalk({ level: opts.color && opts.stdout.isTTY ? 1 : 0 });
      const text = render(value, outC);
      if (text.length > 0) opts.stdout.write(redact(text.endsWith('\n') ? text : text + '\n'));
    },
    info(message) {
      if (!opts.quiet) err(message);
    },
    success(message) {
      if (!opts.quiet) err(`${c.green('✔')} ${message}`);
    },
    warn(message) {
      err(`${c.yellow('warning:')} ${message}`);
    },
    error(message) {
      err(`${c.red('error:')} ${message}`);
    },
    debug(message) {
      if (opts.verbose) err(c.dim(message));
    },
    progress(text) {
      if (spinners) return spinnerProgress(text, opts.stderr);
      return lineProgress(text, opts.quiet ? () => undefined : err);
    },
  };
}

/** Dates as ISO strings, bigint as strings, Secret objects redacted by their toJSON. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return redact(value); // before JSON escaping, so a secret with " or \ is still found
  return value;
}

function lineProgress(text: string, write: (line: string) => void): Progress {
  let current = text;
  let done = false;
  write(`… ${current}`);
  return {
    update(t) {
      // Without a TTY, progress updates are not worth a line each; the end line says it.
      current = t;
    },
    succeed(t) {
      if (done) return;
      done = true;
      write(`✔ ${t ?? current}`);
    },
    fail(t) {
      if (done) return;
      done = true;
      write(`✖ ${t ?? current}`);
    },
    stop() {
      done = true;
    },
  };
}

function spinnerProgress(text: string, stream: NodeJS.WritableStream): Progress {
  // ora is loaded on first use only; until it arrives the text is kept.
  let spinner: { text: string; succeed(t?: string): void; fail(t?: string): void; stop(): void } | undefined;
  let pending: { kind: 'text' | 'succeed' | 'fail' | 'stop'; text?: string }[] = [];
  void import('ora').then(({ default: ora }) => {
    spinner = ora({ text: redact(text), stream: stream as NodeJS.WriteStream, discardStdin: false }).start();
    for (const p of pending) apply(p.kind, p.text);
    pending = [];
  });
  const apply = (kind: 'text' | 'succeed' | 'fail' | 'stop', t?: string) => {
    if (!spinner) {
      pending.push({ kind, text: t });
      return;
    }
    const safe = t === undefined ? undefined : redact(t);
    if (kind === 'text') spinner.text = safe ?? spinner.text;
    else if (kind === 'succeed') spinner.succeed(safe);
    else if (kind === 'fail') spinner.fail(safe);
    else spinner.stop();
  };
  return {
    update: (t) => apply('text', t),
    succeed: (t) => apply('succeed', t),
    fail: (t) => apply('fail', t),
    stop: () => apply('stop'),
  };
}
