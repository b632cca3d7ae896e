import { describe, expect, it } from 'vitest';
import { monthWindow, type MonthWindow } from '../../../src/lib/freetier/month.js';
import { emptyUsageSeries, type UsageSeries } from '../../../src/lib/freetier/queries.js';
import { buildReport, type CollectedUsage } from '../../../src/lib/freetier/report.js';
import type { ReportSettings } from '../../../src/lib/freetier/types.js';
import type { DbInstanceUsage } from '../../../src/lib/providers/usage-types.js';

const SETTINGS: ReportSettings = {
  warnPercent: { rds: 93, elasticache: 93, lambda: 90, cloudwatch: 90 },
  budgetAlertPercents: [50, 80],
  planEndWarnDays: 30,
  creditsWarnUsd: 10,
};
const GiB = 1024 ** 3;

function hourly(from: string, to: string): Date[] {
  const out: Date[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 3_600_000) out.push(new Date(t));
  return out;
}

function instance(id: string, overrides: Partial<DbInstanceUsage> = {}): DbInstanceUsage {
  return {
    id,
    engine: 'postgres',
    instanceClass: 'db.t3.micro',
    status: 'available',
    multiAz: false,
    allocatedStorageGb: 20,
    storageType: 'gp2',
    createdAt: new Date('2024-06-01T00:00:00Z'),
    arn: `arn:aws:rds:us-east-2:123456789012:db:${id}`,
    tags: {},
    ...overrides,
  };
}

function collected(window: MonthWindow, overrides: Partial<CollectedUsage> & { series?: Partial<UsageSeries> } = {}): CollectedUsage {
  const { series, ...rest } = overrides;
  return {
    window,
    region: 'us-east-2',
    instances: [],
    metrics: [],
    cacheNodes: [],
    functions: [],
    alarms: [],
    usage: { ...emptyUsageSeries(), ...series },
    missing: [],
    ...rest,
  };
}

const offer = (r: ReturnType<typeof buildReport>, id: string) => r.offers.find((o) => o.id === id)!;

describe('buildReport: RDS instance hours', () => {
  const now = new Date('2025-01-11T00:00:00Z'); // 240 h into a 744 h month
  const w = monthWindow(undefined, now);

  it('reports one instance all month as ok: 240 h used, 744 h forecast, no run-out day, exit 0', () => {
    // GIVEN the production instance reporting every hour so far
    const data = collected(w, {
      instances: [instance('prod-db')],
      series: { rdsHours: new Map([['prod-db', hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z')]]) },
    });

    // WHEN
    const r = buildReport(data, SETTINGS, now);

    // THEN
    expect(offer(r, 'rds-hours')).toMatchObject({
      used: 240,
      limit: 750,
      percent: 32,
      forecast: 744,
      forecastPercent: 99.2,
      status: 'ok',
      applies: true,
    });
    expect(offer(r, 'rds-hours').runOut).toBeUndefined();
    expect(r.rdsInstances).toEqual([
      { id: 'prod-db', instanceClass: 'db.t3.micro', state: 'available', purpose: '-', free: true, hours: 240, runningNow: true },
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.status).toBe('ok');
  });

  it('says when two instances run at once, forecasts past 750 h with the run-out day, and exits 4', () => {
    // GIVEN prod and a restore-test instance (tagged) both running since the 1st
    const all = hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z');
    const data = collected(w, {
      instances: [instance('prod-db'), instance('rt-20250101', { tags: { 'dbops:purpose': 'restore-test', 'dbops:managed': 'true' } })],
      series: {
        rdsHours: new Map([
          ['prod-db', all],
          ['rt-20250101', all],
        ]),
      },
    });

    // WHEN
    const r = buildReport(data, SETTINGS, now);

    // THEN 480 h used, 1488 h forecast, runs out on Jan 16
    const o = offer(r, 'rds-hours');
    expect(o).toMatchObject({ used: 480, forecast: 1488, forecastPercent: 198.4, status: 'warning' });
    expect(o.runOut?.toISOString()).toBe('2025-01-16T15:00:00.000Z');
    expect(o.notes).toContain('2 free-class instances are running at once: the free hours run out 2x as fast.');
    // AND the hours are attributed by dbops:purpose
    expect(r.rdsByPurpose).toEqual([
      { purpose: '-', instances: 1, hours: 240 },
      { purpose: 'restore-test', instances: 1, hours: 240 },
    ]);
    expect(r.exitCode).toBe(4);
    expect(r.crossed[0]).toBe('RDS instance hours warning: 480 of 750 h used (64 %), forecast 1488 h (198 %).');
  });

  it('counts instances deleted earlier in the month from CloudWatch alone, as unknown purpose', () => {
    // GIVEN a restore test that ran 3 hours on the 5th and is gone from DescribeDBInstances
    const data = collected(w, {
      instances: [instance('prod-db')],
      series: {
        rdsHours: new Map([
          ['prod-db', hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z')],
          ['rt-gone', hourly('2025-01-05T02:00:00Z', '2025-01-05T05:00:00Z')],
        ]),
      },
    });

    // WHEN
    const r = buildReport(data, SETTINGS, now);

    // THEN its 3 hours count, it is marked deleted, and the forecast holds prod's rate only
    expect(r.rdsInstances[1]).toMatchObject({
      id: 'rt-gone',
      instanceClass: 'unknown',
      state: 'deleted',
      purpose: 'unknown',
      free: true,
      hours: 3,
      runningNow: false,
    });
    expect(offer(r, 'rds-hours')).toMatchObject({ used: 243, forecast: 747, status: 'ok' });
    expect(offer(r, 'rds-hours').notes).toContain(
      'Up to 2 free-class instances ran at once this month: such hours use the free hours 2x as fast.',
    );
  });

  it('lists non-free classes and Multi-AZ as billable and leaves their hours out, and a stopped instance at 0 h', () => {
    const all = hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z');
    const data = collected(w, {
      instances: [
        instance('prod-db'),
        instance('big-db', { instanceClass: 'db.m5.large' }),
        instance('ha-db', { multiAz: true }),
        instance('cold-db', { status: 'stopped' }),
      ],
      series: {
        rdsHours: new Map([
          ['prod-db', all],
          ['big-db', all],
          ['ha-db', all],
        ]),
      },
    });

    const r = buildReport(data, SETTINGS, now);

    expect(offer(r, 'rds-hours')).toMatchObject({ used: 240, forecast: 744, status: 'ok' });
    expect(r.rdsInstances.find((l) => l.id === 'big-db')).toMatchObject({
      free: false,
      note: 'db.m5.large is not a free-tier class: billed by the hour',
    });
    expect(r.rdsInstances.find((l) => l.id === 'ha-db')).toMatchObject({
      free: false,
      note: 'Multi-AZ is not in the free tier: billed by the hour',
    });
    expect(r.rdsInstances.find((l) => l.id === 'cold-db')).toMatchObject({
      free: true,
      hours: 0,
      note: 'stopped: no instance hours while stopped (storage is still billed)',
    });
    expect(offer(r, 'rds-hours').notes).toContain(
      '2 instance(s) not covered by the free tier (big-db, ha-db): billed by the hour, not counted here.',
    );
  });

  it("warns on the 30th of a 31-day month with one instance, at the seeds' 93 %", () => {
    // GIVEN one instance all month, seen on Jan 30 at 02:00 (698 h = 93.07 %)
    const late = new Date('2025-01-30T02:00:00Z');
    const data = collected(monthWindow(undefined, late), {
      instances: [instance('prod-db')],
      series: { rdsHours: new Map([['prod-db', hourly('2025-01-01T00:00:00Z', '2025-01-30T02:00:00Z')]]) },
    });
    const r = buildReport(data, SETTINGS, late);
    expect(offer(r, 'rds-hours')).toMatchObject({ used: 698, percent: 93.07, forecast: 744, status: 'warning' });
    // AND at 100 % the same month is ok
    const lenient = buildReport(data, { ...SETTINGS, warnPercent: { ...SETTINGS.warnPercent, rds: 100 } }, late);
    expect(offer(lenient, 'rds-hours').status).toBe('ok');
  });

  it('reports a complete leap-year February as final: 696 h, nothing forecast', () => {
    const later = new Date('2024-04-02T00:00:00Z');
    const data = collected(monthWindow('2024-02', later), {
      instances: [instance('prod-db')],
      series: { rdsHours: new Map([['prod-db', hourly('2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z')]]) },
    });
    const r = buildReport(data, SETTINGS, later);
    expect(offer(r, 'rds-hours')).toMatchObject({ used: 696, forecast: 696, percent: 92.8, status: 'ok' });
    expect(r.complete).toBe(true);
    expect(r.notes).toContain('2024-02 is complete: the figures are final and nothing is forecast.');
  });
});

describe('buildReport: storage, cache, Lambda, CloudWatch', () => {
  const now = new Date('2025-01-11T00:00:00Z');
  const w = monthWindow(undefined, now);

  it('counts storage in GB-months, including a temporary instance, and backups against 20 GB', () => {
    // GIVEN prod (20 GB, all month) and a restore test (20 GB) created 12 h ago; 25 GB of backups
    const data = collected(w, {
      instances: [instance('prod-db'), instance('rt-1', { createdAt: new Date('2025-01-10T12:00:00Z') })],
      series: { backupBytes: new Map([['prod-db', 25 * GiB]]) },
    });

    const r = buildReport(data, SETTINGS, now);

    // THEN 20 x 240/744 + 20 x 12/744 = 6.77 GB-mo; forecast + 40 GB x 504/744 = 33.87
    expect(offer(r, 'rds-storage')).toMatchObject({ used: 6.77, forecast: 33.87, status: 'warning' });
    expect(offer(r, 'rds-backup')).toMatchObject({ used: 25, percent: 125, forecast: 25, status: 'over' });
  });

  it('counts ElastiCache node hours only for free node types', () => {
    const all = hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z');
    const data = collected(w, {
      cacheNodes: [
        { clusterId: 'recipe-cache', nodeId: '0001', nodeType: 'cache.t3.micro', status: 'available' },
        { clusterId: 'big-cache', nodeId: '0001', nodeType: 'cache.m5.large', status: 'available' },
      ],
      series: {
        cacheHours: new Map([
          ['recipe-cache/0001', all],
          ['big-cache/0001', all],
        ]),
      },
    });
    const r = buildReport(data, SETTINGS, now);
    expect(offer(r, 'elasticache-hours')).toMatchObject({ used: 240, forecast: 744, status: 'ok' });
    expect(r.cacheNodes.map((n) => [n.clusterId, n.free])).toEqual([
      ['big-cache', false],
      ['recipe-cache', true],
    ]);
  });

  it("computes Lambda requests and GB-seconds from each function's memory, deleted functions at the largest", () => {
    // GIVEN two GDPR functions (512 and 128 MB) and 10 s of an unlisted function in the account total
    const data = collected(w, {
      functions: [
        { name: 'gdpr-export', memoryMb: 512 },
        { name: 'gdpr-audit', memoryMb: 128 },
      ],
      series: {
        lambdaInvocations: new Map([
          ['gdpr-export', 1000],
          ['gdpr-audit', 5000],
        ]),
        lambdaDurationMs: new Map([
          ['gdpr-export', 2_000_000],
          ['gdpr-audit', 400_000],
        ]),
        lambdaAccount: { invocations: 6100, durationMs: 2_410_000 },
      },
    });

    const r = buildReport(data, SETTINGS, now);

    // THEN requests: the account total; GB-s: 2000 s x 0.5 + 400 s x 0.125 + 10 s x 0.5 = 1055
    expect(offer(r, 'lambda-requests')).toMatchObject({ used: 6100, forecast: 18910, status: 'ok' });
    expect(offer(r, 'lambda-gb-seconds')).toMatchObject({ used: 1055, status: 'ok' });
    expect(offer(r, 'lambda-gb-seconds').notes).toEqual(['10 s of duration from functions no longer listed, counted at 512 MB.']);
  });

  it('marks Lambda compute unknown when ListFunctions was refused, without failing the report', () => {
    const data = collected(w, {
      functions: undefined,
      missing: [{ source: 'lambda', reason: 'AWS denied ListFunctions in us-east-2 to these credentials.' }],
    });
    const r = buildReport(data, SETTINGS, now);
    expect(offer(r, 'lambda-gb-seconds')).toMatchObject({ available: false, status: 'unknown' });
    expect(r.missing).toEqual([{ source: 'lambda', reason: 'AWS denied ListFunctions in us-east-2 to these credentials.' }]);
    expect(r.exitCode).toBe(0);
  });

  it('counts custom metrics outside AWS/, standard alarm metrics, and log ingestion', () => {
    const custom = Array.from({ length: 9 }, (_, i) => ({ namespace: 'dbops', metricName: `M${i}`, dimensions: {} }));
    const data = collected(w, {
      metrics: [...custom, { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'prod-db' } }],
      alarms: [
        { name: 'cpu', kind: 'metric', metricCount: 1, highResolution: false },
        { name: 'math', kind: 'metric', metricCount: 2, highResolution: false },
        { name: 'fast', kind: 'metric', metricCount: 1, highResolution: true },
        { name: 'all', kind: 'composite', metricCount: 0, highResolution: false },
      ],
      series: { logBytes: 1 * GiB },
    });
    const r = buildReport(data, SETTINGS, now);
    expect(offer(r, 'cloudwatch-metrics')).toMatchObject({ used: 9, percent: 90, status: 'warning' });
    expect(offer(r, 'cloudwatch-alarms')).toMatchObject({ used: 3, status: 'ok' });
    expect(offer(r, 'cloudwatch-alarms').notes).toEqual([
      '1 high-resolution alarm(s): not in the free tier, billed.',
      '1 composite alarm(s): not in the free tier, billed.',
    ]);
    expect(offer(r, 'cloudwatch-logs')).toMatchObject({ used: 1, forecast: 3.1, status: 'ok' });
  });
});

describe('buildReport: budgets, plan and the Free Tier API', () => {
  const now = new Date('2025-01-11T00:00:00Z');
  const w = monthWindow(undefined, now);

  it.each([
    [10, 20, 'ok', [false, false]],
    [26, 45, 'warning', [true, false]],
    [41, 49, 'warning', [true, true]],
    [10, 60, 'warning', [false, false]],
    [51, 70, 'over', [true, true]],
  ] as const)('a $50 budget at $%d actual, $%d forecast is %s', (actual, forecast, status, crossed) => {
    const data = collected(w, {
      budgets: [{ name: 'monthly', budgetType: 'COST', timeUnit: 'MONTHLY', limitUsd: 50, actualUsd: actual, forecastUsd: forecast }],
    });
    const r = buildReport(data, SETTINGS, now);
    expect(r.budgets[0]).toMatchObject({
      status,
      thresholds: [
        { percent: 50, usd: 25, crossed: crossed[0] },
        { percent: 80, usd: 40, crossed: crossed[1] },
      ],
    });
    expect(r.exitCode).toBe(status === 'ok' ? 0 : 4);
  });

  it('on a credits-plan account shows credits and end date, and 12-month offers as drawing credits', () => {
    // GIVEN a Free-plan account with $87.20 left until July, and two instances (would be a warning)
    const all = hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z');
    const data = collected(w, {
      instances: [instance('prod-db'), instance('rt-1')],
      series: {
        rdsHours: new Map([
          ['prod-db', all],
          ['rt-1', all],
        ]),
      },
      plan: {
        accountId: '123456789012',
        planType: 'FREE',
        planStatus: 'ACTIVE',
        remainingCreditsUsd: 87.2,
        expiresAt: new Date('2025-07-20T00:00:00Z'),
      },
    });

    const r = buildReport(data, SETTINGS, now);

    expect(r.plan).toMatchObject({ kind: 'credits', creditsUsd: 87.2, daysLeft: 190, status: 'ok' });
    expect(offer(r, 'rds-hours')).toMatchObject({ applies: false, status: 'warning' });
    expect(offer(r, 'lambda-requests').applies).toBe(true);
    // AND a 12-month offer does not decide the exit code on that plan
    expect(r.exitCode).toBe(0);
  });

  it('warns when a Free plan ends within 30 days, and calls an expired one over', () => {
    const soon = collected(w, {
      plan: { planType: 'FREE', planStatus: 'ACTIVE', remainingCreditsUsd: 50, expiresAt: new Date('2025-01-25T00:00:00Z') },
    });
    expect(buildReport(soon, SETTINGS, now).plan).toMatchObject({ status: 'warning', daysLeft: 14 });
    const gone = collected(w, { plan: { planType: 'FREE', planStatus: 'EXPIRED', remainingCreditsUsd: 0 } });
    const r = buildReport(gone, SETTINGS, now);
    expect(r.plan?.status).toBe('over');
    expect(r.exitCode).toBe(4);
  });

  it('treats an account without credits or end date as the legacy 12-month free tier', () => {
    const data = collected(w, { plan: { planType: 'PAID', planStatus: 'ACTIVE' } });
    const r = buildReport(data, SETTINGS, now);
    expect(r.plan).toMatchObject({ kind: 'legacy', status: 'ok' });
    expect(offer(r, 'rds-hours').applies).toBe(true);
  });

  it("shows the Free Tier API beside dbops' figure and takes the worse status; lists other offers", () => {
    // GIVEN dbops sees 240 h in us-east-2, the API 720 h account-wide (a drill in us-west-2), and EC2 usage
    const data = collected(w, {
      instances: [instance('prod-db')],
      series: { rdsHours: new Map([['prod-db', hourly('2025-01-01T00:00:00Z', '2025-01-11T00:00:00Z')]]) },
      freeTierApi: [
        {
          service: 'Amazon Relational Database Service',
          usageType: 'USE2-InstanceUsage:db.t3.micro',
          used: 720,
          forecast: 1000,
          limit: 750,
          unit: 'Hrs',
          freeTierType: '12 Months Free',
        },
        {
          service: 'Amazon Elastic Compute Cloud',
          usageType: 'USE2-BoxUsage:freetier.micro',
          used: 100,
          forecast: 300,
          limit: 750,
          unit: 'Hrs',
          freeTierType: '12 Months Free',
        },
      ],
    });

    const r = buildReport(data, SETTINGS, now);

    expect(offer(r, 'rds-hours').api).toEqual({
      usageType: 'USE2-InstanceUsage:db.t3.micro',
      used: 720,
      forecast: 1000,
      forecastPercent: 133.33,
      limit: 750,
      unit: 'Hrs',
      percent: 96,
      status: 'warning',
    });
    expect(offer(r, 'rds-hours').status).toBe('warning');
    expect(r.otherApiOffers).toEqual([
      {
        service: 'Amazon Elastic Compute Cloud',
        freeTierType: '12 Months Free',
        usageType: 'USE2-BoxUsage:freetier.micro',
        used: 100,
        forecast: 300,
        forecastPercent: 40,
        limit: 750,
        unit: 'Hrs',
        percent: 13.33,
        status: 'ok',
      },
    ]);
    expect(r.exitCode).toBe(4);
  });

  it('says which region dbops counted and that CloudWatch forgets after two weeks', () => {
    const r = buildReport(collected(monthWindow(undefined, new Date('2025-01-20T00:00:00Z'))), SETTINGS, new Date('2025-01-20T00:00:00Z'));
    expect(r.notes).toEqual([
      "dbops counted resources in us-east-2 only; the free tier is account-wide (the Free Tier API's figures cover every region).",
      "CloudWatch lists metrics with data in the last two weeks: a resource deleted before 2025-01-06 is not in dbops' own figures.",
    ]);
  });
});
