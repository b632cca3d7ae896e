/**
 * Spawning helpers for the local provider. Every child process failure becomes a dbops
 * error whose message is one sentence naming the step and the last meaningful line the
 * program printed, scrubbed of secrets; nothing is ever thrown raw.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { onEmergency } from '../../emergency.js';
import { EnvironmentError, Interrupted } from '../../errors.js';
import { redact } from '../../secret.js';

/** The unprivileged OS user server binaries run as when dbops itself runs as root. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  home: string;
}

export interface RunOptions {
  /** What was being done, used as the subject of the error sentence: "Initializing instance db1 (initdb)". */
  step: string;
  /** The environment the provider was given; PG* variables are dropped before use. */
  env: Record<string, string | undefined>;
  /** Extra variables for this child only (e.g. PGPASSWORD). */
  extraEnv?: Record<string, string>;
  runAs?: RunAs;
  cwd?: string;
  /** Values that must never appear in an error message. */
  secrets?: string[];
  /** Exit codes that are not failures (pg_ctl status answers 3 for "not running"). */
  okCodes?: number[];
  timeoutMs?: number;
  /** Aborting kills the child (SIGTERM); the run then fails like any other. */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const MAX_CAPTURE = 1024 * 1024;
const NOISE = [/^examine the log output/i, /^try ".*--help"/i, /^hint:/i, /^detail:/i, /^waiting for server/i];
const SIGNIFICANT = /error|fatal|panic|could not|cannot|failed|invalid|corrupt|mismatch|no such|denied|refused|not /i;

/** Removes secrets (given and registered) from text bound for an error message. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return redact(out);
}

/** The line of a program's output worth showing: the last error-looking line, else the last line. */
export function meaningfulLine(text: string, secrets: readonly string[] = []): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !NOISE.some((re) => re.test(l)));
  const pick = [...lines].reverse().find((l) => SIGNIFICANT.test(l)) ?? lines[lines.length - 1] ?? '';
  return scrub(pick, secrets);
}

/** A child environment: the caller's, minus libpq's PG* variables (a stray PGHOST must not redirect us). */
export function childEnv(opts: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined && !k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  if (env.PATH === undefined) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  if (opts.runAs) Object.assign(env, { HOME: opts.runAs.home, USER: opts.runAs.user, LOGNAME: opts.runAs.user });
  return { ...env, ...opts.extraEnv };
}

/** Runs a program and resolves with its exit code and output, whatever the code. */
export function runUnchecked(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: childEnv(opts),
      cwd: opts.cwd ?? (opts.runAs ? '/' : undefined),
      uid: opts.runAs?.uid,
      gid: opts.runAs?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      signal: opts.signal,
    });
    // A second Ctrl-C quits at once, but never leaves this child running (emergency.ts).
    const forget = onEmergency(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout = (stdout + b.toString('utf8')).slice(-MAX_CAPTURE)));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-MAX_CAPTURE)));
    child.on('error', (e: NodeJS.ErrnoException) => {
      // An abort is reported through 'close' (killed by SIGTERM), like a time limit.
      if (e.name !== 'AbortError') {
        forget();
        reject(spawnError(file, opts, e));
      }
    });
    child.on('close', (code, signal) => {
      forget();
      if (signal !== null) stderr += `\nkilled by ${signal}${opts.timeoutMs ? ` (time limit ${opts.timeoutMs} ms)` : ''}`;
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** After a child ran under `signal`: an abort is an interruption, not the child's failure. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted(typeof signal.reason === 'string' ? signal.reason : 'SIGINT');
}

/** Runs a program; a non-zero exit (outside okCodes) is an EnvironmentError naming the step. */
export async function run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const res = await runUnchecked(file, args, opts);
  if (res.code !== 0) throwIfAborted(opts.signal);
  if (res.code === 0 || opts.okCodes?.includes(res.code)) return res;
  throw commandFailed(file, opts, res);
}

export function commandFailed(file: string, opts: RunOptions, res: RunResult): EnvironmentError {
  const line = meaningfulLine(res.stderr.trim().length > 0 ? res.stderr : res.stdout, opts.secrets);
  return new EnvironmentError(`${opts.step} failed: ${line || `${basename(file)} exited with code ${res.code}`}`, {
    details: { command: basename(file), exitCode: res.code, lastLine: line },
  });
}

function spawnError(file: string, opts: RunOptions, e: NodeJS.ErrnoException): EnvironmentError {
  const why = e.code === 'ENOENT' ? `${file} was not found` : `${basename(file)} could not be started (${e.code ?? e.message})`;
  const maria = basename(file).startsWith('mariadb');
  return new EnvironmentError(`${opts.step} failed: ${scrub(why, opts.secrets)}.`, {
    hint: maria
      ? 'Check that MariaDB is installed (apt-get install mariadb-server mariadb-backup) and that MARIADB_BIN, when set, points at it.'
      : 'Check that the PostgreSQL binaries are installed and that PG_BIN points at them.',
    cause: e,
  });
}
