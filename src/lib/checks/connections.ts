/**
 * Connections for the data-plane checks. The restore gets a few (amcheck and counts run
 * tables in parallel); the source exactly one, made read-only for the whole session
 * (default_transaction_read_only) with a short lock_timeout, so nothing dbops runs there
 * can change it or queue behind, and then block, the application's DDL.
 *
 * TLS follows the provider's ConnectionInfo (require on AWS, verify-full with a CA
 * bundle). Through a tunnel (--connect-host) the certificate is still checked against
 * the instance's own name.
 */
import { checkServerIdentity } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { clientConfig } from '../db/connect.js';
import { EnvironmentError, Interrupted, UsageError, messageOf } from '../errors.js';
import type { ConnectionInfo } from '../providers/types.js';
import { redact } from '../secret.js';

/** --connect-host: "host" or "host:port". */
export interface HostOverride {
  host: string;
  port?: number;
}

export function parseConnectHost(text: string): HostOverride {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UsageError(`--connect-host expects host or host:port, got "${text}".`, {
      hint: 'For an SSH tunnel: ssh -L 15432:<endpoint>:5432 bastion, then --connect-host 127.0.0.1:15432.',
    });
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}) };
}

/** How to open one checks connection (a tunnel override, a name in pg_stat_activity). */
export interface OpenOptions {
  override?: HostOverride;
  applicationName: string;
  warn?: (message: string) => void;
  connectTimeoutMs?: number;
}

/** pg's config, with the certificate checked against the instance's name when connecting through a tunnel. */
export function checksClientConfig(info: ConnectionInfo, opts: OpenOptions): ClientConfig {
  const config = clientConfig(info, {
    host: opts.override?.host,
    port: opts.override?.port,
    warn: opts.warn,
    applicationName: opts.applicationName,
    connectTimeoutMs: opts.connectTimeoutMs,
  });
  if (opts.override && typeof config.ssl === 'object' && config.ssl.rejectUnauthorized) {
    const expected = info.host;
    config.ssl = { ...config.ssl, checkServerIdentity: (_host, cert) => checkServerIdentity(expected, cert) };
  }
  return config;
}

export async function openClient(info: ConnectionInfo, opts: OpenOptions): Promise<Client> {
  const { default: pg } = await import('pg');
  const config = checksClientConfig(info, opts);
  const client = new pg.Client(config);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new EnvironmentError(`Cannot connect to PostgreSQL at ${config.host}:${config.port} as ${info.user}: ${redact(messageOf(e))}.`, {
      hint: 'Check that this machine may reach the instance (security group, VPN), or reach it through a tunnel with --connect-host host:port.',
      cause: e,
    });
  }
  client.on('error', () => undefined);
  return client;
}

/** Makes a session read-only and polite: nothing it runs can write, or wait long for a lock. */
export async function makeReadOnly(client: Pick<Client, 'query'>): Promise<void> {
  await client.query('SET default_transaction_read_only = on');
  await client.query(`SET lock_timeout = '5s'`);
  await client.query(`SET idle_in_transaction_session_timeout = '10min'`);
}

/** A set of open clients that all end when the signal aborts (so a running query stops at once). */
export class ClientSet {
  readonly #clients: Client[] = [];
  #onAbort?: () => void;
  readonly #signal?: AbortSignal;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    if (signal) {
      this.#onAbort = () => void this.close();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  async add(open: () => Promise<Client>): Promise<Client> {
    if (this.#signal?.aborted) throw new Interrupted();
    const c = await open();
    this.#clients.push(c);
    if (this.#signal?.aborted) {
      await this.close();
      throw new Interrupted();
    }
    return c;
  }

  async close(): Promise<void> {
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    const all = this.#clients.splice(0);
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  }
}
