/**
 * RT-6: the restored schema against the source's. Pure functions: the catalogs are read
 * by schema-read.ts; here they are compared, every difference listed, and each one
 * explained against the backup's time and dbops' migration history.
 */
import type { CheckResult } from './types.js';

/** One row of dbops.schema_migrations. */
export interface MigrationRow {
  version: string;
  name: string;
  checksum: string;
  /** ISO time. */
  appliedAt: string;
}

/** The parts of a schema a restore test compares. Names are schema-qualified and quoted as PostgreSQL prints them. */
export interface SchemaSnapshot {
  relations: { name: string; kind: string }[];
  columns: { table: string; name: string; definition: string }[];
  indexes: { name: string; table: string; definition: string }[];
  constraints: { table: string; name: string; definition: string }[];
  extensions: { name: string; version: string }[];
  /** null: no dbops.schema_migrations table. */
  migrations: MigrationRow[] | null;
}

/** The kinds of schema object compared. */
export type SchemaObjectKind = 'relation' | 'column' | 'index' | 'constraint' | 'extension' | 'migration';

/** One difference between source and restore. */
export interface SchemaDifference {
  kind: SchemaObjectKind;
  /** e.g. "public.recipes", "public.recipes.title", "public.recipes_author_id_idx", "vector", "0008". */
  name: string;
  change: 'only-in-source' | 'only-in-restore' | 'changed';
  source?: string;
  restore?: string;
  /** Why it probably differs (the backup's age, a migration applied since, a change outside dbops migrate). */
  explanation?: string;
}

/** What the comparison must not count as a difference. */
export interface SchemaDiffOptions {
  /** Extensions the test itself created on the restore (amcheck): not a difference. */
  ignoreExtensions?: readonly string[];
}

type Keyed = Map<string, { definition: string; table?: string }>;

function keyed<T>(items: readonly T[], key: (t: T) => string, definition: (t: T) => string, table?: (t: T) => string): Keyed {
  return new Map(items.map((i) => [key(i), { definition: definition(i), table: table?.(i) }]));
}

function compare(kind: SchemaObjectKind, source: Keyed, restore: Keyed, droppedTables: ReadonlySet<string>): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const names = [...new Set([...source.keys(), ...restore.keys()])].sort();
  for (const name of names) {
    const s = source.get(name);
    const r = restore.get(name);
    // A column, index or constraint of a table that is itself missing on one side is said once, with the table.
    if (droppedTables.has((s ?? r)?.table ?? '')) continue;
    if (s && !r) out.push({ kind, name, change: 'only-in-source', source: s.definition });
    else if (!s && r) out.push({ kind, name, change: 'only-in-restore', restore: r.definition });
    else if (s && r && s.definition !== r.definition)
      out.push({ kind, name, change: 'changed', source: s.definition, restore: r.definition });
  }
  return out;
}

/** Pure: every difference between the source's and the restore's schema, in a stable order. */
export function diffSchemas(source: SchemaSnapshot, restore: SchemaSnapshot, opts: SchemaDiffOptions = {}): SchemaDifference[] {
  const relations = compare(
    'relation',
    keyed(
      source.relations,
      (r) => r.name,
      (r) => r.kind,
    ),
    keyed(
      restore.relations,
      (r) => r.name,
      (r) => r.kind,
    ),
    new Set(),
  );
  const oneSided = new Set(relations.filter((d) => d.change !== 'changed').map((d) => d.name));
  const ignore = new Set(opts.ignoreExtensions ?? []);
  const onSource = new Set(source.extensions.map((e) => e.name));
  const restoreExt = restore.extensions.filter((e) => onSource.has(e.name) || !ignore.has(e.name));
  const migrations = (m: MigrationRow[] | null) => m ?? [];
  return [
    ...relations,
    ...compare(
      'column',
      keyed(
        source.columns,
        (c) => `${c.table}.${c.name}`,
        (c) => c.definition,
        (c) => c.table,
      ),
      keyed(
        restore.columns,
        (c) => `${c.table}.${c.name}`,
        (c) => c.definition,
        (c) => c.table,
      ),
      oneSided,
    ),
    ...compare(
      'index',
      keyed(
        source.indexes,
        (i) => i.name,
        (i) => i.definition,
        (i) => i.table,
      ),
      keyed(
        restore.indexes,
        (i) => i.name,
        (i) => i.definition,
        (i) => i.table,
      ),
      oneSided,
    ),
    ...compare(
      'constraint',
      keyed(
        source.constraints,
        (c) => `${c.table}.${c.name}`,
        (c) => c.definition,
        (c) => c.table,
      ),
      keyed(
        restore.constraints,
        (c) => `${c.table}.${c.name}`,
        (c) => c.definition,
        (c) => c.table,
      ),
      oneSided,
    ),
    ...compare(
      'extension',
      keyed(
        source.extensions,
        (e) => e.name,
        (e) => e.version,
      ),
      keyed(
        restoreExt,
        (e) => e.name,
        (e) => e.version,
      ),
      new Set(),
    ),
    ...compare(
      'migration',
      keyed(
        migrations(source.migrations),
        (m) => m.version,
        (m) => `${m.name} ${m.checksum}`.trim(),
      ),
      keyed(
        migrations(restore.migrations),
        (m) => m.version,
        (m) => `${m.name} ${m.checksum}`.trim(),
      ),
      new Set(),
    ),
  ];
}

/** How the two migration histories relate. */
export type HistoryRelation =
  | { kind: 'none' }
  | { kind: 'identical'; count: number }
  /** The restore's history is the source's minus the newest ones: migrations applied since the backup. */
  | { kind: 'behind'; since: MigrationRow[]; allAfterBackup: boolean }
  | { kind: 'diverged' };

/** Pure: compares the histories (versions, names, checksums). */
export function relateHistories(source: MigrationRow[] | null, restore: MigrationRow[] | null, backupTime?: Date): HistoryRelation {
  if (source === null && restore === null) return { kind: 'none' };
  const s = source ?? [];
  const r = restore ?? [];
  const same = (a: MigrationRow, b: MigrationRow) => a.version === b.version && a.name === b.name && a.checksum === b.checksum;
  if (r.length > s.length || !r.every((m, i) => same(m, s[i]!))) return { kind: 'diverged' };
  if (r.length === s.length) return { kind: 'identical', count: s.length };
  const since = s.slice(r.length);
  const allAfterBackup = backupTime !== undefined && since.every((m) => Date.parse(m.appliedAt) > backupTime.getTime());
  return { kind: 'behind', since, allAfterBackup };
}

const KIND_WORD: Record<SchemaObjectKind, string> = {
  relation: 'relation',
  column: 'column',
  index: 'index',
  constraint: 'constraint',
  extension: 'extension',
  migration: 'migration',
};

/** What a difference is explained against: the backup time and the migration histories. */
export interface ExplainContext {
  /** When the backup was taken (snapshot creation, or the point in time restored). */
  backupTime?: Date;
  history: HistoryRelation;
}

function migrationList(ms: readonly MigrationRow[]): string {
  return ms.map((m) => `${m.version} ${m.name} (applied ${m.appliedAt})`).join(', ');
}

/** Pure: one explanation per difference. */
export function explainDifference(d: SchemaDifference, ctx: ExplainContext): string {
  const at = ctx.backupTime ? ` (taken ${ctx.backupTime.toISOString()})` : '';
  const h = ctx.history;
  if (d.kind === 'migration') {
    if (h.kind === 'behind' && d.change === 'only-in-source') {
      return h.allAfterBackup
        ? `applied to the source after the backup${at}: expected, the backup predates it`
        : `on the source but not in the backup, although applied before the backup${at}: the backup misses a migration`;
    }
    if (d.change === 'changed')
      return 'the same version with another name or checksum: the migration file was edited after it was applied on one side';
    return d.change === 'only-in-restore'
      ? 'in the backup but no longer in the source history: the history on the source was edited or reverted (dbops migrate down) after the backup'
      : 'the histories diverge: they do not share a common past';
  }
  if (h.kind === 'behind' && h.allAfterBackup) {
    return `expected: migration${h.since.length === 1 ? '' : 's'} ${migrationList(h.since)} ran on the source after the backup${at}`;
  }
  const outside =
    h.kind === 'identical'
      ? ', outside dbops migrate (both migration histories are identical)'
      : h.kind === 'none'
        ? ' (no dbops migration history to tell which change it was)'
        : '';
  switch (d.change) {
    case 'only-in-restore':
      return `in the backup${at} but not on the source now: dropped on the source after the backup${outside}`;
    case 'only-in-source':
      return `on the source but not in the backup${at}: created on the source after the backup${outside}, or lost by the backup`;
    case 'changed':
      return `differs: altered on the source after the backup${at}${outside}, or restored differently`;
  }
}

/** Pure: the verdict. Differences all explained by migrations applied after the backup are a warning; any other is a failure. */
export function judgeSchema(
  differences: readonly SchemaDifference[],
  ctx: ExplainContext,
  counts: { relations: number; columns: number; indexes: number; constraints: number; extensions: number; migrations: number | null },
): CheckResult<{ differences: SchemaDifference[]; history: HistoryRelation }> {
  const explained = differences.map((d) => ({ ...d, explanation: explainDifference(d, ctx) }));
  const compared = `compared ${counts.relations} relations, ${counts.columns} columns, ${counts.indexes} indexes, ${counts.constraints} constraints, ${counts.extensions} extensions${counts.migrations === null ? ', no dbops migration history' : `, ${counts.migrations} migrations`}`;
  const evidence = [compared, ...explained.map(describeDifference)];
  const data = { differences: explained, history: ctx.history };
  const base = { id: 'schema' as const, title: 'Schema matches the source', evidence, data };
  if (explained.length === 0) return { ...base, status: 'passed', summary: "The restored schema is identical to the source's." };
  const expected = ctx.history.kind === 'behind' && ctx.history.allAfterBackup;
  const n = explained.length;
  return {
    ...base,
    status: expected ? 'warning' : 'failed',
    summary: expected
      ? `${n} difference${n === 1 ? '' : 's'}, all from migrations applied to the source after the backup.`
      : `${n} schema difference${n === 1 ? '' : 's'} between the restore and the source.`,
    hint: expected
      ? 'Nothing to do: a newer backup will include them.'
      : 'Read each difference: a change made on the source outside dbops migrate is drift (put it in a migration); an object missing from the backup is a backup problem.',
  };
}

/** The schema check from both sides' schemas: their differences, explained by the migration histories. Pure. */
export function compareSchemas(
  source: SchemaSnapshot,
  restore: SchemaSnapshot,
  backupTime: Date | undefined,
  opts: SchemaDiffOptions = {},
): CheckResult<{ differences: SchemaDifference[]; history: HistoryRelation }> {
  const history = relateHistories(source.migrations, restore.migrations, backupTime);
  return judgeSchema(
    diffSchemas(source, restore, opts),
    { backupTime, history },
    {
      relations: source.relations.length,
      columns: source.columns.length,
      indexes: source.indexes.length,
      constraints: source.constraints.length,
      extensions: source.extensions.length,
      migrations: source.migrations === null ? null : source.migrations.length,
    },
  );
}

/** "index public.recipes_author_id_idx: only in the restore (CREATE INDEX ...) — explanation". */
export function describeDifference(d: SchemaDifference): string {
  const what =
    d.change === 'changed'
      ? `source ${d.source} / restore ${d.restore}`
      : d.change === 'only-in-source'
        ? `only on the source (${d.source})`
        : `only in the restore (${d.restore})`;
  return `${KIND_WORD[d.kind]} ${d.name}: ${what}${d.explanation ? ` — ${d.explanation}` : ''}`;
}
