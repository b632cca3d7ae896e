/**
 * Durable JSON state. Every write is atomic (temp file in the same directory, fsync,
 * rename, fsync of the directory), so a crash or Ctrl-C leaves the old file or the new
 * one, never half of one. Read-modify-write goes through a lock file so two dbops
 * processes cannot lose each other's updates.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { DamagedStateError, repairHint } from './state-schema.js';

export async function writeJsonAtomic(file: string, value: unknown, mode = 0o644): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await fh.chmod(mode); // the umask must not widen or narrow what we asked for
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // Some filesystems refuse fsync on directories; the rename is still atomic.
  await syncDir(dirname(file)).catch(() => undefined);
}

/** fsyncs a directory, so the names created or renamed in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Checks what a state file holds (a schema from state-schema.ts); throws DamagedStateError. */
export type StateCheck<T> = (value: unknown, file: string) => T;

/**
 * Parsed JSON, or undefined when the file does not exist. A file that is not JSON, or
 * that `check` rejects, is a DamagedStateError naming the path and the reason.
 */
export async function readJson<T>(file: string, check?: StateCheck<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnvironmentError(`Could not read ${file}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DamagedStateError(file, text.trim() === '' ? 'it is empty' : 'it is not valid JSON', repairHint(file));
  }
  return check ? check(value, file) : (value as T);
}

const LOCK_WAIT_MS = 15_000;
const LOCK_STALE_MS = 60_000;
const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs fn while holding `<file>.lock` (O_EXCL create). Calls in this process queue on a
 * promise chain first, so the lock file only arbitrates between processes. A lock left
 * by a dead process (or older than a minute) is broken.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = inProcess.get(file) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => holdLock(file, fn));
  const tail = run.catch(() => undefined);
  inProcess.set(file, tail);
  try {
    return await run;
  } finally {
    if (inProcess.get(file) === tail) inProcess.delete(file);
  }
}

async function holdLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  await acquire(lock);
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

async function acquire(lock: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw e; // the directory is gone: callers treat it as "absent"
      if (code !== 'EEXIST') {
        throw new EnvironmentError(`Could not create the lock ${lock} (${code ?? 'error'}).`, { cause: e });
      }
    }
    if (await isStale(lock)) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new EnvironmentError(`Timed out waiting for the lock ${lock}.`, {
        hint: 'Another dbops process is updating local state; retry, or remove the lock file if no dbops runs.',
      });
    }
    await delay(50);
  }
}

async function isStale(lock: string): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Updates a JSON file under its lock; mutate returns the new value. Undefined when absent. */
export async function updateJson<T>(file: string, mutate: (v: T) => T, mode = 0o644, check?: StateCheck<T>): Promise<T | undefined> {
  try {
    return await withFileLock(file, async () => {
      const current = await readJson<T>(file, check);
      if (current === undefined) return undefined;
      const next = mutate(current);
      await writeJsonAtomic(file, next, mode);
      return next;
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
