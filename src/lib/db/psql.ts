/**
 * Runs psql against an instance. The password reaches psql through PGPASSWORD in the
 * child's environment only, never on its command line.
 */
import { spawn } from 'node:child_process';
import type { Context } from '../context.js';
import { EnvironmentError } from '../errors.js';
import { findExecutable, pathDirs } from '../executables.js';
import { isIP } from 'node:net';
import { endpointOf, parseConnectHost } from './connect.js';

export async function findPsql(env: Record<string, string | undefined>, pgBin?: string): Promise<string> {
  const found = await findExecutable('psql', [pgBin, env.PG_BIN, ...pathDirs(env.PATH)]);
  if (found) return found;
  throw new EnvironmentError('psql is not installed.', {
    hint: 'Install the PostgreSQL client (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq), or set PG_BIN.',
  });
}

export interface PsqlResult {
  instanceId: string;
  exitCode: number;
}

export async function runPsql(
  ctx: Context,
  input: { instanceId: string; args: string[]; stdout: 'inherit' | 'stderr'; connectHost?: string },
): Promise<PsqlResult> {
  const override = input.connectHost === undefined ? undefined : parseConnectHost(input.connectHost);
  const provider = await ctx.provider();
  const info = await provider.connectionInfo(input.instanceId);
  const psql = await findPsql(ctx.env, ctx.config.local.pgBin);
  const { host, port } = endpointOf(info, override);
  const env: Record<string, string> = {
    ...(ctx.env as Record<string, string>),
    // Through a tunnel at an IP address, libpq dials PGHOSTADDR and still checks the
    // certificate against PGHOST, the instance's own name (verify-full).
    ...(override && isIP(host) ? { PGHOST: info.host, PGHOSTADDR: host } : { PGHOST: host }),
    PGPORT: String(port),
    PGUSER: info.user,
    PGDATABASE: info.database,
    PGSSLMODE: info.ssl,
    PGAPPNAME: 'dbops psql',
  };
  if (info.password) env.PGPASSWORD = info.password.reveal();
  if (info.caBundlePath) env.PGSSLROOTCERT = info.caBundlePath;
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(psql, input.args, {
      env,
      stdio: ['inherit', input.stdout === 'inherit' ? 'inherit' : process.stderr, 'inherit'],
    });
    child.on('error', (e) =>
      reject(new EnvironmentError(`Could not start psql: ${e.message}.`, { hint: 'Check PG_BIN or your PATH.', cause: e })),
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
  if (exitCode === 2) {
    throw new EnvironmentError(`psql could not connect to ${input.instanceId} (${host}:${port}).`, {
      hint: override
        ? 'Check that the instance is available (`dbops status ' +
          input.instanceId +
          '`) and that the tunnel given with --connect-host is open and leads to it.'
        : 'Check that the instance is available (`dbops status ' +
          input.instanceId +
          '`), or reach it through a tunnel with --connect-host host:port.',
    });
  }
  return { instanceId: input.instanceId, exitCode };
}
