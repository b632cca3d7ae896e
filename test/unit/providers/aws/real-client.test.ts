/**
 * The real SDK clients, unmocked, against endpoints on 127.0.0.1 — never AWS: the client
 * config (endpoint, profile, maxAttempts, the credential chain) and the error mapping of
 * what the SDK really throws.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvironmentError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { FAST, REGION, awsOptions, rejectionOf } from './helpers.js';
import { tempDir } from '../../../_helpers/tmp.js';

const THROTTLED = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>req-throttled</RequestId>
</ErrorResponse>`;

const DESCRIBED = `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBInstancesResult><DBInstances><DBInstance>
    <DBInstanceIdentifier>prod-db</DBInstanceIdentifier>
    <Engine>postgres</Engine><EngineVersion>15.8</EngineVersion>
    <DBInstanceClass>db.t3.micro</DBInstanceClass><DBInstanceStatus>available</DBInstanceStatus>
    <MasterUsername>dbops</MasterUsername><AllocatedStorage>20</AllocatedStorage>
    <Endpoint><Address>prod-db.local</Address><Port>5432</Port></Endpoint>
  </DBInstance></DBInstances></DescribeDBInstancesResult>
  <ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata>
</DescribeDBInstancesResponse>`;

interface FakeEndpoint {
  url: string;
  requests: { authorization: string; body: string }[];
  close(): Promise<void>;
}

async function serve(status: number, body: string, contentType = 'text/xml'): Promise<FakeEndpoint> {
  const requests: FakeEndpoint['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      requests.push({ authorization: String(req.headers.authorization ?? ''), body: text });
      res.writeHead(status, { 'content-type': contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const endpoint = await serve(200, '');
  await endpoint.close();
  return endpoint.url;
}

/** A credential chain that finds nothing unless a test adds it. */
function isolateCredentialChain(): string {
  const dir = tempDir('dbops-aws-');
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_ROLE_ARN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
  ]) {
    vi.stubEnv(name, '');
  }
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  return dir;
}

let provider: Provider | undefined;
let endpoint: FakeEndpoint | undefined;
let awsDir: string;

beforeEach(() => {
  awsDir = isolateCredentialChain();
});

afterEach(async () => {
  await provider?.close();
  await endpoint?.close();
  provider = undefined;
  endpoint = undefined;
  vi.unstubAllEnvs();
});

const HTML = '<!doctype html><html><head><title>Sign in</title></head><body>Please sign in to the proxy.</body></html>';

describe('real SDK clients', () => {
  it.each([404, 500])(
    "report an endpoint answering an HTML page (HTTP %i) in one sentence with a hint, not the SDK's deserialization text",
    async (status) => {
      // GIVEN credentials, and an endpoint URL that answers a web page
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
      endpoint = await serve(status, HTML, 'text/html');
      provider = createAwsProvider(awsOptions({ endpointUrl: endpoint.url, maxAttempts: 1 }), FAST);

      // WHEN
      const error = (await rejectionOf(provider.listInstances())) as EnvironmentError;

      // THEN
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toBe(
        `The endpoint ${endpoint.url} answered DescribeDBInstances with an HTML page (HTTP ${status}), not an AWS response.`,
      );
      expect(error.message).not.toContain('\n');
      expect(error.hint).toBe(
        'Check --endpoint-url / AWS_ENDPOINT_URL: it must be an AWS API endpoint (or an emulator such as LocalStack or moto), not a web page or a proxy; an emulator may not implement DescribeDBInstances.',
      );
      expect(error.kind).toBe('unsupported');
    },
  );

  it('report an unreachable endpoint as EnvironmentError naming it', async () => {
    // GIVEN credentials, and an endpoint URL where nothing listens
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
    const url = await closedPortUrl();
    provider = createAwsProvider(awsOptions({ endpointUrl: url, maxAttempts: 1 }), FAST);

    // WHEN
    const error = await rejectionOf(provider.listInstances());

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`Cannot reach the AWS endpoint ${url}.`);
  });

  it('report an empty credential chain as "No AWS credentials found."', async () => {
    // GIVEN no credentials anywhere, and a endpoint that would answer
    endpoint = await serve(200, DESCRIBED);
    provider = createAwsProvider(awsOptions({ endpointUrl: endpoint.url, maxAttempts: 1 }), FAST);

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN nothing was sent, and the user is told how to provide credentials
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('No AWS credentials found.');
    expect(endpoint.requests).toHaveLength(0);
  });

  it('use the named profile and the endpoint URL, and parse a real answer', async () => {
    // GIVEN credentials only under profile "ops", and an endpoint answering DescribeDBInstances
    writeFileSync(join(awsDir, 'credentials'), '[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops-secret\n');
    endpoint = await serve(200, DESCRIBED);
    provider = createAwsProvider(awsOptions({ profile: 'ops', endpointUrl: endpoint.url, maxAttempts: 1 }), FAST);

    // WHEN
    const instance = await provider.describeInstance('prod-db');

    // THEN the request reached the endpoint signed with the profile's key, for the provider's region
    expect(instance).toMatchObject({ id: 'prod-db', status: 'available', endpoint: { host: 'prod-db.local', port: 5432 } });
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.requests[0]?.authorization).toContain(`Credential=AKIDOPS/`);
    expect(endpoint.requests[0]?.authorization).toContain(`/${REGION}/rds/aws4_request`);
    expect(endpoint.requests[0]?.body).toContain('Action=DescribeDBInstances');
    expect(endpoint.requests[0]?.body).toContain('DBInstanceIdentifier=prod-db');
  });

  it('retry throttling maxAttempts times, then explain it', async () => {
    // GIVEN an endpoint that always throttles
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
    endpoint = await serve(400, THROTTLED);
    provider = createAwsProvider(awsOptions({ endpointUrl: endpoint.url, maxAttempts: 2 }), FAST);

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN it tried exactly twice and says so
    expect(endpoint.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`AWS kept throttling DescribeDBInstances in ${REGION}, even after 2 attempts.`);
  });
});
