/**
 * `dbops free-tier-report` as cron runs it: bin/dbops as a process, no TTY, against a tiny
 * AWS on 127.0.0.1 (--endpoint-url) that answers the few calls the report makes in their
 * real protocols: RDS and ElastiCache (query/XML), CloudWatch (JSON 1.0), Lambda (REST
 * JSON), Budgets (JSON 1.1) and the Free Tier API (JSON 1.0). Exit codes, --json, no ANSI.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANSI, runDbops } from '../_helpers/run-dbops.js';

const ACCOUNT = '123456789012';

interface Scenario {
  /** Hours before now the production instance started reporting. */
  runningForHours: number;
  budgetActual: string;
  freeTierDenied: boolean;
  throttleMetricData: boolean;
}

let scenario: Scenario;
const requests: string[] = [];
let server: Server;
let endpoint: string;

const DEFAULT_SCENARIO: Scenario = { runningForHours: 24, budgetActual: '1.00', freeTierDenied: false, throttleMetricData: false };

// ---- the tiny AWS ----

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'x-amzn-requestid': 'req-e2e', ...headers });
  res.end(body);
}
const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/x-amz-json-1.0',
  headers: Record<string, string> = {},
) => send(res, status, JSON.stringify(body), { 'content-type': type, ...headers });
const xml = (res: ServerResponse, body: string) => send(res, 200, `<?xml version="1.0"?>\n${body}`, { 'content-type': 'text/xml' });

function createdAt(): Date {
  return new Date(Date.now() - scenario.runningForHours * 3_600_000);
}

function rdsInstances(res: ServerResponse): void {
  xml(
    res,
    `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance>
<DBInstanceIdentifier>prod-db</DBInstanceIdentifier><DBInstanceClass>db.t3.micro</DBInstanceClass><Engine>postgres</Engine>
<DBInstanceStatus>available</DBInstanceStatus><MultiAZ>false</MultiAZ><AllocatedStorage>20</AllocatedStorage><StorageType>gp2</StorageType>
<InstanceCreateTime>${createdAt().toISOString()}</InstanceCreateTime><DBInstanceArn>arn:aws:rds:us-east-2:${ACCOUNT}:db:prod-db</DBInstanceArn>
<TagList><Tag><Key>app</Key><Value>recipes</Value></Tag></TagList>
</DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`,
  );
}

function cacheClusters(res: ServerResponse): void {
  xml(
    res,
    `<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeCacheClustersResult><CacheClusters><CacheCluster>
<CacheClusterId>recipe-cache</CacheClusterId><CacheNodeType>cache.t3.micro</CacheNodeType><Engine>redis</Engine><CacheClusterStatus>available</CacheClusterStatus>
<CacheNodes><CacheNode><CacheNodeId>0001</CacheNodeId><CacheNodeStatus>available</CacheNodeStatus></CacheNode></CacheNodes>
</CacheCluster></CacheClusters></DescribeCacheClustersResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeCacheClustersResponse>`,
  );
}

interface MetricQueryWire {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] } };
}

function metricData(res: ServerResponse, body: { MetricDataQueries: MetricQueryWire[]; StartTime: number; EndTime: number }): void {
  if (scenario.throttleMetricData) {
    json(res, 400, { __type: 'Throttling', message: 'Rate exceeded' }, 'application/x-amz-json-1.0', {
      'x-amzn-query-error': 'Throttling;Sender',
    });
    return;
  }
  const from = Math.max(body.StartTime, Math.ceil(createdAt().getTime() / 3_600_000) * 3600);
  const hours: number[] = [];
  for (let t = from; t < body.EndTime; t += 3600) hours.push(t);
  const results = body.MetricDataQueries.map((q) => {
    const m = q.MetricStat.Metric;
    const isCpu = m.MetricName === 'CPUUtilization' && (m.Dimensions?.[0]?.Value === 'prod-db' || m.Namespace === 'AWS/ElastiCache');
    return { Id: q.Id, StatusCode: 'Complete', Timestamps: isCpu ? hours : [], Values: isCpu ? hours.map(() => 60) : [] };
  });
  json(res, 200, { MetricDataResults: results });
}

function cloudWatch(res: ServerResponse, op: string, body: unknown): void {
  if (op === 'ListMetrics') {
    json(res, 200, {
      Metrics: [
        { Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }] },
        {
          Namespace: 'AWS/ElastiCache',
          MetricName: 'CPUUtilization',
          Dimensions: [
            { Name: 'CacheClusterId', Value: 'recipe-cache' },
            { Name: 'CacheNodeId', Value: '0001' },
          ],
        },
        { Namespace: 'recipe-app', MetricName: 'Signups', Dimensions: [] },
      ],
    });
  } else if (op === 'DescribeAlarms')
    json(res, 200, {
      MetricAlarms: [{ AlarmName: 'cpu', Period: 300, AlarmArn: `arn:aws:cloudwatch:us-east-2:${ACCOUNT}:alarm:cpu` }],
      CompositeAlarms: [],
    });
  else if (op === 'GetMetricData') metricData(res, body as Parameters<typeof metricData>[1]);
  else json(res, 400, { __type: 'InvalidAction', message: `unexpected ${op}` });
}

function freeTier(res: ServerResponse, op: string): void {
  if (scenario.freeTierDenied) {
    json(res, 400, {
      __type: 'com.amazonaws.freetier#AccessDeniedException',
      message: 'User is not authorized to perform: freetier:' + op,
    });
  } else if (op === 'GetFreeTierUsage') {
    json(res, 200, {
      freeTierUsages: [
        {
          service: 'Amazon Relational Database Service',
          usageType: 'USE2-InstanceUsage:db.t3.micro',
          actualUsageAmount: 24,
          forecastedUsageAmount: 744,
          limit: 750,
          unit: 'Hrs',
          freeTierType: '12 Months Free',
        },
      ],
    });
  } else json(res, 200, { accountId: ACCOUNT, accountPlanType: 'PAID', accountPlanStatus: 'ACTIVE' });
}

function budgets(res: ServerResponse): void {
  json(
    res,
    200,
    {
      Budgets: [
        {
          BudgetName: 'free-tier-budget',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '50.0', Unit: 'USD' },
          CalculatedSpend: {
            ActualSpend: { Amount: scenario.budgetActual, Unit: 'USD' },
            ForecastedSpend: { Amount: scenario.budgetActual, Unit: 'USD' },
          },
        },
      ],
    },
    'application/x-amz-json-1.1',
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  const target = String(req.headers['x-amz-target'] ?? '');
  const [prefix = '', op = ''] = target.split('.');
  const action = new URLSearchParams(text).get('Action') ?? '';
  requests.push(op || action || `${req.method} ${req.url}`);
  if (prefix === 'GraniteServiceVersion20100801') return cloudWatch(res, op, text ? JSON.parse(text) : {});
  if (prefix === 'AWSFreeTierService') return freeTier(res, op);
  if (prefix === 'AWSBudgetServiceGateway') return budgets(res);
  if (action === 'DescribeDBInstances') return rdsInstances(res);
  if (action === 'DescribeCacheClusters') return cacheClusters(res);
  if (req.url?.startsWith('/2015-03-31/functions')) {
    return json(
      res,
      200,
      {
        Functions: [
          { FunctionName: 'gdpr-export', MemorySize: 512, FunctionArn: `arn:aws:lambda:us-east-2:${ACCOUNT}:function:gdpr-export` },
        ],
      },
      'application/json',
    );
  }
  json(res, 400, { __type: 'UnknownOperation', message: `fake AWS does not know ${target || action || req.url}` });
}

// ---- the tests ----

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_CONFIG_FILE: join(tmpdir(), 'dbops-no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'dbops-no-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  DBOPS_AWS__MAX_ATTEMPTS: '2',
};

const report = (extra: string, env: Record<string, string> = AWS_ENV) =>
  runDbops(`free-tier-report --provider aws --region us-east-2 --endpoint-url ${endpoint} ${extra}`, { cwd: tmpdir(), env });

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  scenario = { ...DEFAULT_SCENARIO };
  requests.length = 0;
});

describe('dbops free-tier-report as a process', () => {
  it('is a registered command with examples', async () => {
    const r = await runDbops(['help', 'free-tier-report'], { cwd: tmpdir() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('$ dbops free-tier-report');
  });

  it('says the local provider has no free tier in one line, exit 0', async () => {
    const r = await runDbops('free-tier-report --provider local', { cwd: tmpdir() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('The local provider has no free tier: nothing to report (use --provider aws).\n');
  });

  it.each(['2025-1', '2025-13', 'last-month', '2999-01'])('rejects --month %s with exit 2 before calling AWS', async (month) => {
    const r = await report(`--month ${month}`);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --month /m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(requests).toEqual([]);
  });

  it('exits 0 below every threshold, in 9 AWS calls, with no ANSI and nothing on stderr', async () => {
    const r = await report('');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Free tier \d{4}-\d{2} \(us-east-2\), as of .* UTC: OK$/m);
    expect(r.stdout).toMatch(/^RDS instance hours .* ok +\d+ h \(\d+ %\)$/m);
    expect(r.stdout).not.toMatch(ANSI);
    expect([...requests].sort()).toEqual([
      'DescribeAlarms',
      'DescribeBudgets',
      'DescribeCacheClusters',
      'DescribeDBInstances',
      'GET /2015-03-31/functions?MaxItems=50',
      'GetAccountPlanState',
      'GetFreeTierUsage',
      'GetMetricData',
      'ListMetrics',
    ]);
  });

  it('prints nothing with --quiet when all is well, so cron mails nothing', async () => {
    const r = await report('--quiet');
    expect(r).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('exits 4 when the budget crosses its first alert ($25 of $50), with the report and one warning line', async () => {
    scenario.budgetActual = '26.10';
    const r = await report('--quiet --markdown');
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toMatch(/^# Free tier \d{4}-\d{2} \(us-east-2\): WARNING$/m);
    expect(r.stdout).toContain('| free-tier-budget | $50.00 | $26.10 | $26.10 | $25.00 crossed, $40.00 | **warning** |');
    expect(r.stderr).toBe(
      'warning: Budget free-tier-budget warning: $26.10 of $50.00 spent, forecast $26.10. (see runbooks/free-tier.md#FT-R7)\n',
    );
    expect(r.stdout).toContain(
      '- Budget free-tier-budget warning: $26.10 of $50.00 spent, forecast $26.10. (see runbooks/free-tier.md#FT-R7)',
    );
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('prints one parsable JSON document with --json, the exit code inside and outside', async () => {
    scenario.budgetActual = '45.00';
    const r = await report('--json');
    expect(r.exitCode).toBe(4);
    const doc = JSON.parse(r.stdout) as {
      exitCode: number;
      budgets: { status: string }[];
      offers: { id: string; api?: { used: number } }[];
    };
    expect(doc.exitCode).toBe(4);
    expect(doc.budgets[0]?.status).toBe('warning');
    expect(doc.offers.find((o) => o.id === 'rds-hours')?.api?.used).toBe(24);
  });

  it('still reports, exit 0, when the Free Tier API says AccessDenied, and says what is missing', async () => {
    scenario.freeTierDenied = true;
    const r = await report('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Not read:\n  free-tier-api: AWS denied GetFreeTierUsage in us-east-1 to these credentials.');
  });

  it('retries CloudWatch throttling, then exits 3 with one sentence and no stack', async () => {
    scenario.throttleMetricData = true;
    const r = await report('');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^error: AWS kept throttling GetMetricData in us-east-2, even after 2 attempts\.$/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(requests.filter((q) => q === 'GetMetricData')).toHaveLength(2);
  });

  it('says when there are no AWS credentials, exit 3', async () => {
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = AWS_ENV;
    const r = await report('', noKeys);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^error: No AWS credentials found\.$/m);
    expect(requests).toEqual([]);
  });
});
