/**
 * The one database session a migrate command works on: `--url` or an instance of the
 * provider (default database.identifier). On SIGINT/SIGTERM the query in flight is
 * cancelled (pg_cancel_backend from a second connection), so a long migration rolls back
 * at once instead of running on after dbops has gone.
 */
import type { Client } from 'pg';
import type { Context } from '../context.js';
import { connect, type ConnectOptions } from '../db/connect.js';
import { resolveTarget, type TargetInput } from '../db/target.js';
import type { ConnectionInfo } from '../providers/types.js';

export interface Session {
  client: Client;
  /** The database as the user named it: instance id or host:port/db. */
  label: string;
  info: ConnectionInfo;
  close(): Promise<void>;
}

export async function openSession(ctx: Context, target: TargetInput, applicationName = 'dbops migrate'): Promise<Session> {
  const { info, label, override } = await resolveTarget(ctx, target);
  const tunnel = { ...(override ? { override } : {}), tunnelOption: '--connect-host' };
  const client = await connect(info, { ...tunnel, warn: (m) => ctx.out.warn(m), applicationName });
  const onAbort = () => void cancelBackend(info, client, tunnel);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    ctx.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  };
  ctx.onClose(close);
  return { client, label, info, close };
}

/** Cancels whatever the session runs now; best effort. */
async function cancelBackend(info: ConnectionInfo, client: Client, tunnel: Pick<ConnectOptions, 'override'>): Promise<void> {
  const pid = (client as Client & { processID?: number }).processID;
  if (!pid) return;
  try {
    const other = await connect(info, { ...tunnel, applicationName: 'dbops cancel', connectTimeoutMs: 5000 });
    try {
      await other.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await other.end().catch(() => undefined);
    }
  } catch {
    // The session ends with the process anyway, and the server rolls back then.
  }
}
