/**
 * `dbops instances clusters` and `dbops status <cluster>` on AWS (FakeRds clusters, a
 * mocked CloudWatch): members with their roles, writer first; the cluster and reader
 * endpoints; the capacity range and the ACUs in use now (ServerlessDatabaseCapacity).
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClusterView, databaseStatus, listClusters } from '../../../src/lib/instances/clusters.js';
import { renderClusterDetail, renderClusterTable } from '../../../src/lib/instances/render.js';
import { NotFoundError } from '../../../src/lib/errors.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { testContext, type TestContext } from '../../_helpers/context.js';
import { awsOptions, FAST, inputsOf, REGION } from '../providers/aws/helpers.js';
import { Chalk } from 'chalk';

const cw = mockClient(CloudWatchClient);
let rds: FakeRds;
let t: TestContext;
const NOW = new Date('2026-03-01T10:00:00Z');
const plain = new Chalk({ level: 0 });

beforeEach(async () => {
  cw.reset();
  rds = new FakeRds();
  t = await testContext({ config: { provider: 'aws' }, provider: () => Promise.resolve(createAwsProvider(awsOptions(), FAST)), now: NOW });
  rds.clusters.addCluster(REGION, 'content-hub', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
  rds.addClusterMember(REGION, 'content-hub', 'hub-writer', { PromotionTier: 0 });
  rds.addClusterMember(REGION, 'content-hub', 'hub-reader');
});

afterEach(async () => {
  await t.close();
  rds.restore();
});

describe('listClusters', () => {
  it('lists each cluster with its writer and readers, endpoints, range and the ACUs in use now', async () => {
    // GIVEN CloudWatch reports the capacity minute by minute
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'acu',
          Timestamps: [new Date('2026-03-01T09:58:00Z'), new Date('2026-03-01T09:59:00Z')],
          Values: [1, 1.5],
          StatusCode: 'Complete',
        },
      ],
    });

    // WHEN listed
    const [hub, ...rest] = await listClusters(t.ctx);

    // THEN one cluster, its writer first, with what each member reports
    expect(rest).toEqual([]);
    expect(hub).toMatchObject({
      kind: 'cluster',
      id: 'content-hub',
      members: [
        { instanceId: 'hub-writer', role: 'writer', instanceClass: 'db.serverless', status: 'available' },
        { instanceId: 'hub-reader', role: 'reader', instanceClass: 'db.serverless', status: 'available' },
      ],
      endpoint: { host: `content-hub.cluster-abc123.${REGION}.rds.amazonaws.com`, port: 5432 },
      readerEndpoint: { host: `content-hub.cluster-ro-abc123.${REGION}.rds.amazonaws.com`, port: 5432 },
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      currentAcu: 1.5,
      currentAcuAt: new Date('2026-03-01T09:59:00Z'),
    });
    // AND the capacity was asked of the cluster, over the last 15 minutes, per minute
    expect(inputsOf(cw, GetMetricDataCommand)).toEqual([
      {
        MetricDataQueries: [
          {
            Id: 'acu',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'ServerlessDatabaseCapacity',
                Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'content-hub' }],
              },
              Period: 60,
              Stat: 'Average',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date('2026-03-01T09:45:00Z'),
        EndTime: NOW,
        ScanBy: 'TimestampAscending',
      },
    ]);
    // AND the table shows members with roles and "now of range"
    expect(renderClusterTable([hub!], plain)).toBe(
      [
        'CLUSTER      ENGINE                  STATUS     MEMBERS                                   CAPACITY          ENDPOINT                                                     REGION',
        `content-hub  aurora-postgresql 15.4  available  hub-writer (writer), hub-reader (reader)  1.5 of 0.5-4 ACU  content-hub.cluster-abc123.${REGION}.rds.amazonaws.com:5432  ${REGION}`,
      ].join('\n'),
    );
  });

  it('says why the current capacity is unknown when CloudWatch has no datapoint', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'acu', Timestamps: [], Values: [] }] });
    const [hub] = await listClusters(t.ctx);
    expect(hub?.currentAcu).toBeUndefined();
    expect(hub?.currentAcuNote).toBe('no ServerlessDatabaseCapacity datapoint in the last 15 minutes');
    expect(renderClusterDetail(hub!, plain)).toContain(
      'Capacity             0.5-4 ACU; now no ServerlessDatabaseCapacity datapoint in the last 15 minutes',
    );
  });
});

describe('databaseStatus', () => {
  it('shows the cluster when the id names a cluster, and an instance when it names an instance', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'acu', Timestamps: [NOW], Values: [2] }] });
    const cluster = await databaseStatus(t.ctx, 'content-hub');
    expect(cluster).toMatchObject({ kind: 'cluster', id: 'content-hub', currentAcu: 2 });
    const text = renderClusterDetail(cluster as ClusterView, plain);
    expect(text).toContain('Reader endpoint      content-hub.cluster-ro-abc123.us-east-2.rds.amazonaws.com:5432');
    expect(text).toContain(
      'Members (2)\n  hub-writer  writer (tier 0)  db.serverless  available\n  hub-reader  reader (tier 1)  db.serverless  available',
    );

    const member = await databaseStatus(t.ctx, 'hub-reader');
    expect(member).toMatchObject({ id: 'hub-reader', clusterId: 'content-hub' });
    expect('kind' in member).toBe(false);
  });

  it('names the instance that was not found when the id is neither', async () => {
    const e = await databaseStatus(t.ctx, 'nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toBe(`DB instance nope not found in ${REGION}.`);
  });
});
