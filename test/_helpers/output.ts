/**
 * An Output over in-memory streams, for unit tests of anything that reports: the text
 * written to stdout and stderr is captured, and each stream can pretend to be a TTY.
 */
import { Writable } from 'node:stream';
import { createOutput, type Output, type OutputOptions } from '../../src/lib/output/output.js';

/** A writable stream that keeps everything written to it; `isTTY` as asked. */
export interface MemoryStream extends Writable {
  isTTY?: boolean;
  /** Everything written so far, as text. */
  text(): string;
}

export function memoryStream(opts: { isTTY?: boolean } = {}): MemoryStream {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  }) as MemoryStream;
  stream.isTTY = opts.isTTY ?? false;
  // Spinner libraries look for these on TTY streams.
  if (stream.isTTY) Object.assign(stream, { columns: 80, rows: 24, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  stream.text = () => chunks.join('');
  return stream;
}

export interface TestOutputOptions extends Partial<Omit<OutputOptions, 'stdout' | 'stderr'>> {
  /** Both streams are TTYs (default false). */
  tty?: boolean;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
}

export interface TestOutput {
  out: Output;
  stdoutStream: MemoryStream;
  stderrStream: MemoryStream;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** stderr split into lines, without the trailing empty one. */
  stderrLines(): string[];
}

/** Builds an Output (json/quiet/verbose off, colour on, not CI, not a TTY unless asked). */
export async function testOutput(opts: TestOutputOptions = {}): Promise<TestOutput> {
  const stdoutStream = memoryStream({ isTTY: opts.stdoutTTY ?? opts.tty ?? false });
  const stderrStream = memoryStream({ isTTY: opts.stderrTTY ?? opts.tty ?? false });
  const out = await createOutput({
    json: opts.json ?? false,
    quiet: opts.quiet ?? false,
    verbose: opts.verbose ?? false,
    color: opts.color ?? true,
    ci: opts.ci ?? false,
    stdout: stdoutStream,
    stderr: stderrStream,
  });
  return {
    out,
    stdoutStream,
    stderrStream,
    stdout: () => stdoutStream.text(),
    stderr: () => stderrStream.text(),
    stderrLines: () =>
      stderrStream
        .text()
        .split('\n')
        .filter((l, i, all) => !(i === all.length - 1 && l === '')),
  };
}
