/**
 * Which database a data-plane command talks to: `--url` (any PostgreSQL, or MySQL with
 * mysql://), or an instance
 * of the provider (default: database.identifier), reached at `--connect-host` when given.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { parseConnectHost, type HostOverride } from './connect.js';
import type { ConnectionInfo } from '../providers/types.js';
import { registerSecret, Secret } from '../secret.js';

export interface TargetInput {
  url?: string;
  instanceId?: string;
  /** `--connect-host host[:port]`: reach the database there (a tunnel); TLS still checks its own name. */
  connectHost?: string;
}

/** Where a data-plane command connects, and through which tunnel. */
export interface Target {
  info: ConnectionInfo;
  label: string;
  override?: HostOverride;
}

/**
 * Parses postgres://user:password@host:port/db?sslmode=... (or mysql://user:password@host:3306/db?ssl-mode=REQUIRED)
 * into ConnectionInfo.
 */
/** decodeURIComponent, with a bad %-escape said as bad input (exit 2) instead of "URI malformed" (exit 5). */
function decoded(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`The database URL's ${part} has a % that is not a %-escape such as %40.`, {
      hint: 'Write a literal % in a user name or password as %25 (and @ as %40, : as %3A, / as %2F).',
    });
  }
}

export function parseDatabaseUrl(url: string): ConnectionInfo {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('The database URL does not parse.', { hint: 'Use postgres://user:password@host:5432/dbname.' });
  }
  if (u.protocol === 'mysql:') return parseMysqlUrl(u);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`The database URL must start with postgres:// or mysql://, not ${u.protocol}//.`, {
      hint: 'Use postgres://user:password@host:5432/dbname (or mysql://user:password@host:3306/dbname).',
    });
  }
  const password = u.password ? decoded(u.password, 'password') : undefined;
  if (password) registerSecret(password);
  const sslmode = u.searchParams.get('sslmode');
  return {
    host: decoded(u.hostname, 'host') || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: u.username ? decoded(u.username, 'user name') : 'postgres',
    database: u.pathname.length > 1 ? decoded(u.pathname.slice(1), 'database name') : 'postgres',
    password: password ? new Secret(password) : undefined,
    ssl: sslmode === 'require' ? 'require' : sslmode === 'verify-full' ? 'verify-full' : 'disable',
    caBundlePath: u.searchParams.get('sslrootcert') ?? undefined,
  };
}

function parseMysqlUrl(u: URL): ConnectionInfo {
  const password = u.password ? decoded(u.password, 'password') : undefined;
  if (password) registerSecret(password);
  if (u.pathname.length <= 1) {
    throw new UsageError('A mysql:// URL must name the database: mysql://user:password@host:3306/dbname.', {
      hint: 'dbops keeps the migration history per database; name the application database in the URL path.',
    });
  }
  const mode = (u.searchParams.get('ssl-mode') ?? u.searchParams.get('sslmode') ?? '').toLowerCase();
  const ca = u.searchParams.get('ssl-ca') ?? u.searchParams.get('sslrootcert') ?? undefined;
  return {
    host: decoded(u.hostname, 'host') || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: u.username ? decoded(u.username, 'user name') : 'root',
    database: decoded(u.pathname.slice(1), 'database name'),
    password: password ? new Secret(password) : undefined,
    ssl:
      mode === 'verify_identity' || mode === 'verify-full'
        ? 'verify-full'
        : mode === 'required' || mode === 'require'
          ? 'require'
          : 'disable',
    ...(ca ? { caBundlePath: ca } : {}),
    engine: 'mysql',
  };
}

/** The connection for a command: --url wins, else the instance's connection info. */
export async function resolveTarget(ctx: Context, input: TargetInput): Promise<Target> {
  const override = input.connectHost === undefined ? undefined : parseConnectHost(input.connectHost);
  const tunnel = override ? { override } : {};
  if (input.url) {
    const info = parseDatabaseUrl(input.url);
    return { info, label: `${info.host}:${info.port}/${info.database}`, ...tunnel };
  }
  const id = input.instanceId ?? ctx.config.database.identifier;
  const provider = await ctx.provider();
  return { info: await provider.connectionInfo(id), label: id, ...tunnel };
}
