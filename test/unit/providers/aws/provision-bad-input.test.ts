/**
 * Bad input: each is one clear sentence, a UsageError (exit 2), and nothing is created.
 * The region and the class are asked of AWS (DescribeRegions, DescribeOrderableDBInstanceOptions).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbopsConfig } from '../../../../src/lib/config/schema.js';
import { UsageError } from '../../../../src/lib/errors.js';
import { applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { rejectionOf } from './helpers.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];

beforeEach(() => {
  aws = new FakeAwsAccount();
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

const cases: [string, (c: DbopsConfig) => void, string][] = [
  [
    'a region that does not exist',
    (c) => {
      c.region = 'us-nowhere-1';
    },
    'The region us-nowhere-1 does not exist.',
  ],
  [
    'a class the engine does not offer there',
    (c) => {
      c.database.instanceClass = 'db.x9.huge';
    },
    'PostgreSQL does not offer db.x9.huge in us-east-2.',
  ],
  [
    'an engine version not offered on the class',
    (c) => {
      c.database.engineVersion = '11';
    },
    'PostgreSQL 11 is not offered on db.t3.micro in us-east-2.',
  ],
  [
    'storage below the engine minimum',
    (c) => {
      c.database.storageType = 'io1';
      c.database.allocatedStorageGb = 50;
      c.database.maxAllocatedStorageGb = 50;
    },
    'database.allocatedStorageGb is 50 GB, below the 100 GB minimum of postgres on io1 storage.',
  ],
  [
    'a CIDR that does not parse',
    (c) => {
      c.network.allowedCidr = '203.0.113.300/32';
    },
    'network.allowedCidr: "203.0.113.300/32" is not an IPv4 CIDR: 203.0.113.300 is not an IPv4 address.',
  ],
  [
    'an email that does not parse',
    (c) => {
      c.alarms.email = 'oncall-at-example';
    },
    'alarms.email "oncall-at-example" is not an email address.',
  ],
  [
    'a budget below zero',
    (c) => {
      c.budget.monthlyUsd = -5;
    },
    'budget.monthlyUsd is -5; a budget cannot be below zero.',
  ],
  [
    'an identifier RDS would reject',
    (c) => {
      c.database.identifier = 'db--primary-';
    },
    'The database identifier "db--primary-" (database.identifier) is not an identifier AWS accepts.',
  ],
  [
    'a too long identifier',
    (c) => {
      c.database.identifier = `a${'b'.repeat(63)}`;
    },
    `The database identifier "a${'b'.repeat(63)}" (database.identifier) is not an identifier AWS accepts.`,
  ],
  [
    'too many budget thresholds',
    (c) => {
      c.budget.alertPercents = [10, 20, 30, 40, 50, 60];
    },
    'budget.alertPercents has 6 thresholds; AWS Budgets allows 5 (each makes an actual and a forecast alert).',
  ],
];

describe.each(cases)('bad input: %s', (_name, change, sentence) => {
  it('is refused with one sentence (exit 2) by plan and apply, and nothing is created', async () => {
    // GIVEN the bad config WHEN planning and applying
    const d1 = await awsDeps(awsConfig(change));
    const d2 = await awsDeps(awsConfig(change));
    open.push(d1, d2);
    const planErr = await rejectionOf(planProvision(d1));
    const applyErr = await rejectionOf(applyProvision(d2, { applyImmediately: false }));
    // THEN both say the same sentence, exit 2, and the account is untouched
    for (const e of [planErr, applyErr]) {
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(sentence);
      expect((e as UsageError).exitCode).toBe(2);
      expect((e as UsageError).hint).toBeTruthy();
    }
    expect(aws.counts()).toEqual({ instances: 0, securityGroups: 0, caches: 0, topics: 0, alarms: 0, budgets: 0, secrets: 0 });
  });
});
