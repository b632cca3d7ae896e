/**
 * Shared setup of the migrate integration tests: one local-provider instance (a real
 * PostgreSQL 15 cluster) per test file, a fresh database per test, migration directories
 * written on the fly, and a dbops Context over in-memory streams for in-process calls.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { Context } from '../../../src/lib/context.js';
import { createContext } from '../../../src/lib/create-context.js';
import type { ConnectionInfo } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, withPg } from '../../_helpers/local.js';
import { memoryStream } from '../../_helpers/output.js';

export interface TestInstance {
  home: string;
  id: string;
  info: ConnectionInfo;
  /** Environment for bin/dbops (runDbops) so `--instance <id>` finds the instance. */
  env: Record<string, string>;
  destroy(): Promise<void>;
}

export async function startInstance(id: string): Promise<TestInstance> {
  const home = await makeLocalHome('dbops-migrate-');
  const provider = localProvider(home);
  try {
    await provider.createInstance(instanceInput(id));
    const info = await provider.connectionInfo(id);
    return {
      home,
      id,
      info,
      env: { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' },
      async destroy() {
        await provider.close();
        await destroyLocalHome(home);
      },
    };
  } catch (e) {
    await provider.close();
    await destroyLocalHome(home);
    throw e;
  }
}

let counter = 0;

/** A new, empty database on the instance; returns its URL. */
export async function freshDatabase(inst: TestInstance, prefix = 't'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++counter}`;
  await withPg(inst.info, (c) => c.query(`CREATE DATABASE ${name}`));
  const pw = encodeURIComponent(inst.info.password?.reveal() ?? '');
  return `postgres://${encodeURIComponent(inst.info.user)}:${pw}@${inst.info.host}:${inst.info.port}/${name}`;
}

/** Runs fn on a connection to the database of a URL. */
export async function onDb<T>(inst: TestInstance, url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withPg(inst.info, fn, new URL(url).pathname.slice(1));
}

/** A temp directory holding the given files. */
export async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dbops-migrations-'));
  await writeMigrations(dir, files);
  return dir;
}

export async function writeMigrations(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

export interface TestContext {
  ctx: Context;
  stderr(): string;
  close(): Promise<void>;
}

/** A dbops Context as a command gets it (config from env, output to memory). */
export async function testContext(
  inst: Pick<TestInstance, 'home' | 'env'>,
  flags: { yes?: boolean; dryRun?: boolean; signal?: AbortSignal } = {},
): Promise<TestContext> {
  const stderr = memoryStream();
  const created = await createContext({ yes: flags.yes, dryRun: flags.dryRun }, flags.signal ?? new AbortController().signal, {
    env: inst.env,
    cwd: inst.home,
    stdout: memoryStream(),
    stderr,
  });
  return { ctx: created.context, stderr: () => stderr.text(), close: () => created.close() };
}

/** The rows of dbops.schema_migrations: [version, name, kind]. */
export async function history(inst: TestInstance, url: string): Promise<[number, string, string][]> {
  return onDb(inst, url, async (c) => {
    const exists = await c.query<{ ok: boolean }>("SELECT to_regclass('dbops.schema_migrations') IS NOT NULL AS ok");
    if (!exists.rows[0]!.ok) return [];
    const r = await c.query<{ version: string; name: string; kind: string }>(
      'SELECT version::text, name, kind FROM dbops.schema_migrations ORDER BY version',
    );
    return r.rows.map((x) => [Number(x.version), x.name, x.kind]);
  });
}

/** Whether a relation exists (to_regclass). */
export async function relationExists(inst: TestInstance, url: string, name: string): Promise<boolean> {
  return onDb(inst, url, async (c) => (await c.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name])).rows[0]!.ok);
}
