/**
 * The key figures of the fleet-wide summaries that the fake-backed tests do not reach:
 * replica status (replicas, worst lag, a broken one), migrate status (applied, pending,
 * drift, failed), free-tier-report per account (the most used offer, its forecast, the
 * thresholds crossed), dr-drill (RTO and RPO). Pure.
 */
import { describe, expect, it } from 'vitest';
import { figureOf as drillFigure } from '../../../src/lib/fleet/dr-drill.js';
import { figureOf as freeTierFigure } from '../../../src/lib/fleet/free-tier.js';
import { figureOf as migrateFigure } from '../../../src/lib/fleet/migrate-status.js';
import { figureOf as replicaFigure } from '../../../src/lib/fleet/replica-status.js';
import type { FreeTierReport } from '../../../src/lib/freetier/types.js';
import type { Topology } from '../../../src/lib/providers/failover-types.js';

describe('fleet key figures', () => {
  it('replica status: no replicas; replicas with the worst lag; a broken replica named', () => {
    const primary = { id: 'core-db' } as Topology['primary'];
    const replica = (id: string, state: string, lagSeconds?: number) =>
      ({ id, state, ...(lagSeconds !== undefined ? { lagSeconds } : {}) }) as Topology['replicas'][number];
    expect(replicaFigure({ primary, replicas: [] })).toBe('core-db: no replicas');
    expect(replicaFigure({ primary, replicas: [replica('r1', 'streaming', 2), replica('r2', 'streaming', 7)] })).toBe(
      '2 replicas, lag ≤ 7 s',
    );
    expect(replicaFigure({ primary, replicas: [replica('r1', 'streaming', 0), replica('r2', 'disconnected')] })).toBe(
      '2 replicas, lag ≤ 0 s; r2 disconnected',
    );
  });

  it('migrate status: applied and pending, drift and failed only when there are any', () => {
    const summary = { files: 14, applied: 12, pending: 2, drift: 0, failed: 0, lint: 0 };
    expect(migrateFigure({ summary })).toBe('12 applied, 2 pending');
    expect(migrateFigure({ summary: { ...summary, drift: 1, failed: 1 } })).toBe('12 applied, 2 pending, 1 drift, 1 failed');
  });

  it('free-tier-report: the most used offer that applies and is readable, its forecast, the thresholds crossed', () => {
    const offer = (service: string, percent: number, forecastPercent: number, o: { applies?: boolean; available?: boolean } = {}) =>
      ({
        service,
        percent,
        forecastPercent,
        applies: o.applies ?? true,
        available: o.available ?? true,
      }) as FreeTierReport['offers'][number];
    const offers = [offer('RDS', 62.4, 91.2), offer('Lambda', 10, 12), offer('ElastiCache', 99, 99, { available: false })];
    expect(freeTierFigure({ offers, crossed: [] })).toBe('RDS 62% used (forecast 91%)');
    expect(freeTierFigure({ offers, crossed: ['RDS forecast 91% ≥ 80%'] })).toBe('RDS 62% used (forecast 91%); 1 threshold crossed');
    // a month just begun: nothing used yet, but one offer forecast past its limit is the figure, not the first 0% one
    const early = [offer('RDS', 0, 0), offer('RDS', 0, 285), offer('Lambda', 1, 2)];
    expect(freeTierFigure({ offers: early, crossed: ['RDS storage warning'] })).toBe('RDS 0% used (forecast 285%); 1 threshold crossed');
    expect(freeTierFigure({ offers: [], crossed: [] })).toBe('no offer readable');
  });

  it('dr-drill: the verdict with RTO and RPO', () => {
    const rto = { targetHours: 4, recovered: true, covers: 'automated-only' as const };
    const rpo = { targetHours: 24 };
    expect(drillFigure({ verdict: 'passed', rto: { ...rto, seconds: 754 }, rpo: { ...rpo, seconds: 312 } })).toBe(
      'passed: RTO 12m34s, RPO 5m12s',
    );
    expect(drillFigure({ verdict: 'failed', rto, rpo })).toBe('failed: RTO not measured, RPO not measured');
    expect(drillFigure({ verdict: 'dry-run', rto, rpo })).toBe('dry run: nothing restored');
  });
});
