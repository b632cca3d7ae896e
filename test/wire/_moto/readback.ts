/**
 * The AWS state read back independently of dbops: plain AWS SDK clients pointed at the
 * same moto, marked with the user agent "wire-readback" so the request log (and the
 * operation count) tells them apart from dbops' own calls, and so injected faults never
 * hit them.
 */
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Moto } from './server.js';

export function readback(moto: Moto, region = 'us-east-2') {
  const base = {
    region,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'wire-test', secretAccessKey: 'wire-test' },
    customUserAgent: 'wire-readback',
  };
  return {
    rds: new RDSClient(base),
    ec2: new EC2Client(base),
    elasticache: new ElastiCacheClient(base),
    cloudwatch: new CloudWatchClient(base),
    sns: new SNSClient(base),
    budgets: new BudgetsClient({ ...base, region: 'us-east-1' }),
  };
}
export type Readback = ReturnType<typeof readback>;
