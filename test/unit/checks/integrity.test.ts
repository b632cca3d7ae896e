import { describe, expect, it } from 'vitest';
import { judgeAmcheck, planWork, weightOf, type AmcheckData } from '../../../src/lib/checks/amcheck.js';
import { judgeInvalidIndexes } from '../../../src/lib/checks/invalid-indexes.js';
import { forEachOnConnections } from '../../../src/lib/checks/parallel.js';
import type { Queryable } from '../../../src/lib/checks/types.js';

describe('planWork', () => {
  const rels = [
    { oid: 10, kind: 'heap' as const, name: 'public.small', pages: 1, heapPages: 0 },
    { oid: 11, kind: 'btree' as const, name: 'public.small_pkey', pages: 2, heapPages: 1 },
    { oid: 20, kind: 'btree' as const, name: 'public.big_pkey', pages: 30, heapPages: 100 },
    { oid: 21, kind: 'heap' as const, name: 'public.big', pages: 100, heapPages: 0 },
    { oid: 22, kind: 'heap' as const, name: 'pg_toast.pg_toast_21', pages: 50, heapPages: 0 },
  ];

  it('puts the heaviest checks first; with heapallindexed an index weighs its table too', () => {
    expect(planWork(rels, true).map((r) => [r.oid, weightOf(r, true)])).toEqual([
      [20, 130],
      [21, 100],
      [22, 50],
      [11, 3],
      [10, 1],
    ]);
    expect(planWork(rels, false).map((r) => r.oid)).toEqual([21, 22, 20, 11, 10]);
  });
});

describe('judgeAmcheck', () => {
  const clean: AmcheckData = {
    extensionVersion: '1.3',
    createdExtension: true,
    heapRelations: 120,
    btreeIndexes: 180,
    bytes: 8192 * 1000,
    connections: 2,
    heapallindexed: true,
    findings: [],
  };

  it('passes without findings and says what it covered', () => {
    const r = judgeAmcheck(clean);
    expect([r.status, r.summary, r.evidence]).toEqual([
      'passed',
      'No corruption in 120 heap relations and 180 B-tree indexes.',
      [
        'amcheck 1.3 (created on the restore by this test)',
        'verify_heapam over 120 heap relations (tables, TOAST included), bt_index_check with heapallindexed over 180 B-tree indexes; 7.8 MiB on 2 connections',
      ],
    ]);
  });

  it('fails on findings, naming relation and place', () => {
    const r = judgeAmcheck({
      ...clean,
      findings: [
        {
          relation: 'public.recipes',
          kind: 'heap',
          message: 'block 3, offset 7: line pointer redirection to item at offset 90 exceeds maximum offset 12',
        },
        {
          relation: 'public.recipes_pkey',
          kind: 'btree',
          message: 'heap tuple (3,7) from table "recipes" lacks matching index tuple within index "recipes_pkey"',
        },
      ],
    });
    expect([r.status, r.summary]).toEqual(['failed', 'amcheck found 2 problems in 2 relations.']);
    expect(r.evidence.slice(2)).toEqual([
      'table public.recipes: block 3, offset 7: line pointer redirection to item at offset 90 exceeds maximum offset 12',
      'index public.recipes_pkey: heap tuple (3,7) from table "recipes" lacks matching index tuple within index "recipes_pkey"',
    ]);
  });
});

describe('judgeInvalidIndexes', () => {
  const a = { index: 'public.a_idx', table: 'public.a' };
  const b = { index: 'public.b_idx', table: 'public.b' };

  it.each([
    ['none', [], [], 'passed', 'No invalid index.'],
    ['invalid on both: a leftover on the source', [a], [a], 'warning', '1 invalid index, invalid on the source too.'],
    ['invalid only in the restore', [a, b], [a], 'failed', '1 index is invalid in the restore but valid on the source.'],
  ] as const)('%s', (_name, restore, source, status, summary) => {
    const r = judgeInvalidIndexes(restore, source);
    expect([r.status, r.summary]).toEqual([status, summary]);
  });
});

describe('forEachOnConnections', () => {
  it('spreads items over the connections and stops handing out work after a failure', async () => {
    // GIVEN two connections and five items, the second failing
    const seen: string[] = [];
    const conn = (name: string): Queryable => ({ query: async <R>() => ({ rows: [{ name }] as R[] }) });
    const work = async (db: Queryable, item: number) => {
      const { rows } = await db.query<{ name: string }>('x');
      seen.push(`${rows[0]!.name}:${item}`);
      if (item === 2) throw new Error('boom');
    };

    // WHEN / THEN
    await expect(forEachOnConnections([1, 2, 3, 4, 5], [conn('a'), conn('b')], work)).rejects.toThrow('boom');
    expect(seen.length).toBeLessThan(5);
    expect(seen.slice(0, 2).sort()).toEqual(['a:1', 'b:2']);
  });
});
