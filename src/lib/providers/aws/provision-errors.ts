/**
 * Every provisioning SDK call goes through `ProvisionCaller.call`: the error codes the
 * provisioning code expects (not found, duplicate rule, dependency still attached) come
 * back as `AwsCodeError` to the caller that asked for them; everything else is mapped by
 * the adapter's one mapping (errors.ts, mapAwsError), naming this service's endpoint.
 */
import { ConflictError, EnvironmentError } from '../../errors.js';
import { awsErrorCode, mapAwsError, type AwsService } from './errors.js';

export interface ProvisionCallFacts {
  operation: string;
  service: AwsService;
  /** What the call is about, for messages: "security group recipe-db-sg". */
  subject?: string;
  /** Error codes (without Fault/Exception) the caller handles itself. */
  expect?: readonly string[];
  /** The instance the call names (RDS messages). */
  instanceId?: string;
}

/** An AWS error whose code the caller said it expects. */
export class AwsCodeError extends Error {
  constructor(
    readonly awsCode: string,
    readonly original: unknown,
  ) {
    super(awsCode);
  }
}

export function isAwsCode(e: unknown, ...codes: string[]): e is AwsCodeError {
  return e instanceof AwsCodeError && codes.includes(e.awsCode);
}

export interface ProvisionCaller {
  readonly region: string;
  call<T>(facts: ProvisionCallFacts, fn: () => Promise<T>): Promise<T>;
}

export function provisionCaller(region: string, opts: { endpointUrl?: string; maxAttempts: number }): ProvisionCaller {
  return {
    region,
    async call(facts, fn) {
      try {
        return await fn();
      } catch (e) {
        const code = e instanceof Error ? awsErrorCode(e as Error & { Code?: string }) : '';
        if (facts.expect?.includes(code)) throw new AwsCodeError(code, e);
        if (code === 'InvalidGroup.Duplicate' || code === 'DuplicateRecord' || code === 'ResourceExists') {
          throw new ConflictError(`${facts.subject ?? facts.operation} already exists in ${region}.`, {
            hint: 'Delete the existing one, or change the name in the config.',
            cause: e,
            kind: 'already-exists',
          });
        }
        if (code === 'DependencyViolation') {
          throw new EnvironmentError(`${facts.subject ?? 'The resource'} is still in use, so ${facts.operation} failed.`, {
            hint: 'Something still uses it (a database, cache or network interface); retry when that is gone.',
            cause: e,
            kind: 'in-use',
          });
        }
        throw mapAwsError(e, {
          operation: facts.operation,
          service: facts.service,
          region,
          ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
          maxAttempts: opts.maxAttempts,
          ...(facts.instanceId ? { instanceId: facts.instanceId } : {}),
        });
      }
    },
  };
}
