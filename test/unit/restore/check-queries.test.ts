/**
 * RT-10's queries by engine: PostgreSQL times the *.sql files of the queries directory,
 * MySQL those of its mysql/ subdirectory (dbops ships both); queries from the config go to both.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkQueriesDir, checkSettings } from '../../../src/lib/restore/steps.js';
import { SHIPPED_CHECKS_DIR } from '../../../src/lib/restore/settings.js';

const req = {
  queriesDir: SHIPPED_CHECKS_DIR,
  configQueries: [{ name: 'mine', sql: 'SELECT 1' }],
  heapallindexed: true,
  countTolerance: { percent: 5, rows: 100 },
  rpoHours: 24,
  performance: { runs: 3, maxSlowdown: 3, slackMs: 50, statementTimeoutMs: 30_000 },
};

describe('the check queries of each engine', () => {
  it('MySQL: the shipped sql/checks/mysql/*.sql, then the config queries', async () => {
    const s = await checkSettings(req, 'mysql');
    const dir = `${join(SHIPPED_CHECKS_DIR, 'mysql')}/`;
    expect(s.queries.map((q) => [q.name, q.origin])).toEqual([
      ['01_recipes_newest_public', join(dir, '01_recipes_newest_public.sql')],
      ['02_recipes_by_author', join(dir, '02_recipes_by_author.sql')],
      ['03_users_login', join(dir, '03_users_login.sql')],
      ['04_consent_active', join(dir, '04_consent_active.sql')],
      ['05_audit_recent', join(dir, '05_audit_recent.sql')],
      ['mine', 'config'],
    ]);
    expect(s.queries.find((q) => q.name === '05_audit_recent')!.sql).toContain('occurred_at > NOW() - INTERVAL 7 DAY');
    expect(s.querySources).toEqual([dir, 'restoreTest.performance.queries']);
  });

  it("PostgreSQL (or no engine named): the directory's own *.sql, never the mysql/ ones", async () => {
    for (const engine of ['postgres', undefined] as const) {
      const s = await checkSettings(req, engine);
      expect(s.queries.map((q) => q.name)).toEqual([
        '01_recipes_newest_public',
        '02_recipes_by_author',
        '03_recipes_dietary_tag',
        '04_users_login',
        '05_consent_active',
        '06_audit_recent',
        'mine',
      ]);
      expect(s.querySources[0]).toBe(SHIPPED_CHECKS_DIR);
    }
  });

  it('a directory of your own follows the same layout', () => {
    expect([checkQueriesDir('/srv/checks', 'mysql'), checkQueriesDir('/srv/checks', 'postgres')]).toEqual([
      '/srv/checks/mysql/',
      '/srv/checks',
    ]);
  });
});
