/**
 * Opens a `pg` connection from a provider's ConnectionInfo. TLS follows the info:
 * verify-full with a CA bundle; 'require' without one encrypts but cannot verify the
 * server, and the caller is told so once.
 */
import { readFileSync } from 'node:fs';
import type { Client, ClientConfig } from 'pg';
import { EnvironmentError, messageOf } from '../errors.js';
import type { ConnectionInfo } from '../providers/types.js';

export interface ConnectOptions {
  /** Overrides the host (a tunnel or bastion: --connect-host). */
  host?: string;
  port?: number;
  database?: string;
  /** Told once when TLS cannot verify the server. */
  warn?: (message: string) => void;
  connectTimeoutMs?: number;
  applicationName?: string;
}

export function clientConfig(info: ConnectionInfo, opts: ConnectOptions = {}): ClientConfig {
  const config: ClientConfig = {
    host: opts.host ?? info.host,
    port: opts.port ?? info.port,
    user: info.user,
    database: opts.database ?? info.database,
    password: info.password?.reveal(),
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 15_000,
    application_name: opts.applicationName ?? 'dbops',
  };
  if (info.ssl === 'verify-full' && info.caBundlePath) {
    config.ssl = { ca: readFileSync(info.caBundlePath, 'utf8'), rejectUnauthorized: true };
  } else if (info.ssl === 'require' || info.ssl === 'verify-full') {
    opts.warn?.('TLS is on but the server certificate is not verified: pass a CA bundle (aws.caBundle or PGSSLROOTCERT).');
    config.ssl = { rejectUnauthorized: false };
  }
  return config;
}

export async function connect(info: ConnectionInfo, opts: ConnectOptions = {}): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(clientConfig(info, opts));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    const host = opts.host ?? info.host;
    const port = opts.port ?? info.port;
    throw new EnvironmentError(`Cannot connect to PostgreSQL at ${host}:${port} as ${info.user}: ${messageOf(e)}.`, {
      hint: 'Check that the instance is available (`dbops status`), that this machine may reach it, or use --connect-host for a tunnel.',
      cause: e,
    });
  }
  client.on('error', () => undefined);
  return client;
}
