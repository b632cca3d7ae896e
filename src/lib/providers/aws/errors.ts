/**
 * AWS error -> dbops error, in one place. Every SDK call the adapter makes goes through
 * `mapAwsError`, so the user meets one clear sentence and a hint, never an SDK stack;
 * the original error stays in `cause` for `--verbose`.
 */
import {
  ConflictError,
  type DbopsError,
  EnvironmentError,
  NotFoundError,
  isDbopsError,
  messageOf,
  type PortErrorKind,
} from '../../errors.js';
import { FREE_TIER_ENDPOINT } from './usage-freetier.js';

/** AWS endpoint prefixes of the services dbops calls (they name the endpoint in messages). */
export type AwsService =
  | 'rds'
  | 'monitoring'
  | 'secretsmanager'
  | 'ec2'
  | 'elasticache'
  | 'sns'
  | 'budgets'
  | 'sts'
  | 'lambda'
  | 'ce'
  | 'iam'
  | 'ssm'
  | 'ecs'
  | 'logs'
  | 'states'
  | 'scheduler'
  | 'freetier';

/** The global services' endpoints (whatever the region). */
const GLOBAL_ENDPOINTS: Partial<Record<AwsService, string>> = {
  budgets: 'https://budgets.amazonaws.com',
  ce: 'https://ce.us-east-1.amazonaws.com',
  iam: 'https://iam.amazonaws.com',
  freetier: FREE_TIER_ENDPOINT,
};

/** What the adapter was doing when a call failed: enough to name things in the message. */
export interface AwsCallContext {
  /** The AWS operation, e.g. "DescribeDBInstances". */
  operation: string;
  service: AwsService;
  region: string;
  endpointUrl?: string;
  maxAttempts: number;
  /** An existing instance the call names (NotFound, InvalidState messages). */
  instanceId?: string;
  /** An existing snapshot the call names. */
  snapshotId?: string;
  /** The instance the call creates (AlreadyExists messages). */
  newInstanceId?: string;
  /** The snapshot the call creates. */
  newSnapshotId?: string;
  /** An existing Aurora cluster the call names. */
  clusterId?: string;
  /** The cluster the call creates. */
  newClusterId?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'PriorRequestNotComplete',
  'SlowDown',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'NotAuthorized', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
]);

interface AwsLikeError {
  name: string;
  message: string;
  code?: string;
  Code?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  errors?: unknown[];
  cause?: unknown;
}

function asAwsLike(e: unknown): AwsLikeError {
  if (e instanceof Error) return e as Error & AwsLikeError;
  return { name: 'Error', message: String(e) };
}

/** The error's code without the SDK's "Fault"/"Exception" class suffix. */
export function awsErrorCode(e: AwsLikeError): string {
  return (e.Code ?? e.name).replace(/(Fault|Exception)$/, '');
}

/** The URL we tell the user we could not reach. */
export function endpointOf(ctx: Pick<AwsCallContext, 'service' | 'region' | 'endpointUrl'>): string {
  return ctx.endpointUrl ?? GLOBAL_ENDPOINTS[ctx.service] ?? `https://${ctx.service}.${ctx.region}.amazonaws.com`;
}

function networkCode(e: AwsLikeError): string | undefined {
  const candidates: unknown[] = [e, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const c of candidates) {
    const code = (c as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return e.name === 'TimeoutError' ? 'TimeoutError' : undefined;
}

function isCredentialsError(e: AwsLikeError): boolean {
  return e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message);
}

function details(e: AwsLikeError, ctx: AwsCallContext): Record<string, unknown> {
  return {
    awsError: e.name,
    operation: ctx.operation,
    region: ctx.region,
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
    ...(e.$metadata?.httpStatusCode ? { httpStatus: e.$metadata.httpStatusCode } : {}),
  };
}

/** The NotFoundError for a DB instance, whether AWS said so or returned an empty list. */
export function instanceNotFound(
  id: string,
  region: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): NotFoundError {
  return new NotFoundError(`DB instance ${id} not found in ${region}.`, {
    hint: 'List the instances with `dbops instances` (and check --region).',
    kind: 'not-found',
    ...options,
  });
}

/** The NotFoundError for a DB snapshot. */
export function snapshotNotFound(
  id: string,
  region: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): NotFoundError {
  return new NotFoundError(`DB snapshot ${id} not found in ${region}.`, {
    hint: 'List the snapshots with `dbops snapshot list` (and check --region).',
    kind: 'not-found',
    ...options,
  });
}

/** The NotFoundError for an Aurora cluster. */
export function clusterNotFound(
  id: string,
  region: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): NotFoundError {
  return new NotFoundError(`DB cluster ${id} not found in ${region}.`, {
    hint: 'List the databases with `dbops instances` (clusters are listed with their members; check --region).',
    kind: 'not-found',
    ...options,
  });
}

/** The NotFoundError for a DB cluster snapshot. */
export function clusterSnapshotNotFound(
  id: string,
  region: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): NotFoundError {
  return new NotFoundError(`DB cluster snapshot ${id} not found in ${region}.`, {
    hint: 'List the snapshots with `dbops snapshot list` (and check --region).',
    kind: 'not-found',
    ...options,
  });
}

function notFound(code: string, e: AwsLikeError, ctx: AwsCallContext): DbopsError | undefined {
  const options = { cause: e, details: details(e, ctx) };
  if (code === 'DBInstanceNotFound') return instanceNotFound(ctx.instanceId ?? ctx.newInstanceId ?? '(unknown)', ctx.region, options);
  if (code === 'DBSnapshotNotFound') return snapshotNotFound(ctx.snapshotId ?? ctx.newSnapshotId ?? '(unknown)', ctx.region, options);
  if (code === 'DBClusterNotFound') return clusterNotFound(ctx.clusterId ?? ctx.newClusterId ?? '(unknown)', ctx.region, options);
  if (code === 'DBClusterSnapshotNotFound')
    return clusterSnapshotNotFound(ctx.snapshotId ?? ctx.newSnapshotId ?? '(unknown)', ctx.region, options);
  if (code === 'DBInstanceAutomatedBackupNotFound') {
    return new NotFoundError(`No automated backups of ${ctx.instanceId ?? '(unknown)'} in ${ctx.region}.`, {
      hint: 'Turn on snapshots.crossRegion.replicateAutomatedBackups and run `dbops provision apply` (runbooks/automated-backups.md).',
      kind: 'not-found',
      ...options,
    });
  }
  return undefined;
}

function alreadyExists(code: string, e: AwsLikeError, ctx: AwsCallContext): DbopsError | undefined {
  if (!code.endsWith('AlreadyExists')) return undefined;
  const opts = {
    cause: e,
    details: details(e, ctx),
    hint: 'Choose another id, or delete the existing one first.',
    kind: 'already-exists' as const,
  };
  if (code === 'DBInstanceAlreadyExists' && ctx.newInstanceId) {
    return new ConflictError(`DB instance ${ctx.newInstanceId} already exists in ${ctx.region}.`, opts);
  }
  if (code === 'DBSnapshotAlreadyExists' && ctx.newSnapshotId) {
    return new ConflictError(`DB snapshot ${ctx.newSnapshotId} already exists in ${ctx.region}.`, opts);
  }
  if (code === 'DBClusterAlreadyExists' && ctx.newClusterId) {
    return new ConflictError(`DB cluster ${ctx.newClusterId} already exists in ${ctx.region}.`, opts);
  }
  if (code === 'DBClusterSnapshotAlreadyExists' && ctx.newSnapshotId) {
    return new ConflictError(`DB cluster snapshot ${ctx.newSnapshotId} already exists in ${ctx.region}.`, opts);
  }
  return new ConflictError(`${ctx.operation} failed: ${e.message || code}`, opts);
}

function refused(code: string, e: AwsLikeError, ctx: AwsCallContext): DbopsError | undefined {
  const opts = (hint: string, kind?: PortErrorKind) => ({ cause: e, details: details(e, ctx), hint, ...(kind ? { kind } : {}) });
  if (THROTTLING.has(code) || e.$retryable?.throttling) {
    return new EnvironmentError(
      `AWS kept throttling ${ctx.operation} in ${ctx.region}, even after ${ctx.maxAttempts} attempts.`,
      opts('Wait a minute and retry, or raise aws.maxAttempts in the config.', 'throttled'),
    );
  }
  if (ACCESS_DENIED.has(code)) {
    return new EnvironmentError(
      `AWS denied ${ctx.operation} in ${ctx.region} to these credentials.`,
      opts('Grant the IAM principal this permission (see the message with --verbose), or use another --profile.', 'access-denied'),
    );
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new EnvironmentError(
      `AWS rejected the credentials (${code}).`,
      opts('Refresh them (`aws sso login`, new keys), or check AWS_PROFILE / --profile.', 'bad-credentials'),
    );
  }
  if (code === 'SnapshotQuotaExceeded') {
    return new EnvironmentError(
      `The account has reached its manual DB snapshot quota in ${ctx.region}.`,
      opts('Delete old manual snapshots (see `dbops snapshot list`) or request a higher quota in Service Quotas.', 'quota-exceeded'),
    );
  }
  if (code === 'InvalidDBInstanceState') {
    const id = ctx.instanceId ?? ctx.newInstanceId ?? 'the DB instance';
    return new EnvironmentError(
      `DB instance ${id} is not in a state that allows ${ctx.operation}: ${e.message}`,
      opts('Wait until it is available (`dbops instances`), then retry.', 'state-conflict'),
    );
  }
  if (code === 'InvalidDBSnapshotState') {
    const id = ctx.snapshotId ?? 'the DB snapshot';
    return new EnvironmentError(
      `DB snapshot ${id} is not in a state that allows ${ctx.operation}: ${e.message}`,
      opts('Wait until it is available (`dbops snapshot list`), then retry.', 'state-conflict'),
    );
  }
  if (code === 'InvalidDBClusterState') {
    const id = ctx.clusterId ?? ctx.newClusterId ?? 'the DB cluster';
    return new EnvironmentError(
      `DB cluster ${id} is not in a state that allows ${ctx.operation}: ${e.message}`,
      opts('Wait until it is available (`dbops instances`), then retry.', 'state-conflict'),
    );
  }
  if (code === 'InvalidDBClusterSnapshotState') {
    const id = ctx.snapshotId ?? 'the DB cluster snapshot';
    return new EnvironmentError(
      `DB cluster snapshot ${id} is not in a state that allows ${ctx.operation}: ${e.message}`,
      opts('Wait until it is available (`dbops snapshot list`), then retry.', 'state-conflict'),
    );
  }
  if (code === 'KMSKeyNotAccessible') {
    return new EnvironmentError(
      `The KMS key for ${ctx.operation} is not accessible in ${ctx.region}.`,
      opts(`Check that the key exists in ${ctx.region}, is enabled, and its key policy lets these credentials use it.`),
    );
  }
  return undefined;
}

const UNSUPPORTED = new Set(['NotImplemented', 'UnknownOperation', 'InvalidAction', 'UnsupportedOperation']);

/**
 * An answer that is not an AWS response (an HTML page from a proxy, a login portal or an
 * emulator that does not implement the call), or an AWS "no such operation": one
 * sentence, never the SDK's multi-line deserialization text.
 */
function unsupported(code: string, e: AwsLikeError, ctx: AwsCallContext): DbopsError | undefined {
  const html = /text\/html/i.test(e.$response?.headers?.['content-type'] ?? '') || /Unexpected token '<'|<!doctype|<html/i.test(e.message);
  const unreadable = e.name === 'SyntaxError' || /Deserialization error/i.test(e.message);
  if (!html && !unreadable && !UNSUPPORTED.has(code)) return undefined;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const what = html ? 'an HTML page' : unreadable ? 'something dbops cannot read' : `${code}`;
  const message =
    UNSUPPORTED.has(code) && !html
      ? `The endpoint ${endpointOf(ctx)} does not implement ${ctx.operation} (${code}).`
      : `The endpoint ${endpointOf(ctx)} answered ${ctx.operation} with ${what}${status ? ` (HTTP ${status})` : ''}, not an AWS response.`;
  return new EnvironmentError(message, {
    hint: `Check --endpoint-url / AWS_ENDPOINT_URL: it must be an AWS API endpoint (or an emulator such as LocalStack or moto), not a web page or a proxy; an emulator may not implement ${ctx.operation}.`,
    cause: e,
    details: details(e, ctx),
    kind: 'unsupported',
  });
}

function environment(e: AwsLikeError, ctx: AwsCallContext): DbopsError | undefined {
  if (isCredentialsError(e)) {
    return new EnvironmentError('No AWS credentials found.', {
      hint: 'Set AWS_PROFILE or pass --profile, run `aws configure`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
      cause: e,
      kind: 'bad-credentials',
    });
  }
  if (/Region is missing/i.test(e.message)) {
    return new EnvironmentError('No AWS region is set.', {
      hint: 'Pass --region, set `region` in the config, or export AWS_REGION.',
      cause: e,
    });
  }
  const net = networkCode(e);
  if (net) {
    return new EnvironmentError(`Cannot reach the AWS endpoint ${endpointOf(ctx)}.`, {
      hint: 'Check the network (DNS, proxy, VPN) and --endpoint-url / AWS_ENDPOINT_URL; for LocalStack, check that it is running.',
      cause: e,
      details: { ...details(e, ctx), network: net },
      kind: 'unreachable',
    });
  }
  return undefined;
}

/**
 * Maps anything an SDK call threw to a dbops error. dbops errors pass through unchanged;
 * an unknown AWS error becomes an EnvironmentError naming the AWS error and its message.
 */
export function mapAwsError(thrown: unknown, ctx: AwsCallContext): DbopsError {
  if (isDbopsError(thrown)) return thrown;
  const e = asAwsLike(thrown);
  const code = awsErrorCode(e);
  return (
    environment(e, ctx) ??
    unsupported(code, e, ctx) ??
    notFound(code, e, ctx) ??
    alreadyExists(code, e, ctx) ??
    refused(code, e, ctx) ??
    new EnvironmentError(`AWS ${ctx.operation} failed in ${ctx.region}: ${e.name}: ${messageOf(thrown)}`, {
      hint: 'Run with --verbose for the AWS request id and details.',
      cause: thrown,
      details: details(e, ctx),
    })
  );
}
