/**
 * `dbops heartbeat`: one row in dbops.heartbeat, stamped by the database's clock. Run from
 * cron every few minutes; a restore test later reads the newest row of the restored copy,
 * and the gap between it and the moment the backup was meant to cover is the data really
 * lost (RPO), measured rather than assumed.
 */
import { hostname as osHostname } from 'node:os';
import type { Context } from '../context.js';
import type { TargetInput } from '../db/target.js';
import { runRunbook, type StepHandle } from '../runbook/runner.js';
import { guardDb } from './errors.js';
import { HEARTBEAT } from './runbooks.js';
import { openSession, type Session } from './session.js';

export interface HeartbeatInput {
  target: TargetInput;
  /** Connect and check, write nothing. */
  dryRun?: boolean;
  /** Host part of written_by (default: this machine's hostname). */
  hostname?: string;
}

/** What --dry-run reports: the database answered; nothing was written. */
export interface HeartbeatPlan {
  dryRun: true;
  target: string;
  /** The dbops schema is missing and a real run would create it. */
  wouldCreateSchema: boolean;
}

/** The row written, and the one before it (to see cron's real cadence). */
export interface HeartbeatResult {
  dryRun?: false;
  target: string;
  id: number;
  beatAt: Date;
  writtenBy: string;
  previousBeatAt?: Date;
  /** Seconds since the previous heartbeat, when there was one. */
  gapSeconds?: number;
  /** The dbops schema did not exist and was created. */
  createdSchema: boolean;
}

export function writeHeartbeat(ctx: Context, input: HeartbeatInput & { dryRun?: false }): Promise<HeartbeatResult>;
export function writeHeartbeat(ctx: Context, input: HeartbeatInput & { dryRun: true }): Promise<HeartbeatPlan>;
export function writeHeartbeat(ctx: Context, input: HeartbeatInput): Promise<HeartbeatResult | HeartbeatPlan>;
export function writeHeartbeat(ctx: Context, input: HeartbeatInput): Promise<HeartbeatResult | HeartbeatPlan> {
  return guardDb('the heartbeat', async () => {
    let session: Session | undefined;
    try {
      const { value } = await runRunbook(
        HEARTBEAT,
        { out: ctx.out, clock: ctx.clock, signal: ctx.signal },
        async (run): Promise<HeartbeatResult | HeartbeatPlan> => {
          const step = <T>(id: string, fn: (s: StepHandle) => Promise<T>) => run.step(id, (s) => guardDb('the heartbeat', () => fn(s)));
          const sess = await step('HB-1', async (s) => {
            session = await openSession(ctx, input.target, 'dbops heartbeat');
            s.detail(session.label);
            return session;
          });
          if (input.dryRun) {
            const exists = await step('HB-2', async (s) => {
              const found = await sess.db.heartbeat.exists();
              s.detail(found ? 'dbops.heartbeat exists' : 'dbops.heartbeat is missing: a real run creates it');
              return found;
            });
            run.skip('HB-3', 'dry run');
            return { dryRun: true, target: sess.label, wouldCreateSchema: !exists };
          }
          const createdSchema = await step('HB-2', async (s) => {
            const created = await sess.db.heartbeat.ensure();
            s.detail(created ? 'created the dbops schema' : 'dbops.heartbeat exists');
            return created;
          });
          return step('HB-3', async (s) => {
            const row = await sess.db.heartbeat.write(input.hostname ?? osHostname());
            const result: HeartbeatResult = {
              target: sess.label,
              id: row.id,
              beatAt: row.beatAt,
              writtenBy: row.writtenBy,
              createdSchema,
            };
            if (row.previous) {
              result.previousBeatAt = row.previous;
              result.gapSeconds = Math.round((row.beatAt.getTime() - row.previous.getTime()) / 1000);
            }
            s.detail(`row ${result.id}`);
            return result;
          });
        },
      );
      return value;
    } finally {
      await session?.close();
    }
  });
}
