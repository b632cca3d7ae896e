/**
 * The UsageApi port: the reads (and the one write) `dbops free-tier-report` needs.
 *
 * It is a port of its own rather than part of `Provider` because only the report needs
 * it and only AWS has a free tier: the local provider has no implementation at all
 * (`createUsageApi` answers undefined). Domain code (src/lib/freetier/) depends on this
 * interface only; the aws implementation lives in providers/aws/usage.ts.
 *
 * Metric data is read and written through the Provider port (getMetricData,
 * putMetricData), not here: one port per operation.
 *
 * Every method throws a dbops error (EnvironmentError for anything AWS refuses); the
 * domain decides which sources are required and which may be missing from the report.
 */
import type { Tags } from './types.js';

/** A DB instance that exists now, with what decides its free-tier eligibility. */
export interface DbInstanceUsage {
  id: string;
  engine: string;
  instanceClass: string;
  status: string;
  multiAz: boolean;
  allocatedStorageGb: number;
  storageType?: string;
  createdAt?: Date;
  arn?: string;
  tags: Tags;
}

/** One ElastiCache node that exists now (node hours are billed per node). */
export interface CacheNodeUsage {
  clusterId: string;
  nodeId: string;
  nodeType: string;
  status: string;
  engine?: string;
  createdAt?: Date;
}

/** A Lambda function and the memory its GB-seconds are billed at. */
export interface FunctionUsage {
  name: string;
  memoryMb: number;
  arn?: string;
}

/** One CloudWatch metric as ListMetrics names it. */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** An alarm, reduced to what the CloudWatch free tier counts. */
export interface AlarmInfo {
  name: string;
  kind: 'metric' | 'composite';
  /** Metrics the alarm watches (a metric-math alarm watches several). */
  metricCount: number;
  /** Period under 60 s: not covered by the free tier. */
  highResolution: boolean;
  arn?: string;
}

/** One row of the AWS Free Tier API (GetFreeTierUsage); it lists offers with usage above zero. */
export interface FreeTierApiUsage {
  service: string;
  usageType: string;
  operation?: string;
  region?: string;
  used: number;
  forecast?: number;
  limit: number;
  unit: string;
  description?: string;
  /** "12 Months Free", "Always Free", "Free Trial". */
  freeTierType?: string;
}

/** GetAccountPlanState: accounts created after 2025-07-15 have credits and a plan end date. */
export interface AccountPlanState {
  accountId?: string;
  /** "FREE" or "PAID". */
  planType: string;
  /** "NOT_STARTED", "ACTIVE" or "EXPIRED". */
  planStatus: string;
  remainingCreditsUsd?: number;
  expiresAt?: Date;
}

/** One AWS budget with its spend so far and AWS's forecast for the period. */
export interface BudgetInfo {
  name: string;
  budgetType: string;
  timeUnit: string;
  limitUsd: number;
  actualUsd?: number;
  forecastUsd?: number;
}

/** Cost Explorer: unblended cost of one service over a time range. */
export interface ServiceCost {
  service: string;
  amountUsd: number;
}

/** The port. */
export interface UsageApi {
  /** The region whose resources the regional reads see (the free tier itself is account-wide). */
  readonly region: string;

  listDbInstances(): Promise<DbInstanceUsage[]>;
  listCacheNodes(): Promise<CacheNodeUsage[]>;
  listFunctions(): Promise<FunctionUsage[]>;
  /** Every metric CloudWatch lists (those with data in the last two weeks). */
  listMetrics(): Promise<MetricIdentity[]>;
  listAlarms(): Promise<AlarmInfo[]>;

  getFreeTierUsage(): Promise<FreeTierApiUsage[]>;
  getAccountPlanState(): Promise<AccountPlanState>;
  /** The account of the credentials (STS), for when no answer has named it yet. */
  accountId(): Promise<string>;
  describeBudgets(accountId: string): Promise<BudgetInfo[]>;
  /** Cost Explorer GetCostAndUsage, grouped by service. Each call costs USD 0.01. */
  getCostByService(range: { start: Date; end: Date }): Promise<ServiceCost[]>;

  close(): Promise<void>;
}
