/**
 * `dbops free-tier-report` in process: the handler with a real context over the aws adapter
 * (aws-sdk-client-mock + a fake fetch for the Free Tier API) and captured output.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freeTierReport } from '../../../src/commands/free-tier-report.run.js';
import type { InputOf } from '../../../src/commands/define.js';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import type { Context } from '../../../src/lib/context.js';
import { EnvironmentError, UsageError } from '../../../src/lib/errors.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { ANSI } from '../../_helpers/run-dbops.js';
import { testContext } from '../../_helpers/context.js';
import type { TestOutput } from '../../_helpers/output.js';
import { CREDENTIALS, FakeAwsEstate, type EstateOptions } from './aws-estate.js';

const NOW = new Date('2025-01-11T00:00:00Z');
let estate: FakeAwsEstate | undefined;
const closers: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
});

afterEach(async () => {
  for (const fn of closers.splice(0)) await fn();
  estate?.restore();
  estate = undefined;
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

function withEstate(opts: Omit<EstateOptions, 'now'>): FakeAwsEstate {
  estate = new FakeAwsEstate({ now: NOW, ...opts });
  vi.stubGlobal('fetch', estate.fetch);
  return estate;
}

async function context(
  opts: { provider?: 'aws' | 'local'; json?: boolean; quiet?: boolean; dryRun?: boolean } = {},
): Promise<{ ctx: Context; t: TestOutput }> {
  const config: DbopsConfig = { ...DEFAULTS, provider: opts.provider ?? 'aws', aws: { ...DEFAULTS.aws, maxAttempts: 1 } };
  const { ctx, io, close } = await testContext({
    config,
    provider: async () => createAwsProvider({ region: config.region, maxAttempts: 1, maxWaitSeconds: 60, env: {} }),
    now: NOW,
    dryRun: opts.dryRun ?? false,
    answer: false,
    output: { json: opts.json ?? false, quiet: opts.quiet ?? false, color: true },
  });
  closers.push(close);
  return { ctx, t: io };
}

type Opts = InputOf<typeof freeTierReport.def>['opts'];
const run = (ctx: Context, opts: Partial<Opts> = {}) =>
  freeTierReport.run(ctx, {
    args: {},
    opts: {
      month: undefined,
      markdown: false,
      publish: false,
      withCostExplorer: false,
      all: false,
      select: [],
      account: undefined,
      concurrency: undefined,
      reportDir: undefined,
      ...opts,
    },
  });
const ONE = [{ id: 'prod-db', from: '2024-12-01T00:00:00Z' }];
const TWO = [...ONE, { id: 'rt-1', from: '2025-01-01T00:00:00Z', shape: { TagList: [{ Key: 'dbops:purpose', Value: 'restore-test' }] } }];

describe('free-tier-report command', () => {
  it('says in one line that the local provider has no free tier, exit 0', async () => {
    const { ctx, t } = await context({ provider: 'local' });
    await expect(run(ctx)).resolves.toBe(0);
    expect(t.stdout()).toBe('The local provider has no free tier: nothing to report (use --provider aws).\n');
    expect(t.stderr()).toBe('');
  });

  it('prints the report and exits 0 when everything is below its threshold; no ANSI without a TTY', async () => {
    withEstate({ instances: ONE });
    const { ctx, t } = await context();
    await expect(run(ctx)).resolves.toBe(0);
    expect(t.stdout()).toMatch(/^Free tier 2025-01 \(us-east-2\), as of 2025-01-11 00:00 UTC: OK$/m);
    expect(t.stdout()).not.toMatch(ANSI);
    expect(t.stderr()).toBe('');
  });

  it('prints nothing at all with --quiet when everything is fine (cron mails nothing)', async () => {
    withEstate({ instances: ONE });
    const { ctx, t } = await context({ quiet: true });
    await expect(run(ctx)).resolves.toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('');
  });

  it('renders the report first and returns 4 when a threshold is crossed, even with --quiet', async () => {
    // GIVEN prod and a restore test running at once since the 1st
    withEstate({ instances: TWO });
    const { ctx, t } = await context({ quiet: true });

    // WHEN
    const code = await run(ctx, { markdown: true });

    // THEN the Markdown report is on stdout, one warning per crossed threshold on stderr
    expect(code).toBe(4);
    expect(t.stdout()).toMatch(/^# Free tier 2025-01 \(us-east-2\): WARNING$/m);
    expect(t.stderrLines()).toEqual([
      'warning: RDS instance hours warning: 480 of 750 h used (64 %), forecast 1488 h (198 %). (see runbooks/free-tier.md#FT-R1)',
      'warning: RDS storage warning: 12.9 of 20 GB-mo used (65 %), forecast 40 GB-mo (200 %). (see runbooks/free-tier.md#FT-R2)',
    ]);
  });

  it('prints one JSON document with --json', async () => {
    withEstate({ instances: TWO });
    const { ctx, t } = await context({ json: true });
    expect(await run(ctx)).toBe(4);
    const doc = JSON.parse(t.stdout()) as { month: string; exitCode: number; offers: { id: string; runOut?: string }[] };
    expect(doc).toMatchObject({ month: '2025-01', exitCode: 4 });
    expect(doc.offers.find((o) => o.id === 'rds-hours')?.runOut).toBe('2025-01-16T15:00:00.000Z');
  });

  it('publishes the two percentages with --publish and says they count against the free custom metrics', async () => {
    // GIVEN 3 custom metrics already; storage is the fullest offer (32.26 % used, 100 % forecast)
    const e = withEstate({ instances: ONE, customMetrics: 3 });
    const { ctx, t } = await context();

    await run(ctx, { publish: true });

    expect(e.cloudWatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        Namespace: 'dbops',
        MetricData: [
          { MetricName: 'FreeTierUsedPercent', Value: 32.26, Unit: 'Percent', Timestamp: NOW },
          { MetricName: 'FreeTierForecastPercent', Value: 100, Unit: 'Percent', Timestamp: NOW },
        ],
      },
    ]);
    expect(t.stdout()).toContain(
      'Published 2 custom metrics to the CloudWatch namespace dbops; they count against the 10 free custom metrics (5 of 10 with them).',
    );
  });

  it('with --publish --dry-run shows the values and writes no metric', async () => {
    // GIVEN the same estate as a dry run
    const e = withEstate({ instances: ONE, customMetrics: 3 });
    const { ctx, t } = await context({ dryRun: true });
    await run(ctx, { publish: true });
    // THEN nothing is sent, and the output says what would be
    expect(e.cloudWatch.commandCalls(PutMetricDataCommand)).toEqual([]);
    expect(t.stdout()).toContain('Dry run: would publish FreeTierUsedPercent=32.26, FreeTierForecastPercent=100 to dbops.');
  });

  it('renders the report, then fails with exit 3 when publishing is refused', async () => {
    const e = withEstate({ instances: ONE });
    e.cloudWatch
      .on(PutMetricDataCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const { ctx, t } = await context();

    const err = await run(ctx, { publish: true }).catch((x: unknown) => x);

    expect(t.stdout()).toMatch(/^Free tier 2025-01/);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toBe('AWS denied PutMetricData in us-east-2 to these credentials.');
  });

  it('refuses --publish for a past month before calling AWS', async () => {
    const e = withEstate({ instances: ONE });
    const { ctx } = await context();
    await expect(run(ctx, { publish: true, month: '2024-12' })).rejects.toThrow(UsageError);
    expect(e.calls()).toBe(0);
  });
});
