/**
 * Reads everything the report needs through the UsageApi port (and the metric data
 * through the Provider port), in as few AWS calls as the
 * APIs allow (for the seeds' estate: 9, whatever the number of instances):
 *
 *   phase 1, in parallel: DescribeDBInstances, ListMetrics (required), DescribeCacheClusters,
 *     ListFunctions, DescribeAlarms, GetFreeTierUsage, GetAccountPlanState (optional)
 *   phase 2, in parallel: GetMetricData for every series at once (required),
 *     DescribeBudgets (optional; account id from the plan state or an ARN, STS only if neither)
 *   phase 3, only with --with-cost-explorer: GetCostAndUsage (USD 0.01 a request)
 *
 * A required source that fails fails the report (EnvironmentError, exit 3). An optional
 * one that AWS refuses is listed in `missing` with its reason, and the report goes on.
 */
import { EnvironmentError } from '../errors.js';
import type { Provider } from '../providers/types.js';
import type { UsageApi } from '../providers/usage-types.js';
import type { MonthWindow } from './month.js';
import { discover, emptyUsageSeries, planQueries, type UsageSeries } from './queries.js';
import type { CollectedUsage } from './report.js';
import type { MissingSource, SourceId } from './types.js';

/** Where the usage series are read: the Provider port's metric data (CloudWatch on aws). */
export type MetricReader = Pick<Provider, 'getMetricData'>;

export interface CollectOptions {
  withCostExplorer: boolean;
}

const ARN_ACCOUNT = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/;

/** The account id inside the first ARN that has one. */
export function accountFromArns(arns: readonly (string | undefined)[]): string | undefined {
  for (const arn of arns) {
    const m = arn ? ARN_ACCOUNT.exec(arn) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** The order missing sources are listed in, whatever order the parallel reads failed in. */
const SOURCE_ORDER: readonly SourceId[] = ['elasticache', 'lambda', 'alarms', 'free-tier-api', 'account-plan', 'budgets', 'cost-explorer'];

class Missing {
  readonly #list: MissingSource[] = [];

  get list(): MissingSource[] {
    return [...this.#list].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  }

  /** Runs an optional read; an EnvironmentError becomes a missing source, anything else is thrown. */
  async optional<T>(source: SourceId, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof EnvironmentError)) throw e;
      this.#list.push({ source, reason: e.message, ...(e.hint ? { hint: e.hint } : {}) });
      return undefined;
    }
  }

  skip(source: SourceId, reason: string): undefined {
    this.#list.push({ source, reason });
    return undefined;
  }
}

async function readSeries(metricsApi: MetricReader, input: Parameters<typeof discover>[0], window: MonthWindow): Promise<UsageSeries> {
  const plan = planQueries(discover(input));
  if (plan.queries.length === 0) return emptyUsageSeries();
  return plan.decode(await metricsApi.getMetricData(plan.queries, { start: window.start, end: window.asOf }));
}

export async function collectUsage(
  api: UsageApi,
  metricsApi: MetricReader,
  window: MonthWindow,
  opts: CollectOptions,
): Promise<CollectedUsage> {
  const missing = new Missing();
  const current = !window.complete;
  const [instances, metrics, cacheNodes, functions, alarms, freeTierApi, plan] = await Promise.all([
    api.listDbInstances(),
    api.listMetrics(),
    missing.optional('elasticache', () => api.listCacheNodes()),
    missing.optional('lambda', () => api.listFunctions()),
    missing.optional('alarms', () => api.listAlarms()),
    current
      ? missing.optional('free-tier-api', () => api.getFreeTierUsage())
      : Promise.resolve(missing.skip('free-tier-api', 'The AWS Free Tier API reports the current month only.')),
    missing.optional('account-plan', () => api.getAccountPlanState()),
  ]);

  const accountId = async (): Promise<string> =>
    plan?.accountId ??
    accountFromArns([...instances.map((i) => i.arn), ...(functions ?? []).map((f) => f.arn), ...(alarms ?? []).map((a) => a.arn)]) ??
    api.accountId();
  const [usage, budgets] = await Promise.all([
    readSeries(metricsApi, { instances, metrics, cacheNodes: cacheNodes ?? [], functions: functions ?? [] }, window),
    current
      ? missing.optional('budgets', async () => api.describeBudgets(await accountId()))
      : Promise.resolve(missing.skip('budgets', 'AWS Budgets reports the current period only.')),
  ]);

  const costs = opts.withCostExplorer
    ? await missing.optional('cost-explorer', () => api.getCostByService({ start: window.start, end: window.asOf }))
    : undefined;

  return {
    window,
    region: api.region,
    instances,
    metrics,
    ...(cacheNodes ? { cacheNodes } : {}),
    ...(functions ? { functions } : {}),
    ...(alarms ? { alarms } : {}),
    usage,
    ...(freeTierApi ? { freeTierApi } : {}),
    ...(plan ? { plan } : {}),
    ...(budgets ? { budgets } : {}),
    ...(costs ? { costs } : {}),
    missing: missing.list,
  };
}
