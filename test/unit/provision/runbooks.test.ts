/**
 * The provisioning runbooks match their files (same ids, same order), until the catalog
 * (src/lib/runbook/catalog.ts) lists them and the general sync test takes over.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVISION_APPLY, PROVISION_DESTROY } from '../../../src/lib/provision/runbooks.js';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';

describe.each([PROVISION_APPLY, PROVISION_DESTROY])('runbook $name', (def) => {
  it('has the same step ids and titles, in the same order, as its file', () => {
    const file = fileURLToPath(new URL(`../../../runbooks/${def.name}.md`, import.meta.url));
    expect(readRunbookSteps(file)).toEqual(def.steps);
  });
});
