/**
 * Runbooks are the spec: every runbook a command declares (src/lib/runbook/catalog.ts)
 * has a file runbooks/<name>.md with the same step ids in the same order, and every
 * runbook file is declared by some command.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNBOOKS } from '../../../src/lib/runbook/catalog.js';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';

const RUNBOOK_DIR = fileURLToPath(new URL('../../../runbooks/', import.meta.url));

describe('the runbook catalog', () => {
  it('is not empty and has no duplicate names', () => {
    expect(RUNBOOKS.length).toBeGreaterThan(0);
    const names = RUNBOOKS.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has a declaration for every runbooks/*.md file (no orphan runbook)', () => {
    // GIVEN the runbook files WHEN compared with the catalog THEN none is missing from it
    const files = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(0);
    const declared = new Set(RUNBOOKS.map((r) => `${r.name}.md`));
    expect(files.filter((f) => !declared.has(f))).toEqual([]);
  });
});

describe.each(RUNBOOKS.map((def) => [def.name, def] as const))('runbook %s', (name, def) => {
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
