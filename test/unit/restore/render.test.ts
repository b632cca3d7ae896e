import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderHuman, renderMarkdown } from '../../../src/lib/restore/render.js';
import { ANSI } from '../../_helpers/run-dbops.js';
import { sampleResult } from './_result.js';

const plain = new Chalk({ level: 0 });

describe('renderHuman', () => {
  it('leads with the verdict and what failed, shows evidence of failed checks only, and has no ANSI without colour', () => {
    const text = renderHuman(sampleResult({ verdict: 'failed', failedChecks: ['row-counts'] }), plain);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'FAILED  restore test of prod-db from snapshot rds:prod-db-2026-05-01-03-10 (automated, 8h50m old): 1 check failed (row-counts)',
      'run r1 · aws us-east-2 · runbooks/restore-test.md · 30m00s',
      '',
      'restore 21m00s against an RTO of 4 h (within)',
      'data loss window 9h00m against an RPO of 24 h (within)',
      'temporary instance prod-db-rt-r1 (db.t3.micro, not publicly accessible, subnet group dbops-subnets, sg-0abc): deleted',
    ]);
    expect(text).toContain(
      '  ✖ RT-7 Row counts match the source: 1 table outside the count tolerance: public.recipes.\n      public.recipes: source 3000, restore 1000 — fewer | rows\n      hint: Compare the table.',
    );
    expect(text).not.toContain('restore requested → instance available');
    expect(text).not.toMatch(ANSI);
  });

  it('says how to reach and remove a kept instance', () => {
    const r = sampleResult();
    const text = renderHuman(
      {
        ...r,
        temporary: {
          ...r.temporary!,
          deleted: false,
          kept: true,
          connectCommand: 'dbops psql prod-db-rt-r1',
          removeCommand: 'dbops instances delete prod-db-rt-r1 --yes --skip-final-snapshot',
        },
      },
      plain,
    );
    expect(text).toContain(
      [
        'temporary instance prod-db-rt-r1 (db.t3.micro, not publicly accessible, subnet group dbops-subnets, sg-0abc): KEPT',
        '  connect: dbops psql prod-db-rt-r1',
        '  remove:  dbops instances delete prod-db-rt-r1 --yes --skip-final-snapshot',
        '  it expires at 2026-05-01T18:00:00Z; after that `dbops gc` removes it',
      ].join('\n'),
    );
  });

  it('names the source asked for when it does not exist (never "restore test of ?")', () => {
    const r = sampleResult({
      verdict: 'error',
      requestedSourceId: 'no-such-db',
      error: { code: 'not-found', message: 'DB instance no-such-db not found in us-east-2.' },
    });
    const { source: _source, backup: _backup, ...withoutSource } = r;
    expect(renderHuman(withoutSource, plain).split('\n')[0]).toBe(
      'COULD NOT RUN  restore test of no-such-db: DB instance no-such-db not found in us-east-2.',
    );
  });

  it('colours the verdict on a colour terminal', () => {
    expect(renderHuman(sampleResult(), new Chalk({ level: 1 }))).toMatch(ANSI);
  });
});

describe('renderMarkdown', () => {
  it('is a record for an incident: objectives, checks with evidence (pipes escaped in tables), steps, cleanup', () => {
    const md = renderMarkdown(sampleResult({ verdict: 'failed' }));
    expect(md.startsWith('# Restore test of prod-db: FAILED\n')).toBe(true);
    expect(md).toContain('| RTO (restore until available) | 4 h | 21m00s | within |');
    expect(md).toContain('| RT-7 | Row counts match the source | **failed** | 1 table outside the count tolerance: public.recipes. |');
    expect(md).toContain(
      '### RT-7 Row counts match the source: failed\n\n1 table outside the count tolerance: public.recipes.\n\n- public.recipes: source 3000, restore 1000 — fewer | rows\n\nHint: Compare the table.',
    );
    expect(md).toContain('| RT-11 | Delete the temporary instance | ok | 1.0s |  |');
    expect(md).toContain('## Cleanup\n\n- delete temporary instance prod-db-rt-r1: done');
  });
});
