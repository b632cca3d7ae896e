/**
 * Story 5 on the wire: `dbops free-tier-report` over CloudWatch data seeded in moto with
 * the SDK: RDS hours counted from the instance's CPUUtilization datapoints, custom
 * metrics counted from ListMetrics. Exit 0 below the thresholds, 4 above; no ANSI when
 * piped; a report only reads (no write on the wire). moto's Free Tier API answers 500:
 * dbops says the figures it could not read and goes on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSI } from '../_helpers/run-dbops.js';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const story = wireStory();
const HOUR = 3_600_000;

interface Offer {
  id: string;
  used: number;
  limit: number;
  status: string;
}

async function customMetrics(names: string[]): Promise<void> {
  for (const name of names) {
    await story.aws.cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'Wire/App', MetricData: [{ MetricName: name, Value: 1, Timestamp: new Date() }] }),
    );
  }
}

beforeAll(async () => {
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'wire-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'u',
      MasterUserPassword: 'wire-password-1',
    }),
  );
  // Three hours of the instance's life this month (one CPUUtilization datapoint an hour).
  const now = Date.now();
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const hours = [1, 2, 3].map((h) => new Date(Math.max(monthStart + h * 60_000, now - h * HOUR)));
  for (const Timestamp of hours) {
    await story.aws.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: [
          { MetricName: 'CPUUtilization', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'wire-db' }], Value: 5, Timestamp },
        ],
      }),
    );
  }
  await customMetrics(['queue-depth', 'signups', 'p95-latency']);
  writeFileSync(
    join(story.dir, 'dbops.config.yaml'),
    'provider: aws\nregion: us-east-2\ndatabase:\n  identifier: wire-db\ncache:\n  enabled: false\n',
  );
}, 60_000);

describe('story 5: free-tier-report over CloudWatch data', () => {
  it('below every threshold: exit 0, the seeded figures, and what could not be read', async () => {
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('free-tier-report --json');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { offers: Offer[]; missing: { source: string }[] };
    const offer = (id: string) => report.offers.find((o) => o.id === id)!;
    expect(offer('rds-hours')).toMatchObject({ used: 3, limit: 750, status: 'ok' });
    expect(offer('cloudwatch-metrics')).toMatchObject({ used: 3, limit: 10, status: 'ok' });
    // moto's Free Tier API answers 500: said, not fatal.
    expect(report.missing.map((m) => m.source)).toEqual(expect.arrayContaining(['free-tier-api']));
    expect(sent.filter((s) => !READ_ONLY.test(s.action))).toEqual([]);
    // The same metrics, read back with the SDK.
    const listed = (await story.aws.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Wire/App' }))).Metrics!;
    expect(listed).toHaveLength(3);
  });

  it('above a threshold: exit 4, the offer named, no ANSI when piped', async () => {
    await customMetrics(Array.from({ length: 9 }, (_, i) => `extra-${i}`));
    const r = await story.dbops('free-tier-report');
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/CloudWatch custom metrics +12 metrics +10 metrics +120 %/);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    const json = JSON.parse((await story.dbops('free-tier-report --json')).stdout) as { crossed: unknown[]; offers: Offer[] };
    expect(json.offers.find((o) => o.id === 'cloudwatch-metrics')).toMatchObject({ used: 12, status: expect.not.stringMatching(/^ok$/) });
  });
});
