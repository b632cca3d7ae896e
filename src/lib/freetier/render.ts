/**
 * Renderings of the free-tier report: human (tables and one bar per offer, colour only
 * when the styling functions colour) and Markdown (for a ticket or an email). Pure.
 */
import type { ChalkInstance } from 'chalk';
import { plural, renderTable } from '../output/format.js';
import { seeAnchor } from '../runbook/findings.js';
import type { OfferStatus } from './projection.js';
import type { BudgetReport, FreeTierReport, OfferReport, PlanReport } from './types.js';

export const BAR_CELLS = 20;

const INTEGER_UNITS = new Set(['h', 'requests', 'GB-s', 'metrics', 'alarms']);

export function formatAmount(n: number, unit: string): string {
  const digits = INTEGER_UNITS.has(unit) ? 0 : 2;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`;
}

const pct = (n: number) => `${Math.round(n)} %`;
const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : '-');
const usd = (n: number | undefined) => (n === undefined ? '-' : `$${n.toFixed(2)}`);

/**
 * `[#########|.........]`: `#` is used, `|` where the forecast lands, `.` still free;
 * a `>` after the bracket means the forecast goes past the limit.
 */
export function bar(percent: number, forecastPercent: number, cells = BAR_CELLS): string {
  const filled = Math.min(cells, Math.round((Math.max(0, percent) / 100) * cells));
  const chars: string[] = Array.from({ length: cells }, (_, i) => (i < filled ? '#' : '.'));
  const at = Math.min(cells, Math.round((Math.max(0, forecastPercent) / 100) * cells)) - 1;
  if (forecastPercent > percent && at >= filled) chars[at] = '|';
  return `[${chars.join('')}]${forecastPercent > 100 ? '>' : ' '}`;
}

function paint(status: OfferStatus, text: string, c: ChalkInstance): string {
  if (status === 'over') return c.red(text);
  if (status === 'warning') return c.yellow(text);
  if (status === 'ok') return c.green(text);
  return c.dim(text);
}

function statusWord(o: { status: OfferStatus; applies?: boolean }, c: ChalkInstance): string {
  if (o.applies === false) return c.dim('credits');
  return paint(o.status, o.status, c);
}

function apiCell(o: OfferReport): string {
  if (!o.api) return '-';
  return `${formatAmount(o.api.used, o.unit)} (${pct(o.api.percent)})`;
}

function offersTable(r: FreeTierReport, c: ChalkInstance): string {
  return renderTable(
    [
      { header: 'OFFER', value: (o: OfferReport) => o.title },
      { header: 'USED', value: (o) => (o.available ? formatAmount(o.used, o.unit) : '?'), align: 'right' },
      { header: 'LIMIT', value: (o) => formatAmount(o.limit, o.unit), align: 'right' },
      { header: '%', value: (o) => (o.available ? pct(o.percent) : '?'), align: 'right' },
      {
        header: 'FORECAST',
        value: (o) => (o.available ? `${formatAmount(o.forecast, o.unit)} (${pct(o.forecastPercent)})` : '?'),
        align: 'right',
      },
      { header: 'RUNS OUT', value: (o) => day(o.runOut) },
      { header: 'STATUS', value: (o) => statusWord(o, c) },
      { header: 'FREE TIER API', value: apiCell },
    ],
    r.offers,
  );
}

function barsBlock(r: FreeTierReport, c: ChalkInstance): string {
  const width = Math.max(...r.offers.map((o) => o.title.length));
  return r.offers
    .filter((o) => o.available)
    .map(
      (o) =>
        `${o.title.padEnd(width)}  ${paint(o.applies ? o.status : 'unknown', bar(o.percent, o.forecastPercent), c)} ${pct(o.percent)} -> ${pct(o.forecastPercent)}`,
    )
    .join('\n');
}

function planLine(p: PlanReport): string {
  if (p.kind === 'legacy') return `Account: legacy free tier (${p.planType}, ${p.planStatus}). ${p.note}`;
  const ends = p.expiresAt ? `, plan ends ${day(p.expiresAt)}${p.daysLeft === undefined ? '' : ` (${plural(p.daysLeft, 'day')})`}` : '';
  return `Account: credits plan (${p.planType}, ${p.planStatus}): ${usd(p.creditsUsd)} credits left${ends}. ${p.note}`;
}

function instancesTable(r: FreeTierReport): string {
  if (r.rdsInstances.length === 0) return 'RDS: no instances this month.';
  return renderTable(
    [
      { header: 'RDS INSTANCE', value: (l: FreeTierReport['rdsInstances'][number]) => l.id },
      { header: 'CLASS', value: (l) => l.instanceClass },
      { header: 'STATE', value: (l) => l.state + (l.runningNow ? ' (running)' : '') },
      { header: 'PURPOSE', value: (l) => l.purpose },
      { header: 'HOURS', value: (l) => String(l.hours), align: 'right' },
      { header: 'FREE', value: (l) => (l.free ? 'yes' : 'no') },
      { header: 'NOTE', value: (l) => l.note ?? '' },
    ],
    r.rdsInstances,
  );
}

function purposeLine(r: FreeTierReport): string | undefined {
  if (r.rdsByPurpose.length === 0) return undefined;
  return 'Free RDS hours by dbops:purpose: ' + r.rdsByPurpose.map((p) => `${p.purpose} ${p.hours} h (${p.instances})`).join(', ') + '.';
}

function cacheTable(r: FreeTierReport): string | undefined {
  if (r.cacheNodes.length === 0) return undefined;
  return renderTable(
    [
      { header: 'CACHE NODE', value: (l: FreeTierReport['cacheNodes'][number]) => `${l.clusterId}/${l.nodeId}` },
      { header: 'TYPE', value: (l) => l.nodeType },
      { header: 'STATE', value: (l) => l.state + (l.runningNow ? ' (running)' : '') },
      { header: 'HOURS', value: (l) => String(l.hours), align: 'right' },
      { header: 'FREE', value: (l) => (l.free ? 'yes' : 'no') },
      { header: 'NOTE', value: (l) => l.note ?? '' },
    ],
    r.cacheNodes,
  );
}

function thresholdsText(b: BudgetReport): string {
  return b.thresholds.map((t) => `${usd(t.usd)}${t.crossed ? ' crossed' : ''}`).join(', ') || '-';
}

function budgetsTable(r: FreeTierReport, c: ChalkInstance): string | undefined {
  if (r.budgets.length === 0) return undefined;
  return renderTable(
    [
      { header: 'BUDGET', value: (b: BudgetReport) => b.name },
      { header: 'LIMIT', value: (b) => usd(b.limitUsd), align: 'right' },
      { header: 'ACTUAL', value: (b) => usd(b.actualUsd), align: 'right' },
      { header: 'FORECAST', value: (b) => usd(b.forecastUsd), align: 'right' },
      { header: 'ALERTS', value: thresholdsText },
      { header: 'STATUS', value: (b) => statusWord(b, c) },
    ],
    r.budgets,
  );
}

function otherOffersTable(r: FreeTierReport, c: ChalkInstance): string | undefined {
  if (r.otherApiOffers.length === 0) return undefined;
  return renderTable(
    [
      { header: 'OTHER FREE TIER API OFFER', value: (o: FreeTierReport['otherApiOffers'][number]) => `${o.service} ${o.usageType}` },
      { header: 'USED', value: (o) => `${o.used} ${o.unit}`, align: 'right' },
      { header: 'LIMIT', value: (o) => `${o.limit} ${o.unit}`, align: 'right' },
      { header: '%', value: (o) => pct(o.percent), align: 'right' },
      { header: 'STATUS', value: (o) => statusWord(o, c) },
    ],
    r.otherApiOffers,
  );
}

function costLines(r: FreeTierReport): string | undefined {
  const ce = r.costExplorer;
  if (!ce) return undefined;
  const top = ce.services.map((s) => `  ${s.service}: ${usd(s.amountUsd)}`);
  return [`Cost Explorer (this request cost ${usd(ce.requestCostUsd)}): ${usd(ce.totalUsd)} this month.`, ...top].join('\n');
}

function missingLines(r: FreeTierReport, c: ChalkInstance): string | undefined {
  if (r.missing.length === 0) return undefined;
  return ['Not read:', ...r.missing.map((m) => `  ${c.yellow(m.source)}: ${m.reason}${m.hint ? ` (${m.hint})` : ''}`)].join('\n');
}

function offerNotes(r: FreeTierReport): string[] {
  return r.offers.flatMap((o) => o.notes.map((n) => `${o.title}: ${n}`));
}

function headline(r: FreeTierReport, c: ChalkInstance): string {
  const asOf = r.complete ? 'final' : `as of ${r.asOf.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `Free tier ${r.month} (${r.region}), ${asOf}: ${c.bold(paint(r.status, r.status.toUpperCase(), c))}`;
}

/** The human report. */
/** Aurora Serverless v2 and Valkey serverless: billable, never a free offer; estimated against the budget. */
function billableLines(r: FreeTierReport): string | undefined {
  const b = r.billable;
  if (!b) return undefined;
  const kind = (k: string) => (k === 'aurora-serverless-v2' ? 'Aurora Serverless v2' : 'Valkey serverless');
  return [
    'Billable (not in the free tier), estimated:',
    ...b.lines.flatMap((l) => [
      `  ${kind(l.kind)} ${l.id}: $${l.monthToDateUsd.toFixed(2)} so far, forecast $${l.forecastUsd.toFixed(2)} this month`,
      `    ${l.usage.map((u) => `${u.name} ${u.amount} ${u.unit} ($${u.usd.toFixed(2)})`).join(', ')}`,
    ]),
    `  total $${b.monthToDateUsd.toFixed(2)} so far, forecast $${b.forecastUsd.toFixed(2)}${b.budgetUsd !== undefined ? ` against a budget of $${b.budgetUsd.toFixed(2)}${b.forecastPercentOfBudget !== undefined ? ` (${Math.round(b.forecastPercentOfBudget)} %)` : ''}` : ''}`,
    ...(b.overBudget ? [`  ${b.overBudget}`] : []),
    `  ${b.prices}`,
  ].join('\n');
}

export function renderHuman(r: FreeTierReport, c: ChalkInstance): string {
  const sections = [
    [headline(r, c), r.plan ? planLine(r.plan) : undefined].filter(Boolean).join('\n'),
    r.findings.length > 0
      ? r.findings.map((f) => `${paint('warning', '!', c)} ${f.message} ${seeAnchor(f.runbook)}`).join('\n')
      : undefined,
    offersTable(r, c),
    barsBlock(r, c),
    [instancesTable(r), purposeLine(r)].filter(Boolean).join('\n'),
    cacheTable(r),
    billableLines(r),
    budgetsTable(r, c),
    otherOffersTable(r, c),
    costLines(r),
    missingLines(r, c),
    ['Notes:', ...[...offerNotes(r), ...r.notes].map((n) => `  - ${n}`)].join('\n'),
    r.published?.note,
  ];
  return sections.filter((s): s is string => Boolean(s)).join('\n\n');
}

// ---- Markdown ----

const cell = (s: string) => s.replace(/\|/g, '\\|');

function mdTable(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function mdOffers(r: FreeTierReport): string {
  return mdTable(
    ['Offer', 'Used', 'Limit', '%', 'Forecast', 'Runs out', 'Status', 'Free Tier API', 'Bar'],
    r.offers.map((o) => [
      o.title,
      o.available ? formatAmount(o.used, o.unit) : '?',
      formatAmount(o.limit, o.unit),
      o.available ? pct(o.percent) : '?',
      o.available ? `${formatAmount(o.forecast, o.unit)} (${pct(o.forecastPercent)})` : '?',
      day(o.runOut),
      o.applies ? `**${o.status}**` : 'credits',
      apiCell(o),
      o.available ? `\`${bar(o.percent, o.forecastPercent)}\`` : '',
    ]),
  );
}

function mdSections(r: FreeTierReport): (string | undefined)[] {
  return [
    r.rdsInstances.length === 0
      ? undefined
      : '## RDS instances\n\n' +
        mdTable(
          ['Instance', 'Class', 'State', 'Purpose', 'Hours', 'Free', 'Note'],
          r.rdsInstances.map((l) => [
            l.id,
            l.instanceClass,
            l.state + (l.runningNow ? ' (running)' : ''),
            l.purpose,
            String(l.hours),
            l.free ? 'yes' : 'no',
            l.note ?? '',
          ]),
        ) +
        (purposeLine(r) ? `\n\n${purposeLine(r)}` : ''),
    r.cacheNodes.length === 0
      ? undefined
      : '## ElastiCache nodes\n\n' +
        mdTable(
          ['Node', 'Type', 'State', 'Hours', 'Free', 'Note'],
          r.cacheNodes.map((l) => [
            `${l.clusterId}/${l.nodeId}`,
            l.nodeType,
            l.state,
            String(l.hours),
            l.free ? 'yes' : 'no',
            l.note ?? '',
          ]),
        ),
    r.billable ? `## Billable (not in the free tier)\n\n\`\`\`\n${billableLines(r)}\n\`\`\`` : undefined,
    r.budgets.length === 0
      ? undefined
      : '## Budgets\n\n' +
        mdTable(
          ['Budget', 'Limit', 'Actual', 'Forecast', 'Alerts', 'Status'],
          r.budgets.map((b) => [b.name, usd(b.limitUsd), usd(b.actualUsd), usd(b.forecastUsd), thresholdsText(b), `**${b.status}**`]),
        ),
    r.otherApiOffers.length === 0
      ? undefined
      : '## Other Free Tier API offers\n\n' +
        mdTable(
          ['Offer', 'Used', 'Limit', '%', 'Status'],
          r.otherApiOffers.map((o) => [
            `${o.service} ${o.usageType}`,
            `${o.used} ${o.unit}`,
            `${o.limit} ${o.unit}`,
            pct(o.percent),
            `**${o.status}**`,
          ]),
        ),
    costLines(r) ? `## Cost Explorer\n\n\`\`\`\n${costLines(r)}\n\`\`\`` : undefined,
    r.missing.length === 0
      ? undefined
      : '## Not read\n\n' + r.missing.map((m) => `- **${m.source}**: ${m.reason}${m.hint ? ` (${m.hint})` : ''}`).join('\n'),
    '## Notes\n\n' + [...offerNotes(r), ...r.notes].map((n) => `- ${n}`).join('\n'),
    r.published?.note,
  ];
}

/** The Markdown report. */
export function renderMarkdown(r: FreeTierReport): string {
  const asOf = r.complete ? 'final figures' : `as of ${r.asOf.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const head = [`# Free tier ${r.month} (${r.region}): ${r.status.toUpperCase()}`, '', `_${asOf}_`];
  if (r.plan) head.push('', planLine(r.plan));
  if (r.findings.length > 0) head.push('', ...r.findings.map((f) => `- ${f.message} ${seeAnchor(f.runbook)}`));
  return [head.join('\n'), mdOffers(r), ...mdSections(r)].filter((s): s is string => Boolean(s)).join('\n\n') + '\n';
}

/** The one line the local provider gets. */
export const NO_FREE_TIER_MESSAGE = 'The local provider has no free tier: nothing to report (use --provider aws).';
