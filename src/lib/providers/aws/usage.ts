/**
 * The aws implementation of the UsageApi port (usage-types.ts). SDK modules load on the
 * first call (usage-clients.ts); every call goes through `#call`, which maps AWS errors
 * with the adapter's one mapping (errors.ts); GetMetricData batching and shapes are the
 * provider's (metrics.ts); SDK shapes become port shapes in usage-convert.ts.
 */
import { EnvironmentError } from '../../errors.js';
import type { MetricDatum, MetricQuery, MetricSeries } from '../types.js';
import type {
  AccountPlanState,
  AlarmInfo,
  BudgetInfo,
  CacheNodeUsage,
  DbInstanceUsage,
  FreeTierApiUsage,
  FunctionUsage,
  MetricIdentity,
  ServiceCost,
  UsageApi,
} from '../usage-types.js';
import type { AwsClientSettings } from './clients.js';
import { mapAwsError, type AwsCallContext, type AwsService } from './errors.js';
import { MAX_DATUMS_PER_CALL, MAX_QUERIES_PER_CALL, chunk, emptySeries, mergePage, toCwDatum, toMetricDataQuery, validateQueries } from './metrics.js';
import { BILLING_REGION, createUsageClients, type UsageClients } from './usage-clients.js';
import {
  toAlarms,
  toBudget,
  toCacheNodes,
  toDbInstance,
  toFreeTierUsage,
  toFunction,
  toMetricIdentity,
  toPlanState,
  toServiceCosts,
  costExplorerPeriod,
} from './usage-convert.js';
import { FREE_TIER_ENDPOINT } from './usage-freetier.js';

/** Endpoint prefixes of the services the usage reads call (for messages naming the endpoint). */
type UsageService = AwsService | 'elasticache' | 'lambda' | 'budgets' | 'sts' | 'ce' | 'freetier';

const GLOBAL_ENDPOINTS: Partial<Record<UsageService, string>> = {
  budgets: 'https://budgets.amazonaws.com',
  ce: 'https://ce.us-east-1.amazonaws.com',
  freetier: FREE_TIER_ENDPOINT,
};

const PAGE = { rds: 100, elastiCache: 100, lambda: 50, alarms: 100, budgets: 100, freeTier: 1000 } as const;

/** Follows a pagination token until the last page. */
async function paged<P>(fetchPage: (token: string | undefined) => Promise<P>, next: (page: P) => string | undefined): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    pages.push(page);
    token = next(page);
  } while (token);
  return pages;
}

class AwsUsageApi implements UsageApi {
  readonly region: string;
  readonly #settings: AwsClientSettings;
  readonly #clients: UsageClients;

  constructor(settings: AwsClientSettings, clients: UsageClients) {
    this.region = settings.region;
    this.#settings = settings;
    this.#clients = clients;
  }

  /** Every SDK call goes through here: one place maps what AWS throws. */
  async #call<T>(operation: string, service: UsageService, fn: (c: UsageClients) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#clients);
    } catch (e) {
      const global = GLOBAL_ENDPOINTS[service];
      const ctx: AwsCallContext = {
        operation,
        // The mapping only uses the service to name the endpoint.
        service: service as AwsService,
        region: global ? BILLING_REGION : this.region,
        endpointUrl: this.#settings.endpointUrl ?? global,
        maxAttempts: this.#settings.maxAttempts,
      };
      throw mapAwsError(e, ctx);
    }
  }

  async listDbInstances(): Promise<DbInstanceUsage[]> {
    const pages = await paged(
      (Marker) => this.#call('DescribeDBInstances', 'rds', (c) => c.rds.describeDBInstances({ MaxRecords: PAGE.rds, ...(Marker ? { Marker } : {}) })),
      (p) => p.Marker,
    );
    return pages.flatMap((p) => p.DBInstances ?? []).flatMap((db) => toDbInstance(db) ?? []);
  }

  async listCacheNodes(): Promise<CacheNodeUsage[]> {
    const pages = await paged(
      (Marker) =>
        this.#call('DescribeCacheClusters', 'elasticache', (c) =>
          c.elastiCache.describeCacheClusters({ ShowCacheNodeInfo: true, MaxRecords: PAGE.elastiCache, ...(Marker ? { Marker } : {}) }),
        ),
      (p) => p.Marker,
    );
    return pages.flatMap((p) => p.CacheClusters ?? []).flatMap(toCacheNodes);
  }

  async listFunctions(): Promise<FunctionUsage[]> {
    const pages = await paged(
      (Marker) => this.#call('ListFunctions', 'lambda', (c) => c.lambda.listFunctions({ MaxItems: PAGE.lambda, ...(Marker ? { Marker } : {}) })),
      (p) => p.NextMarker,
    );
    return pages.flatMap((p) => p.Functions ?? []).flatMap((f) => toFunction(f) ?? []);
  }

  async listMetrics(): Promise<MetricIdentity[]> {
    const pages = await paged(
      (NextToken) => this.#call('ListMetrics', 'monitoring', (c) => c.cloudWatch.listMetrics(NextToken ? { NextToken } : {})),
      (p) => p.NextToken,
    );
    return pages.flatMap((p) => p.Metrics ?? []).flatMap((m) => toMetricIdentity(m) ?? []);
  }

  async listAlarms(): Promise<AlarmInfo[]> {
    const pages = await paged(
      (NextToken) =>
        this.#call('DescribeAlarms', 'monitoring', (c) =>
          c.cloudWatch.describeAlarms({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: PAGE.alarms, ...(NextToken ? { NextToken } : {}) }),
        ),
      (p) => p.NextToken,
    );
    return pages.flatMap(toAlarms);
  }

  /** One series per query, in query order; batches of 500 queries, every page followed. */
  async getMetricData(queries: MetricQuery[], range: { start: Date; end: Date }): Promise<MetricSeries[]> {
    validateQueries(queries);
    const series = emptySeries(queries);
    for (const batch of chunk(queries, MAX_QUERIES_PER_CALL)) {
      const MetricDataQueries = batch.map(toMetricDataQuery);
      await paged(
        async (NextToken) => {
          const out = await this.#call('GetMetricData', 'monitoring', (c) =>
            c.cloudWatch.getMetricData({
              MetricDataQueries,
              StartTime: range.start,
              EndTime: range.end,
              ScanBy: 'TimestampAscending',
              ...(NextToken ? { NextToken } : {}),
            }),
          );
          mergePage(series, out.MetricDataResults);
          return out;
        },
        (p) => p.NextToken,
      );
    }
    return [...series.values()];
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (const batch of chunk(data, MAX_DATUMS_PER_CALL)) {
      await this.#call('PutMetricData', 'monitoring', (c) => c.cloudWatch.putMetricData({ Namespace: namespace, MetricData: batch.map(toCwDatum) }));
    }
  }

  async getFreeTierUsage(): Promise<FreeTierApiUsage[]> {
    const pages = await paged(
      (nextToken) =>
        this.#call('GetFreeTierUsage', 'freetier', (c) => c.freeTier.getFreeTierUsage({ maxResults: PAGE.freeTier, ...(nextToken ? { nextToken } : {}) })),
      (p) => p.nextToken,
    );
    return pages.flatMap((p) => p.freeTierUsages ?? []).map(toFreeTierUsage);
  }

  async getAccountPlanState(): Promise<AccountPlanState> {
    return toPlanState(await this.#call('GetAccountPlanState', 'freetier', (c) => c.freeTier.getAccountPlanState()));
  }

  async accountId(): Promise<string> {
    const out = await this.#call('GetCallerIdentity', 'sts', (c) => c.sts.getCallerIdentity({}));
    if (!out.Account) throw new EnvironmentError('AWS STS GetCallerIdentity returned no account id.');
    return out.Account;
  }

  async describeBudgets(accountId: string): Promise<BudgetInfo[]> {
    const pages = await paged(
      (NextToken) =>
        this.#call('DescribeBudgets', 'budgets', (c) => c.budgets.describeBudgets({ AccountId: accountId, MaxResults: PAGE.budgets, ...(NextToken ? { NextToken } : {}) })),
      (p) => p.NextToken,
    );
    return pages.flatMap((p) => p.Budgets ?? []).flatMap((b) => toBudget(b) ?? []);
  }

  async getCostByService(range: { start: Date; end: Date }): Promise<ServiceCost[]> {
    const pages = await paged(
      (NextPageToken) =>
        this.#call('GetCostAndUsage', 'ce', (c) =>
          c.costExplorer.getCostAndUsage({
            TimePeriod: costExplorerPeriod(range),
            Granularity: 'MONTHLY',
            Metrics: ['UnblendedCost'],
            GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
            ...(NextPageToken ? { NextPageToken } : {}),
          }),
        ),
      (p) => p.NextPageToken,
    );
    return toServiceCosts(pages);
  }

  async close(): Promise<void> {
    this.#clients.destroy();
  }
}

/** The aws UsageApi. Nothing loads until the first call. */
export function createAwsUsageApi(settings: AwsClientSettings, clients: UsageClients = createUsageClients(settings)): UsageApi {
  return new AwsUsageApi(settings, clients);
}
