/**
 * Assembles the free-tier report from what was collected: one pure function of the data,
 * the thresholds and `now`. The exit code is decided here (0, or 4 when anything that
 * applies crossed a threshold), so the command only renders and returns it.
 */
import type * as U from '../providers/usage-types.js';
import { apiFigure, apiOfferLine, budgetReport, costBudgets, matchApiUsage, planReport } from './account.js';
import { cacheNodeLines, hoursByPurpose, rdsInstanceLines } from './instances.js';
import {
  measureAlarms,
  measureCacheHours,
  measureCustomMetrics,
  measureLambdaCompute,
  measureLambdaRequests,
  measureLogIngestion,
  measureRdsBackup,
  measureRdsHours,
  measureRdsStorage,
  type Measured,
} from './measure.js';
import { auroraLine, billableReport, serverlessCacheLine } from './billable.js';
import type { MonthWindow } from './month.js';
import { type FreeTierFinding, freeTierFinding } from './findings.js';
import { DEFAULT_WARN_PERCENT, offerDef } from './offers.js';
import { offerStatus, worst, type OfferStatus } from './projection.js';
import type { UsageSeries } from './queries.js';
import type {
  ApiOfferLine,
  BudgetReport,
  CostExplorerReport,
  FreeTierReport,
  MissingSource,
  OfferReport,
  PlanReport,
  ReportSettings,
} from './types.js';

/** Everything the collectors read; optional parts are undefined when their source is missing. */
export interface CollectedUsage {
  window: MonthWindow;
  region: string;
  instances: U.DbInstanceUsage[];
  metrics: U.MetricIdentity[];
  cacheNodes?: U.CacheNodeUsage[];
  functions?: U.FunctionUsage[];
  alarms?: U.AlarmInfo[];
  usage: UsageSeries;
  freeTierApi?: U.FreeTierApiUsage[];
  plan?: U.AccountPlanState;
  budgets?: U.BudgetInfo[];
  costs?: U.ServiceCost[];
  missing: MissingSource[];
}

const TWO_WEEKS_MS = 14 * 86_400_000;
/** What one Cost Explorer API request costs. */
export const COST_EXPLORER_REQUEST_USD = 0.01;

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function offerReport(
  m: Measured,
  settings: ReportSettings,
  plan: PlanReport | undefined,
  api: U.FreeTierApiUsage | undefined,
): OfferReport {
  const def = offerDef(m.id);
  const p = m.projection;
  const warnPercent = settings.warnPercent[def.warnKey];
  const apiFig = api ? apiFigure(api, warnPercent) : undefined;
  const own: OfferStatus = m.available ? offerStatus(p, warnPercent) : 'unknown';
  const applies = !(def.term === '12-month' && plan?.kind === 'credits');
  const notes = applies ? m.notes : [...m.notes, 'No 12-month free offer on the credits plan: this usage draws on the credits.'];
  return {
    id: m.id,
    service: def.service,
    title: def.title,
    unit: def.unit,
    term: def.term,
    limit: def.limit,
    used: round2(p.used),
    percent: round2(p.percent),
    forecast: round2(p.forecast),
    forecastPercent: round2(p.forecastPercent),
    ...(p.runOut ? { runOut: p.runOut } : {}),
    warnPercent,
    status: apiFig ? worst(own, apiFig.status) : own,
    available: m.available,
    applies,
    source: m.source,
    ...(apiFig ? { api: roundFigure(apiFig) } : {}),
    notes,
  };
}

function roundFigure<T extends { used: number; percent: number; forecast?: number; forecastPercent?: number }>(f: T): T {
  return {
    ...f,
    used: round2(f.used),
    percent: round2(f.percent),
    ...(f.forecast === undefined ? {} : { forecast: round2(f.forecast) }),
    ...(f.forecastPercent === undefined ? {} : { forecastPercent: round2(f.forecastPercent) }),
  };
}

function measureAll(data: CollectedUsage): {
  measured: Measured[];
  rds: ReturnType<typeof rdsInstanceLines>;
  cache: ReturnType<typeof cacheNodeLines>;
} {
  const { window, usage } = data;
  const rds = rdsInstanceLines(data.instances, usage.rdsHours, window);
  const cache = cacheNodeLines(data.cacheNodes, usage.cacheHours, window);
  const measured = [
    measureRdsHours(rds, usage.rdsHours, window, new Map(data.instances.map((i) => [i.id, i.engine]))),
    measureRdsStorage(data.instances, rds, window),
    measureRdsBackup(usage),
    measureCacheHours(cache, usage.cacheHours, window, data.cacheNodes !== undefined),
    measureLambdaRequests(usage, window),
    measureLambdaCompute(data.functions, usage, window),
    measureCustomMetrics(data.metrics),
    measureAlarms(data.alarms),
    measureLogIngestion(usage, window),
  ];
  return { measured, rds, cache };
}

const pct = (n: number) => `${Math.round(n)} %`;
const alarming = (s: OfferStatus) => s === 'warning' || s === 'over';

/** One finding per crossed threshold, in report order. */
function crossedFindings(
  offers: OfferReport[],
  budgets: BudgetReport[],
  plan: PlanReport | undefined,
  others: ApiOfferLine[],
): FreeTierFinding[] {
  const out: FreeTierFinding[] = [];
  for (const o of offers.filter((x) => x.applies && alarming(x.status))) {
    out.push(
      freeTierFinding(
        o.id,
        `${o.title} ${o.status}: ${o.used} of ${o.limit} ${o.unit} used (${pct(o.percent)}), forecast ${o.forecast} ${o.unit} (${pct(o.forecastPercent)}).`,
      ),
    );
  }
  for (const b of budgets.filter((x) => alarming(x.status))) {
    out.push(
      freeTierFinding(
        'budget',
        `Budget ${b.name} ${b.status}: $${(b.actualUsd ?? 0).toFixed(2)} of $${b.limitUsd.toFixed(2)} spent, forecast $${(b.forecastUsd ?? 0).toFixed(2)}.`,
      ),
    );
  }
  if (plan && alarming(plan.status)) {
    out.push(
      freeTierFinding(
        'credits-plan',
        `Credits plan ${plan.status}: $${(plan.creditsUsd ?? 0).toFixed(2)} left${plan.expiresAt ? `, ends ${plan.expiresAt.toISOString().slice(0, 10)}` : ''}.`,
      ),
    );
  }
  for (const o of others.filter((x) => alarming(x.status))) {
    out.push(
      freeTierFinding(
        'other-free-tier-offer',
        `${o.service} ${o.usageType} ${o.status}: ${o.used} of ${o.limit} ${o.unit} (${pct(o.percent)}).`,
      ),
    );
  }
  return out;
}

function overallStatus(offers: OfferReport[], budgets: BudgetReport[], plan: PlanReport | undefined, others: ApiOfferLine[]): OfferStatus {
  const all: OfferStatus[] = [
    ...offers.filter((o) => o.applies).map((o) => o.status),
    ...budgets.map((b) => b.status),
    ...(plan ? [plan.status] : []),
    ...others.map((o) => o.status),
  ];
  return all.reduce<OfferStatus>((a, s) => worst(a, s), 'ok');
}

function reportNotes(data: CollectedUsage): string[] {
  const { window } = data;
  const notes = [
    `dbops counted resources in ${data.region} only; the free tier is account-wide (the Free Tier API's figures cover every region).`,
  ];
  const forgetBefore = new Date(window.asOf.getTime() - TWO_WEEKS_MS);
  if (forgetBefore > window.start) {
    notes.push(
      `CloudWatch lists metrics with data in the last two weeks: a resource deleted before ${forgetBefore.toISOString().slice(0, 10)} is not in dbops' own figures.`,
    );
  }
  if (window.complete) notes.push(`${window.month} is complete: the figures are final and nothing is forecast.`);
  return notes;
}

function costExplorerReport(costs: U.ServiceCost[] | undefined): CostExplorerReport | undefined {
  if (!costs) return undefined;
  const services = [...costs].filter((c) => Math.abs(c.amountUsd) >= 0.005).sort((a, b) => b.amountUsd - a.amountUsd);
  const total = costs.reduce((a, c) => a + c.amountUsd, 0);
  return {
    totalUsd: round2(total),
    services: services.map((s) => ({ ...s, amountUsd: round2(s.amountUsd) })),
    requestCostUsd: COST_EXPLORER_REQUEST_USD,
  };
}

/** The report: per offer, per resource, budgets, plan, what is missing, and the exit code. */
export function buildReport(data: CollectedUsage, settings: ReportSettings, now: Date): FreeTierReport {
  const { measured, rds, cache } = measureAll(data);
  const plan = data.plan ? planReport(data.plan, now, settings) : undefined;
  const api = data.freeTierApi ? matchApiUsage(data.freeTierApi) : undefined;
  const offers = measured.map((m) => offerReport(m, settings, plan, api?.byOffer.get(m.id)));
  const budgets = costBudgets(data.budgets ?? []).map((b) => budgetReport(b, settings.budgetAlertPercents));
  const others = (api?.others ?? []).map((u) => roundFigure(apiOfferLine(u, DEFAULT_WARN_PERCENT)));
  const findings = crossedFindings(offers, budgets, plan, others);
  const costExplorer = costExplorerReport(data.costs);
  const billableLines = [
    ...[...data.usage.aurora].sort(([a], [b]) => a.localeCompare(b)).map(([id, u]) => auroraLine(id, u, data.window)),
    ...[...data.usage.serverlessCaches].sort(([a], [b]) => a.localeCompare(b)).map(([id, u]) => serverlessCacheLine(id, u, data.window)),
  ];
  const billable = billableLines.length > 0 ? billableReport(billableLines, settings.budgetUsd) : undefined;
  return {
    month: data.window.month,
    asOf: data.window.asOf,
    complete: data.window.complete,
    region: data.region,
    status: overallStatus(offers, budgets, plan, others),
    exitCode: findings.length > 0 ? 4 : 0,
    crossed: findings.map((f) => f.message),
    findings,
    ...(plan ? { plan } : {}),
    offers,
    rdsInstances: rds,
    rdsByPurpose: hoursByPurpose(rds),
    cacheNodes: cache,
    budgets,
    otherApiOffers: others,
    ...(costExplorer ? { costExplorer } : {}),
    ...(billable ? { billable } : {}),
    missing: data.missing,
    notes: reportNotes(data),
  };
}
