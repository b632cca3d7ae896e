/**
 * PostgreSQL refuses to run as root. When dbops runs as root, server-side binaries run
 * as an unprivileged OS user (config local.osUser, default `postgres`) and the
 * directories they write are handed to that user. Not root: everything runs as us.
 */
import { chown, lstat, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { runUnchecked, type RunAs } from './process.js';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The user to run server binaries as, or undefined when dbops is not root. */
export async function resolveRunAs(osUser: string, server: 'PostgreSQL' | 'MariaDB' = 'PostgreSQL'): Promise<RunAs | undefined> {
  if (!isRoot()) return undefined;
  const entry = passwdEntry(osUser) ?? (await idEntry(osUser));
  const setting = server === 'PostgreSQL' ? 'local.osUser' : 'the mysql OS user';
  if (!entry) {
    throw new EnvironmentError(`The OS user "${osUser}" that runs ${server} as root's stand-in does not exist.`, {
      hint:
        server === 'PostgreSQL'
          ? `PostgreSQL refuses to run as root: create the user (useradd --system ${osUser}) or set local.osUser to an existing unprivileged user.`
          : `MariaDB is not run as root: the mariadb-server package creates the "mysql" user (apt-get install mariadb-server), or create it (useradd --system ${osUser}).`,
    });
  }
  if (entry.uid === 0) {
    const why = server === 'PostgreSQL' ? 'PostgreSQL refuses to run as root' : 'dbops never runs MariaDB as root';
    throw new EnvironmentError(`The OS user "${osUser}" is root; ${why}.`, {
      hint: `Set ${setting} to an unprivileged user such as ${server === 'PostgreSQL' ? 'postgres' : 'mysql'}.`,
    });
  }
  return entry;
}

/** `id -u` / `id -g`: for users known through NSS (LDAP, sssd) but not /etc/passwd. */
async function idEntry(user: string): Promise<RunAs | undefined> {
  const opts = { step: `Looking up the OS user ${user}`, env: {} };
  const [u, g] = await Promise.all([runUnchecked('id', ['-u', user], opts), runUnchecked('id', ['-g', user], opts)]);
  const uid = Number(u.stdout.trim());
  const gid = Number(g.stdout.trim());
  if (u.code !== 0 || g.code !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { user, uid, gid, home: '/' };
}

/** /etc/passwd lookup, the common case. */
function passwdEntry(user: string): RunAs | undefined {
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) {
      return { user, uid: Number(uid), gid: Number(gid), home: home && home.length > 0 ? home : '/' };
    }
  }
  return undefined;
}

/** Gives a path (not recursive) to the run-as user; a no-op when not root. */
export async function giveTo(runAs: RunAs | undefined, path: string): Promise<void> {
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

/** Gives a whole tree to the run-as user (copied snapshots); a no-op when not root. */
export async function giveTreeTo(runAs: RunAs | undefined, path: string): Promise<void> {
  if (!runAs) return;
  await chown(path, runAs.uid, runAs.gid);
  const st = await lstat(path);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await giveTreeTo(runAs, join(path, name));
}

/**
 * Checks the run-as user can reach and write `dir` (every parent must be traversable):
 * a 0700 home such as /root/.dbops fails here with one sentence instead of a cryptic
 * initdb error later.
 */
export async function checkRunAsCanWrite(runAs: RunAs | undefined, dir: string, home: string): Promise<void> {
  if (!runAs) return;
  const res = await runUnchecked('test', ['-w', dir, '-a', '-x', dir], { step: 'Checking access', env: {}, runAs });
  if (res.code === 0) return;
  throw new EnvironmentError(`The OS user "${runAs.user}" that runs PostgreSQL cannot reach ${dir} under DBOPS_HOME ${home}.`, {
    hint: `Set DBOPS_HOME to a directory the ${runAs.user} user can reach, e.g. /var/lib/dbops (every parent directory needs o+x).`,
  });
}
