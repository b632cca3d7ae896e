/**
 * Shared set-up of the restore-test integration tests: one real source instance (local
 * provider, PostgreSQL 15) per test file holding the recipe-book example schema
 * (sql/migrations, applied in order), data, dbops' own schema with a migration history
 * and heartbeats, and one verified snapshot of it. Plus what "nothing left behind" means:
 * no instance, no directory, no process.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import type pg from 'pg';
import type { Context } from '../../../src/lib/context.js';
import { createOutput } from '../../../src/lib/output/output.js';
import type { ConnectionInfo, Provider } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, withPg } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MIGRATIONS_DIR = join(ROOT, 'sql', 'migrations');
export const DBOPS_SCHEMA = join(ROOT, 'sql', 'dbops', 'schema.sql');

export interface Source {
  home: string;
  provider: Provider;
  id: string;
  info: ConnectionInfo;
  snapshotId: string;
  destroy(): Promise<void>;
}

/** The up-migrations of sql/migrations, in version order. */
export async function migrationFiles(): Promise<{ version: number; name: string; file: string }[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((n) => /^\d{4}_.+\.sql$/.test(n) && !n.endsWith('.down.sql')).sort();
  return names.map((n) => ({ version: Number(n.slice(0, 4)), name: n.slice(5, -4), file: join(MIGRATIONS_DIR, n) }));
}

/** Applies the example schema, dbops' schema, a migration history like `dbops migrate` keeps, and data. */
async function load(c: pg.Client): Promise<void> {
  await c.query('SET client_min_messages = warning');
  const files = await migrationFiles();
  for (const m of files) await c.query(await readFile(m.file, 'utf8'));
  await c.query(await readFile(DBOPS_SCHEMA, 'utf8'));
  for (const m of files) {
    const sum = createHash('sha256')
      .update(await readFile(m.file))
      .digest('hex');
    await c.query(
      `INSERT INTO dbops.schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, now() - interval '1 day')`,
      [m.version, m.name, sum],
    );
  }
  await c.query(`
    INSERT INTO users (email, display_name) SELECT 'cook' || g || '@example.com', 'Cook ' || g FROM generate_series(1, 400) g;
    INSERT INTO recipes (author_id, title, dietary_tags, is_public)
      SELECT 1 + g % 400, 'Recipe ' || g, CASE WHEN g % 3 = 0 THEN ARRAY['vegetarian'] ELSE '{}' END, g % 2 = 0 FROM generate_series(1, 3000) g;
    INSERT INTO taste_profiles (user_id) SELECT id FROM users;
    INSERT INTO consent_records (user_id, purpose, policy_version) SELECT id, 'analytics', 'v1' FROM users;
    INSERT INTO dbops.heartbeat (beat_at) SELECT now() - g * interval '5 minutes' FROM generate_series(0, 11) g;
    ANALYZE;`);
}

export async function startSource(prefix: string, id = 'src-db'): Promise<Source> {
  const home = await makeLocalHome(prefix);
  const provider = localProvider(home);
  try {
    await provider.createInstance(instanceInput(id, { dbName: 'recipe_book' }));
    const info = await provider.connectionInfo(id);
    await withPg(info, load);
    const snapshotId = `${id}-snap-1`;
    await provider.createSnapshot({ instanceId: id, snapshotId, tags: {} });
    return {
      home,
      provider,
      id,
      info,
      snapshotId,
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

/** A Context on the source's home, config: provider local, the source as database.identifier. */
export async function contextFor(src: Source) {
  return restoreTestContext({
    config: config({ provider: 'local', database: { identifier: src.id } }),
    provider: src.provider,
    home: src.home,
  });
}

/** A Context whose stderr calls `onText` with everything written so far (to interrupt at a step). */
export async function watchedContext(
  src: Source,
  onText: (text: string) => void,
): Promise<{ ctx: Context; controller: AbortController; stderr: () => string }> {
  const base = await contextFor(src);
  let text = '';
  const stderr = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      text += chunk.toString();
      onText(text);
      cb();
    },
  });
  const out = await createOutput({
    json: false,
    quiet: false,
    verbose: false,
    color: false,
    ci: false,
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
    stderr,
  });
  return { ctx: { ...base.ctx, out }, controller: base.controller, stderr: () => text };
}

/** Processes whose command line mentions `needle` (a postmaster's -D, or its children's cluster name). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (cmd.replace(/\0/g, ' ').includes(needle) && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** What is left of a temporary instance: its record, its directory, its processes. */
export async function leftovers(
  src: Source,
  tempId: string,
): Promise<{ instances: string[]; dirs: string[]; processes: number[]; tmp: string[] }> {
  const region = join(src.home, 'local', 'us-east-2');
  return {
    instances: (await src.provider.listInstances()).map((i) => i.id),
    dirs: (await readdir(join(region, 'instances')).catch(() => [])).sort(),
    processes: await processesMentioning(tempId),
    tmp: await readdir(join(region, 'tmp')).catch(() => []),
  };
}
