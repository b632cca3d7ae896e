/**
 * Every finding points into a response runbook: for each reporting command, the registry
 * of its finding kinds (kind → `XX-Rn`) and the `### XX-Rn Title` sections of its file
 * cover each other exactly. A kind without a section, or a section no kind points to,
 * fails here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_FINDINGS } from '../../../src/lib/audit/findings.js';
import { FREE_TIER_FINDINGS } from '../../../src/lib/freetier/findings.js';
import { OFFERS } from '../../../src/lib/freetier/offers.js';
import { MIGRATE_FINDINGS } from '../../../src/lib/migrate/findings.js';
import { LINT_RULES } from '../../../src/lib/migrate/lint.js';
import { FINDING_REGISTRIES } from '../../../src/lib/runbook/catalog.js';
import { defineFindings, RESPONSE_ID } from '../../../src/lib/runbook/findings.js';
import { parseResponseSections } from '../../../src/lib/runbook/parse.js';
import { BACKUP_FINDINGS } from '../../../src/lib/snapshots/status.js';

const RUNBOOK_DIR = fileURLToPath(new URL('../../../runbooks/', import.meta.url));
const sectionsOf = (name: string) => parseResponseSections(readFileSync(`${RUNBOOK_DIR}${name}.md`, 'utf8')).map((s) => s.id);

describe('the finding registries', () => {
  it('are the four reporting commands, each with its own runbook', () => {
    expect(FINDING_REGISTRIES.map((r) => r.runbook)).toEqual(['audit', 'backup-status', 'free-tier', 'migrate']);
  });
});

describe.each(FINDING_REGISTRIES.map((r) => [r.runbook, r] as const))('findings of runbooks/%s.md', (name, registry) => {
  const ids = Object.values<string>(registry.sections);

  it('give every finding kind a section that exists', () => {
    // GIVEN the sections of the file WHEN each kind's section is looked up THEN it is there
    const inFile = sectionsOf(name);
    const missing = Object.entries<string>(registry.sections).filter(([, id]) => !inFile.includes(id));
    expect(missing).toEqual([]);
    for (const id of ids) expect(id).toMatch(RESPONSE_ID);
  });

  it('leave no section without a finding kind', () => {
    const orphans = sectionsOf(name).filter((id) => !ids.includes(id));
    expect(orphans).toEqual([]);
  });

  it('have unique section ids in the file, numbered from R1 without gaps', () => {
    const inFile = sectionsOf(name);
    expect(new Set(inFile).size).toBe(inFile.length);
    const prefix = inFile[0]!.split('-')[0]!;
    expect(inFile).toEqual(inFile.map((_, i) => `${prefix}-R${i + 1}`));
  });

  it('anchor a kind as runbooks/<name>.md#<id>', () => {
    const [kind, id] = Object.entries<string>(registry.sections)[0]!;
    expect(registry.anchor(kind)).toBe(`runbooks/${name}.md#${id}`);
  });
});

describe('the registries hold every kind the code produces', () => {
  it('free tier: every offer, the budget, the credits plan and other API offers', () => {
    expect(Object.keys(FREE_TIER_FINDINGS.sections).sort()).toEqual(
      [...OFFERS.map((o) => o.id), 'budget', 'credits-plan', 'other-free-tier-offer'].sort(),
    );
  });

  it('migrate: the four kinds of drift, a failed migration and every lint rule', () => {
    expect(Object.keys(MIGRATE_FINDINGS.sections).sort()).toEqual(
      ['edited', 'missing', 'out-of-order', 'renamed', 'failed', ...LINT_RULES].sort(),
    );
  });

  it('audit and backup status: kinds as the code names them', () => {
    expect(Object.keys(AUDIT_FINDINGS.sections)).toContain('port-open-to-world');
    expect(Object.keys(BACKUP_FINDINGS.sections)).toEqual([
      'no-recent-manual-snapshot',
      'no-recent-cross-region-copy',
      'backup-retention-below-policy',
      'restorable-time-older-than-rpo',
      'wal-archive-gap',
      'wal-archive-failing',
      'wal-archiving-off',
      'dr-drill-overdue',
      'backup-replication-gap',
    ]);
  });
});

describe('the coverage check itself', () => {
  it('catches a kind without a section and a section without a kind', () => {
    // GIVEN a registry that misses AU-R13 and points at a section the file lacks
    const sections = { ...AUDIT_FINDINGS.sections, 'pgvector-not-checked': 'AU-R99' };
    const broken = defineFindings('audit', sections);
    const inFile = sectionsOf('audit');
    // THEN both sides show up
    expect(Object.values<string>(broken.sections).filter((id) => !inFile.includes(id))).toEqual(['AU-R99']);
    expect(inFile.filter((id) => !Object.values<string>(broken.sections).includes(id))).toEqual(['AU-R13']);
  });
});
