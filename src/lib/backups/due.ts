/**
 * "Taken when due by any dbops command that touches the instance" (issue 22): every command
 * that reaches the provider (the one place: Context.provider(), on its first use) asks the
 * local provider whether the configured database's daily base backup is due. The check
 * costs a few small file reads (instance.json, the snapshot records) and starts nothing.
 *
 * When it is due, the command does not take it itself: a base backup of a large instance
 * takes minutes, and `dbops status` must stay quick. It starts `dbops backup run --instance
 * <id> --quiet` in the background (detached, its output in
 * $DBOPS_HOME/backup-due-<region>-<id>.log), says so on stderr, and goes on. A pid file
 * beside the log keeps a second command from starting another while one runs (the
 * background run's own check sees it too). The check follows an instance whose automated
 * backups have begun (`dbops backup run` or `instances start` took the first one).
 * Commands that stop, delete, fail over or back up the instance themselves opt out
 * (CommandDef.dueBackup: false).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { messageOf } from '../errors.js';
import { packagePath } from '../paths.js';
import { dbopsHome } from '../providers/index.js';
import type { Provider } from '../providers/types.js';
import { replicationRegion } from './automated.js';

/** Starts the background run; returns its pid. A seam for tests. */
export type BackgroundStarter = (args: string[], logFile: string, env: Record<string, string | undefined>) => number | undefined;

/** What the check did: nothing due, already running, or started (pid, log). */
export type DueBackupOutcome =
  | { kind: 'not-due'; reason: string }
  | { kind: 'running'; pid: number }
  | { kind: 'started'; pid: number; logFile: string; snapshotId?: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const defaultStarter: BackgroundStarter = (args, logFile, env) => {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [packagePath('bin', 'dbops'), ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: env as NodeJS.ProcessEnv,
    });
    child.on('error', () => undefined);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
};

/** The `dbops backup run` arguments that reproduce this run's provider, region and config. Pure. */
export function backgroundArgs(ctx: Pick<Context, 'config' | 'loaded'>, instanceId: string): string[] {
  return [
    'backup',
    'run',
    '--instance',
    instanceId,
    '--quiet',
    '--provider',
    ctx.config.provider,
    '--region',
    ctx.config.region,
    ...(ctx.loaded.file ? ['--config', ctx.loaded.file] : []),
  ];
}

/**
 * The due check of a command that touches the instance (local provider; AWS takes its own
 * backups). Never throws: a failure is a warning, the command goes on.
 */
export async function startDueBackup(
  ctx: Context,
  provider: Provider,
  start: BackgroundStarter = defaultStarter,
): Promise<DueBackupOutcome | undefined> {
  if (!provider.runAutomatedBackups || ctx.flags.dryRun) return undefined;
  const id = ctx.config.database.identifier;
  try {
    const replicateTo = replicationRegion(ctx.config);
    const check = await provider.runAutomatedBackups(id, {
      force: false,
      dryRun: true,
      onlyIfDue: true,
      ...(replicateTo ? { replicateTo } : {}),
    });
    if (check.skipped || !check.snapshotId) return { kind: 'not-due', reason: check.skipped ?? 'not due' };
    const home = dbopsHome(ctx.env);
    await mkdir(home, { recursive: true });
    const base = join(home, `backup-due-${provider.region}-${id}`);
    const pidFile = `${base}.pid`;
    const running = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (running > 0 && alive(running)) return { kind: 'running', pid: running };
    const logFile = `${base}.log`;
    const pid = start(backgroundArgs(ctx, id), logFile, ctx.env);
    if (!pid) return { kind: 'not-due', reason: 'the background run could not be started' };
    await writeFile(pidFile, `${pid}\n`, { mode: 0o600 });
    ctx.out.info(
      `The daily automated backup of ${id} was due: \`dbops backup run\` takes it in the background (pid ${pid}, log ${logFile}; runbooks/automated-backups.md AB-2).`,
    );
    return { kind: 'started', pid, logFile, snapshotId: check.snapshotId };
  } catch (e) {
    // An instance that does not exist (yet), a damaged state file: the command says so itself.
    ctx.out.debug(`automated backup due check of ${id}: ${messageOf(e)}`);
    return undefined;
  }
}
