import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, runDbops } from '../../_helpers/run-dbops.js';
import { clusteredVectors, loadVectors, startPgvector, type PgvectorServer } from '../../_helpers/pgvector.js';
import { tempDir } from '../../_helpers/tmp.js';

const cwd = tempDir('dbops-vector-e2e-');
let server: PgvectorServer;

beforeAll(async () => {
  server = await startPgvector({ maxConnections: 1 });
  const sql = await server.connect();
  await loadVectors(sql, { table: 'items', vectors: clusteredVectors({ rows: 400, dims: 32, clusters: 8, spread: 0.3, seed: 5 }) });
  await sql.query('CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)');
  await sql.end();
});

afterAll(async () => {
  await server?.stop();
});

const dbops = (args: string[]) => runDbops(args, { cwd, env: { HOME: cwd, DBOPS_HOME: join(cwd, '.dbops') } });

describe('dbops vector (process)', () => {
  it('vector status --json prints one JSON document, exit 0', async () => {
    const r = await dbops(['vector', 'status', '--url', server.url, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      pgvector: { version: string };
      columns: { table: string; rows: number }[];
      indexes: { name: string; m: number }[];
      warnings: unknown[];
    };
    expect(doc.pgvector.version).toBe('0.8.7');
    expect(doc.columns).toEqual([
      expect.objectContaining({ table: 'items', column: 'embedding', dimensions: 32, rows: 400, rowsMethod: 'exact' }),
    ]);
    expect(doc.indexes).toEqual([
      expect.objectContaining({ name: 'items_embedding_idx', method: 'hnsw', m: 8, efConstruction: 32, valid: true }),
    ]);
    expect(doc.warnings).toEqual([]);
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('GIVEN a table that does not exist THEN one sentence with the step, a hint, exit 2, no stack', async () => {
    const r = await dbops(['vector', 'tune', '--url', server.url, '--table', 'nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error [step VT-1]: Table nope does not exist in database postgres.\n');
    expect(r.stderr).toContain('hint: Vector columns here: public.items.embedding.\n');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('GIVEN a target recall outside (0, 1] THEN exit 2; with --json the error is the document', async () => {
    const r = await dbops(['vector', 'tune', '--url', server.url, '--table', 'items', '--target-recall', '1.5', '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { code: 'usage', message: '--target-recall must be more than 0 and at most 1, got 1.5.', exitCode: 2 },
    });
  });

  it('vector tune recommends ef_search (exit 0), and exits 1 when nothing meets --max-p95', async () => {
    const ok = await dbops(['vector', 'tune', '--url', server.url, '--table', 'items', '--queries', '10', '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout) as { ok: boolean; recommendation: { efSearch: number; sql: { session: string[] } } };
    expect(doc.ok).toBe(true);
    expect(doc.recommendation.sql.session).toEqual([`SET hnsw.ef_search = ${doc.recommendation.efSearch};`]);
    const slow = await dbops(['vector', 'tune', '--url', server.url, '--table', 'items', '--queries', '5', '--max-p95', '0.001ms']);
    expect(slow.exitCode).toBe(1);
    expect(slow.stdout).toContain('No setting meets the targets');
  });

  it('vector build: --dry-run prints the DDL; a real build shows elapsed time when a second connection is refused', async () => {
    const dry = await dbops([
      'vector',
      'build',
      '--url',
      server.url,
      '--table',
      'items',
      '--m',
      '12',
      '--ef-construction',
      '48',
      '--concurrently',
      '--dry-run',
    ]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      '  CREATE INDEX CONCURRENTLY items_embedding_idx_rebuild ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 12, ef_construction = 48);',
    );
    expect(dry.stdout).toContain('  DROP INDEX CONCURRENTLY public.items_embedding_idx;');

    const refused = await dbops(['vector', 'build', '--url', server.url, '--table', 'items', '--m', '12', '--ef-construction', '48']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('Refusing without confirmation: Rebuild public.items_embedding_idx');

    const built = await dbops([
      'vector',
      'build',
      '--url',
      server.url,
      '--table',
      'items',
      '--m',
      '12',
      '--ef-construction',
      '48',
      '--yes',
      '--json',
    ]);
    expect(built.exitCode, built.stderr).toBe(0);
    const doc = JSON.parse(built.stdout) as {
      ok: boolean;
      progress: { source: string; reason: string };
      index: { name: string; valid: boolean };
    };
    expect(doc.ok).toBe(true);
    expect(doc.index).toMatchObject({ name: 'items_embedding_idx', valid: true });
    expect(doc.progress.source).toBe('elapsed-only');
    expect(doc.progress.reason).toMatch(/^a second connection for progress was refused/);
  });
});
