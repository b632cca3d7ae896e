/**
 * Runbooks are the spec: the steps `dbops restore-test` declares are the headings of
 * runbooks/restore-test.md, same ids, same titles, same order (the catalog's sync test
 * does the same once RESTORE_TEST is listed there).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';
import { RESTORE_TEST } from '../../../src/lib/restore/runbook.js';

const FILE = fileURLToPath(new URL('../../../runbooks/restore-test.md', import.meta.url));

describe('runbooks/restore-test.md', () => {
  it('has the declared steps, in order, with the same titles', () => {
    expect(readRunbookSteps(FILE)).toEqual(RESTORE_TEST.steps);
  });

  it('is named as the definition says', () => {
    expect(RESTORE_TEST.name).toBe('restore-test');
  });
});
