/**
 * Issue 13, item 6: a bad port never makes `dbops heartbeat`, `migrate status` or
 * `migrate status --json` print nothing and exit 0, nor connect anywhere else
 * (127.0.0.1:5432 is another server). The handlers run in process; the bad port comes
 * from where no state-file schema guards it: the endpoint RDS answered (aws provider on
 * aws-sdk-client-mock) and a --url. test/faults/state.test.ts covers the local state file
 * (the CLI as a process). Each case must reject with a dbops error (a non-zero exit), say
 * why in one sentence, print no result, and open no socket.
 */
import net from 'node:net';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heartbeat } from '../../../src/commands/heartbeat.run.js';
import { status } from '../../../src/commands/migrate.run.js';
import { DbopsError, ExitCode } from '../../../src/lib/errors.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { testContext } from '../../_helpers/context.js';
import { FAST, REGION, awsOptions, dbInstance, rejectionOf } from '../providers/aws/helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;
let connects: ReturnType<typeof vi.spyOn>;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions({ env: { DBOPS_DB_PASSWORD: 'pw-not-used' } }), FAST);
  connects = vi.spyOn(net.Socket.prototype, 'connect');
});

afterEach(async () => {
  for (const fn of closers.splice(0)) await fn();
  await provider.close();
  vi.restoreAllMocks();
});

/** The three commands of the issue, each as its handler with a fresh context (json or not). */
const COMMANDS = [
  {
    name: 'heartbeat',
    json: false,
    run: (ctx: Parameters<typeof heartbeat.run>[0], url?: string) =>
      heartbeat.run(ctx, { args: {}, opts: { url, instance: undefined, connectHost: undefined } }),
  },
  ...[false, true].map((json) => ({
    name: `migrate status${json ? ' --json' : ''}`,
    json,
    run: (ctx: Parameters<typeof status.run>[0], url?: string) =>
      status.run(ctx, {
        args: {},
        opts: {
          url,
          instance: undefined,
          connectHost: undefined,
          all: false,
          select: [],
          account: undefined,
          concurrency: undefined,
          reportDir: undefined,
        },
      }),
  })),
];

async function context(json: boolean) {
  const t = await testContext({
    config: { provider: 'aws', region: REGION, database: { identifier: 'prod-db' } },
    provider,
    output: { json },
  });
  closers.push(t.close);
  return t;
}

/** GIVEN RDS answers this port for the instance's endpoint (on loopback, where another server listens on 5432). */
function endpointPort(port: unknown): void {
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [dbInstance({ Endpoint: { Address: '127.0.0.1', Port: port as number } })],
  });
}

describe('a bad port: a non-zero exit and a message, never exit 0, never another server', () => {
  it.each([
    ['"abc"', 'abc', /Refusing to connect: the endpoint 127\.0\.0\.1:abc of database app is not a host and a port in 1-65535\./],
    ['99999', 99999, /Refusing to connect: the endpoint 127\.0\.0\.1:99999 of database app is not a host and a port in 1-65535\./],
    ['"5432x"', '5432x', /Refusing to connect: the endpoint 127\.0\.0\.1:5432x of database app is not a host and a port in 1-65535\./],
    ['null', null, /DB instance prod-db has no endpoint yet \(status available\)\./],
    ['0', 0, /DB instance prod-db has no endpoint yet \(status available\)\./],
  ])('endpoint port %s from RDS', async (_name, port, message) => {
    for (const cmd of COMMANDS) {
      endpointPort(port);
      const { ctx, io } = await context(cmd.json);
      // WHEN the command runs against that instance
      const e = await rejectionOf(cmd.run(ctx));
      // THEN it fails as an environment error (exit 3) saying why, with a hint, and prints no result
      expect(e, cmd.name).toBeInstanceOf(DbopsError);
      expect((e as DbopsError).exitCode, cmd.name).toBe(ExitCode.environment);
      expect(e.message, cmd.name).toMatch(message);
      expect(e.hint, cmd.name).toBeTruthy();
      expect(io.stdout(), cmd.name).toBe('');
      // and no connection was even attempted
      expect(connects, cmd.name).not.toHaveBeenCalled();
    }
  });

  it.each([
    ['"abc"', 'postgres://u:pw@127.0.0.1:abc/app', ExitCode.usage, /^The database URL does not parse\.$/],
    ['99999', 'postgres://u:pw@127.0.0.1:99999/app', ExitCode.usage, /^The database URL does not parse\.$/],
    ['"5432x"', 'postgres://u:pw@127.0.0.1:5432x/app', ExitCode.usage, /^The database URL does not parse\.$/],
    [
      '0',
      'postgres://u:pw@127.0.0.1:0/app',
      ExitCode.environment,
      /^Refusing to connect: the endpoint 127\.0\.0\.1:0 of database app is not a host and a port in 1-65535\.$/,
    ],
  ])('--url with port %s', async (_name, url, exitCode, message) => {
    for (const cmd of COMMANDS) {
      const { ctx, io } = await context(cmd.json);
      const e = await rejectionOf(cmd.run(ctx, url));
      expect(e, cmd.name).toBeInstanceOf(DbopsError);
      expect((e as DbopsError).exitCode, cmd.name).toBe(exitCode);
      expect(e.message, cmd.name).toMatch(message);
      expect(e.message, cmd.name).not.toContain('pw');
      expect(io.stdout(), cmd.name).toBe('');
      expect(connects, cmd.name).not.toHaveBeenCalled();
    }
  });
});
