/**
 * Runbooks are the spec: every runbook a command declares (src/lib/runbook/catalog.ts)
 * has a file runbooks/<name>.md with the same step ids in the same order, every section a
 * command runs (`runbookSection`) exists in its file, and every runbooks/*.md file is
 * declared: by a command, as a procedure followed by hand, or as the response runbook of
 * a finding registry. runbooks/README.md is the index, not a runbook.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FINDING_REGISTRIES, PROCEDURES, RUNBOOK_INDEX, RUNBOOKS } from '../../../src/lib/runbook/catalog.js';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';
import { MIGRATE_BASELINE, MIGRATE_DOWN, MIGRATE_UP } from '../../../src/lib/migrate/runbooks.js';
import { SNAPSHOT_COPY, SNAPSHOT_CREATE, SNAPSHOT_DELETE, SNAPSHOT_POLICY, SNAPSHOT_PRUNE } from '../../../src/lib/snapshots/runbooks.js';
import { VECTOR_BUILD, VECTOR_TUNE } from '../../../src/lib/vector/runbook.js';
import { DR_DRILL, DR_DRILL_CLUSTER } from '../../../src/lib/drill/runbook.js';
import { RESTORE_TEST, RESTORE_TEST_CLUSTER, RESTORE_TEST_MYSQL } from '../../../src/lib/restore/runbook.js';

const RUNBOOK_DIR = fileURLToPath(new URL('../../../runbooks/', import.meta.url));
const DECLARED = [...RUNBOOKS, ...PROCEDURES];
const SECTIONS = [
  MIGRATE_UP,
  MIGRATE_DOWN,
  MIGRATE_BASELINE,
  SNAPSHOT_POLICY,
  SNAPSHOT_CREATE,
  SNAPSHOT_COPY,
  SNAPSHOT_DELETE,
  SNAPSHOT_PRUNE,
  VECTOR_TUNE,
  VECTOR_BUILD,
  RESTORE_TEST,
  RESTORE_TEST_MYSQL,
  RESTORE_TEST_CLUSTER,
  DR_DRILL,
  DR_DRILL_CLUSTER,
];

describe('the runbook catalog', () => {
  it('is not empty and has no duplicate names', () => {
    expect(RUNBOOKS.length).toBeGreaterThan(0);
    const names = DECLARED.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has a declaration for every runbooks/*.md file but the index (no orphan runbook)', () => {
    // GIVEN the runbook files WHEN compared with the catalog THEN none is missing from it
    const files = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md') && f !== RUNBOOK_INDEX);
    expect(files.length).toBeGreaterThan(0);
    const declared = new Set([...DECLARED.map((r) => `${r.name}.md`), ...FINDING_REGISTRIES.map((f) => `${f.runbook}.md`)]);
    expect(files.filter((f) => !declared.has(f))).toEqual([]);
  });

  it('skips only the index, which exists and links every runbook file', () => {
    const index = readFileSync(`${RUNBOOK_DIR}${RUNBOOK_INDEX}`, 'utf8');
    const files = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md') && f !== RUNBOOK_INDEX);
    expect(files.filter((f) => !index.includes(`(${f})`))).toEqual([]);
    // the index itself declares no step: it would otherwise be a runbook the catalog lacks
    expect(readRunbookSteps(`${RUNBOOK_DIR}${RUNBOOK_INDEX}`)).toEqual([]);
  });
});

describe.each(DECLARED.map((def) => [def.name, def] as const))('runbook %s', (name, def) => {
  const file = `${RUNBOOK_DIR}${name}.md`;

  it(`has the file runbooks/${name}.md`, () => {
    expect(existsSync(file)).toBe(true);
  });

  it('declares at least one step, with unique ids', () => {
    const ids = def.steps.map((s) => s.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has the same step ids in the same order as the file', () => {
    // GIVEN the file's step headings WHEN compared with the declared steps THEN the ids match exactly
    expect(readRunbookSteps(file).map((s) => s.id)).toEqual(def.steps.map((s) => s.id));
  });
});

describe('the sections commands run', () => {
  it.each(SECTIONS.map((def) => [`${def.name}: ${def.title}`, def] as const))('%s names steps its file has, each once', (_label, def) => {
    // WHEN the section's steps are read from the file THEN each id is there (a missing one throws) and none repeats
    const ids = def.steps.map((s) => s.id);
    const inFile = readRunbookSteps(`${RUNBOOK_DIR}${def.name}.md`).map((s) => s.id);
    expect(ids.filter((id) => !inFile.includes(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
