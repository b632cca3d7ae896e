/**
 * Runbooks are the spec: the steps `dbops restore-test` declares are the headings of
 * runbooks/restore-test.md, same ids, same titles, same order (the catalog's sync test
 * does the same once RESTORE_TEST is listed there).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';
import { RESTORE_TEST, RESTORE_TEST_MYSQL, RESTORE_TEST_RUNBOOK } from '../../../src/lib/restore/runbook.js';

const FILE = fileURLToPath(new URL('../../../runbooks/restore-test.md', import.meta.url));

describe('runbooks/restore-test.md', () => {
  it('has the declared steps, in order, with the same titles', () => {
    expect(readRunbookSteps(FILE)).toEqual(RESTORE_TEST_RUNBOOK.steps);
  });

  it('a PostgreSQL source checks integrity in RT-5 (amcheck), a MySQL source in RT-12 (CHECK TABLE); the other steps are shared', () => {
    const ids = (steps: { id: string }[]) => steps.map((s) => s.id);
    const shared = ['RT-1', 'RT-2', 'RT-3', 'RT-4', 'RT-6', 'RT-7', 'RT-8', 'RT-9', 'RT-10', 'RT-11'];
    expect(ids(RESTORE_TEST.steps)).toEqual([...shared.slice(0, 4), 'RT-5', ...shared.slice(4)]);
    expect(ids(RESTORE_TEST_MYSQL.steps)).toEqual([...shared.slice(0, 4), 'RT-12', ...shared.slice(4)]);
    expect(RESTORE_TEST_MYSQL.steps.find((s) => s.id === 'RT-12')!.title).toBe('Check physical integrity (MySQL)');
  });

  it('is named as the definition says', () => {
    expect(RESTORE_TEST.name).toBe('restore-test');
  });
});
