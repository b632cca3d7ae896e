/**
 * Switchover, failover and replica status on AWS, against the stateful FakeRds (statuses
 * move as on RDS) and a CloudWatch stub answering ReplicaLag: the exact calls
 * (PromoteReadReplica keeping the backup retention, RebootDBInstance ForceFailover,
 * CreateDBInstanceReadReplica, RDS Proxy targets, CreateDBProxy), whole stories, a proxy
 * target that stays UNAVAILABLE, and refusals with their numbers.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBProxyCommand,
  DeleteDBInstanceCommand,
  DeleteDBProxyCommand,
  DeregisterDBProxyTargetsCommand,
  DescribeDBProxyTargetsCommand,
  DescribePendingMaintenanceActionsCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
  RegisterDBProxyTargetsCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckFailed, EnvironmentError, ExitCode, UsageError } from '../../../../src/lib/errors.js';
import { failover, failoverTimeoutMs } from '../../../../src/lib/failover/failover.js';
import { topologyLines } from '../../../../src/lib/failover/render.js';
import { replicaStatus } from '../../../../src/lib/failover/status.js';
import { switchover } from '../../../../src/lib/failover/switchover.js';
import { createAwsFailover, FENCE_TAG, type AwsDataPlane, type DataPlaneAnswer } from '../../../../src/lib/providers/aws/failover.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { RdsProxyPooler } from '../../../../src/lib/providers/aws/rds-proxy.js';
import type { FailoverApi } from '../../../../src/lib/providers/failover-types.js';
import { TAG, type Provider } from '../../../../src/lib/providers/types.js';
import { DEFAULTS } from '../../../../src/lib/config/defaults.js';
import { desiredState } from '../../../../src/lib/provision/desired.js';
import { diffPool } from '../../../../src/lib/provision/diff-resources.js';
import { readPool } from '../../../../src/lib/provision/read.js';
import { provisionSettings } from '../../../../src/lib/provision/settings.js';
import { testContext, type TestContext } from '../../../_helpers/context.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { tempDir } from '../../../_helpers/tmp.js';
import { FAST, REGION, awsOptions, inputsOf } from './helpers.js';

const P = 'prod-db';
const R = 'prod-db-replica';
const POOL = 'prod-db-pool';

let rds: FakeRds;
let cw: AwsClientStub<CloudWatchClient>;
let provider: Provider;
/** ReplicaLag (seconds) CloudWatch answers per instance; none: no datapoint. */
let lag: Map<string, number>;
/** What the data plane answers per instance; none: unreachable from here. */
let answers: Map<string, DataPlaneAnswer>;
let home: string;
const closers: TestContext[] = [];

const dataPlane: AwsDataPlane = {
  position: async (id) => answers.get(id) ?? { ok: false, reason: `connect ETIMEDOUT ${id}.abc123.${REGION}.rds.amazonaws.com:5432` },
};

function metricAnswer(input: GetMetricDataCommandInput) {
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const id = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'DBInstanceIdentifier')?.Value ?? '';
      const v = lag.get(id);
      return { Id: q.Id, Timestamps: v === undefined ? [] : [new Date()], Values: v === undefined ? [] : [v] };
    }),
  };
}

function api(withProxy = true): FailoverApi {
  return createAwsFailover(
    {
      region: REGION,
      maxAttempts: 1,
      maxWaitSeconds: 30,
      backupRetentionDays: 7,
      ...(withProxy ? { proxyName: POOL } : {}),
      dataPlane,
      pollMs: 1,
      delays: { minDelaySeconds: 0.001, maxDelaySeconds: 0.004 },
    },
    provider,
  );
}

async function context(withProxy = true, extra: { dryRun?: boolean } = {}): Promise<TestContext> {
  const t = await testContext({
    config: {
      provider: 'aws',
      region: REGION,
      database: { identifier: P },
      connectionPool: { enabled: withProxy, kind: 'rds-proxy', name: POOL },
    },
    provider,
    env: { DBOPS_HOME: home },
    yes: true,
    ...extra,
  });
  closers.push(t);
  return t;
}

const wrote = async () => 'transaction 42 written';

/** GIVEN a primary with backups, one replica streaming with ReplicaLag 0, and RDS Proxy in front of the primary. */
function seedEstate(opts: { proxy?: boolean } = {}): void {
  rds.addInstance(REGION, P, {
    PreferredBackupWindow: '03:00-04:00',
    BackupRetentionPeriod: 7,
    DBInstanceClass: 'db.t3.small',
    AllocatedStorage: 50,
  });
  rds.addReplica(REGION, R, P, { DBInstanceClass: 'db.t3.small', AllocatedStorage: 50 });
  if (opts.proxy !== false) rds.addProxy(REGION, POOL, [P]);
  lag.set(R, 0);
}

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 2 });
  cw = mockClient(CloudWatchClient);
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => metricAnswer(input));
  provider = createAwsProvider(awsOptions(), FAST);
  lag = new Map();
  answers = new Map();
  home = tempDir('dbops-aws-failover-');
});

afterEach(async () => {
  for (const t of closers.splice(0)) await t.close();
  await provider.close();
  cw.restore();
  rds.restore();
});

describe('replica status on AWS', () => {
  it('reads the topology: DescribeDBInstances, pending maintenance, ReplicaLag, the proxy and its targets', async () => {
    seedEstate();
    lag.set(R, 3);
    rds.addPendingMaintenance(REGION, P, 'system-update', 'New Operating System update is available');
    const t = await context();

    const topo = await replicaStatus(t.ctx, {}, { failover: api() });

    expect(topo.primary).toMatchObject({
      id: P,
      status: 'available',
      instanceClass: 'db.t3.small',
      allocatedStorageGb: 50,
      multiAz: false,
      reachable: true,
    });
    expect(topo.primary.pendingMaintenance).toEqual(['system-update (New Operating System update is available)']);
    expect(topo.primary.unreachableReason).toBe(
      `data plane not reachable from here (connect ETIMEDOUT ${P}.abc123.${REGION}.rds.amazonaws.com:5432)`,
    );
    expect(topo.replicas.map((r) => [r.id, r.sourceId, r.state, r.lagSeconds, r.lagBytes])).toEqual([[R, P, 'streaming', 3, undefined]]);
    expect(topo.pooler).toMatchObject({
      kind: 'rds-proxy',
      name: POOL,
      running: true,
      targetId: P,
      requireTls: true,
      targets: [{ instanceId: P, state: 'AVAILABLE' }],
    });
    expect(inputsOf(rds.mock, DescribePendingMaintenanceActionsCommand)).toEqual([
      {
        Filters: [
          { Name: 'db-instance-id', Values: [`arn:aws:rds:${REGION}:123456789012:db:${P}`, `arn:aws:rds:${REGION}:123456789012:db:${R}`] },
        ],
      },
    ]);
    expect(topologyLines(topo)).toEqual([
      `primary ${P} (db.t3.small, 50 GB) available; data plane not reachable from here (connect ETIMEDOUT ${P}.abc123.${REGION}.rds.amazonaws.com:5432); pending: system-update (New Operating System update is available)`,
      `  replica ${R} (db.t3.small, 50 GB) streaming, lag 3 s`,
      `rds-proxy ${POOL} at ${POOL}.proxy-abc123.${REGION}.rds.amazonaws.com:5432 -> ${P}: running, TLS required; targets ${P} AVAILABLE`,
    ]);
    const q = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!;
    expect(q.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: R }] },
      Period: 60,
      Stat: 'Maximum',
    });
  });

  it('measures lag in bytes when the data plane answers', async () => {
    seedEstate();
    answers.set(P, { ok: true, at: { inRecovery: false, lsn: '0/5000100' } });
    answers.set(R, { ok: true, at: { inRecovery: true, lsn: '0/5000000' } });
    const t = await context();

    const topo = await replicaStatus(t.ctx, { instanceId: R }, { failover: api() });

    expect(topo.primary.lsn).toBe('0/5000100');
    expect(topo.replicas[0]).toMatchObject({ replayLsn: '0/5000000', lagBytes: 256, lagSeconds: 0 });
  });
});

describe('switchover on AWS', () => {
  it('story: deregister the old primary from the proxy, wait for ReplicaLag 0, promote keeping backups, register the new primary, a new replica of it', async () => {
    seedEstate();
    const t = await context();

    const { result, error } = await switchover(
      t.ctx,
      { probe: false, timeoutMs: 30_000 },
      { failover: api(), verifyWrite: wrote, runId: 'so-aws-1' },
    );

    expect(error).toBeUndefined();
    expect(result.outcome).toBe('switched');
    expect(result.summary).toBe(`${R} is the primary; ${P} follows it`);
    expect(inputsOf(rds.mock, DeregisterDBProxyTargetsCommand)).toEqual([
      { DBProxyName: POOL, TargetGroupName: 'default', DBInstanceIdentifiers: [P] },
    ]);
    expect(inputsOf(rds.mock, PromoteReadReplicaCommand)).toEqual([
      { DBInstanceIdentifier: R, BackupRetentionPeriod: 7, PreferredBackupWindow: '03:00-04:00' },
    ]);
    expect(inputsOf(rds.mock, RegisterDBProxyTargetsCommand)).toEqual([
      { DBProxyName: POOL, TargetGroupName: 'default', DBInstanceIdentifiers: [R] },
    ]);
    expect(inputsOf(rds.mock, CreateDBInstanceReadReplicaCommand)).toEqual([
      {
        DBInstanceIdentifier: `${R}-replica`,
        SourceDBInstanceIdentifier: R,
        DBInstanceClass: 'db.t3.small',
        PubliclyAccessible: false,
        Tags: [
          { Key: TAG.purpose, Value: 'replica' },
          { Key: TAG.sourceInstance, Value: R },
          { Key: TAG.managed, Value: 'true' },
        ],
      },
    ]);
    // THEN the proxy sends to the new primary, which keeps 7 days of backups; the old primary is kept as it was
    expect(rds.proxyTargetIds(REGION, POOL)).toEqual([R]);
    expect(rds.instance(REGION, R)).toMatchObject({
      DBInstanceStatus: 'available',
      BackupRetentionPeriod: 7,
      ReadReplicaSourceDBInstanceIdentifier: undefined,
    });
    expect(rds.instance(REGION, P)).toMatchObject({ DBInstanceStatus: 'available', ReadReplicaDBInstanceIdentifiers: [] });
    expect(rds.instance(REGION, `${R}-replica`)?.ReadReplicaSourceDBInstanceIdentifier).toBe(R);
    expect(result.follow).toMatchObject({ replicaId: `${R}-replica`, creating: true });
    expect(result.follow?.detail).toContain(`delete it with a final snapshot once you are sure (\`dbops instances delete ${P}\`)`);
    const steps = Object.fromEntries(result.report.steps.map((s) => [s.id, s.detail ?? s.status]));
    expect(steps['SO-5']).toBe(
      `RDS has no write pause: no new write reaches ${P} through RDS Proxy ${POOL}; ${P}'s WAL position cannot be read from here (connect ETIMEDOUT ${P}.abc123.${REGION}.rds.amazonaws.com:5432), so dbops waits for ReplicaLag 0`,
    );
    expect(steps['SO-6']).toMatch(new RegExp(`^${R}'s ReplicaLag is 0 s \\(datapoint of `));
    expect(steps['SO-7']).toMatch(
      new RegExp(
        `^PromoteReadReplica ${R} \\(BackupRetentionPeriod 7 days kept\\); available as a standalone primary after \\d+ s; its ReplicaLag was 0 s$`,
      ),
    );
    expect(steps['SO-10']).toBe(
      `transaction 42 written; ${R}-replica is being created (\`dbops replica status --instance ${R}\` shows when it streams)`,
    );
    expect(result.report.steps.find((s) => s.id === 'SO-12')).toMatchObject({ status: 'skipped' });
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    // a switchover is remembered
    const t2 = await context();
    const { replicaHistory } = await import('../../../../src/lib/failover/status.js');
    expect((await replicaHistory(t2.ctx)).map((h) => [h.operation, h.oldPrimaryId, h.candidateId, h.outcome])).toEqual([
      ['switchover', P, R, 'switched'],
    ]);
  });

  it('--delete-old-primary: after the verified switch, the old primary is deleted with a final snapshot (asked first)', async () => {
    seedEstate();
    const t = await context();

    const { result, error } = await switchover(
      t.ctx,
      { probe: false, deleteOldPrimary: true },
      { failover: api(), verifyWrite: wrote, runId: 'so-aws-2' },
    );

    expect(error).toBeUndefined();
    expect(t.asked.at(-1)).toBe(`Delete ${P} now, with a final snapshot? It no longer takes part in replication.`);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: P, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: `${P}-final-so-aws-2` },
    ]);
    expect(rds.snapshot(REGION, `${P}-final-so-aws-2`)?.DBInstanceIdentifier).toBe(P);
    expect(result.report.steps.find((s) => s.id === 'SO-12')?.detail).toBe(
      `DeleteDBInstance ${P} with final snapshot ${P}-final-so-aws-2 (deleting; the snapshot keeps its data)`,
    );
  });

  it('--delete-old-primary respects deletion protection; without the flag the old primary is kept and the step says how to delete it', async () => {
    seedEstate();
    rds.setInstance(REGION, P, { DeletionProtection: true });
    const t = await context();

    const { result } = await switchover(t.ctx, { probe: false, deleteOldPrimary: true }, { failover: api(), verifyWrite: wrote });

    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(result.report.steps.find((s) => s.id === 'SO-12')?.detail).toBe(
      `${P} kept: deletion protection is on (dbops does not turn it off); turn it off and run \`dbops instances delete ${P}\``,
    );
  });

  it('--dry-run runs the pre-checks with their values and changes nothing', async () => {
    seedEstate();
    lag.set(R, 2);
    const t = await context(true, { dryRun: true });

    const { result, error } = await switchover(t.ctx, { probe: false }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeUndefined();
    expect(result.outcome).toBe('dry-run');
    expect(result.checks.find((c) => c.id === 'replay-lag')).toEqual({
      id: 'replay-lag',
      title: `Replay lag of ${R}`,
      status: 'pass',
      value: '2 s',
      limit: '≤ 10 s',
    });
    expect(result.plan).toContain(`PromoteReadReplica ${R} (backup retention kept), wait until available (point of no return)`);
    expect(rds.mock.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
    expect(rds.mock.commandCalls(DeregisterDBProxyTargetsCommand)).toHaveLength(0);
  });

  it('a proxy target that stays UNAVAILABLE: the run says State, Reason and Description and exits 3; the old primary still gets its successor replica', async () => {
    seedEstate();
    rds.holdTargetHealth(REGION, POOL, R, {
      State: 'UNAVAILABLE',
      Reason: 'AUTH_FAILURE',
      Description: 'Proxy does not have any registered credentials.',
    });
    const t = await context();

    const { result, error } = await switchover(t.ctx, { probe: false, timeoutMs: 1000 }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).exitCode).toBe(ExitCode.environment);
    expect(error?.message).toBe(
      `RDS Proxy ${POOL}: target ${R} is UNAVAILABLE (AUTH_FAILURE: Proxy does not have any registered credentials.) after 1 s, not AVAILABLE.`,
    );
    expect((error as EnvironmentError).hint).toMatch(/^The proxy cannot log in: check that its secret holds/);
    expect(result.outcome).toBe('failed');
    expect(result.report.steps.find((s) => s.id === 'SO-8')?.status).toBe('failed');
    expect(inputsOf(rds.mock, DescribeDBProxyTargetsCommand).every((i) => i.DBProxyName === POOL && i.TargetGroupName === 'default')).toBe(
      true,
    );
    // past the point of no return: R is the primary, and the cleanup created its replica
    expect(rds.instance(REGION, R)?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(result.follow?.replicaId).toBe(`${R}-replica`);
  });

  it('refuses with its numbers: ReplicaLag past --max-lag, a backup running, pending maintenance', async () => {
    seedEstate();
    lag.set(R, 45);
    rds.setInstance(REGION, R, { DBInstanceStatus: 'backing-up' });
    rds.addPendingMaintenance(REGION, P, 'db-upgrade', 'Minor version upgrade 15.8 -> 15.10');
    const t = await context();

    const { result, error } = await switchover(t.ctx, { probe: false }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeInstanceOf(CheckFailed);
    expect(error?.message).toBe(
      `Switchover refused: Replay lag of ${R}: 45 s (limit ≤ 10 s); No backup running: backing up: ${R}; No pending maintenance: ${P}: db-upgrade (Minor version upgrade 15.8 -> 15.10).`,
    );
    expect(result.outcome).toBe('refused');
    expect(rds.mock.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
    expect(rds.proxyTargetIds(REGION, POOL)).toEqual([P]);
  });

  it('a byte --max-lag cannot be measured on RDS without the data plane: the check says so', async () => {
    seedEstate();
    const t = await context();

    const { result, error } = await switchover(
      t.ctx,
      { probe: false, maxLag: { kind: 'bytes', bytes: 16 * 1024 * 1024 } },
      { failover: api(), verifyWrite: wrote },
    );

    expect(error).toBeInstanceOf(CheckFailed);
    const check = result.checks.find((c) => c.id === 'replay-lag');
    expect(check).toEqual({
      id: 'replay-lag',
      title: `Replay lag of ${R}`,
      status: 'fail',
      value: '0 s: bytes cannot be measured here (ReplicaLag is in seconds; WAL positions need the data plane)',
      limit: '≤ 16 MB',
      remedy: `Give --max-lag as a duration (e.g. --max-lag 10s): ${R}'s lag is known in seconds only.`,
    });
  });

  it('--timeout past before ReplicaLag reaches 0: rolls back (the old primary registered with the proxy again)', async () => {
    seedEstate();
    lag.set(R, 4);
    const t = await context();

    const { result, error } = await switchover(
      t.ctx,
      { probe: false, timeoutMs: 300, maxLag: { kind: 'seconds', seconds: 10 } },
      { failover: api(), verifyWrite: wrote },
    );

    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error?.message).toMatch(
      new RegExp(
        `^${R} had not replayed ${P}'s last WAL \\(ReplicaLag 0\\) when the write pause reached --timeout 0.3 s; its ReplicaLag was 4 s$`,
      ),
    );
    expect(result.outcome).toBe('rolled-back');
    expect(rds.proxyTargetIds(REGION, POOL)).toEqual([P]);
    expect(rds.mock.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
    expect(result.rollback?.actions).toContain(`${POOL} resumed on ${P}`);
  });

  it('Multi-AZ without a replica: RebootDBInstance with ForceFailover, same endpoint', async () => {
    rds.addInstance(REGION, P, { MultiAZ: true, AvailabilityZone: 'us-east-2a', SecondaryAvailabilityZone: 'us-east-2b' });
    const t = await context(false);

    const { result, error } = await switchover(t.ctx, { probe: false }, { failover: api(false), verifyWrite: wrote });

    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RebootDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: P, ForceFailover: true }]);
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ['primary-healthy', 'pass'],
      ['multi-az', 'pass'],
      ['no-backup', 'pass'],
      ['no-maintenance', 'pass'],
    ]);
    expect(result.report.steps.find((s) => s.id === 'SO-7')?.detail).toMatch(
      new RegExp(
        `^RebootDBInstance ${P} ForceFailover: available again after \\d+ s, primary moved us-east-2a -> us-east-2b; same endpoint$`,
      ),
    );
    expect(rds.instance(REGION, P)?.AvailabilityZone).toBe('us-east-2b');
  });

  it('no replica and single-AZ: says how to add one (exit 2)', async () => {
    rds.addInstance(REGION, P);
    const t = await context(false);

    const { error } = await switchover(t.ctx, { probe: false }, { failover: api(false), verifyWrite: wrote });

    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toBe(`Instance ${P} has no read replica to take over.`);
  });
});

describe('failover on AWS', () => {
  it('story: the primary does not answer; promote the replica, fence the old primary (stopped after the promotion), switch the proxy, report the loss bound', async () => {
    seedEstate();
    lag.set(R, 2);
    answers.set(R, { ok: true, at: { inRecovery: true, lsn: '0/7000000' } });
    const t = await context();

    const { result, error } = await failover(t.ctx, { probe: false }, { failover: api(), verifyWrite: wrote, runId: 'fo-aws-1' });

    expect(error).toBeUndefined();
    expect(result.outcome).toBe('switched');
    expect(result.checks.find((c) => c.id === 'primary-down')).toMatchObject({
      status: 'pass',
      value: `unreachable: connect ETIMEDOUT ${P}.abc123.${REGION}.rds.amazonaws.com:5432`,
    });
    expect(inputsOf(rds.mock, PromoteReadReplicaCommand)).toEqual([
      { DBInstanceIdentifier: R, BackupRetentionPeriod: 7, PreferredBackupWindow: '03:00-04:00' },
    ]);
    // fenced: tagged, StopDBInstance refused while R was its replica, accepted after the promotion
    expect(inputsOf(rds.mock, AddTagsToResourceCommand)).toEqual([
      {
        ResourceName: `arn:aws:rds:${REGION}:123456789012:db:${P}`,
        Tags: [
          { Key: FENCE_TAG.runId, Value: 'fo-aws-1' },
          { Key: FENCE_TAG.at, Value: expect.any(String) },
          { Key: FENCE_TAG.newPrimary, Value: R },
        ],
      },
    ]);
    expect(inputsOf(rds.mock, StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: P }, { DBInstanceIdentifier: P }]);
    expect(result.fence?.actions).toEqual([
      `tagged ${FENCE_TAG.runId}=fo-aws-1: dbops treats it as fenced`,
      expect.stringMatching(
        new RegExp(
          `^StopDBInstance ${P} refused now \\(DB instance ${P} is not in a state that allows StopDBInstance: .*\\); tried again right after the promotion$`,
        ),
      ),
      `StopDBInstance ${P} (after the promotion): stopped (RDS starts a stopped instance again after 7 days: delete it or stop it again)`,
    ]);
    expect(rds.instance(REGION, P)?.DBInstanceStatus).toBe('stopped');
    expect(rds.proxyTargetIds(REGION, POOL)).toEqual([R]);
    expect(result.loss).toMatchObject({ seconds: 2, promotedAtLsn: '0/7000000' });
    expect(result.loss?.bytes).toBeUndefined();
    expect(result.summary).toBe(`${R} is the primary; ${P} is fenced; at most 2 s of writes (ReplicaLag at promotion) lost`);

    // AND the fence is read back: a second failover from P is bad input
    const again = await failover(await context().then((x) => x.ctx), { probe: false }, { failover: api(), verifyWrite: wrote });
    expect(again.error).toBeInstanceOf(UsageError);
    expect(again.error?.message).toBe(`Instance ${P} was already fenced by failover run fo-aws-1; ${R} took over.`);
  });

  it('--timeout bounds FO-6: a proxy target that stays UNAVAILABLE fails the run after the given time (exit 3), the new primary stays the primary; AWS default 5 min', async () => {
    seedEstate();
    lag.set(R, 2);
    answers.set(R, { ok: true, at: { inRecovery: true, lsn: '0/7000000' } });
    rds.holdTargetHealth(REGION, POOL, R, {
      State: 'UNAVAILABLE',
      Reason: 'PENDING_PROXY_CAPACITY',
      Description: 'DBProxy Target is waiting for proxy to scale to desired capacity.',
    });
    const t = await context();

    const { result, error } = await failover(t.ctx, { probe: false, timeoutMs: 1000 }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).exitCode).toBe(ExitCode.environment);
    expect(error?.message).toBe(
      `RDS Proxy ${POOL}: target ${R} is UNAVAILABLE (PENDING_PROXY_CAPACITY: DBProxy Target is waiting for proxy to scale to desired capacity.) after 1 s, not AVAILABLE.`,
    );
    expect((error as EnvironmentError).hint).toMatch(/^RDS is still adding capacity to the proxy/);
    expect(result.report.steps.find((s) => s.id === 'FO-6')?.status).toBe('failed');
    expect(rds.instance(REGION, R)?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(rds.proxyTargetIds(REGION, POOL)).toEqual([R]);
    expect([failoverTimeoutMs(undefined, 'aws'), failoverTimeoutMs(undefined, 'local'), failoverTimeoutMs(90_000, 'aws')]).toEqual([
      300_000, 60_000, 90_000,
    ]);
  });

  it('the loss in bytes when the old primary still answers (forced)', async () => {
    seedEstate();
    lag.set(R, 1);
    answers.set(P, { ok: true, at: { inRecovery: false, lsn: '0/7000400', heartbeatAt: new Date('2026-12-02T04:00:05Z') } });
    answers.set(R, { ok: true, at: { inRecovery: true, lsn: '0/7000000', heartbeatAt: new Date('2026-12-02T04:00:00Z') } });
    const t = await context();

    const { result, error } = await failover(t.ctx, { probe: false, force: true }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeUndefined();
    expect(result.checks.find((c) => c.id === 'primary-down')).toMatchObject({ status: 'warn', value: 'reachable at WAL 0/7000400' });
    expect(result.loss).toMatchObject({ bytes: 1024, seconds: 1, oldPrimaryLsn: '0/7000400', promotedAtLsn: '0/7000000' });
    expect(result.loss?.source).toBe(
      `WAL positions read on ${P} and ${R}; ${R}'s ReplicaLag at promotion (CloudWatch, ${result.loss?.source.match(/CloudWatch, (\S+)\)/)?.[1]}); newest heartbeat on ${P} 2026-12-02T04:00:05.000Z, on ${R} 2026-12-02T04:00:00.000Z (5 s missing)`,
    );
  });

  it('refuses with its numbers: the primary answers; every candidate lags past --max-lag', async () => {
    seedEstate();
    lag.set(R, 45);
    answers.set(P, { ok: true, at: { inRecovery: false, lsn: '0/7000400' } });
    answers.set(R, { ok: true, at: { inRecovery: true, lsn: '0/7000000' } });
    const t = await context();

    const { result, error } = await failover(t.ctx, { probe: false }, { failover: api(), verifyWrite: wrote });

    expect(error).toBeInstanceOf(CheckFailed);
    expect(error?.message).toBe(
      `Failover refused: Primary ${P} is unreachable or unhealthy: reachable at WAL 0/7000400; Data ${R} lacks from ${P}: 1 kB, 45 s (WAL positions read on ${P} and the replica) (limit ≤ 10 s).`,
    );
    expect(result.outcome).toBe('refused');
    expect(rds.mock.commandCalls(StopDBInstanceCommand)).toHaveLength(0);
    expect(rds.mock.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
  });
});

describe('RDS Proxy provisioning (provision apply, PV-11)', () => {
  function seedDb(): void {
    rds.addInstance(REGION, P, {
      MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:${REGION}:123456789012:secret:rds!db-${P}`, SecretStatus: 'active' },
      DBSubnetGroup: { DBSubnetGroupName: 'db-subnets', Subnets: [{ SubnetIdentifier: 'subnet-a' }, { SubnetIdentifier: 'subnet-b' }] },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123abcd', Status: 'active' }],
    });
  }
  const ensureInput = {
    name: POOL,
    targetId: P,
    poolMode: 'transaction' as const,
    defaultPoolSize: 20,
    minPoolSize: 5,
    maxDbConnections: 50,
    reservePoolSize: 5,
    requireTls: true,
    tags: { 'dbops:purpose': 'production' },
  };

  it('creates the proxy (POSTGRESQL, the master secret, the role, subnets and security group, RequireTLS), registers the database, waits for AVAILABLE', async () => {
    seedDb();
    const pooler = api().pooler as RdsProxyPooler;

    const state = await pooler.ensure({ ...ensureInput, roleArn: 'arn:aws:iam::123456789012:role/prod-db-proxy' });

    expect(inputsOf(rds.mock, CreateDBProxyCommand)).toEqual([
      {
        DBProxyName: POOL,
        EngineFamily: 'POSTGRESQL',
        Auth: [
          {
            AuthScheme: 'SECRETS',
            SecretArn: `arn:aws:secretsmanager:${REGION}:123456789012:secret:rds!db-${P}`,
            IAMAuth: 'DISABLED',
            Description: `master user of ${P}`,
          },
        ],
        RoleArn: 'arn:aws:iam::123456789012:role/prod-db-proxy',
        VpcSubnetIds: ['subnet-a', 'subnet-b'],
        VpcSecurityGroupIds: ['sg-0123abcd'],
        RequireTLS: true,
        Tags: [
          { Key: 'dbops:purpose', Value: 'production' },
          { Key: TAG.managed, Value: 'true' },
        ],
      },
    ]);
    expect(inputsOf(rds.mock, RegisterDBProxyTargetsCommand)).toEqual([
      { DBProxyName: POOL, TargetGroupName: 'default', DBInstanceIdentifiers: [P] },
    ]);
    expect(state).toMatchObject({
      kind: 'rds-proxy',
      name: POOL,
      running: true,
      requireTls: true,
      targetId: P,
      targets: [{ instanceId: P, state: 'AVAILABLE' }],
    });
    expect(state.endpoint).toEqual({ host: `${POOL}.proxy-abc123.${REGION}.rds.amazonaws.com`, port: 5432 });
  });

  /** A stateful IAM: roles by name with their tags and inline policies. */
  function fakeIam(): {
    mock: AwsClientStub<IAMClient>;
    roles: Map<string, { arn: string; tags: { Key: string; Value: string }[]; policies: Map<string, string> }>;
  } {
    const roles = new Map<string, { arn: string; tags: { Key: string; Value: string }[]; policies: Map<string, string> }>();
    const mock = mockClient(IAMClient);
    const noSuch = (name: string) => new NoSuchEntityException({ message: `The role with name ${name} cannot be found.`, $metadata: {} });
    mock.on(GetRoleCommand).callsFake((i: { RoleName: string }) => {
      const r = roles.get(i.RoleName);
      if (!r) throw noSuch(i.RoleName);
      return { Role: { RoleName: i.RoleName, Arn: r.arn, Path: '/', RoleId: 'AROA1', CreateDate: new Date(), Tags: r.tags } };
    });
    mock.on(CreateRoleCommand).callsFake((i: { RoleName: string; Tags?: { Key: string; Value: string }[] }) => {
      const arn = `arn:aws:iam::123456789012:role/${i.RoleName}`;
      roles.set(i.RoleName, { arn, tags: i.Tags ?? [], policies: new Map() });
      return { Role: { RoleName: i.RoleName, Arn: arn, Path: '/', RoleId: 'AROA1', CreateDate: new Date() } };
    });
    mock.on(PutRolePolicyCommand).callsFake((i: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
      const r = roles.get(i.RoleName);
      if (!r) throw noSuch(i.RoleName);
      r.policies.set(i.PolicyName, i.PolicyDocument);
      return {};
    });
    mock.on(DeleteRolePolicyCommand).callsFake((i: { RoleName: string; PolicyName: string }) => {
      roles.get(i.RoleName)?.policies.delete(i.PolicyName);
      return {};
    });
    mock.on(DeleteRoleCommand).callsFake((i: { RoleName: string }) => {
      if (!roles.delete(i.RoleName)) throw noSuch(i.RoleName);
      return {};
    });
    return { mock, roles };
  }

  const SECRET = `arn:aws:secretsmanager:${REGION}:123456789012:secret:rds!db-${P}`;
  const ROLE = `${P}-proxy-role`;
  /** IAM writes sent so far: CreateRole, PutRolePolicy, DeleteRolePolicy, DeleteRole. */
  const iamWrites = (m: AwsClientStub<IAMClient>): number =>
    m.commandCalls(CreateRoleCommand).length +
    m.commandCalls(PutRolePolicyCommand).length +
    m.commandCalls(DeleteRolePolicyCommand).length +
    m.commandCalls(DeleteRoleCommand).length;

  it('without connectionPool.roleArn: creates <db>-proxy-role (trusted by RDS, tagged) with GetSecretValue on the master secret only and kms:Decrypt via Secrets Manager', async () => {
    seedDb();
    rds.setInstance(REGION, P, {
      MasterUserSecret: { SecretArn: SECRET, SecretStatus: 'active', KmsKeyId: 'arn:aws:kms:us-east-2:123456789012:key/1111-2222' },
    });
    const iam = fakeIam();
    try {
      const pooler = api().pooler as RdsProxyPooler;

      await pooler.ensure(ensureInput);

      expect(inputsOf(iam.mock, CreateRoleCommand)).toEqual([
        {
          RoleName: ROLE,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          }),
          Description: `RDS Proxy of ${P} reads its master secret (created by dbops)`,
          Tags: [
            { Key: 'dbops:purpose', Value: 'production' },
            { Key: TAG.managed, Value: 'true' },
          ],
        },
      ]);
      expect(inputsOf(iam.mock, PutRolePolicyCommand)).toEqual([
        {
          RoleName: ROLE,
          PolicyName: 'dbops-proxy-secret-access',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET },
              {
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: 'arn:aws:kms:us-east-2:123456789012:key/1111-2222',
                Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
              },
            ],
          }),
        },
      ]);
      expect(inputsOf(rds.mock, CreateDBProxyCommand)[0]).toMatchObject({ RoleArn: `arn:aws:iam::123456789012:role/${ROLE}` });
    } finally {
      iam.mock.restore();
    }
  });

  it('a second apply sends no IAM write; a role of that name dbops did not create is refused, not modified', async () => {
    seedDb();
    const iam = fakeIam();
    try {
      const pooler = api().pooler as RdsProxyPooler;
      await pooler.ensure(ensureInput);
      iam.mock.resetHistory();

      // WHEN apply runs again (proxy there) and when only the role is there
      await pooler.ensure(ensureInput);
      const again = await pooler.roles.ensure({ dbId: P, secretArn: SECRET, tags: {} });

      expect(again).toEqual({ arn: `arn:aws:iam::123456789012:role/${ROLE}`, created: false });
      expect(iamWrites(iam.mock)).toBe(0);

      // GIVEN someone else's role of the same name
      iam.roles.set('other-db-proxy-role', { arn: 'arn:aws:iam::123456789012:role/other-db-proxy-role', tags: [], policies: new Map() });
      const e = await pooler.roles.ensure({ dbId: 'other-db', secretArn: SECRET, tags: {} }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as Error).message).toBe(
        'IAM role other-db-proxy-role exists and was not created by dbops (no dbops:managed=true tag); dbops does not modify it.',
      );
      expect(iamWrites(iam.mock)).toBe(0);
    } finally {
      iam.mock.restore();
    }
  });

  it('provision plan shows the proxy and its role: create before apply, in sync after (on the fake)', async () => {
    seedDb();
    const iam = fakeIam();
    try {
      const pooler = api().pooler as RdsProxyPooler;
      const config = {
        ...structuredClone(DEFAULTS),
        provider: 'aws' as const,
        region: REGION,
        database: { ...DEFAULTS.database, identifier: P },
        connectionPool: { ...DEFAULTS.connectionPool, enabled: true, kind: 'rds-proxy' as const, name: POOL },
      };
      const desired = desiredState(config, provisionSettings(config));
      const rows = async () => diffPool(desired.pool, await readPool(desired, pooler)).map((c) => [c.kind, c.id, c.action, c.notes]);

      expect(await rows()).toEqual([
        ['connection-pool', POOL, 'create', [`rds-proxy in front of ${P}`]],
        ['iam-role', ROLE, 'create', ['trusted by rds.amazonaws.com; secretsmanager:GetSecretValue on the master secret only']],
      ]);

      await pooler.ensure(ensureInput);

      expect(await rows()).toEqual([
        ['connection-pool', POOL, 'no-op', [`in sync: rds-proxy at ${POOL}.proxy-abc123.${REGION}.rds.amazonaws.com:5432 -> ${P}`]],
        ['iam-role', ROLE, 'no-op', ['in sync: created by dbops for the proxy']],
      ]);
      // Reading the plan wrote nothing to IAM
      expect(iam.mock.commandCalls(CreateRoleCommand)).toHaveLength(1);

      // GIVEN a role of that name someone else made and no proxy yet: the plan blocks, naming the remedy
      await pooler.remove(POOL);
      iam.roles.set(ROLE, { arn: `arn:aws:iam::123456789012:role/${ROLE}`, tags: [], policies: new Map() });
      expect((await rows())[1]).toEqual([
        'iam-role',
        ROLE,
        'blocked',
        [
          'exists and was not created by dbops (no dbops:managed=true tag): dbops does not modify it; name it in connectionPool.roleArn to use it',
        ],
      ]);
    } finally {
      iam.mock.restore();
    }
  });

  it('remove (provision destroy) deletes the proxy, then the role dbops created; a roleArn override stays', async () => {
    seedDb();
    const iam = fakeIam();
    try {
      const pooler = api().pooler as RdsProxyPooler;
      await pooler.ensure(ensureInput);

      await pooler.remove(POOL);

      expect(inputsOf(rds.mock, DeleteDBProxyCommand)).toEqual([{ DBProxyName: POOL }]);
      expect(inputsOf(iam.mock, DeleteRolePolicyCommand)).toEqual([{ RoleName: ROLE, PolicyName: 'dbops-proxy-secret-access' }]);
      expect(inputsOf(iam.mock, DeleteRoleCommand)).toEqual([{ RoleName: ROLE }]);
      expect(iam.roles.has(ROLE)).toBe(false);

      // GIVEN a proxy on the user's own role (connectionPool.roleArn)
      iam.roles.set('mine', { arn: 'arn:aws:iam::123456789012:role/mine', tags: [], policies: new Map() });
      await pooler.ensure({ ...ensureInput, roleArn: 'arn:aws:iam::123456789012:role/mine' });
      iam.mock.resetHistory();
      await pooler.remove(POOL);
      expect(iam.roles.has('mine')).toBe(true);
      expect(iam.mock.commandCalls(DeleteRoleCommand)).toHaveLength(0);
    } finally {
      iam.mock.restore();
    }
  });
});
