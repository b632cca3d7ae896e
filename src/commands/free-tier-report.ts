/** `dbops free-tier-report`: the definition (handler: free-tier-report.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy, opt } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const freeTierReport = defineCommand({
  name: 'free-tier-report',
  runbook: 'free-tier',
  summary: 'Free-tier usage, forecast and budgets for this month: made for cron (exit 4 when a threshold is crossed)',
  description:
    "Per free-tier offer (RDS, ElastiCache, Lambda, CloudWatch): used so far, limit, percent, forecast for the month end, the day it runs out at the current rate, and a status. Figures come from CloudWatch and the RDS, ElastiCache and Lambda APIs, shown beside the AWS Free Tier API's own; AWS Budgets are compared with budget.alertPercents. About 9 AWS calls a run, however many instances. Exit 0 below every threshold, 4 when an offer, budget or the credits plan crosses one, 3 when the data could not be read. The local provider has no free tier: it says so and exits 0.",
  fleet:
    "With --all (docs/fleet.md): the free tier is an account's, so one report per account of the fleet (each through its role), --concurrency at a time, one summary row per account (the most used offer, its forecast, thresholds crossed), each full report under --report-dir; exit 4 when any account crosses a threshold, 3 when one could not be read. --select does not apply.",
  options: {
    month: opt.string(
      '--month <YYYY-MM>',
      'a past month instead of the current one (figures final, no forecast, no Free Tier API or Budgets)',
    ),
    markdown: opt.flag('--markdown', 'print the report as Markdown (for a ticket or an email)'),
    publish: opt.flag(
      '--publish',
      'write the highest used and forecast percentages as 2 CloudWatch custom metrics (they count against the 10 free ones; --dry-run shows them instead)',
    ),
    withCostExplorer: opt.flag('--with-cost-explorer', "add this month's cost per service from Cost Explorer (USD 0.01 per request)"),
    ...fleetRunOptions,
  },
  mutates: true,
  examples: examples(`
    $ dbops free-tier-report                                                                                                     # this month, as tables and bars
    $ dbops free-tier-report --publish --dry-run                                                                                 # show the metrics --publish would write, write nothing
    $ dbops free-tier-report --month 2025-01 --json                                                                              # a past month as JSON
    $ dbops free-tier-report --markdown > free-tier.md                                                                           # a report for a ticket
    $ 0 7 * * * dbops free-tier-report --quiet --markdown > /tmp/ft.md || mail -s "AWS free tier" ops@example.com < /tmp/ft.md   # cron: silent when all is well, mails the report otherwise
    $ dbops free-tier-report --publish --quiet                                                                                   # publish FreeTierUsedPercent / FreeTierForecastPercent for an alarm
    $ dbops free-tier-report --all --report-dir reports/                                                                         # one report per account of the fleet, one summary table
  `),
  load: (): Lazy => import('./free-tier-report.run.js').then((m) => m.freeTierReport),
});
