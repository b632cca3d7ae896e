/**
 * The Free Tier API client: SigV4-signed JSON 1.0 over fetch, retries on throttling and
 * 5xx up to maxAttempts, errors shaped so the adapter's one mapping maps them.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../../src/lib/errors.js';
import { mapAwsError } from '../../../../src/lib/providers/aws/errors.js';
import { AwsClients } from '../../../../src/lib/providers/aws/sdk.js';
import { createFreeTierClient, errorCode } from '../../../../src/lib/providers/aws/usage-freetier.js';
import { toPlanState } from '../../../../src/lib/providers/aws/usage-convert.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token-1' };

/** A fetch answering from a list of responses, recording each request. */
function scriptedFetch(responses: (() => Response)[]): {
  fetch: typeof fetch;
  requests: { url: string; headers: Record<string, string>; body: string }[];
} {
  const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
  let i = 0;
  return {
    requests,
    fetch: async (url, init) => {
      requests.push({ url: String(url), headers: init?.headers as Record<string, string>, body: String(init?.body) });
      const next = responses[Math.min(i++, responses.length - 1)]!;
      return next();
    },
  };
}

const throttled = () => Response.json({ __type: 'com.amazonaws.freetier#ThrottlingException', message: 'Rate exceeded' }, { status: 400 });

describe('Free Tier API client', () => {
  it("a fleet account's pool signs with that account's assumed session, not the caller's credentials", async () => {
    const f = scriptedFetch([() => Response.json({ accountId: '222222222222', accountPlanType: 'FREE', accountPlanStatus: 'ACTIVE' })]);
    const pool = new AwsClients(
      { maxAttempts: 1, endpointUrl: 'http://127.0.0.1:4566', credentials: async () => ({ ...CREDS, accessKeyId: 'ASIAFLEET' }) },
      { fetch: f.fetch },
    );
    await pool.freeTier().getAccountPlanState();
    expect(f.requests[0]!.headers.authorization).toMatch(/Credential=ASIAFLEET\//);
    pool.destroy();
  });

  it('signs a JSON 1.0 request for freetier in us-east-1, with the session token, to the endpoint given', async () => {
    // GIVEN an endpoint override
    const f = scriptedFetch([() => Response.json({ accountId: '123456789012', accountPlanType: 'FREE', accountPlanStatus: 'ACTIVE' })]);
    const client = createFreeTierClient({
      endpointUrl: 'http://127.0.0.1:4566',
      maxAttempts: 3,
      credentials: async () => CREDS,
      fetch: f.fetch,
    });

    // WHEN
    const out = await client.getAccountPlanState();

    // THEN
    expect(out.accountPlanType).toBe('FREE');
    const req = f.requests[0]!;
    expect(req.url).toBe('http://127.0.0.1:4566/');
    expect(req.body).toBe('{}');
    expect(req.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AWSFreeTierService.GetAccountPlanState',
      'x-amz-security-token': 'token-1',
    });
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/freetier\/aws4_request/);
    expect(req.headers.host).toBeUndefined();
  });

  it('retries throttling and answers once AWS does', async () => {
    const f = scriptedFetch([throttled, throttled, () => Response.json({ freeTierUsages: [] })]);
    const sleeps: number[] = [];
    const client = createFreeTierClient({
      maxAttempts: 3,
      credentials: async () => CREDS,
      fetch: f.fetch,
      sleep: async (ms) => void sleeps.push(ms),
    });

    const out = await client.getFreeTierUsage({});

    expect(out).toEqual({ freeTierUsages: [] });
    expect(f.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after maxAttempts and throws an error the adapter maps to "kept throttling" (exit 3)', async () => {
    const f = scriptedFetch([throttled]);
    const client = createFreeTierClient({ maxAttempts: 2, credentials: async () => CREDS, fetch: f.fetch, sleep: async () => undefined });

    const e = await client.getFreeTierUsage({}).catch((x: unknown) => x);

    expect(f.requests).toHaveLength(2);
    const mapped = mapAwsError(e, { operation: 'GetFreeTierUsage', service: 'monitoring', region: 'us-east-1', maxAttempts: 2 });
    expect(mapped).toBeInstanceOf(EnvironmentError);
    expect(mapped.message).toBe('AWS kept throttling GetFreeTierUsage in us-east-1, even after 2 attempts.');
  });

  it('does not retry AccessDenied, and keeps the request id', async () => {
    const f = scriptedFetch([
      () =>
        Response.json(
          { __type: 'AccessDeniedException', Message: 'not authorized' },
          { status: 400, headers: { 'x-amzn-requestid': 'abc-123' } },
        ),
    ]);
    const client = createFreeTierClient({ maxAttempts: 5, credentials: async () => CREDS, fetch: f.fetch, sleep: async () => undefined });

    const e = (await client.getFreeTierUsage({}).catch((x: unknown) => x)) as Error & { $metadata: object };

    expect(f.requests).toHaveLength(1);
    expect(e.name).toBe('AccessDeniedException');
    expect(e.message).toBe('not authorized');
    expect(e.$metadata).toEqual({ httpStatusCode: 400, requestId: 'abc-123' });
  });

  it('retries a 5xx answer', async () => {
    const f = scriptedFetch([() => new Response('oops', { status: 503 }), () => Response.json({ freeTierUsages: [] })]);
    const client = createFreeTierClient({ maxAttempts: 3, credentials: async () => CREDS, fetch: f.fetch, sleep: async () => undefined });
    await expect(client.getFreeTierUsage({})).resolves.toEqual({ freeTierUsages: [] });
    expect(f.requests).toHaveLength(2);
  });

  it('passes a credentials failure on so it maps to "No AWS credentials found."', async () => {
    const noCreds = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const client = createFreeTierClient({
      maxAttempts: 3,
      credentials: async () => {
        throw noCreds;
      },
      fetch: scriptedFetch([]).fetch,
    });
    const e = await client.getAccountPlanState().catch((x: unknown) => x);
    expect(mapAwsError(e, { operation: 'GetAccountPlanState', service: 'monitoring', region: 'us-east-1', maxAttempts: 3 }).message).toBe(
      'No AWS credentials found.',
    );
  });

  it.each([
    ['com.amazonaws.freetier#ValidationException', null, 400, 'ValidationException'],
    [undefined, 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/', 403, 'AccessDeniedException'],
    [undefined, null, 429, 'ThrottlingException'],
    [undefined, null, 500, 'HTTP500'],
  ])('reads the error code from %s / %s / %i', (type, header, status, code) => {
    expect(errorCode(type, header, status)).toBe(code);
  });

  it('reads the plan end date as ISO text or epoch seconds', () => {
    expect(toPlanState({ accountPlanExpirationDate: '2026-01-31T00:00:00Z' }).expiresAt).toEqual(new Date('2026-01-31T00:00:00Z'));
    expect(toPlanState({ accountPlanExpirationDate: 1769817600 }).expiresAt).toEqual(new Date('2026-01-31T00:00:00Z'));
    expect(toPlanState({}).expiresAt).toBeUndefined();
  });
});
