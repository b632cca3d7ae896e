/**
 * `dbops dr-drill --scenario replica` on the local provider: a throwaway primary from the
 * newest snapshot and a throwaway replica of it, the failover of `dbops failover` with its
 * write probe on that copy — and production untouched: its system identifier, timeline
 * and rows are what they were. The copy's failover is kept in the drill record, never in
 * the production failover history (`dbops replica status --history`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drDrill } from '../../../src/lib/drill/drill.js';
import { readFailovers } from '../../../src/lib/failover/history.js';
import { replicaHistory } from '../../../src/lib/failover/status.js';
import { withPg } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';
import { startSource, type Source } from '../restore/_setup.js';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-drill-rep-');
});

afterAll(async () => {
  await src?.destroy();
});

async function identity(): Promise<{ sysid: string; tli: number; recipes: number; heartbeats: number }> {
  return withPg(src.info, async (c) => {
    const r = await c.query<{ sysid: string; tli: number; recipes: string; heartbeats: string }>(
      `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS sysid, (SELECT timeline_id FROM pg_control_checkpoint()) AS tli,
              (SELECT count(*) FROM recipes) AS recipes, (SELECT count(*) FROM dbops.heartbeat) AS heartbeats`,
    );
    const row = r.rows[0]!;
    return { sysid: row.sysid, tli: Number(row.tli), recipes: Number(row.recipes), heartbeats: Number(row.heartbeats) };
  });
}

describe('dr-drill --scenario replica on the local provider', () => {
  it('fails over a throwaway copy with the write probe; production untouched; nothing left', async () => {
    const before = await identity();
    const { ctx, output } = await restoreTestContext({
      config: config({ provider: 'local', database: { identifier: src.id } }),
      provider: src.provider,
      home: src.home,
    });
    const { record, error } = await drDrill(ctx, { scenario: 'replica' });
    expect(error, output.stderr()).toBeUndefined();
    expect(record.verdict).toBe('passed');
    expect(record.environment.replicaInstanceId).toBe(`${src.id}-dr-${record.drillId}-r`);
    expect(record.steps.filter((s) => ['DR-5', 'DR-6'].includes(s.id)).map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(record.failover).toMatchObject({ promoted: `${src.id}-dr-${record.drillId}-r`, productionUntouched: true, probeLost: 0 });
    expect(record.failover!.probeWrites).toBeGreaterThan(0);
    expect(record.phases.map((p) => p.name)).toContain('failover');
    expect(await identity()).toEqual(before);
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
    // The throwaway copy's failover is not a production failover: no line in the failover history.
    expect(await readFailovers(src.home)).toEqual([]);
    expect(await replicaHistory(ctx)).toEqual([]);
  });
});
