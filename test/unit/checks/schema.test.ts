import { describe, expect, it } from 'vitest';
import {
  describeDifference,
  diffSchemas,
  explainDifference,
  judgeSchema,
  relateHistories,
  type MigrationRow,
  type SchemaSnapshot,
} from '../../../src/lib/checks/schema.js';

const M1: MigrationRow = { version: '1', name: 'users', checksum: 'a'.repeat(64), appliedAt: '2026-04-01T00:00:00.000Z' };
const M2: MigrationRow = { version: '2', name: 'recipes', checksum: 'b'.repeat(64), appliedAt: '2026-04-02T00:00:00.000Z' };
const M3: MigrationRow = { version: '3', name: 'recipe_tags', checksum: 'c'.repeat(64), appliedAt: '2026-05-01T10:00:00.000Z' };
const BACKUP = new Date('2026-05-01T03:00:00Z');

function schema(overrides: Partial<SchemaSnapshot> = {}): SchemaSnapshot {
  return {
    relations: [
      { name: 'public.users', kind: 'table' },
      { name: 'public.recipes', kind: 'table' },
    ],
    columns: [
      { table: 'public.users', name: 'id', definition: 'bigint NOT NULL GENERATED ALWAYS AS IDENTITY' },
      { table: 'public.recipes', name: 'id', definition: 'bigint NOT NULL' },
      { table: 'public.recipes', name: 'title', definition: 'text NOT NULL' },
    ],
    indexes: [
      {
        name: 'public.recipes_pkey',
        table: 'public.recipes',
        definition: 'CREATE UNIQUE INDEX recipes_pkey ON public.recipes USING btree (id)',
      },
      {
        name: 'public.recipes_title_idx',
        table: 'public.recipes',
        definition: 'CREATE INDEX recipes_title_idx ON public.recipes USING btree (title)',
      },
    ],
    constraints: [{ table: 'public.recipes', name: 'recipes_pkey', definition: 'PRIMARY KEY (id)' }],
    extensions: [{ name: 'plpgsql', version: '1.0' }],
    migrations: [M1, M2],
    ...overrides,
  };
}

describe('diffSchemas', () => {
  it('finds nothing between identical schemas', () => {
    expect(diffSchemas(schema(), schema())).toEqual([]);
  });

  it('lists every kind of difference, a missing table once (not its columns, indexes and constraints)', () => {
    // GIVEN a restore without recipes, with another users.id type, an extra extension and an older migration history
    const source = schema({
      extensions: [
        { name: 'plpgsql', version: '1.0' },
        { name: 'vector', version: '0.8.0' },
      ],
    });
    const restore = schema({
      relations: [{ name: 'public.users', kind: 'table' }],
      columns: [{ table: 'public.users', name: 'id', definition: 'integer NOT NULL' }],
      indexes: [],
      constraints: [],
      extensions: [
        { name: 'plpgsql', version: '1.0' },
        { name: 'vector', version: '0.7.4' },
        { name: 'pg_trgm', version: '1.6' },
      ],
      migrations: [M1],
    });

    // WHEN / THEN
    expect(diffSchemas(source, restore)).toEqual([
      { kind: 'relation', name: 'public.recipes', change: 'only-in-source', source: 'table' },
      {
        kind: 'column',
        name: 'public.users.id',
        change: 'changed',
        source: 'bigint NOT NULL GENERATED ALWAYS AS IDENTITY',
        restore: 'integer NOT NULL',
      },
      { kind: 'extension', name: 'pg_trgm', change: 'only-in-restore', restore: '1.6' },
      { kind: 'extension', name: 'vector', change: 'changed', source: '0.8.0', restore: '0.7.4' },
      { kind: 'migration', name: '2', change: 'only-in-source', source: `recipes ${'b'.repeat(64)}` },
    ]);
  });

  it('ignores an extension the test created on the restore, but not one the source has too', () => {
    const restore = schema({
      extensions: [
        { name: 'plpgsql', version: '1.0' },
        { name: 'amcheck', version: '1.3' },
      ],
    });
    expect(diffSchemas(schema(), restore, { ignoreExtensions: ['amcheck'] })).toEqual([]);
    const source = schema({
      extensions: [
        { name: 'plpgsql', version: '1.0' },
        { name: 'amcheck', version: '1.2' },
      ],
    });
    expect(diffSchemas(source, restore, { ignoreExtensions: ['amcheck'] })).toEqual([
      { kind: 'extension', name: 'amcheck', change: 'changed', source: '1.2', restore: '1.3' },
    ]);
  });

  it('treats no history on either side as nothing to compare', () => {
    expect(diffSchemas(schema({ migrations: null }), schema({ migrations: null }))).toEqual([]);
  });
});

describe('relateHistories', () => {
  it.each([
    ['both absent', null, null, { kind: 'none' }],
    ['identical', [M1, M2], [M1, M2], { kind: 'identical', count: 2 }],
    ['restore behind, newer ones after the backup', [M1, M2, M3], [M1, M2], { kind: 'behind', since: [M3], allAfterBackup: true }],
    ['restore behind by one applied before the backup', [M1, M2, M3], [M1], { kind: 'behind', since: [M2, M3], allAfterBackup: false }],
    ['restore ahead', [M1], [M1, M2], { kind: 'diverged' }],
    ['edited checksum', [M1, M2], [M1, { ...M2, checksum: 'f'.repeat(64) }], { kind: 'diverged' }],
  ] as const)('%s', (_name, source, restore, expected) => {
    expect(relateHistories(source as MigrationRow[] | null, restore as MigrationRow[] | null, BACKUP)).toEqual(expected);
  });
});

describe('explainDifference', () => {
  const dropped = {
    kind: 'index' as const,
    name: 'public.recipes_title_idx',
    change: 'only-in-restore' as const,
    restore: 'CREATE INDEX ...',
  };

  it('blames a change outside dbops migrate when the histories are identical', () => {
    expect(explainDifference(dropped, { backupTime: BACKUP, history: { kind: 'identical', count: 2 } })).toBe(
      'in the backup (taken 2026-05-01T03:00:00.000Z) but not on the source now: dropped on the source after the backup, outside dbops migrate (both migration histories are identical)',
    );
  });

  it('names the migrations applied after the backup', () => {
    const created = { kind: 'relation' as const, name: 'public.recipe_tags', change: 'only-in-source' as const, source: 'table' };
    expect(explainDifference(created, { backupTime: BACKUP, history: { kind: 'behind', since: [M3], allAfterBackup: true } })).toBe(
      'expected: migration 3 recipe_tags (applied 2026-05-01T10:00:00.000Z) ran on the source after the backup (taken 2026-05-01T03:00:00.000Z)',
    );
    expect(
      explainDifference(
        { kind: 'migration', name: '3', change: 'only-in-source', source: 'x' },
        { backupTime: BACKUP, history: { kind: 'behind', since: [M3], allAfterBackup: true } },
      ),
    ).toBe('applied to the source after the backup (taken 2026-05-01T03:00:00.000Z): expected, the backup predates it');
  });

  it('says when there is no history to tell', () => {
    expect(explainDifference({ ...dropped, change: 'only-in-source' }, { history: { kind: 'none' } })).toBe(
      'on the source but not in the backup: created on the source after the backup (no dbops migration history to tell which change it was), or lost by the backup',
    );
  });
});

describe('judgeSchema', () => {
  const counts = { relations: 2, columns: 3, indexes: 2, constraints: 1, extensions: 1, migrations: 2 };

  it('passes without differences', () => {
    const r = judgeSchema([], { backupTime: BACKUP, history: { kind: 'identical', count: 2 } }, counts);
    expect([r.status, r.summary, r.evidence]).toEqual([
      'passed',
      "The restored schema is identical to the source's.",
      ['compared 2 relations, 3 columns, 2 indexes, 1 constraints, 1 extensions, 2 migrations'],
    ]);
  });

  it('fails on drift, warns when migrations after the backup explain everything', () => {
    const diff = { kind: 'relation' as const, name: 'public.recipe_tags', change: 'only-in-source' as const, source: 'table' };
    const drift = judgeSchema([diff], { backupTime: BACKUP, history: { kind: 'identical', count: 2 } }, counts);
    const expected = judgeSchema(
      [diff, { kind: 'migration', name: '3', change: 'only-in-source', source: 'x' }],
      { backupTime: BACKUP, history: { kind: 'behind', since: [M3], allAfterBackup: true } },
      counts,
    );
    expect([drift.status, drift.summary]).toEqual(['failed', '1 schema difference between the restore and the source.']);
    expect([expected.status, expected.summary]).toEqual([
      'warning',
      '2 differences, all from migrations applied to the source after the backup.',
    ]);
  });
});

describe('describeDifference', () => {
  it('says which side has what', () => {
    expect(
      describeDifference({
        kind: 'column',
        name: 'public.users.id',
        change: 'changed',
        source: 'bigint',
        restore: 'integer',
        explanation: 'why',
      }),
    ).toBe('column public.users.id: source bigint / restore integer — why');
  });
});
