/**
 * The recipe-book example schema in sql/migrations as the loader and linter see it
 * (applying it is the integration tests' job).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../src/lib/migrate/files.js';
import { lintMigrations } from '../../../src/lib/migrate/lint.js';

const DIR = fileURLToPath(new URL('../../../sql/migrations', import.meta.url));

describe('sql/migrations (recipe-book example)', () => {
  it('loads in order, every migration with a down file, the index one without a transaction', async () => {
    const files = await loadMigrations(DIR);
    expect(files.map((f) => [f.file, Boolean(f.down), f.noTransaction])).toEqual([
      ['0001_updated_at.sql', true, false],
      ['0002_users.sql', true, false],
      ['0003_recipes.sql', true, false],
      ['0004_taste_profiles.sql', true, false],
      ['0005_consent_records.sql', true, false],
      ['0006_audit_logs.sql', true, false],
      ['0007_recipe_embeddings.sql', true, false],
      ['0008_recipes_public_recent_idx.sql', true, true],
    ]);
  });

  it('lints clean under dbops defaults; without a lock timeout only the trigger on an existing table is flagged', async () => {
    const files = await loadMigrations(DIR);
    const inputs = files.map((f) => ({ file: f.file, sql: f.sql }));
    expect(lintMigrations(inputs, { lockTimeoutMs: 10_000 })).toEqual([]);
    expect(lintMigrations(inputs, { lockTimeoutMs: 0 }).map((w) => [w.file, w.rule])).toEqual([
      ['0006_audit_logs.sql', 'missing-lock-timeout'],
    ]);
  });

  it('builds the HNSW index of the seeds: cosine, m 16, ef_construction 64, 1536 dimensions', async () => {
    const vector = (await loadMigrations(DIR)).find((f) => f.name === 'recipe_embeddings')!;
    expect(vector.sql).toContain('embedding  vector(1536) NOT NULL');
    expect(vector.sql).toContain('USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)');
    expect(vector.sql).toContain("FROM pg_available_extensions WHERE name = 'vector'");
  });
});
