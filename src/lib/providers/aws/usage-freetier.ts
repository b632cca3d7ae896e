/**
 * The AWS Free Tier API (GetFreeTierUsage, GetAccountPlanState). No SDK client package for
 * it is published on the registry dbops installs from, so this sends the JSON 1.0 requests
 * itself: signed by @smithy/signature-v4 (the SDK's own signer), credentials from the
 * SDK's default chain (@aws-sdk/credential-provider-node, honouring --profile), and
 * throttling and 5xx answers retried like the SDK does, up to aws.maxAttempts. Errors are
 * shaped like SDK errors (name, $metadata, $retryable) so mapAwsError maps them.
 *
 * Wire format (botocore freetier 2023-09-07): POST / with
 * `X-Amz-Target: AWSFreeTierService.<Operation>`, `Content-Type: application/x-amz-json-1.0`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';

/** The signer's request shape (@smithy/types' HttpRequest, named through the package dbops depends on). */
type HttpRequest = Parameters<SignatureV4['presign']>[0];

export const FREE_TIER_ENDPOINT = 'https://freetier.us-east-1.api.aws';
const SIGNING = { service: 'freetier', region: 'us-east-1', targetPrefix: 'AWSFreeTierService' } as const;

/** A GetFreeTierUsage row as the API sends it. */
export interface FreeTierUsageWire {
  service?: string;
  operation?: string;
  usageType?: string;
  region?: string;
  actualUsageAmount?: number;
  forecastedUsageAmount?: number;
  limit?: number;
  unit?: string;
  description?: string;
  freeTierType?: string;
}

export interface GetFreeTierUsageOutput {
  freeTierUsages?: FreeTierUsageWire[];
  nextToken?: string;
}

export interface GetAccountPlanStateOutput {
  accountId?: string;
  accountPlanType?: string;
  accountPlanStatus?: string;
  accountPlanRemainingCredits?: { amount?: number; unit?: string };
  /** ISO date-time (the model's timestampFormat), or epoch seconds. */
  accountPlanExpirationDate?: string | number;
}

/** The Free Tier API calls dbops makes. */
export interface FreeTierApi {
  getFreeTierUsage(input: { nextToken?: string; maxResults?: number }): Promise<GetFreeTierUsageOutput>;
  getAccountPlanState(): Promise<GetAccountPlanStateOutput>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface FreeTierClientOptions {
  profile?: string;
  /** --endpoint-url; the real endpoint otherwise. */
  endpointUrl?: string;
  maxAttempts: number;
  /** Tests: a credential provider instead of the default chain. */
  credentials?: () => Promise<Credentials>;
  /** Tests: a fetch that answers without a network. */
  fetch?: typeof fetch;
  /** Tests: no real back-off sleeps. */
  sleep?: (ms: number) => Promise<void>;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(new Uint8Array(data));
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer asks for. */
export class NodeSha256 {
  readonly #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

interface WireError extends Error {
  $metadata: { httpStatusCode?: number; requestId?: string };
  $retryable?: { throttling?: boolean };
}

/** "com.amazonaws.freetier#AccessDeniedException" or "AccessDeniedException:http://..." -> "AccessDeniedException". */
export function errorCode(typeField: string | undefined, header: string | null, status: number): string {
  const raw = typeField ?? header ?? '';
  const code = raw.split(':')[0]!.split('#').pop()!;
  return code || (status === 429 ? 'ThrottlingException' : `HTTP${status}`);
}

function wireError(status: number, body: string, headers: Headers): WireError {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // not JSON: the status says enough
  }
  const code = errorCode(parsed.__type, headers.get('x-amzn-errortype'), status);
  const e = new Error(parsed.message ?? parsed.Message ?? `HTTP ${status}`) as WireError;
  e.name = code;
  e.$metadata = { httpStatusCode: status, requestId: headers.get('x-amzn-requestid') ?? undefined };
  if (THROTTLING.has(code) || status === 429) e.$retryable = { throttling: true };
  return e;
}

function retryable(e: unknown): boolean {
  const w = e as Partial<WireError>;
  const status = w.$metadata?.httpStatusCode;
  if (status !== undefined) return Boolean(w.$retryable?.throttling) || status >= 500;
  return e instanceof TypeError; // fetch's network failure
}

function backoffMs(attempt: number): number {
  return Math.min(20_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

export function createFreeTierClient(opts: FreeTierClientOptions): FreeTierApi {
  const endpoint = new URL(opts.endpointUrl ?? FREE_TIER_ENDPOINT);
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? delay;
  let credentials: (() => Promise<Credentials>) | undefined = opts.credentials;
  let signer: Promise<SignatureV4> | undefined;

  const getSigner = () => {
    signer ??= (async () => {
      if (!credentials) {
        const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
        credentials = defaultProvider(opts.profile ? { profile: opts.profile } : {});
      }
      const { SignatureV4: Signer } = await import('@smithy/signature-v4');
      return new Signer({ service: SIGNING.service, region: SIGNING.region, credentials, sha256: NodeSha256 });
    })();
    return signer;
  };

  async function once<T>(operation: string, body: string): Promise<T> {
    const request: HttpRequest = {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname || '/',
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${SIGNING.targetPrefix}.${operation}`,
      },
      body,
    };
    const signed = await (await getSigner()).sign(request);
    const { host: _host, ...headers } = signed.headers;
    const res = await doFetch(endpoint, { method: 'POST', headers, body });
    const text = await res.text();
    if (!res.ok) throw wireError(res.status, text, res.headers);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async function call<T>(operation: string, input: object): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await once<T>(operation, body);
      } catch (e) {
        if (attempt >= opts.maxAttempts || !retryable(e)) throw e;
        await sleep(backoffMs(attempt));
      }
    }
  }

  return {
    getFreeTierUsage: (input) => call('GetFreeTierUsage', input),
    getAccountPlanState: () => call('GetAccountPlanState', {}),
  };
}
