/**
 * The account-level parts of the report: AWS budgets against the configured alert
 * percentages, the account's plan (legacy 12-month free tier or the credits plan), and
 * the AWS Free Tier API's figures matched to dbops' offers. Pure functions.
 */
import type { AccountPlanState, BudgetInfo, FreeTierApiUsage } from '../providers/usage-types.js';
import { OFFERS, type OfferId } from './offers.js';
import { offerStatus, percentOf, type OfferStatus } from './projection.js';
import type { ApiFigure, ApiOfferLine, BudgetReport, PlanReport } from './types.js';

const DAY_MS = 86_400_000;

/**
 * over: actual spend is past the budget; warning: actual spend crossed one of the alert
 * percentages, or AWS forecasts the period to end past the budget; ok otherwise.
 */
export function budgetReport(b: BudgetInfo, alertPercents: readonly number[]): BudgetReport {
  const actualPercent = b.actualUsd === undefined ? undefined : percentOf(b.actualUsd, b.limitUsd);
  const forecastPercent = b.forecastUsd === undefined ? undefined : percentOf(b.forecastUsd, b.limitUsd);
  const thresholds = [...alertPercents]
    .sort((x, y) => x - y)
    .map((percent) => ({ percent, usd: (b.limitUsd * percent) / 100, crossed: (actualPercent ?? 0) >= percent }));
  const status: OfferStatus =
    b.actualUsd === undefined
      ? 'unknown'
      : b.actualUsd > b.limitUsd
        ? 'over'
        : thresholds.some((t) => t.crossed) || (b.forecastUsd ?? 0) > b.limitUsd
          ? 'warning'
          : 'ok';
  return {
    name: b.name,
    timeUnit: b.timeUnit,
    limitUsd: b.limitUsd,
    ...(b.actualUsd === undefined ? {} : { actualUsd: b.actualUsd, actualPercent }),
    ...(b.forecastUsd === undefined ? {} : { forecastUsd: b.forecastUsd, forecastPercent }),
    thresholds,
    status,
  };
}

/** Only cost budgets are compared in dollars. */
export function costBudgets(budgets: readonly BudgetInfo[]): BudgetInfo[] {
  return budgets.filter((b) => b.budgetType === 'COST');
}

/** Accounts created after 2025-07-15 report credits or a plan end date; older ones neither. */
export function isCreditsPlan(state: AccountPlanState): boolean {
  return state.remainingCreditsUsd !== undefined || state.expiresAt !== undefined || state.planType === 'FREE';
}

function creditsPlanStatus(
  state: AccountPlanState,
  daysLeft: number | undefined,
  limits: { planEndWarnDays: number; creditsWarnUsd: number },
): OfferStatus {
  if (state.planType !== 'FREE') return 'ok';
  if (state.planStatus === 'EXPIRED' || (state.remainingCreditsUsd !== undefined && state.remainingCreditsUsd <= 0)) return 'over';
  if ((daysLeft !== undefined && daysLeft <= limits.planEndWarnDays) || (state.remainingCreditsUsd ?? Infinity) < limits.creditsWarnUsd)
    return 'warning';
  return 'ok';
}

export function planReport(state: AccountPlanState, now: Date, limits: { planEndWarnDays: number; creditsWarnUsd: number }): PlanReport {
  const base = { planType: state.planType, planStatus: state.planStatus };
  if (!isCreditsPlan(state)) {
    return { kind: 'legacy', ...base, status: 'ok', note: "12-month offers apply during the account's first 12 months." };
  }
  const daysLeft = state.expiresAt ? Math.floor((state.expiresAt.getTime() - now.getTime()) / DAY_MS) : undefined;
  const note =
    state.planType === 'FREE'
      ? 'Credits plan: usage beyond the always-free offers draws on the credits; the Free plan ends when they run out or at its end date, and the account closes unless upgraded.'
      : 'Paid plan with credits: usage draws on the credits first; unused credits expire at the end date.';
  return {
    kind: 'credits',
    ...base,
    ...(state.remainingCreditsUsd === undefined ? {} : { creditsUsd: state.remainingCreditsUsd }),
    ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
    ...(daysLeft === undefined ? {} : { daysLeft }),
    status: creditsPlanStatus(state, daysLeft, limits),
    note,
  };
}

export function apiFigure(u: FreeTierApiUsage, warnPercent: number): ApiFigure {
  const percent = percentOf(u.used, u.limit);
  const forecast = u.forecast;
  return {
    usageType: u.usageType,
    used: u.used,
    ...(forecast === undefined ? {} : { forecast, forecastPercent: percentOf(forecast, u.limit) }),
    limit: u.limit,
    unit: u.unit,
    percent,
    status: offerStatus({ used: u.used, limit: u.limit, percent, forecast: forecast ?? u.used }, warnPercent),
  };
}

/** The Free Tier API's rows per dbops offer (the fullest one when several match), and the rest. */
export function matchApiUsage(rows: readonly FreeTierApiUsage[]): { byOffer: Map<OfferId, FreeTierApiUsage>; others: FreeTierApiUsage[] } {
  const byOffer = new Map<OfferId, FreeTierApiUsage>();
  const others: FreeTierApiUsage[] = [];
  for (const row of rows) {
    const offer = OFFERS.find((o) => o.matches(row));
    const held = offer ? byOffer.get(offer.id) : undefined;
    if (!offer) others.push(row);
    else if (!held) byOffer.set(offer.id, row);
    else if (percentOf(row.used, row.limit) > percentOf(held.used, held.limit)) {
      others.push(held);
      byOffer.set(offer.id, row);
    } else others.push(row);
  }
  return { byOffer, others };
}

export function apiOfferLine(u: FreeTierApiUsage, warnPercent: number): ApiOfferLine {
  return {
    service: u.service,
    ...(u.description ? { description: u.description } : {}),
    ...(u.freeTierType ? { freeTierType: u.freeTierType } : {}),
    ...apiFigure(u, warnPercent),
  };
}
