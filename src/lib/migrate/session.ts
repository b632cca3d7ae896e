/**
 * The one database session a migrate command works on: `--url` or an instance of the
 * provider (default database.identifier), through the engine port of its engine. On
 * SIGINT/SIGTERM the statement in flight is cancelled from a second connection
 * (PostgreSQL pg_cancel_backend, MySQL KILL QUERY), so a long migration stops at once
 * instead of running on after dbops has gone.
 */
import type { Context } from '../context.js';
import { resolveTarget, type TargetInput } from '../db/target.js';
import { engineFor } from '../engines/index.js';
import type { EngineSession } from '../engines/types.js';
import type { ConnectionInfo } from '../providers/types.js';

export interface Session {
  /** The database, through its engine's implementation of the port. */
  db: EngineSession;
  /** The database as the user named it: instance id or host:port/db. */
  label: string;
  info: ConnectionInfo;
  close(): Promise<void>;
}

export async function openSession(ctx: Context, target: TargetInput, applicationName = 'dbops migrate'): Promise<Session> {
  const { info, label, override } = await resolveTarget(ctx, target);
  const tunnel = { ...(override ? { override } : {}), tunnelOption: '--connect-host' };
  const db = await engineFor(info.engine).connect(info, { ...tunnel, warn: (m) => ctx.out.warn(m), applicationName });
  const onAbort = () => void db.cancel();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    ctx.signal.removeEventListener('abort', onAbort);
    await db.close();
  };
  ctx.onClose(close);
  return { db, label, info, close };
}
