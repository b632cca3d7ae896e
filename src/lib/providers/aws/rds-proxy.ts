/**
 * RDS Proxy as the connection layer of the failover port (PoolerApi): the one address the
 * application keeps on AWS.
 *
 * RDS Proxy has no PAUSE: "pause" deregisters the primary from the proxy's default target
 * group (no new statement reaches it through the proxy; clients of the proxy wait for a
 * target or fail), "retarget" registers the new primary and waits until
 * DescribeDBProxyTargets shows its TargetHealth AVAILABLE — showing State, Reason and
 * Description when it does not get there (UNREACHABLE, AUTH_FAILURE, ...), and "resume"
 * registers the remembered target again when nothing is registered (the rollback).
 *
 * `ensure` (provision apply, PV-11) creates the proxy: CreateDBProxy with engine family
 * POSTGRESQL, the database's RDS-managed master secret, the IAM role named in
 * connectionPool.roleArn or else `<db>-proxy-role` created by dbops (proxy-role.ts), the
 * database's subnets and security groups, RequireTLS; then registers the database and
 * waits for health. `remove` (provision destroy) deletes the proxy, then the role when
 * dbops created it.
 *
 * AWS error codes stay here: they become DbopsErrors with a kind.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DBInstance, DBProxy, DBProxyTarget } from '@aws-sdk/client-rds';
import { EnvironmentError, Interrupted, NotFoundError, UsageError } from '../../errors.js';
import type { EnsurePoolerInput, PoolerApi, PoolerConnection, PoolerState, PoolRole, PoolTarget } from '../failover-types.js';
import type { Provider, WaitOptions } from '../types.js';
import { toRdsTags, withManagedTag } from './convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';
import { ProxyRoles, roleNameOf } from './proxy-role.js';
import type { IamApi, RdsApi } from './sdk.js';

/** The target group every RDS Proxy has. */
export const DEFAULT_TARGET_GROUP = 'default';
const PROXY_NOT_FOUND = ['DBProxyNotFound'];

export interface RdsProxyOptions {
  caller: ProvisionCaller;
  rds: () => RdsApi;
  /** IAM: the proxy's role when connectionPool.roleArn is not given. */
  iam: () => IamApi;
  /** The account's Provider (connection details of the target: user, database, password). */
  base: Provider;
  /** How often target health is polled, ms (tests: 1). */
  pollMs: number;
  /** Ceiling for waits without their own (aws.maxWaitMinutes). */
  maxWaitSeconds: number;
  /** TLS to the proxy: 'verify-full' with a CA bundle, else 'require'. */
  caBundle?: string;
  /** The configured proxy (connectionPool.name or <database>-pool); find() looks only at it. */
  name?: string;
}

/** One line for a target that is not AVAILABLE: "UNAVAILABLE (AUTH_FAILURE: Proxy does not have any registered credentials)". Pure. */
export function describeTarget(t: PoolTarget): string {
  const why = [t.reason, t.description].filter(Boolean).join(': ');
  return `${t.state}${why ? ` (${why})` : ''}`;
}

/** What the application must check when a target stays unhealthy, by RDS Proxy's Reason. Pure. */
export function targetRemedy(reason: string | undefined): string {
  switch (reason) {
    case 'AUTH_FAILURE':
      return "The proxy cannot log in: check that its secret holds the database's current master credentials and that its IAM role may read the secret (secretsmanager:GetSecretValue, kms:Decrypt).";
    case 'UNREACHABLE':
    case 'CONNECTION_FAILED':
      return "The proxy cannot reach the database: its security group must allow the proxy's security group on the database port, in the same VPC.";
    case 'PENDING_PROXY_CAPACITY':
      return 'RDS is still adding capacity to the proxy: wait a few minutes and check `dbops replica status`.';
    case 'INVALID_REPLICATION_STATE':
      return 'The target is a replica or is being promoted: wait until the promotion finished, then register it again.';
    default:
      return 'Look at the proxy in the RDS console (Target groups) and at `aws rds describe-db-proxy-targets`.';
  }
}

function toTarget(t: DBProxyTarget): PoolTarget {
  return {
    instanceId: t.RdsResourceId ?? '',
    state: t.TargetHealth?.State ?? 'UNKNOWN',
    ...(t.TargetHealth?.Reason ? { reason: t.TargetHealth.Reason } : {}),
    ...(t.TargetHealth?.Description ? { description: t.TargetHealth.Description } : {}),
  };
}

function isInstanceTarget(t: DBProxyTarget): boolean {
  return t.Type === 'RDS_INSTANCE' && Boolean(t.RdsResourceId);
}

export class RdsProxyPooler implements PoolerApi {
  readonly kind = 'rds-proxy' as const;
  readonly #o: RdsProxyOptions;
  /** Targets deregistered by pause(), per proxy: resume() registers them again when nothing else is. */
  readonly #paused = new Map<string, string[]>();
  readonly roles: ProxyRoles;

  constructor(opts: RdsProxyOptions) {
    this.#o = opts;
    this.roles = new ProxyRoles(opts.caller, opts.iam);
  }

  async prepare(): Promise<void> {}

  async release(): Promise<void> {}

  /** The proxy's IAM role by name (provision plan). */
  async findRole(name: string): Promise<PoolRole | undefined> {
    return this.roles.describe(name);
  }

  /** Targets were deregistered by this run and not registered again. */
  isPaused(name: string): boolean {
    return this.#paused.has(name);
  }

  async #proxy(name: string): Promise<DBProxy | undefined> {
    try {
      const out = await this.#o.caller.call(
        { operation: 'DescribeDBProxies', service: 'rds', subject: `RDS Proxy ${name}`, expect: PROXY_NOT_FOUND },
        () => this.#o.rds().describeDBProxies({ DBProxyName: name }),
      );
      return out.DBProxies?.[0];
    } catch (e) {
      if (isAwsCode(e, ...PROXY_NOT_FOUND)) return undefined;
      throw e;
    }
  }

  async #requireProxy(name: string): Promise<DBProxy> {
    const p = await this.#proxy(name);
    if (!p) {
      throw new NotFoundError(`RDS Proxy ${name} does not exist in ${this.#o.caller.region}.`, {
        hint: 'Create it with `dbops provision apply` (connectionPool.enabled: true, kind: rds-proxy), or check connectionPool.name.',
      });
    }
    return p;
  }

  /** Every RDS instance target of the proxy's default target group, with its health. */
  async targets(name: string): Promise<PoolTarget[]> {
    const out: DBProxyTarget[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.#o.caller.call({ operation: 'DescribeDBProxyTargets', service: 'rds', subject: `RDS Proxy ${name}` }, () =>
        this.#o.rds().describeDBProxyTargets({ DBProxyName: name, TargetGroupName: DEFAULT_TARGET_GROUP, ...(Marker ? { Marker } : {}) }),
      );
      out.push(...(page.Targets ?? []));
      Marker = page.Marker;
    } while (Marker);
    return out.filter(isInstanceTarget).map(toTarget);
  }

  #state(p: DBProxy, targets: PoolTarget[]): PoolerState {
    return {
      kind: 'rds-proxy',
      name: p.DBProxyName ?? '',
      endpoint: { host: p.Endpoint ?? '', port: 5432 },
      running: p.Status === 'available',
      targetId: targets[0]?.instanceId ?? '',
      pools: [],
      targets,
      requireTls: p.RequireTLS ?? false,
      ...(p.RoleArn ? { roleArn: p.RoleArn } : {}),
    };
  }

  /** The proxy by name, whatever it targets (undefined when it does not exist). */
  async describe(name: string): Promise<PoolerState | undefined> {
    const p = await this.#proxy(name);
    return p ? this.#state(p, await this.targets(name)) : undefined;
  }

  /**
   * The configured proxy when it sends connections to `primaryId`, or has no target at
   * all (a switch interrupted between deregistering and registering).
   */
  async find(primaryId: string): Promise<PoolerState | undefined> {
    if (!this.#o.name) return undefined;
    const state = await this.describe(this.#o.name);
    if (!state) return undefined;
    const ids = state.targets.map((t) => t.instanceId);
    if (ids.length > 0 && !ids.includes(primaryId)) return undefined;
    return { ...state, targetId: ids.includes(primaryId) ? primaryId : '' };
  }

  async #register(name: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#o.caller.call(
        {
          operation: 'RegisterDBProxyTargets',
          service: 'rds',
          subject: `RDS Proxy ${name}`,
          expect: ['DBProxyTargetAlreadyRegistered', 'InvalidDBInstanceState', 'InvalidDBProxyState'],
        },
        () =>
          this.#o.rds().registerDBProxyTargets({ DBProxyName: name, TargetGroupName: DEFAULT_TARGET_GROUP, DBInstanceIdentifiers: ids }),
      );
    } catch (e) {
      if (isAwsCode(e, 'DBProxyTargetAlreadyRegistered')) return;
      if (isAwsCode(e, 'InvalidDBInstanceState', 'InvalidDBProxyState')) {
        throw new EnvironmentError(`RDS Proxy ${name} refused to register ${ids.join(', ')}: ${(e.original as Error).message}`, {
          hint: 'An instance must be available and not a read replica to be a proxy target; wait for it (`dbops replica status`), then run the command again.',
          kind: 'state-conflict',
          cause: e.original,
        });
      }
      throw e;
    }
  }

  async #deregister(name: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#o.caller.call(
        { operation: 'DeregisterDBProxyTargets', service: 'rds', subject: `RDS Proxy ${name}`, expect: ['DBProxyTargetNotFound'] },
        () =>
          this.#o.rds().deregisterDBProxyTargets({ DBProxyName: name, TargetGroupName: DEFAULT_TARGET_GROUP, DBInstanceIdentifiers: ids }),
      );
    } catch (e) {
      if (isAwsCode(e, 'DBProxyTargetNotFound')) return;
      throw e;
    }
  }

  /** No PAUSE on RDS Proxy: the targets are deregistered, so nothing reaches the old primary through it. */
  async pause(name: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    if (opts.signal?.aborted) throw new Interrupted();
    const ids = (await this.targets(name)).map((t) => t.instanceId);
    await this.#deregister(name, ids);
    this.#paused.set(name, [...(this.#paused.get(name) ?? []), ...ids]);
  }

  /** Registers `instanceId` (deregistering any other target) and waits for TargetHealth AVAILABLE. */
  async retarget(name: string, instanceId: string, opts: WaitOptions): Promise<void> {
    const others = (await this.targets(name)).map((t) => t.instanceId).filter((id) => id !== instanceId);
    await this.#deregister(name, others);
    await this.#register(name, [instanceId]);
    this.#paused.delete(name);
    await this.waitHealthy(name, instanceId, opts);
  }

  /** Rollback of pause(): the remembered targets again, when nothing else was registered since. */
  async resume(name: string): Promise<void> {
    const remembered = this.#paused.get(name);
    if (!remembered) return;
    this.#paused.delete(name);
    if ((await this.targets(name)).length > 0) return;
    await this.#register(name, remembered);
  }

  /**
   * Polls DescribeDBProxyTargets until the instance's TargetHealth is AVAILABLE. Past the
   * wait, one sentence with State, Reason and Description and what to check (exit 3).
   */
  async waitHealthy(name: string, instanceId: string, opts: WaitOptions): Promise<PoolTarget> {
    const maxWaitSeconds = opts.maxWaitSeconds > 0 ? opts.maxWaitSeconds : this.#o.maxWaitSeconds;
    const started = Date.now();
    let last: PoolTarget | undefined;
    for (;;) {
      if (opts.signal?.aborted) throw new Interrupted();
      last = (await this.targets(name)).find((t) => t.instanceId === instanceId);
      opts.onProgress?.(last ? describeTarget(last) : 'not registered', Date.now() - started);
      if (last?.state === 'AVAILABLE') return last;
      if (Date.now() - started >= maxWaitSeconds * 1000) break;
      await sleep(this.#o.pollMs, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
    }
    const seen = last ? describeTarget(last) : 'not registered';
    throw new EnvironmentError(`RDS Proxy ${name}: target ${instanceId} is ${seen} after ${maxWaitSeconds} s, not AVAILABLE.`, {
      hint: targetRemedy(last?.reason),
      kind: 'unreachable',
      details: { proxy: name, target: instanceId, state: last?.state, reason: last?.reason, description: last?.description },
    });
  }

  /** The proxy's endpoint with the target's user, database and password; TLS always (RequireTLS). */
  async connection(name: string): Promise<PoolerConnection> {
    const p = await this.#requireProxy(name);
    const target = (await this.targets(name))[0]?.instanceId;
    if (!target)
      throw new EnvironmentError(`RDS Proxy ${name} has no target registered.`, {
        hint: 'Register the primary: `aws rds register-db-proxy-targets` (runbooks/switchover.md, SO-8).',
      });
    const info = await this.#o.base.connectionInfo(target);
    return {
      host: p.Endpoint ?? '',
      port: 5432,
      user: info.user,
      database: info.database,
      ...(info.password ? { password: info.password } : {}),
      ssl: this.#o.caBundle ? 'verify-full' : 'require',
    };
  }

  /**
   * provision apply (PV-11): creates the proxy in front of `input.targetId` when missing,
   * registers the target, and waits for it to be healthy.
   */
  async ensure(input: EnsurePoolerInput): Promise<PoolerState> {
    let proxy = await this.#proxy(input.name);
    if (!proxy) {
      const db = await this.#db(input.targetId);
      proxy = await this.#create(input, db);
    }
    await this.#waitProxyAvailable(input.name);
    const targets = await this.targets(input.name);
    if (!targets.some((t) => t.instanceId === input.targetId)) await this.#register(input.name, [input.targetId]);
    await this.waitHealthy(input.name, input.targetId, { maxWaitSeconds: this.#o.maxWaitSeconds });
    return this.#state((await this.#proxy(input.name)) ?? proxy, await this.targets(input.name));
  }

  async #db(id: string): Promise<DBInstance> {
    const out = await this.#o.caller.call({ operation: 'DescribeDBInstances', service: 'rds', instanceId: id }, () =>
      this.#o.rds().describeDBInstances({ DBInstanceIdentifier: id }),
    );
    const db = out.DBInstances?.[0];
    if (!db)
      throw new NotFoundError(`DB instance ${id} not found in ${this.#o.caller.region}.`, {
        hint: 'Run `dbops provision apply` so the database exists first.',
      });
    return db;
  }

  async #create(input: EnsurePoolerInput, db: DBInstance): Promise<DBProxy> {
    checkProxyInput(input, db);
    const roleArn =
      input.roleArn ??
      (
        await this.roles.ensure({
          dbId: db.DBInstanceIdentifier ?? input.targetId,
          secretArn: db.MasterUserSecret?.SecretArn ?? '',
          ...(db.MasterUserSecret?.KmsKeyId ? { kmsKeyId: db.MasterUserSecret.KmsKeyId } : {}),
          tags: input.tags,
        })
      ).arn;
    const request = createProxyRequest(input, db, roleArn);
    const out = await this.#o.caller.call({ operation: 'CreateDBProxy', service: 'rds', subject: `RDS Proxy ${input.name}` }, () =>
      this.#o.rds().createDBProxy(request),
    );
    if (!out.DBProxy) throw new EnvironmentError('AWS CreateDBProxy returned no proxy.');
    return out.DBProxy;
  }

  async #waitProxyAvailable(name: string): Promise<void> {
    const started = Date.now();
    for (;;) {
      const p = await this.#requireProxy(name);
      if (p.Status === 'available') return;
      if (p.Status && !['creating', 'modifying'].includes(p.Status)) {
        throw new EnvironmentError(`RDS Proxy ${name} is ${p.Status}; it will not become available.`, {
          hint: 'Look at the proxy in the RDS console; `aws rds describe-db-proxies` shows its status.',
        });
      }
      if (Date.now() - started >= this.#o.maxWaitSeconds * 1000) {
        throw new EnvironmentError(`Gave up waiting for RDS Proxy ${name} to become available (last status: ${p.Status ?? 'unknown'}).`, {
          hint: 'It may still get there: check again later, or increase aws.maxWaitMinutes.',
        });
      }
      await sleep(this.#o.pollMs);
    }
  }

  async stop(name: string): Promise<void> {
    throw new UsageError(`RDS Proxy ${name} cannot be stopped; it runs while it exists.`, {
      hint: 'Deregister its target or delete it in the RDS console.',
      kind: 'unsupported',
    });
  }

  /**
   * provision destroy: DeleteDBProxy, a wait until it is gone, then its IAM role
   * (DeleteRolePolicy, DeleteRole) when dbops created that role; a role given in
   * connectionPool.roleArn is not dbops' and stays.
   */
  async remove(name: string): Promise<void> {
    const p = await this.#proxy(name);
    if (!p) return;
    await this.#o.caller
      .call({ operation: 'DeleteDBProxy', service: 'rds', subject: `RDS Proxy ${name}`, expect: PROXY_NOT_FOUND }, () =>
        this.#o.rds().deleteDBProxy({ DBProxyName: name }),
      )
      .catch((e: unknown) => {
        if (!isAwsCode(e, ...PROXY_NOT_FOUND)) throw e;
      });
    const started = Date.now();
    while (await this.#proxy(name)) {
      if (Date.now() - started >= this.#o.maxWaitSeconds * 1000) {
        throw new EnvironmentError(`Gave up waiting for RDS Proxy ${name} to be deleted.`, {
          hint: 'It may still go: run `dbops provision destroy` again later, or increase aws.maxWaitMinutes.',
        });
      }
      await sleep(this.#o.pollMs);
    }
    if (p.RoleArn) await this.roles.remove(roleNameOf(p.RoleArn));
  }
}

function subnetsOf(db: DBInstance): string[] {
  return (db.DBSubnetGroup?.Subnets ?? []).flatMap((s) => (s.SubnetIdentifier ? [s.SubnetIdentifier] : []));
}

/**
 * Bad input for a proxy in front of `db` (no RDS-managed secret, fewer than two subnets):
 * a UsageError naming what to set, before anything (the IAM role included) is created. Pure.
 */
export function checkProxyInput(input: EnsurePoolerInput, db: DBInstance): void {
  const id = db.DBInstanceIdentifier ?? input.targetId;
  if (!db.MasterUserSecret?.SecretArn) {
    throw new UsageError(`RDS Proxy needs the master password of ${id} in Secrets Manager, and ${id} has none managed by RDS.`, {
      hint: 'Turn on RDS-managed master passwords (ManageMasterUserPassword) for the instance, then run `dbops provision apply` again.',
    });
  }
  const subnets = subnetsOf(db);
  if (subnets.length < 2) {
    throw new UsageError(`RDS Proxy needs at least two subnets, and ${id}'s subnet group lists ${subnets.length}.`, {
      hint: `Give ${id} a DB subnet group with subnets in two Availability Zones (database.subnetGroup).`,
    });
  }
}

/**
 * The CreateDBProxy request for a database: PostgreSQL engine family, its RDS-managed
 * master secret, the IAM role (connectionPool.roleArn, or the one dbops created), its
 * subnets and security groups, TLS required, tagged as dbops'. Bad input is a UsageError
 * (checkProxyInput). Pure.
 */
export function createProxyRequest(input: EnsurePoolerInput, db: DBInstance, roleArn: string) {
  checkProxyInput(input, db);
  const id = db.DBInstanceIdentifier ?? input.targetId;
  const secretArn = db.MasterUserSecret?.SecretArn ?? '';
  const subnets = subnetsOf(db);
  const securityGroups = (db.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : []));
  return {
    DBProxyName: input.name,
    EngineFamily: 'POSTGRESQL' as const,
    Auth: [{ AuthScheme: 'SECRETS' as const, SecretArn: secretArn, IAMAuth: 'DISABLED' as const, Description: `master user of ${id}` }],
    RoleArn: roleArn,
    VpcSubnetIds: subnets,
    ...(securityGroups.length ? { VpcSecurityGroupIds: securityGroups } : {}),
    RequireTLS: input.requireTls,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}
