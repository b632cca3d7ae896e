/**
 * The aws implementation of the UsageApi port (usage-types.ts). It calls AWS through the
 * Provider's client pool (sdk.ts), so SDK modules load on the first call. Every call goes
 * through `#call`, which maps AWS errors with the adapter's one mapping (errors.ts);
 * metric data goes through the Provider port (provider.ts) on the same pool; SDK shapes
 * become port shapes in usage-convert.ts.
 */
import { EnvironmentError } from '../../errors.js';
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
import { mapAwsError, type AwsService } from './errors.js';
import { AwsClients, BILLING_REGION, type AwsSdkSettings, type FreeTierTesting, type RegionClients } from './sdk.js';
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
import type { FreeTierApi } from './usage-freetier.js';

/** The global services the report reads: called (and named in messages) in BILLING_REGION. */
const GLOBAL: ReadonlySet<AwsService> = new Set<AwsService>(['budgets', 'ce', 'freetier']);

/** What the report's calls reach: the region's clients, the billing region's, the Free Tier API. */
interface UsageClients {
  regional: RegionClients;
  billing: RegionClients;
  freeTier: FreeTierApi;
}

/** The usage adapter's settings: the pool's, plus the region whose resources it reads. */
export interface AwsUsageSettings extends AwsSdkSettings {
  region: string;
}

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
  readonly #pool: AwsClients;
  readonly #ownsPool: boolean;

  constructor(region: string, pool: AwsClients, ownsPool: boolean) {
    this.region = region;
    this.#pool = pool;
    this.#ownsPool = ownsPool;
  }

  /** Every SDK call goes through here: one place maps what AWS throws. */
  async #call<T>(operation: string, service: AwsService, fn: (c: UsageClients) => Promise<T>): Promise<T> {
    const pool = this.#pool;
    try {
      return await fn({
        regional: pool.forRegion(this.region),
        billing: pool.forRegion(BILLING_REGION),
        freeTier: pool.freeTier(),
      });
    } catch (e) {
      const { endpointUrl, maxAttempts } = pool.settings;
      throw mapAwsError(e, {
        operation,
        service,
        region: GLOBAL.has(service) ? BILLING_REGION : this.region,
        ...(endpointUrl ? { endpointUrl } : {}),
        maxAttempts,
      });
    }
  }

  async listDbInstances(): Promise<DbInstanceUsage[]> {
    const pages = await paged(
      (Marker) =>
        this.#call('DescribeDBInstances', 'rds', (c) =>
          c.regional.rds.describeDBInstances({ MaxRecords: PAGE.rds, ...(Marker ? { Marker } : {}) }),
        ),
      (p) => p.Marker,
    );
    return pages.flatMap((p) => p.DBInstances ?? []).flatMap((db) => toDbInstance(db) ?? []);
  }

  async listCacheNodes(): Promise<CacheNodeUsage[]> {
    const pages = await paged(
      (Marker) =>
        this.#call('DescribeCacheClusters', 'elasticache', (c) =>
          c.regional.elastiCache.describeCacheClusters({
            ShowCacheNodeInfo: true,
            MaxRecords: PAGE.elastiCache,
            ...(Marker ? { Marker } : {}),
          }),
        ),
      (p) => p.Marker,
    );
    return pages.flatMap((p) => p.CacheClusters ?? []).flatMap(toCacheNodes);
  }

  async listFunctions(): Promise<FunctionUsage[]> {
    const pages = await paged(
      (Marker) =>
        this.#call('ListFunctions', 'lambda', (c) =>
          c.regional.lambda.listFunctions({ MaxItems: PAGE.lambda, ...(Marker ? { Marker } : {}) }),
        ),
      (p) => p.NextMarker,
    );
    return pages.flatMap((p) => p.Functions ?? []).flatMap((f) => toFunction(f) ?? []);
  }

  async listMetrics(): Promise<MetricIdentity[]> {
    const pages = await paged(
      (NextToken) => this.#call('ListMetrics', 'monitoring', (c) => c.regional.cloudWatch.listMetrics(NextToken ? { NextToken } : {})),
      (p) => p.NextToken,
    );
    return pages.flatMap((p) => p.Metrics ?? []).flatMap((m) => toMetricIdentity(m) ?? []);
  }

  async listAlarms(): Promise<AlarmInfo[]> {
    const pages = await paged(
      (NextToken) =>
        this.#call('DescribeAlarms', 'monitoring', (c) =>
          c.regional.cloudWatch.describeAlarms({
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: PAGE.alarms,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      (p) => p.NextToken,
    );
    return pages.flatMap(toAlarms);
  }

  async getFreeTierUsage(): Promise<FreeTierApiUsage[]> {
    const pages = await paged(
      (nextToken) =>
        this.#call('GetFreeTierUsage', 'freetier', (c) =>
          c.freeTier.getFreeTierUsage({ maxResults: PAGE.freeTier, ...(nextToken ? { nextToken } : {}) }),
        ),
      (p) => p.nextToken,
    );
    return pages.flatMap((p) => p.freeTierUsages ?? []).map(toFreeTierUsage);
  }

  async getAccountPlanState(): Promise<AccountPlanState> {
    return toPlanState(await this.#call('GetAccountPlanState', 'freetier', (c) => c.freeTier.getAccountPlanState()));
  }

  async accountId(): Promise<string> {
    const out = await this.#call('GetCallerIdentity', 'sts', (c) => c.regional.sts.getCallerIdentity({}));
    if (!out.Account) throw new EnvironmentError('AWS STS GetCallerIdentity returned no account id.');
    return out.Account;
  }

  async describeBudgets(accountId: string): Promise<BudgetInfo[]> {
    const pages = await paged(
      (NextToken) =>
        this.#call('DescribeBudgets', 'budgets', (c) =>
          c.billing.budgets.describeBudgets({ AccountId: accountId, MaxResults: PAGE.budgets, ...(NextToken ? { NextToken } : {}) }),
        ),
      (p) => p.NextToken,
    );
    return pages.flatMap((p) => p.Budgets ?? []).flatMap((b) => toBudget(b) ?? []);
  }

  async getCostByService(range: { start: Date; end: Date }): Promise<ServiceCost[]> {
    const pages = await paged(
      (NextPageToken) =>
        this.#call('GetCostAndUsage', 'ce', (c) =>
          c.billing.costExplorer.getCostAndUsage({
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

  /** A shared pool belongs to the Provider it came from, which closes it. */
  async close(): Promise<void> {
    if (this.#ownsPool) this.#pool.destroy();
  }
}

/**
 * The aws UsageApi. Nothing loads until the first call. `pool` is the Provider's (shared,
 * left open on close); without one the adapter makes its own. `freeTierTesting` hands the
 * Free Tier client of an own pool a fetch, credentials and sleep (tests).
 */
export function createAwsUsageApi(settings: AwsUsageSettings, pool?: AwsClients, freeTierTesting?: FreeTierTesting): UsageApi {
  const { region, ...sdk } = settings;
  return pool ? new AwsUsageApi(region, pool, false) : new AwsUsageApi(region, new AwsClients(sdk, freeTierTesting), true);
}
