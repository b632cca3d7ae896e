import { Chalk } from 'chalk';
import type { Context } from '../lib/context.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { fleetMigrateStatus } from '../lib/fleet/migrate-status.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { parseVersionArg } from '../lib/migrate/files.js';
import {
  type MigrateRunInput,
  migrateBaseline,
  migrateDown,
  migrateResolve,
  migrateStatus,
  migrateUp,
  migrateVerify,
} from '../lib/migrate/migrate.js';
import { newMigration as createMigrationFiles } from '../lib/migrate/new.js';
import { renderBaseline, renderDown, renderNew, renderResolve, renderStatus, renderUp, renderVerify } from '../lib/migrate/render.js';
import { migrateSettings } from '../lib/migrate/settings.js';
import { dataEngine } from '../lib/config/database-kind.js';
import { handler } from './define.js';
import * as def from './migrate.js';

interface BaseFlags {
  url?: string;
  instance?: string;
  connectHost?: string;
}

function baseInput(ctx: Context, opts: BaseFlags) {
  const s = migrateSettings(ctx.config);
  return {
    target: { url: opts.url, instanceId: opts.instance, connectHost: opts.connectHost },
    dir: s.dir,
    lockTimeoutMs: s.lockTimeoutMs,
    statementTimeoutMs: s.statementTimeoutMs,
  };
}

function runInput(ctx: Context, opts: BaseFlags & { allowDrift: boolean }): MigrateRunInput {
  return { ...baseInput(ctx, opts), allowDrift: opts.allowDrift, dryRun: ctx.flags.dryRun };
}

function refused(ctx: Context, what: string): number {
  ctx.out.error(`${what}: the migration history and the files disagree (drift); nothing was changed.`);
  ctx.out.info(
    'hint: restore the files as they were applied, or mark what was applied by hand with `dbops migrate baseline`; --allow-drift runs anyway.',
  );
  return ExitCode.checksFailed;
}

export const status = handler(def.status, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const given = [
      ...(opts.url !== undefined ? ['--url'] : []),
      ...(opts.instance !== undefined ? ['--instance'] : []),
      ...(opts.connectHost !== undefined ? ['--connect-host'] : []),
    ];
    if (given.length > 0) {
      throw new UsageError(`${given.join(', ')} name${given.length === 1 ? 's' : ''} one database; --all / --select name a fleet.`, {
        hint: 'Leave them out with --all / --select, or drop --all / --select.',
      });
    }
    const fleet = await fleetMigrateStatus(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => renderStatus(r, new Chalk({ level: 0 })),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  ctx.out.result(await migrateStatus(ctx, baseInput(ctx, opts)), renderStatus);
});

export const verify = handler(def.verify, async (ctx, { opts }) => {
  const r = await migrateVerify(ctx, { ...baseInput(ctx, opts), strict: opts.strict });
  ctx.out.result(r, renderVerify);
  return r.ok ? undefined : ExitCode.checksFailed;
});

export const up = handler(def.up, async (ctx, { opts }) => {
  const r = await migrateUp(ctx, { ...runInput(ctx, opts), to: opts.to === undefined ? undefined : parseVersionArg(opts.to, '--to') });
  ctx.out.result(r, renderUp);
  return r.status === 'refused' ? refused(ctx, 'Refused to migrate') : undefined;
});

export const down = handler(def.down, async (ctx, { opts }) => {
  const r = await migrateDown(ctx, { ...runInput(ctx, opts), steps: opts.steps });
  ctx.out.result(r, renderDown);
  return r.status === 'refused' ? refused(ctx, 'Refused to revert') : undefined;
});

export const baseline = handler(def.baseline, async (ctx, { args, opts }) => {
  const version = parseVersionArg(args.version, 'baseline <version>');
  ctx.out.result(await migrateBaseline(ctx, { ...runInput(ctx, { ...opts, allowDrift: false }), version }), renderBaseline);
});

export const resolve = handler(def.resolve, async (ctx, { args, opts }) => {
  const version = parseVersionArg(args.version, 'resolve <version>');
  ctx.out.result(await migrateResolve(ctx, { ...runInput(ctx, { ...opts, allowDrift: false }), version, as: opts.as }), renderResolve);
});

export const newMigration = handler(def.newMigration, async (ctx, { args, opts }) => {
  const r = await createMigrationFiles({
    dir: ctx.config.migrate.dir,
    name: args.name,
    engine: dataEngine(ctx.config.database.engine),
    noTransaction: opts.noTransaction,
    withDown: !opts.noDown,
    dryRun: ctx.flags.dryRun,
  });
  ctx.out.result(r, renderNew);
});
