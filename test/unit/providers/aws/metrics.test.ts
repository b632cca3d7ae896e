import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { MetricDatum, MetricQuery, Provider } from '../../../../src/lib/providers/types.js';
import { FAST, awsOptions, inputsOf, rejectionOf } from './helpers.js';

const cw = mockClient(CloudWatchClient);
let provider: Provider;

const RANGE = { start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-01-02T00:00:00Z') };
const t = (h: number) => new Date(Date.UTC(2025, 0, 1, h));

function query(id: string, metricName = 'CPUUtilization'): MetricQuery {
  return {
    id,
    namespace: 'AWS/RDS',
    metricName,
    dimensions: { DBInstanceIdentifier: 'prod-db' },
    stat: 'Average',
    periodSeconds: 3600,
  };
}

beforeEach(() => {
  cw.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('getMetricData', () => {
  it('follows NextToken and merges the pages of each query', async () => {
    // GIVEN two pages, each holding part of both series
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'cpu', Timestamps: [t(0), t(1)], Values: [10, 11] },
          { Id: 'storage', Timestamps: [t(0)], Values: [5e9] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'cpu', Timestamps: [t(2)], Values: [12] },
          { Id: 'storage', Timestamps: [t(1)], Values: [4.9e9] },
        ],
      });

    // WHEN
    const series = await provider.getMetricData([query('cpu'), query('storage', 'FreeStorageSpace')], RANGE);

    // THEN both pages were fetched with the same queries
    const queries = [
      {
        Id: 'cpu',
        MetricStat: {
          Metric: { Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }] },
          Period: 3600,
          Stat: 'Average',
        },
        ReturnData: true,
      },
      {
        Id: 'storage',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/RDS',
            MetricName: 'FreeStorageSpace',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }],
          },
          Period: 3600,
          Stat: 'Average',
        },
        ReturnData: true,
      },
    ];
    expect(inputsOf(cw, GetMetricDataCommand)).toEqual([
      { MetricDataQueries: queries, StartTime: RANGE.start, EndTime: RANGE.end, ScanBy: 'TimestampAscending' },
      { MetricDataQueries: queries, StartTime: RANGE.start, EndTime: RANGE.end, ScanBy: 'TimestampAscending', NextToken: 'page-2' },
    ]);
    // AND each series holds its points from both pages, in query order
    expect(series).toEqual([
      { id: 'cpu', timestamps: [t(0), t(1), t(2)], values: [10, 11, 12] },
      { id: 'storage', timestamps: [t(0), t(1)], values: [5e9, 4.9e9] },
    ]);
  });

  it('splits more than 500 queries into calls of at most 500 and returns every series', async () => {
    // GIVEN 501 queries; CloudWatch echoes one point per query it is asked
    const queries = Array.from({ length: 501 }, (_, i) => query(`q${i}`));
    cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [t(0)], Values: [Number(q.Id.slice(1))] })),
    }));

    // WHEN
    const series = await provider.getMetricData(queries, RANGE);

    // THEN two calls: 500 then 1
    const sent = inputsOf(cw, GetMetricDataCommand).map((i) => i.MetricDataQueries?.map((q) => q.Id));
    expect(sent.map((ids) => ids?.length)).toEqual([500, 1]);
    expect(sent[1]).toEqual(['q500']);
    expect(series).toHaveLength(501);
    expect(series[500]).toEqual({ id: 'q500', timestamps: [t(0)], values: [500] });
  });

  it('returns an empty series for a query CloudWatch has no data for', async () => {
    // GIVEN no data at all
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'cpu', Timestamps: [], Values: [] }] });

    // WHEN
    const series = await provider.getMetricData([query('cpu'), query('conns', 'DatabaseConnections')], RANGE);

    // THEN
    expect(series).toEqual([
      { id: 'cpu', timestamps: [], values: [] },
      { id: 'conns', timestamps: [], values: [] },
    ]);
  });

  it.each([
    ['an invalid id', [query('Bad-Id')]],
    ['a duplicate id', [query('cpu'), query('cpu')]],
  ])('rejects %s before calling CloudWatch', async (_label, queries) => {
    // GIVEN / WHEN
    const error = await rejectionOf(provider.getMetricData(queries, RANGE));

    // THEN
    expect(error).toBeInstanceOf(UsageError);
    expect(cw).not.toHaveReceivedAnyCommand();
  });
});

describe('putMetricData', () => {
  it('sends at most 1000 datums per call', async () => {
    // GIVEN 2500 datums
    cw.on(PutMetricDataCommand).resolves({});
    const data: MetricDatum[] = Array.from({ length: 2500 }, (_, i) => ({
      metricName: 'RestoreTestSeconds',
      value: i,
      unit: 'Seconds',
      dimensions: { Instance: 'prod-db' },
      timestamp: t(0),
    }));

    // WHEN
    await provider.putMetricData('dbops', data);

    // THEN three calls of 1000, 1000 and 500, in the dbops namespace
    const sent = inputsOf(cw, PutMetricDataCommand);
    expect(sent.map((i) => [i.Namespace, i.MetricData?.length])).toEqual([
      ['dbops', 1000],
      ['dbops', 1000],
      ['dbops', 500],
    ]);
    expect(sent[2]?.MetricData?.[499]).toEqual({
      MetricName: 'RestoreTestSeconds',
      Value: 2499,
      Unit: 'Seconds',
      Dimensions: [{ Name: 'Instance', Value: 'prod-db' }],
      Timestamp: t(0),
    });
  });

  it('sends a bare datum without unit, dimensions or timestamp, and nothing for no data', async () => {
    // GIVEN
    cw.on(PutMetricDataCommand).resolves({});

    // WHEN
    await provider.putMetricData('dbops', []);
    await provider.putMetricData('dbops', [{ metricName: 'DrillOk', value: 1 }]);

    // THEN
    expect(inputsOf(cw, PutMetricDataCommand)).toEqual([{ Namespace: 'dbops', MetricData: [{ MetricName: 'DrillOk', Value: 1 }] }]);
  });
});
