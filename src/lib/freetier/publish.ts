/**
 * `--publish`: the report's percentages as CloudWatch custom metrics, so an alarm can watch
 * them. Every distinct metric is a custom metric and counts against the 10 free ones, so
 * dbops publishes two: the highest used and the highest forecast percentage among the
 * offers that apply (the report says which offer it is).
 */
import type { MetricDatum } from '../providers/types.js';
import type { MetricIdentity } from '../providers/usage-types.js';
import type { FreeTierReport, PublishResult } from './types.js';

export const PUBLISHED_METRICS = ['FreeTierUsedPercent', 'FreeTierForecastPercent'] as const;

export function publishData(report: FreeTierReport, timestamp: Date): MetricDatum[] {
  const offers = report.offers.filter((o) => o.applies && o.available);
  const max = (f: (o: (typeof offers)[number]) => number) => Math.max(0, ...offers.map(f));
  return [
    { metricName: PUBLISHED_METRICS[0], value: max((o) => Math.max(o.percent, o.api?.percent ?? 0)), unit: 'Percent', timestamp },
    {
      metricName: PUBLISHED_METRICS[1],
      value: max((o) => Math.max(o.forecastPercent, o.api?.forecastPercent ?? 0)),
      unit: 'Percent',
      timestamp,
    },
  ];
}

/** What to tell the user about the metrics just published, given the metrics CloudWatch listed. */
export function publishResult(namespace: string, listed: readonly MetricIdentity[]): PublishResult {
  const custom = listed.filter((m) => !m.namespace.startsWith('AWS/'));
  const isOurs = (name: string) =>
    custom.some((m) => m.namespace === namespace && m.metricName === name && Object.keys(m.dimensions).length === 0);
  const added = PUBLISHED_METRICS.filter((name) => !isOurs(name)).length;
  return {
    namespace,
    metrics: [...PUBLISHED_METRICS],
    note: `Published ${PUBLISHED_METRICS.length} custom metrics to the CloudWatch namespace ${namespace}; they count against the 10 free custom metrics (${custom.length + added} of 10 with them).`,
  };
}
