import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { monthWindow } from '../../../src/lib/freetier/month.js';
import { emptyUsageSeries } from '../../../src/lib/freetier/queries.js';
import { bar, formatAmount, renderHuman, renderMarkdown } from '../../../src/lib/freetier/render.js';
import { buildReport } from '../../../src/lib/freetier/report.js';
import type { FreeTierReport } from '../../../src/lib/freetier/types.js';
import { ANSI } from '../../_helpers/run-dbops.js';

const NOW = new Date('2025-01-11T00:00:00Z');
const hourly = (from: string, to: string) => {
  const out: Date[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 3_600_000) out.push(new Date(t));
  return out;
};

function sampleReport(): FreeTierReport {
  const all = hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z');
  return buildReport(
    {
      window: monthWindow(undefined, NOW),
      region: 'us-east-2',
      instances: [
        {
          id: 'prod-db',
          engine: 'postgres',
          instanceClass: 'db.t3.micro',
          status: 'available',
          multiAz: false,
          allocatedStorageGb: 20,
          storageType: 'gp2',
          tags: {},
        },
        {
          id: 'rt-1',
          engine: 'postgres',
          instanceClass: 'db.t3.micro',
          status: 'available',
          multiAz: false,
          allocatedStorageGb: 20,
          storageType: 'gp2',
          tags: { 'dbops:purpose': 'restore-test' },
        },
      ],
      metrics: [],
      cacheNodes: [],
      functions: [],
      alarms: [],
      usage: {
        ...emptyUsageSeries(),
        rdsHours: new Map([
          ['prod-db', all],
          ['rt-1', all],
        ]),
      },
      budgets: [{ name: 'monthly | free tier', budgetType: 'COST', timeUnit: 'MONTHLY', limitUsd: 50, actualUsd: 26, forecastUsd: 40 }],
      missing: [{ source: 'free-tier-api', reason: 'AWS denied GetFreeTierUsage in us-east-1 to these credentials.' }],
    },
    {
      warnPercent: { rds: 93, elasticache: 93, lambda: 90, cloudwatch: 90 },
      budgetAlertPercents: [50, 80],
      planEndWarnDays: 30,
      creditsWarnUsd: 10,
    },
    NOW,
  );
}

describe('bar', () => {
  it.each([
    [0, 0, '[....................] '],
    [50, 50, '[##########..........] '],
    [32, 99.2, '[######.............|] '],
    [64, 198.4, '[#############......|]>'],
    [150, 150, '[####################]>'],
  ])('draws %d %% used, forecast %d %%', (used, forecast, expected) => {
    expect(bar(used, forecast)).toBe(expected);
  });
});

describe('formatAmount', () => {
  it('groups integers and keeps two decimals for sizes', () => {
    expect(formatAmount(1_000_000, 'requests')).toBe('1,000,000 requests');
    expect(formatAmount(6.774, 'GB-mo')).toBe('6.77 GB-mo');
    expect(formatAmount(744, 'h')).toBe('744 h');
  });
});

describe('renderHuman', () => {
  it('has a table, a bar per offer, the instances, budgets and what is missing; no ANSI without colour', () => {
    // GIVEN a report with two instances, a budget past its first alert and a missing source
    const text = renderHuman(sampleReport(), new Chalk({ level: 0 }));

    // THEN
    expect(text).not.toMatch(ANSI);
    expect(text).toMatch(/^Free tier 2025-01 \(us-east-2\), as of 2025-01-11 00:00 UTC: WARNING$/m);
    expect(text).toMatch(/^OFFER +USED +LIMIT +% +FORECAST +RUNS OUT +STATUS +FREE TIER API$/m);
    expect(text).toMatch(/^RDS instance hours +480 h +750 h +64 % +1,488 h \(198 %\) +2025-01-16 +warning +-$/m);
    expect(text).toContain('RDS instance hours         [#############......|]> 64 % -> 198 %');
    expect(text).toMatch(/^rt-1 +db\.t3\.micro +available \(running\) +restore-test +240 +yes$/m);
    expect(text).toContain('Free RDS hours by dbops:purpose: - 240 h (1), restore-test 240 h (1).');
    expect(text).toMatch(/^monthly \| free tier +\$50\.00 +\$26\.00 +\$40\.00 +\$25\.00 crossed, \$40\.00 +warning$/m);
    expect(text).toContain('Not read:\n  free-tier-api: AWS denied GetFreeTierUsage in us-east-1 to these credentials.');
    expect(text).toContain('  - RDS instance hours: 2 free-class instances are running at once: the free hours run out 2x as fast.');
  });

  it('colours the statuses when colour is on', () => {
    const text = renderHuman(sampleReport(), new Chalk({ level: 1 }));
    expect(text).toMatch(ANSI);
    expect(text).toContain('\u001b[33mwarning\u001b[39m');
  });
});

describe('renderMarkdown', () => {
  it('renders tables with escaped pipes, the crossed thresholds and the bars in code spans', () => {
    const md = renderMarkdown(sampleReport());
    expect(md.startsWith('# Free tier 2025-01 (us-east-2): WARNING\n\n_as of 2025-01-11 00:00 UTC_\n')).toBe(true);
    expect(md).toContain('- RDS instance hours warning: 480 of 750 h used (64 %), forecast 1488 h (198 %).');
    expect(md).toContain('| Offer | Used | Limit | % | Forecast | Runs out | Status | Free Tier API | Bar |');
    expect(md).toContain(
      '| RDS instance hours | 480 h | 750 h | 64 % | 1,488 h (198 %) | 2025-01-16 | **warning** | - | `[#############......|]>` |'.replace(
        '|]>`',
        '\\|]>`',
      ),
    );
    expect(md).toContain('| monthly \\| free tier | $50.00 | $26.00 | $40.00 | $25.00 crossed, $40.00 | **warning** |');
    expect(md).toContain('## Not read\n\n- **free-tier-api**: AWS denied GetFreeTierUsage');
    expect(md).not.toMatch(ANSI);
  });
});

describe('the runbook section of each crossed threshold', () => {
  it('is in the report, the human rendering and the Markdown', () => {
    // GIVEN two instances all month (RDS hours and storage) and a budget past its alert
    const r = sampleReport();
    // THEN each finding names its section of runbooks/free-tier.md
    expect(r.findings.map((f) => [f.kind, f.runbook])).toEqual([
      ['rds-hours', 'runbooks/free-tier.md#FT-R1'],
      ['rds-storage', 'runbooks/free-tier.md#FT-R2'],
      ['budget', 'runbooks/free-tier.md#FT-R7'],
    ]);
    expect(r.crossed).toEqual(r.findings.map((f) => f.message));
    const human = renderHuman(r, new Chalk({ level: 0 }));
    const md = renderMarkdown(r);
    for (const f of r.findings) {
      expect(human).toContain(`${f.message} (see ${f.runbook})`);
      expect(md).toContain(`- ${f.message} (see ${f.runbook})`);
    }
  });
});
