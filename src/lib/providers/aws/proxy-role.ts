/**
 * The IAM role RDS Proxy reads the database's master secret with (provision apply, PV-11,
 * when connectionPool.roleArn is not given): `<db>-proxy-role`, trusted by
 * rds.amazonaws.com, tagged as dbops' (dbops:managed=true plus the config's tags), with
 * one inline policy allowing secretsmanager:GetSecretValue on that secret only (and
 * kms:Decrypt of its KMS key through Secrets Manager, when the key is known).
 *
 * Idempotent: GetRole first; a role dbops created is used as it is (no IAM write), a role
 * of that name dbops did not create is never modified (name it in connectionPool.roleArn
 * to use it). Deletion (provision destroy, after the proxy) only touches a dbops role.
 *
 * IAM error codes stay here: they become DbopsErrors with a kind.
 */
import type { Role, Tag } from '@aws-sdk/client-iam';
import { ConflictError, UsageError } from '../../errors.js';
import { proxyRoleName, roleNameOf, type PoolRole } from '../failover-types.js';
import { TAG, type Tags } from '../types.js';
import { withManagedTag } from './convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';
import type { IamApi } from './sdk.js';

/** The inline policy dbops puts on the role. */
export const PROXY_ROLE_POLICY = 'dbops-proxy-secret-access';
const ROLE_NOT_FOUND = ['NoSuchEntity'];
/** IAM's limit on a role name. */
const MAX_ROLE_NAME = 64;

export { proxyRoleName, roleNameOf };

/** Trust policy: only RDS may assume the role. Pure. */
export function proxyTrustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * The ARN of the secret's KMS key, when it can be known: an ARN as given, a bare key id
 * completed with the secret's partition, region and account; an alias or nothing: undefined. Pure.
 */
export function kmsKeyArn(secretArn: string, kmsKeyId: string | undefined): string | undefined {
  if (!kmsKeyId) return undefined;
  if (kmsKeyId.startsWith('arn:')) return kmsKeyId.includes(':alias/') ? undefined : kmsKeyId;
  if (kmsKeyId.startsWith('alias/')) return undefined;
  const [, partition, , region, account] = secretArn.split(':');
  if (!partition || !region || !account) return undefined;
  return `arn:${partition}:kms:${region}:${account}:key/${kmsKeyId}`;
}

/** The inline policy: GetSecretValue on the one secret; kms:Decrypt of its key via Secrets Manager only. Pure. */
export function proxySecretPolicy(secretArn: string, keyArn: string | undefined): string {
  const region = secretArn.split(':')[3] ?? '';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
      ...(keyArn
        ? [
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: keyArn,
              Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
            },
          ]
        : []),
    ],
  });
}

function isDbopsRole(role: Role | undefined): boolean {
  return (role?.Tags ?? []).some((t) => t.Key === TAG.managed && t.Value === 'true');
}

function toIamTags(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export interface ProxyRoleInput {
  dbId: string;
  secretArn: string;
  kmsKeyId?: string;
  tags: Tags;
}

/** What ensureProxyRole did. */
export interface ProxyRoleResult {
  arn: string;
  created: boolean;
}

export class ProxyRoles {
  constructor(
    private readonly caller: ProvisionCaller,
    private readonly iam: () => IamApi,
  ) {}

  /** The role by name; undefined when it does not exist. */
  async find(name: string): Promise<Role | undefined> {
    try {
      const out = await this.caller.call(
        { operation: 'GetRole', service: 'iam', subject: `IAM role ${name}`, expect: ROLE_NOT_FOUND },
        () => this.iam().getRole({ RoleName: name }),
      );
      return out.Role;
    } catch (e) {
      if (isAwsCode(e, ...ROLE_NOT_FOUND)) return undefined;
      throw e;
    }
  }

  /** The role as the plan shows it; undefined when it does not exist. */
  async describe(name: string): Promise<PoolRole | undefined> {
    const r = await this.find(name);
    return r ? { name, arn: r.Arn ?? '', managed: isDbopsRole(r) } : undefined;
  }

  /** Whether the role named `name` exists and was created by dbops (its dbops:managed tag). */
  async isDbops(name: string): Promise<boolean> {
    return isDbopsRole(await this.find(name));
  }

  /** `<db>-proxy-role`: used when dbops made it, created (role, then its policy) when missing, refused when someone else's. */
  async ensure(input: ProxyRoleInput): Promise<ProxyRoleResult> {
    const name = proxyRoleName(input.dbId);
    if (name.length > MAX_ROLE_NAME) {
      throw new UsageError(`The RDS Proxy role name ${name} is longer than IAM's ${MAX_ROLE_NAME} characters.`, {
        hint: 'Create the role yourself (docs/failover.md, On AWS) and put its ARN in connectionPool.roleArn.',
      });
    }
    const existing = await this.find(name);
    if (existing) {
      if (!isDbopsRole(existing)) {
        throw new ConflictError(
          `IAM role ${name} exists and was not created by dbops (no ${TAG.managed}=true tag); dbops does not modify it.`,
          {
            hint: `To use it for the proxy, set connectionPool.roleArn: ${existing.Arn ?? name}; otherwise delete or rename it.`,
            kind: 'already-exists',
          },
        );
      }
      return { arn: existing.Arn ?? '', created: false };
    }
    const out = await this.caller.call({ operation: 'CreateRole', service: 'iam', subject: `IAM role ${name}` }, () =>
      this.iam().createRole({
        RoleName: name,
        AssumeRolePolicyDocument: proxyTrustPolicy(),
        Description: `RDS Proxy of ${input.dbId} reads its master secret (created by dbops)`,
        Tags: toIamTags(withManagedTag(input.tags)),
      }),
    );
    await this.caller.call({ operation: 'PutRolePolicy', service: 'iam', subject: `IAM role ${name}` }, () =>
      this.iam().putRolePolicy({
        RoleName: name,
        PolicyName: PROXY_ROLE_POLICY,
        PolicyDocument: proxySecretPolicy(input.secretArn, kmsKeyArn(input.secretArn, input.kmsKeyId)),
      }),
    );
    return { arn: out.Role?.Arn ?? '', created: true };
  }

  /** Deletes the role (its inline policy first) when dbops created it; says whether it did. */
  async remove(name: string): Promise<boolean> {
    if (!(await this.isDbops(name))) return false;
    try {
      await this.caller.call({ operation: 'DeleteRolePolicy', service: 'iam', subject: `IAM role ${name}`, expect: ROLE_NOT_FOUND }, () =>
        this.iam().deleteRolePolicy({ RoleName: name, PolicyName: PROXY_ROLE_POLICY }),
      );
    } catch (e) {
      if (!isAwsCode(e, ...ROLE_NOT_FOUND)) throw e;
    }
    try {
      await this.caller.call({ operation: 'DeleteRole', service: 'iam', subject: `IAM role ${name}`, expect: ROLE_NOT_FOUND }, () =>
        this.iam().deleteRole({ RoleName: name }),
      );
    } catch (e) {
      if (!isAwsCode(e, ...ROLE_NOT_FOUND)) throw e;
    }
    return true;
  }
}
