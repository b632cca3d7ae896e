/**
 * `dbops restore-test` for real on the local provider: a PostgreSQL 15 source with the
 * recipe-book schema, data, a dbops migration history and heartbeats; a verified
 * snapshot; restores into temporary clusters, the data-plane checks over real
 * connections. One source and snapshot for the whole file.
 */
import { readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/lib/checks/types.js';
import { EnvironmentError } from '../../../src/lib/errors.js';
import { restoreTest } from '../../../src/lib/restore/restore-test.js';
import type { SchemaDifference } from '../../../src/lib/checks/schema.js';
import type { CountJudgement } from '../../../src/lib/checks/counts.js';
import { withPg } from '../../_helpers/local.js';
import { contextFor, leftovers, startSource, type Source } from './_setup.js';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-rt-int-');
});

afterAll(async () => {
  await src?.destroy();
});

function check(checks: readonly CheckResult[], id: CheckResult['id']): CheckResult {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

async function expectNothingLeft(tempId: string): Promise<void> {
  expect(await leftovers(src, tempId)).toEqual({ instances: [src.id], dirs: [src.id], processes: [], tmp: [] });
}

describe('restore-test on the local provider', () => {
  it('passes on a healthy snapshot: every check with evidence, nothing left behind, the result recorded', async () => {
    // GIVEN the source and its snapshot
    const { ctx, output } = await contextFor(src);

    // WHEN the restore test runs, with a Markdown report
    const reportFile = join(src.home, 'reports', 'rt.md');
    const { result, error } = await restoreTest(ctx, { snapshotId: src.snapshotId, reportFile });

    // THEN it passed, with every check in its step
    expect(error, output.stderr()).toBeUndefined();
    expect(result.verdict).toBe('passed');
    expect(result.checks.map((c) => [c.step, c.id, c.status])).toEqual([
      ['RT-3', 'rto', 'passed'],
      ['RT-4', 'server', 'passed'],
      ['RT-5', 'amcheck', 'passed'],
      ['RT-5', 'invalid-indexes', 'passed'],
      ['RT-6', 'schema', 'passed'],
      ['RT-7', 'row-counts', 'passed'],
      ['RT-8', 'rpo', 'passed'],
      ['RT-9', 'pgvector', 'skipped'],
      ['RT-10', 'performance', 'passed'],
    ]);
    // AND the evidence says what was checked
    const amcheck = check(result.checks, 'amcheck').data as {
      heapRelations: number;
      btreeIndexes: number;
      createdExtension: boolean;
      findings: unknown[];
    };
    expect(amcheck.createdExtension).toBe(true);
    expect(amcheck.findings).toEqual([]);
    expect(amcheck.btreeIndexes).toBeGreaterThan(10);
    expect(check(result.checks, 'schema').evidence[0]).toMatch(
      /^compared \d+ relations, \d+ columns, \d+ indexes, \d+ constraints, 1 extensions, 8 migrations$/,
    );
    const counts = (check(result.checks, 'row-counts').data as { tables: CountJudgement[] }).tables;
    expect(counts.find((t) => t.table === 'public.recipes')).toMatchObject({ source: 3000, restore: 3000, status: 'passed' });
    expect(result.rpo).toMatchObject({ targetHours: 24, measured: true, withinTarget: true });
    const perf = check(result.checks, 'performance').data as { queries: { name: string; status: string }[] };
    expect(perf.queries.map((q) => [q.name, q.status])).toEqual([
      ['01_recipes_newest_public', 'passed'],
      ['02_recipes_by_author', 'passed'],
      ['03_recipes_dietary_tag', 'passed'],
      ['04_users_login', 'passed'],
      ['05_consent_active', 'passed'],
      ['06_audit_recent', 'passed'],
    ]);
    // AND amcheck was never created on the source, which is unchanged
    expect(
      await withPg(src.info, async (c) =>
        (await c.query(`SELECT extname FROM pg_extension ORDER BY 1`)).rows.map((r) => r.extname as string),
      ),
    ).toEqual(['plpgsql']);
    // AND nothing is left; the metrics, the history and the report were written
    await expectNothingLeft(result.temporary!.instanceId);
    expect(result.temporary).toMatchObject({ created: true, deleted: true, kept: false });
    expect(result.recorded?.metrics.published).toBe(true);
    const metrics = await readFile(join(src.home, 'local', 'us-east-2', 'metrics', 'dbops.jsonl'), 'utf8');
    expect(
      metrics
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { metricName: string }).metricName),
    ).toEqual(['RestoreTestSuccess', 'RestoreTestDurationSeconds', 'RestoreTestDataLossSeconds']);
    const history = (await readFile(join(src.home, 'history', 'restore-tests.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(history.at(-1)!)).toMatchObject({
      runId: result.runId,
      verdict: 'passed',
      instanceId: src.id,
      snapshotId: src.snapshotId,
      failedChecks: [],
    });
    const md = await readFile(reportFile, 'utf8');
    expect(md).toContain(`# Restore test of ${src.id}: PASSED`);
    expect(md).toContain('| RT-5 | Physical integrity (amcheck) | passed |');
    expect(md).not.toContain(src.info.password!.reveal());
  });

  it('a dropped index on the source after the snapshot: the drift is listed and explained (exit 1)', async () => {
    // GIVEN an index dropped on the source after the snapshot, outside dbops migrate
    await withPg(src.info, (c) => c.query('DROP INDEX recipes_author_id_idx'));
    try {
      const { ctx } = await contextFor(src);

      // WHEN
      const { result, error } = await restoreTest(ctx, { snapshotId: src.snapshotId });

      // THEN the schema check fails with exactly that difference, explained
      expect(error).toBeUndefined();
      expect(result.verdict).toBe('failed');
      expect(result.failedChecks).toEqual(['schema']);
      const diffs = (check(result.checks, 'schema').data as { differences: SchemaDifference[] }).differences;
      expect(diffs.map((d) => [d.kind, d.name, d.change, d.restore])).toEqual([
        [
          'index',
          'public.recipes_author_id_idx',
          'only-in-restore',
          'CREATE INDEX recipes_author_id_idx ON public.recipes USING btree (author_id)',
        ],
      ]);
      expect(diffs[0]!.explanation).toMatch(
        /^in the backup \(taken .+\) but not on the source now: dropped on the source after the backup, outside dbops migrate \(both migration histories are identical\)$/,
      );
      expect(result.report.steps.find((s) => s.id === 'RT-6')?.status).toBe('failed');
      await expectNothingLeft(result.temporary!.instanceId);
    } finally {
      await withPg(src.info, (c) => c.query('CREATE INDEX recipes_author_id_idx ON recipes (author_id)'));
    }
  });

  it('a migration applied to the source after the snapshot: differences explained by it, a warning, not a failure', async () => {
    // GIVEN migration 0009 applied to the source after the snapshot
    await withPg(src.info, async (c) => {
      await c.query('CREATE TABLE recipe_tags (recipe_id bigint REFERENCES recipes (id), tag text NOT NULL)');
      await c.query(`INSERT INTO dbops.schema_migrations (version, name, checksum) VALUES (9, 'recipe_tags', repeat('a', 64))`);
    });
    try {
      const { ctx } = await contextFor(src);

      // WHEN
      const { result } = await restoreTest(ctx, { snapshotId: src.snapshotId });

      // THEN
      const schema = check(result.checks, 'schema');
      expect(schema.status).toBe('warning');
      expect(schema.summary).toBe('2 differences, all from migrations applied to the source after the backup.');
      const diffs = (schema.data as { differences: SchemaDifference[] }).differences;
      expect(diffs.map((d) => [d.kind, d.name, d.change])).toEqual([
        ['relation', 'public.recipe_tags', 'only-in-source'],
        ['migration', '9', 'only-in-source'],
      ]);
      expect(diffs[0]!.explanation).toMatch(/^expected: migration 9 recipe_tags \(applied .+\) ran on the source after the backup/);
      expect(result.verdict).toBe('passed');
    } finally {
      await withPg(src.info, async (c) => {
        await c.query('DROP TABLE recipe_tags');
        await c.query('DELETE FROM dbops.schema_migrations WHERE version = 9');
      });
    }
  });

  it('rows deleted from the restore: the counts fail, with the explanation (exit 1)', async () => {
    // GIVEN a restore that lost two thirds of its recipes (damaged on purpose through the seam)
    const { ctx } = await contextFor(src);

    // WHEN
    const { result } = await restoreTest(
      ctx,
      { snapshotId: src.snapshotId },
      { beforeChecks: async (db) => void (await db.query('DELETE FROM recipes WHERE id % 3 <> 0')) },
    );

    // THEN
    expect(result.verdict).toBe('failed');
    expect(result.failedChecks).toEqual(['row-counts']);
    const recipes = (check(result.checks, 'row-counts').data as { tables: CountJudgement[] }).tables.find(
      (t) => t.table === 'public.recipes',
    );
    expect(recipes).toMatchObject({ source: 3000, restore: 1000, difference: -2000, allowed: 150, status: 'failed' });
    expect(recipes?.explanation).toMatch(
      /^the restore has 2000 fewer rows \(67% of the source\), more than the 150 that writes since the backup \(taken .+ ago\) may explain: rows missing from the backup, or a bulk load on the source after it$/,
    );
    await expectNothingLeft(result.temporary!.instanceId);
  });

  it('a damaged snapshot: exit 3 with the corrupt message, nothing left behind', async () => {
    // GIVEN a second snapshot whose base.tar has flipped bytes
    const badId = `${src.id}-snap-bad`;
    await src.provider.createSnapshot({ instanceId: src.id, snapshotId: badId, tags: {} });
    const tar = join(src.home, 'local', 'us-east-2', 'snapshots', badId, 'base.tar');
    const fh = await open(tar, 'r+');
    try {
      const { size } = await fh.stat();
      for (const at of [Math.floor(size / 3), Math.floor(size / 2)]) {
        const buf = Buffer.alloc(64);
        await fh.read(buf, 0, 64, at);
        await fh.write(Buffer.from(buf.map((b) => b ^ 0xff)), 0, 64, at);
      }
    } finally {
      await fh.close();
    }
    try {
      const { ctx } = await contextFor(src);

      // WHEN
      const { result, error } = await restoreTest(ctx, { snapshotId: badId });

      // THEN
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as EnvironmentError).exitCode).toBe(3);
      expect(error?.message).toMatch(new RegExp(`^Snapshot ${badId} is corrupt: `));
      expect(result.verdict).toBe('error');
      expect(result.error?.step).toBe('RT-2');
      expect(result.recorded?.metrics.data.map((d) => [d.metricName, d.value])).toEqual([['RestoreTestSuccess', 0]]);
      await expectNothingLeft(result.temporary!.instanceId);
    } finally {
      await src.provider.deleteSnapshot(badId);
    }
  });
});
