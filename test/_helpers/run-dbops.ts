/**
 * Runs bin/dbops as a process, as a user or cron would: no TTY, a clean environment
 * (no inherited DBOPS_* or AWS_* variables), and returns what it printed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DBOPS_BIN = fileURLToPath(new URL('../../bin/dbops', import.meta.url));

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Send this signal after `afterMs`. */
  signal?: { name: NodeJS.Signals; afterMs?: number; whenStderrMatches?: RegExp };
  timeoutMs?: number;
}

/** Splits "a 'b c' d" into ['a', 'b c', 'd']. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('DBOPS_') || k.startsWith('AWS_') || k === 'NO_COLOR' || k === 'FORCE_COLOR') continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runDbops(args: string | string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = typeof args === 'string' ? splitArgs(args) : args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DBOPS_BIN, ...argv], {
      cwd: opts.cwd,
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const sendSignal = () => {
      if (!signalled && opts.signal) {
        signalled = true;
        child.kill(opts.signal.name);
      }
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.signal?.whenStderrMatches?.test(stderr)) sendSignal();
    });
    if (opts.signal?.afterMs !== undefined) setTimeout(sendSignal, opts.signal.afterMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ESC of ANSI sequences on purpose
export const ANSI = /\u001b\[/;
