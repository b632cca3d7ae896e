/**
 * Response runbooks: a reporting command (backup status, audit, free-tier-report, migrate
 * verify/status) prints findings; each kind of finding has one section in a runbook,
 * headed `### XX-Rn Title`, saying what it means, how to confirm it by hand and the fix.
 * Each command keeps its kind → section map in one registry (`defineFindings`), and every
 * finding it prints names its section (`see runbooks/free-tier.md#FT-R3`). The coverage
 * test (test/unit/runbook/findings.test.ts) fails when a kind has no section or a section
 * no kind.
 */

/** A response section id: `FT-R3`. */
export const RESPONSE_ID = /^[A-Z]{1,4}-R\d+$/;

export interface FindingRegistry<K extends string> {
  /** File name in runbooks/ without .md, e.g. "free-tier". */
  readonly runbook: string;
  /** Each finding kind and the id of its section. */
  readonly sections: Readonly<Record<K, string>>;
  /** `runbooks/free-tier.md#FT-R3`: what a finding of this kind prints. */
  anchor(kind: K): string;
}

export function defineFindings<const K extends string>(runbook: string, sections: Readonly<Record<K, string>>): FindingRegistry<K> {
  return {
    runbook,
    sections,
    anchor: (kind) => `runbooks/${runbook}.md#${sections[kind]}`,
  };
}

/** The words a human rendering appends to a finding: `(see runbooks/audit.md#AU-R2)`. */
export function seeAnchor(anchor: string): string {
  return `(see ${anchor})`;
}
