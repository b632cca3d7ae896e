import { describe, expect, it } from 'vitest';
import { clientConfig as checksClientConfig, connect, connectHint, endpointOf, parseConnectHost } from '../../../src/lib/db/connect.js';
import { cleanVersion, judgeServer, type ServerFacts } from '../../../src/lib/checks/server.js';
import { EnvironmentError, UsageError } from '../../../src/lib/errors.js';
import { Secret } from '../../../src/lib/secret.js';

const facts = (o: Partial<ServerFacts> = {}): ServerFacts => ({
  version: '15.8',
  versionNum: 150008,
  database: 'app',
  inRecovery: false,
  ...o,
});

describe('judgeServer', () => {
  it('passes the same version, out of recovery', () => {
    expect(judgeServer(facts(), facts(), 40).summary).toBe('PostgreSQL 15.8 answers, as on the source.');
  });

  it('fails another engine version, and a server still in recovery', () => {
    expect([judgeServer(facts({ version: '15.6', versionNum: 150006 }), facts(), 1)].map((r) => [r.status, r.summary])).toEqual([
      ['failed', 'The restore runs PostgreSQL 15.6, the source 15.8.'],
    ]);
    expect(judgeServer(facts({ inRecovery: true }), facts(), 1).status).toBe('failed');
  });

  it('drops a packager suffix from the version', () => {
    expect(cleanVersion('15.14 (Debian 15.14-1.pgdg120+1)')).toBe('15.14');
  });
});

describe('parseConnectHost', () => {
  it.each([
    ['127.0.0.1:15432', { host: '127.0.0.1', port: 15432 }],
    ['bastion.internal', { host: 'bastion.internal' }],
    ['[::1]:6432', { host: '::1', port: 6432 }],
  ])('%s', (text, expected) => {
    expect(parseConnectHost(text)).toEqual(expected);
  });

  it.each(['', 'a:b', 'host:70000', 'a b'])('refuses %j', (text) => {
    expect(() => parseConnectHost(text)).toThrow(UsageError);
  });

  it('names the option it parses, in the message and the hint', () => {
    const e = (() => {
      try {
        parseConnectHost('a:b', '--source-connect-host');
      } catch (x) {
        return x as UsageError;
      }
    })();
    expect([e?.message, e?.hint]).toEqual([
      '--source-connect-host expects host or host:port, got "a:b".',
      'For an SSH tunnel: ssh -L 15432:<endpoint>:5432 bastion, then --source-connect-host 127.0.0.1:15432.',
    ]);
  });
});

describe('connectHint: a command is only told about a tunnel option it has', () => {
  const base = 'Check that the instance is available (`dbops status`) and that this machine may reach it (security group, VPN)';
  it.each([
    [{}, `${base}.`],
    [{ tunnelOption: '--connect-host' }, `${base}, or reach it through a tunnel with --connect-host host:port.`],
    [{ tunnelOption: '--source-connect-host' }, `${base}, or reach it through a tunnel with --source-connect-host host:port.`],
    [
      { tunnelOption: '--connect-host', override: { host: '127.0.0.1', port: 1 } },
      `${base}, and that the tunnel given with --connect-host is open and leads to it.`,
    ],
  ])('%j', (opts, hint) => {
    expect(connectHint(opts)).toBe(hint);
  });

  it('a failed connect carries it', async () => {
    const info = { host: '127.0.0.1', port: 1, user: 'u', database: 'app', ssl: 'disable' as const };
    await expect(connect(info, { connectTimeoutMs: 2000 })).rejects.toMatchObject({ hint: `${base}.` });
    await expect(connect(info, { connectTimeoutMs: 2000, tunnelOption: '--source-connect-host' })).rejects.toMatchObject({
      hint: expect.stringContaining('--source-connect-host host:port'),
    });
  });
});

describe('checksClientConfig', () => {
  const info = {
    host: 'db-rt-1.abc.us-east-2.rds.amazonaws.com',
    port: 5432,
    user: 'dbops',
    database: 'app',
    password: new Secret('pw-123456'),
    ssl: 'require' as const,
  };

  it('goes to the tunnel but keeps TLS (require: encrypted, unverified)', () => {
    const c = checksClientConfig(info, { override: { host: '127.0.0.1', port: 15432 }, applicationName: 'x' });
    expect([c.host, c.port, c.ssl]).toEqual(['127.0.0.1', 15432, { rejectUnauthorized: false }]);
  });

  it('with verify-full through a tunnel, checks the certificate against the instance name, not the tunnel', () => {
    const c = checksClientConfig(
      { ...info, ssl: 'verify-full', caBundlePath: new URL(import.meta.url).pathname },
      { override: { host: '127.0.0.1' }, applicationName: 'x' },
    );
    const ssl = c.ssl as { rejectUnauthorized: boolean; checkServerIdentity: (host: string, cert: never) => Error | undefined };
    expect(ssl.rejectUnauthorized).toBe(true);
    const err = ssl.checkServerIdentity('127.0.0.1', {
      subject: { CN: 'other.example.com' },
      subjectaltname: 'DNS:other.example.com',
    } as never);
    expect(err?.message).toContain(info.host);
    expect(
      ssl.checkServerIdentity('127.0.0.1', { subject: { CN: info.host }, subjectaltname: `DNS:${info.host}` } as never),
    ).toBeUndefined();
  });
});

describe('endpointOf: one validated endpoint, never a default', () => {
  const info = { host: '127.0.0.1', port: 5433, user: 'u', database: 'app', ssl: 'disable' as const };

  it.each([NaN, 0, 99999, -1, 5432.5, null, undefined, '5432x', 'abc'])('refuses port %j with exit 3, naming the endpoint', (port) => {
    const bad = { ...info, port: port as unknown as number };
    expect(() => endpointOf(bad)).toThrow(EnvironmentError);
    expect(() => checksClientConfig(bad)).toThrow(
      /Refusing to connect: the endpoint 127\.0\.0\.1:.* of database app is not a host and a port in 1-65535\./,
    );
  });

  it('refuses an empty host, and takes --connect-host host[:port] as given', () => {
    expect(() => endpointOf({ ...info, host: '' })).toThrow(EnvironmentError);
    expect(endpointOf(info, { host: 'bastion' })).toEqual({ host: 'bastion', port: 5433 });
    expect(endpointOf(info, { host: 'bastion', port: 15432 })).toEqual({ host: 'bastion', port: 15432 });
  });

  it('a failed connect rejects promptly (pg rejecting at once never leaves the call hanging)', async () => {
    // A port pg accepts but nothing listens on: connect fails; the promise settles.
    await expect(connect({ ...info, port: 1 }, { connectTimeoutMs: 2000 })).rejects.toThrow(
      /Cannot connect to PostgreSQL at 127\.0\.0\.1:1 as u/,
    );
  });
});
