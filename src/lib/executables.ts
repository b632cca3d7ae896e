/**
 * The one way dbops finds a program it runs (PostgreSQL's binaries, psql, redis-server):
 * the first directory, in the order given, holding an executable file of that name.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The directories of a PATH value, empty entries left out. */
export function pathDirs(path: string | undefined): string[] {
  return (path ?? '').split(delimiter).filter((d) => d.length > 0);
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `<dir>/<name>` for the first directory where it is executable; undefined when none has it. */
export async function findExecutable(name: string, dirs: readonly (string | undefined)[]): Promise<string | undefined> {
  for (const dir of dirs) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}
