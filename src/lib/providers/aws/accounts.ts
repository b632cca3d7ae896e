/**
 * Another account's credentials for a fleet: STS AssumeRole with the caller's own
 * credentials (the chain, --profile), cached until five minutes before they expire.
 * AWS errors are mapped here, so a role that cannot be assumed reaches the fleet as a typed
 * port error naming the account and the role, never as an AWS error code.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { EnvironmentError, isDbopsError } from '../../errors.js';
import { mapAwsError } from './errors.js';
import type { StsApi } from './sdk.js';

export interface AssumeRoleRequest {
  /** The 12-digit account, for messages. */
  accountId: string;
  roleArn: string;
  externalId?: string;
  /** RoleSessionName: shows in the account's CloudTrail as who did what. */
  sessionName: string;
  /** One hour (STS' default, and the most a role-chained session may have). */
  durationSeconds?: number;
}

const REFRESH_BEFORE_MS = 5 * 60_000;

/** The STS AssumeRole input dbops sends for a fleet account. Pure. */
export function assumeRoleInput(r: AssumeRoleRequest): {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds: number;
  ExternalId?: string;
} {
  return {
    RoleArn: r.roleArn,
    RoleSessionName: r.sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
    DurationSeconds: r.durationSeconds ?? 3600,
    ...(r.externalId ? { ExternalId: r.externalId } : {}),
  };
}

/**
 * A credential provider for the SDK clients of one account: assumes the role on first use
 * and again shortly before the session expires. A failure names the account and role.
 */
export function assumedRoleCredentials(
  sts: StsApi,
  request: AssumeRoleRequest,
  context: { region: string; endpointUrl?: string; maxAttempts: number },
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    try {
      const out = await sts.assumeRole(assumeRoleInput(request));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
        accountId: request.accountId,
      };
    } catch (e) {
      const mapped = isDbopsError(e) ? e : mapAwsError(e, { operation: 'AssumeRole', service: 'sts', ...context });
      throw new EnvironmentError(`Cannot assume ${request.roleArn} in account ${request.accountId}: ${mapped.message}`, {
        hint: `The role's trust policy must allow this principal (and the external id, when the config sets one); \`aws sts assume-role --role-arn ${request.roleArn} --role-session-name test\` shows the same error.`,
        cause: e,
        ...(mapped.kind ? { kind: mapped.kind } : {}),
      });
    }
  };
  return async () => {
    const fresh = cached && (!cached.expiration || cached.expiration.getTime() - now() > REFRESH_BEFORE_MS);
    if (fresh && cached) return cached;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}
