/**
 * The free-tier report as lib returns it: what `--json` prints and the renderers draw.
 * Dates serialise as ISO strings.
 */
import type { ServiceCost } from '../providers/usage-types.js';
import type { FreeTierFinding } from './findings.js';
import type { OfferId, WarnKey } from './offers.js';
import type { OfferStatus } from './projection.js';

/** The Free Tier API's figure for an offer, shown beside dbops' own. */
export interface ApiFigure {
  usageType: string;
  used: number;
  forecast?: number;
  limit: number;
  unit: string;
  percent: number;
  forecastPercent?: number;
  status: OfferStatus;
}

/** One free-tier offer: used so far, limit, forecast, run-out moment, status. */
export interface OfferReport {
  id: OfferId;
  service: string;
  title: string;
  unit: string;
  term: '12-month' | 'always-free';
  limit: number;
  used: number;
  percent: number;
  forecast: number;
  forecastPercent: number;
  /** When the free amount ran out, or will at the current rate (only within the month). */
  runOut?: Date;
  warnPercent: number;
  status: OfferStatus;
  /** false when dbops could not read the figures (see `missing`). */
  available: boolean;
  /** false for a 12-month offer on a credits-plan account: the usage draws credits instead. */
  applies: boolean;
  /** Where dbops' figure comes from. */
  source: string;
  api?: ApiFigure;
  notes: string[];
}

/** An RDS instance that ran (or exists) this month, with its share of the hours. */
export interface InstanceLine {
  id: string;
  instanceClass: string;
  /** RDS status, or "deleted" when only CloudWatch remembers it. */
  state: string;
  /** The dbops:purpose tag ("-" untagged, "unknown" when deleted). */
  purpose: string;
  /** Counts against the free 750 h (free class, engine, Single-AZ). */
  free: boolean;
  hours: number;
  runningNow: boolean;
  note?: string;
}

export interface CacheNodeLine {
  clusterId: string;
  nodeId: string;
  nodeType: string;
  state: string;
  free: boolean;
  hours: number;
  runningNow: boolean;
  note?: string;
}

/** Free hours per dbops:purpose: what restore tests and drills cost. */
export interface PurposeHours {
  purpose: string;
  instances: number;
  hours: number;
}

export interface BudgetThreshold {
  percent: number;
  usd: number;
  crossed: boolean;
}

export interface BudgetReport {
  name: string;
  timeUnit: string;
  limitUsd: number;
  actualUsd?: number;
  forecastUsd?: number;
  actualPercent?: number;
  forecastPercent?: number;
  thresholds: BudgetThreshold[];
  status: OfferStatus;
}

/** The account's plan: legacy free tier (12-month offers) or the credits plan (after 2025-07-15). */
export interface PlanReport {
  kind: 'credits' | 'legacy';
  planType: string;
  planStatus: string;
  creditsUsd?: number;
  expiresAt?: Date;
  daysLeft?: number;
  status: OfferStatus;
  note: string;
}

/** An offer only the Free Tier API reports (usage above zero in another service). */
export interface ApiOfferLine extends ApiFigure {
  service: string;
  description?: string;
  freeTierType?: string;
}

export type SourceId = 'elasticache' | 'lambda' | 'alarms' | 'free-tier-api' | 'account-plan' | 'budgets' | 'cost-explorer';

/** A source the report could not read, and why: the rest of the report still stands. */
export interface MissingSource {
  source: SourceId;
  reason: string;
  hint?: string;
}

export interface CostExplorerReport {
  totalUsd: number;
  services: ServiceCost[];
  /** What the one GetCostAndUsage request cost. */
  requestCostUsd: number;
}

export interface PublishResult {
  namespace: string;
  metrics: string[];
  note: string;
}

export interface FreeTierReport {
  month: string;
  asOf: Date;
  complete: boolean;
  region: string;
  /** The worst status of the offers, budgets and plan that apply. */
  status: OfferStatus;
  /** 0, or 4 when any offer, budget or the plan crossed a threshold. */
  exitCode: 0 | 4;
  /** One line per crossed threshold, for the summary (the messages of `findings`). */
  crossed: string[];
  /** One per crossed threshold, with its section of runbooks/free-tier.md. */
  findings: FreeTierFinding[];
  plan?: PlanReport;
  offers: OfferReport[];
  rdsInstances: InstanceLine[];
  rdsByPurpose: PurposeHours[];
  cacheNodes: CacheNodeLine[];
  budgets: BudgetReport[];
  otherApiOffers: ApiOfferLine[];
  costExplorer?: CostExplorerReport;
  /** Aurora Serverless v2 clusters and Valkey serverless caches: billable, estimated (absent when there are none). */
  billable?: BillableReport;
  missing: MissingSource[];
  notes: string[];
  published?: PublishResult;
}

/** One resource the free tier never covers, with its usage and estimated cost (billable.ts). */
export interface BillableLine {
  kind: 'aurora-serverless-v2' | 'valkey-serverless';
  /** The cluster or the serverless cache. */
  id: string;
  usage: { name: string; amount: number; unit: string; usd: number }[];
  monthToDateUsd: number;
  /** The month so far scaled to the whole month. */
  forecastUsd: number;
  note: string;
}

/** The billable part of the estate: never counted against a free offer; estimated, with the budget. */
export interface BillableReport {
  lines: BillableLine[];
  monthToDateUsd: number;
  forecastUsd: number;
  /** budget.monthlyUsd of the config. */
  budgetUsd?: number;
  forecastPercentOfBudget?: number;
  /** Set when the forecast alone exceeds the budget. */
  overBudget?: string;
  /** Where the prices come from. */
  prices: string;
}

/** Thresholds the report judges by (config freeTier.warnPercent, budget.alertPercents). */
export interface ReportSettings {
  warnPercent: Record<WarnKey, number>;
  budgetAlertPercents: number[];
  /** A credits-plan account whose plan ends within this many days is a warning. */
  planEndWarnDays: number;
  /** A credits-plan account with fewer credits left (USD) is a warning. */
  creditsWarnUsd: number;
  /** budget.monthlyUsd: what the billable estimate is compared with. */
  budgetUsd?: number;
}
