/**
 * The RDS free tier's 750 hours are one pool for every db.t2/t3/t4g.micro Single-AZ
 * instance whatever its engine: a PostgreSQL and a MySQL micro instance running together
 * use them twice as fast, and the report says so.
 */
import { describe, expect, it } from 'vitest';
import { rdsInstanceLines } from '../../../src/lib/freetier/instances.js';
import { measureRdsHours } from '../../../src/lib/freetier/measure.js';
import { monthWindow } from '../../../src/lib/freetier/month.js';
import type { DbInstanceUsage } from '../../../src/lib/providers/usage-types.js';

function hourly(from: string, to: string): Date[] {
  const out: Date[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 3_600_000) out.push(new Date(t));
  return out;
}

const micro = (id: string, engine: string, over: Partial<DbInstanceUsage> = {}): DbInstanceUsage =>
  ({ id, engine, instanceClass: 'db.t3.micro', multiAz: false, status: 'available', tags: {}, ...over }) as DbInstanceUsage;

function measure(instances: DbInstanceUsage[], hours: Map<string, Date[]>) {
  const w = monthWindow('2026-03', new Date('2026-03-11T00:30:00Z'));
  const lines = rdsInstanceLines(instances, hours, w);
  return measureRdsHours(lines, hours, w, new Map(instances.map((i) => [i.id, i.engine])));
}

describe('free-tier instance hours across engines', () => {
  it('counts a PostgreSQL and a MySQL micro instance against one 750 h and says they run out twice as fast', () => {
    // GIVEN seed 000's PostgreSQL and seed 003's MySQL, both micro Single-AZ, running since March 1st
    const both = hourly('2026-03-01T00:00:00Z', '2026-03-11T00:00:00Z');
    const hours = new Map([
      ['recipe-db-primary', both],
      ['core-db', both],
    ]);
    // WHEN measuring the RDS hours on March 11th
    const m = measure([micro('recipe-db-primary', 'postgres'), micro('core-db', 'mysql')], hours);
    // THEN both count: 2 x 240 h, at 2 h per hour
    expect(m.projection).toMatchObject({ used: 480, ratePerHour: 2 });
    // AND the notes say the pool is shared by both engines and used twice as fast
    expect(m.notes).toEqual([
      '2 free-class instances are running at once: the free hours run out 2x as fast.',
      'The free 750 instance-hours are shared by every engine, MySQL (core-db) and PostgreSQL (recipe-db-primary) alike: with 2 running at once they run out 2x as fast as with one.',
    ]);
  });

  it('says nothing about engines when one engine runs, or the other engine is not free (Multi-AZ)', () => {
    const both = hourly('2026-03-01T00:00:00Z', '2026-03-11T00:00:00Z');
    const hours = new Map([
      ['a', both],
      ['b', both],
    ]);
    const same = measure([micro('a', 'postgres'), micro('b', 'postgres')], hours);
    expect(same.notes.some((n) => n.includes('every engine'))).toBe(false);
    const multiAz = measure([micro('a', 'postgres'), micro('b', 'mysql', { multiAz: true })], hours);
    expect(multiAz.notes.some((n) => n.includes('every engine'))).toBe(false);
  });

  it('says the hours add up when both engines ran this month but not at once', () => {
    const hours = new Map([
      ['pg', hourly('2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z')],
      ['my', hourly('2026-03-05T00:00:00Z', '2026-03-11T00:00:00Z')],
    ]);
    const m = measure([micro('pg', 'postgres'), micro('my', 'mysql')], hours);
    expect(m.projection.used).toBe(48 + 144);
    expect(m.notes).toContain(
      'The free 750 instance-hours are shared by every engine, MySQL (my) and PostgreSQL (pg) alike, so their hours add up.',
    );
  });
});
