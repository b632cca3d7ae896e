/**
 * The decisions of `dbops migrate`, as pure functions over (files on disk, rows applied):
 * which migrations drifted, which are pending, which `down` reverts, what `baseline`
 * marks. No database, no file system: tested with exact equality.
 */
import { UsageError } from '../errors.js';
import type { MigrationFile } from './files.js';
import { MIGRATE_FINDINGS } from './findings.js';

/** A row of dbops.schema_migrations. */
export interface AppliedMigration {
  version: number;
  name: string;
  /** sha256 of the up file when it was applied (or baselined). */
  checksum: string | null;
  appliedAt: Date;
  durationMs: number;
  /** current_user@hostname of the runner. */
  appliedBy: string;
  /**
   * 'up' when dbops ran it, 'baseline' when `migrate baseline` (or `migrate resolve --as
   * applied`) only marked it, 'failed' when it stopped half-way on an engine without
   * transactional DDL (MySQL): it blocks `migrate up` until `migrate resolve`.
   */
  kind: 'up' | 'baseline' | 'failed';
  /** Why it failed (kind 'failed'). */
  error?: string;
}

/**
 * Why the database's history and the files disagree:
 * - edited: applied, and the file's checksum has changed since;
 * - missing: applied, and no file has that version any more;
 * - out-of-order: a file not applied whose version is lower than the highest applied one
 *   (merged late, or renumbered): applying it now would run it after newer migrations;
 * - renamed: applied under another name with the same version.
 */
export type DriftKind = 'edited' | 'missing' | 'out-of-order' | 'renamed';

export interface Drift {
  kind: DriftKind;
  version: number;
  name: string;
  /** The file on disk, when there is one. */
  file?: string;
  message: string;
  /** Its response section: `runbooks/migrate.md#MG-R1`. */
  runbook: string;
}

/** The state of one version in `migrate status`. */
export type MigrationState = 'applied' | 'baselined' | 'pending' | 'failed' | DriftKind;

/** A migration that stopped half-way (MySQL): `migrate up` refuses until `migrate resolve`. */
export interface FailedMigration {
  version: number;
  name: string;
  file?: string;
  failedAt: Date;
  error?: string;
  message: string;
  /** Its response section: `runbooks/migrate.md#MG-R12`. */
  runbook: string;
}

/** The migrations marked failed, in version order. */
export function failedMigrations(files: readonly MigrationFile[], applied: readonly AppliedMigration[]): FailedMigration[] {
  const fileBy = new Map(files.map((f) => [f.version, f]));
  return applied
    .filter((a) => a.kind === 'failed')
    .map((a) => {
      const file = fileBy.get(a.version)?.file;
      return {
        version: a.version,
        name: a.name,
        ...(file ? { file } : {}),
        failedAt: a.appliedAt,
        ...(a.error ? { error: a.error } : {}),
        message: `version ${a.version} (${a.name}) failed half-way on ${a.appliedAt.toISOString()}: check the schema, then \`dbops migrate resolve ${a.version}\``,
        runbook: MIGRATE_FINDINGS.anchor('failed'),
      };
    });
}

export interface StatusRow {
  version: number;
  name: string;
  file?: string;
  state: MigrationState;
  appliedAt?: Date;
  durationMs?: number;
  appliedBy?: string;
  noTransaction?: boolean;
  hasDown: boolean;
}

const short = (sum: string | null) => (sum ? sum.slice(0, 12) : 'none');

/** Every drift between the files and the applied rows, in version order. */
export function detectDrift(files: readonly MigrationFile[], all: readonly AppliedMigration[]): Drift[] {
  // A failed migration is its own finding (failedMigrations), not drift: its file may be fixed meanwhile.
  const failed = new Set(all.filter((a) => a.kind === 'failed').map((a) => a.version));
  const applied = all.filter((a) => a.kind !== 'failed');
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const appliedVersions = new Set(applied.map((a) => a.version));
  const highest = applied.reduce((max, a) => Math.max(max, a.version), -Infinity);
  const out: Drift[] = [];
  for (const a of applied) {
    const f = byVersion.get(a.version);
    if (!f) {
      out.push(
        drift({
          kind: 'missing',
          version: a.version,
          name: a.name,
          message: `version ${a.version} (${a.name}) is applied but no file has that version any more`,
        }),
      );
      continue;
    }
    if (f.name !== a.name) {
      out.push(
        drift({
          kind: 'renamed',
          version: a.version,
          name: a.name,
          file: f.file,
          message: `${f.file} is recorded as applied under the name ${a.name}`,
        }),
      );
    }
    if (a.checksum !== null && a.checksum !== f.checksum) {
      out.push(
        drift({
          kind: 'edited',
          version: a.version,
          name: a.name,
          file: f.file,
          message: `${f.file} was edited after it was applied (checksum ${short(a.checksum)} recorded, ${short(f.checksum)} on disk)`,
        }),
      );
    }
  }
  for (const f of files) {
    if (!appliedVersions.has(f.version) && !failed.has(f.version) && f.version < highest) {
      out.push(
        drift({
          kind: 'out-of-order',
          version: f.version,
          name: f.name,
          file: f.file,
          message: `${f.file} is not applied but a higher version (${highest}) is: it would run out of order`,
        }),
      );
    }
  }
  return out.sort((x, y) => x.version - y.version || x.kind.localeCompare(y.kind));
}

/** A drift with its response section. */
function drift(d: Omit<Drift, 'runbook'>): Drift {
  return { ...d, runbook: MIGRATE_FINDINGS.anchor(d.kind) };
}

/** Pending migrations in version order, up to and including `to` when given. */
export function pendingMigrations(files: readonly MigrationFile[], applied: readonly AppliedMigration[], to?: number): MigrationFile[] {
  if (to !== undefined && !files.some((f) => f.version === to)) {
    throw new UsageError(`--to ${to} is not the version of a migration file.`, {
      hint: 'Run `dbops migrate status` to see the versions.',
    });
  }
  const done = new Set(applied.map((a) => a.version));
  return files.filter((f) => !done.has(f.version) && (to === undefined || f.version <= to));
}

/** A migration `down` reverts: its applied row and its file (which has a down file). */
export interface DownStep {
  applied: AppliedMigration;
  file: MigrationFile & { down: NonNullable<MigrationFile['down']> };
}

/**
 * The last `steps` applied migrations, newest version first. Throws a UsageError (nothing
 * changed) when one of them has no .down.sql file, or when there are fewer applied.
 */
export function planDown(files: readonly MigrationFile[], applied: readonly AppliedMigration[], steps: number): DownStep[] {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UsageError(`--steps expects a whole number of at least 1, got ${steps}.`);
  }
  const newest = [...applied].sort((a, b) => b.version - a.version).slice(0, steps);
  if (newest.length === 0) {
    throw new UsageError('There is nothing to revert: no migration is applied.', { hint: 'Run `dbops migrate status`.' });
  }
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const without: string[] = [];
  const plan: DownStep[] = [];
  for (const a of newest) {
    const f = byVersion.get(a.version);
    if (!f?.down) {
      without.push(f ? f.file : `version ${a.version} (${a.name}, file missing)`);
      continue;
    }
    plan.push({ applied: a, file: f as DownStep['file'] });
  }
  if (without.length > 0) {
    const names = without.join(', ');
    throw new UsageError(`Refusing to revert: ${names} ${without.length === 1 ? 'has' : 'have'} no .down.sql file; nothing was changed.`, {
      hint: 'Write the NNNN_name.down.sql beside it, or revert fewer steps (--steps), or roll forward with a new migration.',
      details: { withoutDown: without },
    });
  }
  return plan;
}

/** The files `baseline --version V` marks as applied: every unapplied file up to V. */
export function planBaseline(files: readonly MigrationFile[], applied: readonly AppliedMigration[], version: number): MigrationFile[] {
  if (!files.some((f) => f.version === version)) {
    throw new UsageError(`Version ${version} is not the version of a migration file.`, {
      hint: 'Baseline marks the files up to an existing version as applied; run `dbops migrate status` to see them.',
    });
  }
  const done = new Set(applied.map((a) => a.version));
  return files.filter((f) => f.version <= version && !done.has(f.version));
}

/** One row per version found on disk or applied, in version order, with its state. */
export function statusRows(files: readonly MigrationFile[], applied: readonly AppliedMigration[]): StatusRow[] {
  const drift = detectDrift(files, applied);
  const driftOf = new Map<number, DriftKind>();
  // 'edited' outranks 'renamed' when both apply to one version.
  for (const d of drift) if (!driftOf.has(d.version) || d.kind === 'edited') driftOf.set(d.version, d.kind);
  const appliedBy = new Map(applied.map((a) => [a.version, a]));
  const versions = [...new Set([...files.map((f) => f.version), ...applied.map((a) => a.version)])].sort((a, b) => a - b);
  const fileBy = new Map(files.map((f) => [f.version, f]));
  return versions.map((v) => {
    const f = fileBy.get(v);
    const a = appliedBy.get(v);
    const state: MigrationState =
      driftOf.get(v) ?? (a ? (a.kind === 'baseline' ? 'baselined' : a.kind === 'failed' ? 'failed' : 'applied') : 'pending');
    const row: StatusRow = { version: v, name: a?.name ?? f!.name, state, hasDown: Boolean(f?.down) };
    if (f) {
      row.file = f.file;
      row.noTransaction = f.noTransaction;
    }
    if (a) {
      row.appliedAt = a.appliedAt;
      row.durationMs = a.durationMs;
      row.appliedBy = a.appliedBy;
    }
    return row;
  });
}
