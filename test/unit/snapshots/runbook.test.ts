/**
 * runbooks/snapshots.md is the spec of `dbops snapshot run-policy`: the same step ids in
 * the same order as SNAPSHOT_POLICY, and every step says how to do it by hand with the
 * aws CLI. (The catalog-wide sync test covers it once it is in the catalog.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRunbookSteps } from '../../../src/lib/runbook/parse.js';
import { SNAPSHOT_POLICY } from '../../../src/lib/snapshots/runbooks.js';

const FILE = fileURLToPath(new URL('../../../runbooks/snapshots.md', import.meta.url));
const text = readFileSync(FILE, 'utf8');

/** The text of each step section, by id. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^### /m).slice(1);
  for (const p of parts) out.set(p.split(/\s/)[0]!, p);
  return out;
}

describe('runbooks/snapshots.md', () => {
  it('has the steps run-policy declares, same ids and titles, same order, first', () => {
    expect(parseRunbookSteps(text).slice(0, SNAPSHOT_POLICY.steps.length)).toEqual(SNAPSHOT_POLICY.steps);
    expect(SNAPSHOT_POLICY.name).toBe('snapshots');
  });

  it.each(SNAPSHOT_POLICY.steps.map((s) => s.id))('step %s says how to do it by hand with the aws CLI', (id) => {
    const section = sections(text).get(id);
    expect(section).toBeDefined();
    expect(section).toMatch(/By hand:/);
    expect(section).toMatch(/`aws (rds|kms) [a-z-]+/);
  });
});
