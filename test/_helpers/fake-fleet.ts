/**
 * FakeFleet: 50 instances (by default) over 2 accounts × 3 regions, for fleet-wide
 * commands. RDS is the stateful FakeRds, each listing showing the account of the
 * client's assumed-role credentials only; STS answers AssumeRole per role (or denies the
 * account told to); CloudWatch answers GetMetricData for any query (refusing more than
 * 500 queries a call, as AWS does) and counts the calls and queries.
 *
 * Instance n: account n % 2, region n % 3, `core-db-NN` (account 1) or `content-db-NN`
 * (account 2); tags environment=production (even n) or staging, unit=core|content;
 * dbops:managed=true for every third; every fifth mysql; each has a manual snapshot.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeRds, type FakeRdsOptions } from './fake-rds.js';

export const FLEET_ACCOUNTS = [
  { id: '111111111111', name: 'core', roleArn: 'arn:aws:iam::111111111111:role/dbops-fleet' },
  { id: '222222222222', name: 'content', roleArn: 'arn:aws:iam::222222222222:role/dbops-fleet', externalId: 'x-42' },
];
export const FLEET_REGIONS = ['us-east-2', 'us-west-2', 'eu-west-1'];
const GIB = 1024 ** 3;

export interface FleetInstanceSeed {
  n: number;
  account: string;
  region: string;
  id: string;
}

export class FakeFleet {
  readonly rds: FakeRds;
  readonly sts = mockClient(STSClient);
  readonly cloudWatch = mockClient(CloudWatchClient);
  readonly seeds: FleetInstanceSeed[] = [];
  /** Accounts whose role cannot be assumed (AccessDenied). */
  readonly denied = new Set<string>();
  /** GetMetricData queries answered, over every call. */
  metricQueries = 0;

  constructor(opts: { instances?: number; now?: Date; full?: string[]; quotas?: FakeRdsOptions['quotas'] } = {}) {
    const now = opts.now ?? new Date();
    this.rds = new FakeRds({
      describesToSettle: 1,
      accountOf: async (client: RDSClient) => (await client.config.credentials()).accountId,
      ...(opts.quotas ? { quotas: opts.quotas } : {}),
    });
    for (let n = 0; n < (opts.instances ?? 50); n++) {
      const account = FLEET_ACCOUNTS[n % 2]!.id;
      const region = FLEET_REGIONS[n % 3]!;
      const id = `${n % 2 === 0 ? 'core' : 'content'}-db-${String(n).padStart(2, '0')}`;
      const mysql = n % 5 === 0;
      this.rds.addInstance(region, id, {
        DBInstanceArn: `arn:aws:rds:${region}:${account}:db:${id}`,
        ...(mysql ? { Engine: 'mysql', EngineVersion: '8.0.39' } : {}),
        LatestRestorableTime: new Date(now.getTime() - 5 * 60_000),
        TagList: [
          { Key: 'environment', Value: n % 2 === 0 ? 'production' : 'staging' },
          { Key: 'unit', Value: n % 2 === 0 ? 'core' : 'content' },
          ...(n % 3 === 0 ? [{ Key: 'dbops:managed', Value: 'true' }] : []),
        ],
      });
      this.rds.addSnapshot(region, `${id}-weekly`, {
        DBSnapshotArn: `arn:aws:rds:${region}:${account}:snapshot:${id}-weekly`,
        DBInstanceIdentifier: id,
        ...(mysql ? { Engine: 'mysql', EngineVersion: '8.0.39' } : {}),
        SnapshotCreateTime: new Date(now.getTime() - 24 * 3600_000),
      });
      this.seeds.push({ n, account, region, id });
    }
    this.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn?: string }) => {
      const account = FLEET_ACCOUNTS.find((a) => a.roleArn === input.RoleArn)?.id ?? '';
      if (this.denied.has(account)) {
        throw Object.assign(new Error(`User is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), {
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
        });
      }
      return {
        Credentials: {
          AccessKeyId: `ASIA${account}`,
          SecretAccessKey: 'fleet-secret',
          SessionToken: 'fleet-token',
          Expiration: new Date(Date.now() + 3600_000),
        },
      };
    });
    const full = new Set(opts.full ?? []);
    this.cloudWatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries?: { Id?: string; MetricStat?: unknown }[] }) => {
      const queries = input.MetricDataQueries ?? [];
      if (queries.length > 500)
        throw Object.assign(new Error('The collection MetricDataQueries must not have a size greater than 500.'), {
          name: 'ValidationError',
          $metadata: { httpStatusCode: 400 },
        });
      this.metricQueries += queries.length;
      const results: MetricDataResult[] = queries.map((q) => {
        const stat = q.MetricStat as { Metric?: { MetricName?: string; Dimensions?: { Value?: string }[] } } | undefined;
        const name = stat?.Metric?.MetricName;
        const id = stat?.Metric?.Dimensions?.[0]?.Value ?? '';
        const value = name === 'CPUUtilization' ? 12.5 : name === 'FreeStorageSpace' ? (full.has(id) ? 1 : 10) * GIB : 4;
        return { Id: q.Id, Timestamps: [now], Values: [value], StatusCode: 'Complete' };
      });
      return { MetricDataResults: results };
    });
  }

  /** The fleet config of the fake (both accounts by their roles, the three regions). */
  fleetConfig(extra: Record<string, unknown> = {}) {
    return { accounts: FLEET_ACCOUNTS, regions: FLEET_REGIONS, ...extra };
  }

  restore(): void {
    this.rds.restore();
    this.sts.restore();
    this.cloudWatch.restore();
  }
}
