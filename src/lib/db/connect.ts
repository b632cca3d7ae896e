/**
 * The one way dbops opens a PostgreSQL connection (migrate, heartbeat, audit, vector,
 * instances, the restore-test checks, the local provider's own SQL).
 *
 * - The endpoint is validated first: a host and a whole port in 1..65535, or the
 *   connection is refused with one sentence (exit 3). dbops never lets a missing or
 *   malformed port fall back to libpq's defaults (127.0.0.1:5432 is another server).
 * - `--connect-host host[:port]` has one meaning everywhere: reach the instance at that
 *   address (an SSH tunnel or a bastion) while TLS still verifies the certificate against
 *   the instance's own name. Every command that connects to an instance has it
 *   (migrate, heartbeat, psql, vector, audit, instances create, restore-test), and
 *   restore-test has `--source-connect-host` for the source. The hint of a failed
 *   connect names the option of the running command (`tunnelOption`), never another's.
 * - TLS follows the ConnectionInfo: verify-full with a CA bundle; 'require' without one
 *   encrypts but cannot verify the server, and the caller is told so once.
 * - A failed connect never waits on the half-made client (pg's `end()` of a client that
 *   never connected does not settle).
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { EnvironmentError, UsageError, messageOf } from '../errors.js';
import type { ConnectionInfo } from '../providers/types.js';
import { redact } from '../secret.js';

/** `--connect-host`: "host" or "host:port" (IPv6 in brackets). */
export interface HostOverride {
  host: string;
  port?: number;
}

/** Parses `--connect-host host[:port]` (or the option named, e.g. --source-connect-host); anything else is a usage error. */
export function parseConnectHost(text: string, option = '--connect-host'): HostOverride {
  const m = /^(\[[^\]]+\]|[^:\s[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && !isPort(port))) {
    throw new UsageError(`${option} expects host or host:port, got "${text}".`, {
      hint: `For an SSH tunnel: ssh -L 15432:<endpoint>:5432 bastion, then ${option} 127.0.0.1:15432.`,
    });
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}) };
}

export interface ConnectOptions {
  /** `--connect-host`: where to reach the instance; TLS still checks the instance's own name. */
  override?: HostOverride;
  /**
   * The option of the running command that tunnels this connection (`--connect-host`,
   * `--source-connect-host`): the hint of a failed connect names it. Unset: the command
   * has none, and the hint names none.
   */
  tunnelOption?: string;
  database?: string;
  /** Told once when TLS cannot verify the server. */
  warn?: (message: string) => void;
  connectTimeoutMs?: number;
  applicationName?: string;
}

function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** The address a connection goes to, validated; never a default. */
export function endpointOf(info: ConnectionInfo, override?: HostOverride): { host: string; port: number } {
  const host = override?.host ?? info.host;
  const port = override?.port ?? info.port;
  if (typeof host !== 'string' || host.trim() === '' || !isPort(port)) {
    const shown = `${typeof host === 'string' && host !== '' ? host : '(no host)'}:${port === undefined || port === null ? '(no port)' : String(port)}`;
    throw new EnvironmentError(
      `Refusing to connect: the endpoint ${shown} of database ${info.database} is not a host and a port in 1-65535.`,
      {
        hint: 'The instance record or --url is damaged or incomplete: look at `dbops status`, then repair it (local provider: its instance.json).',
      },
    );
  }
  return { host, port };
}

/** pg's client config: the validated endpoint, TLS per the info (through a tunnel, checked against the instance's name). */
export function clientConfig(info: ConnectionInfo, opts: ConnectOptions = {}): ClientConfig {
  const { host, port } = endpointOf(info, opts.override);
  const config: ClientConfig = {
    host,
    port,
    user: info.user,
    database: opts.database ?? info.database,
    password: info.password?.reveal(),
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 15_000,
    application_name: opts.applicationName ?? 'dbops',
  };
  if (info.ssl === 'verify-full' && info.caBundlePath) {
    config.ssl = { ca: readFileSync(info.caBundlePath, 'utf8'), rejectUnauthorized: true };
    if (opts.override && opts.override.host !== info.host) {
      const expected = info.host;
      config.ssl = { ...config.ssl, checkServerIdentity: (_host, cert) => checkServerIdentity(expected, cert) };
    }
  } else if (info.ssl === 'require' || info.ssl === 'verify-full') {
    opts.warn?.('TLS is on but the server certificate is not verified: pass a CA bundle (aws.caBundle or PGSSLROOTCERT).');
    config.ssl = { rejectUnauthorized: false };
  } else {
    config.ssl = false;
  }
  return config;
}

/** The hint of a failed connect: the tunnel option only when the command has one. */
export function connectHint(opts: Pick<ConnectOptions, 'override' | 'tunnelOption'>): string {
  const base = 'Check that the instance is available (`dbops status`) and that this machine may reach it (security group, VPN)';
  if (!opts.tunnelOption) return `${base}.`;
  if (opts.override) return `${base}, and that the tunnel given with ${opts.tunnelOption} is open and leads to it.`;
  return `${base}, or reach it through a tunnel with ${opts.tunnelOption} host:port.`;
}

export async function connect(info: ConnectionInfo, opts: ConnectOptions = {}): Promise<Client> {
  const config = clientConfig(info, opts);
  const { default: pg } = await import('pg');
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    // Not awaited: ending a client whose connect failed early never settles.
    void client.end().catch(() => undefined);
    throw new EnvironmentError(`Cannot connect to PostgreSQL at ${config.host}:${config.port} as ${info.user}: ${redact(messageOf(e))}.`, {
      hint: connectHint(opts),
      cause: e,
    });
  }
  return client;
}
