import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { parseVersionArg } from '../lib/migrate/files.js';
import { migrateBaseline, migrateDown, migrateStatus, migrateUp, migrateVerify, type MigrateRunInput } from '../lib/migrate/migrate.js';
import { newMigration as createMigrationFiles } from '../lib/migrate/new.js';
import { renderBaseline, renderDown, renderNew, renderStatus, renderUp, renderVerify } from '../lib/migrate/render.js';
import { migrateSettings } from '../lib/migrate/settings.js';
import type { CommandInput, CommandModule } from './types.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function baseInput(ctx: Context, opts: CommandInput['opts']) {
  const s = migrateSettings(ctx.config, { dir: str(opts.dir), lockTimeout: str(opts.lockTimeout), statementTimeout: str(opts.statementTimeout) });
  return {
    target: { url: str(opts.url), instanceId: str(opts.instance) },
    dir: s.dir,
    lockTimeoutMs: s.lockTimeoutMs,
    statementTimeoutMs: s.statementTimeoutMs,
  };
}

function runInput(ctx: Context, opts: CommandInput['opts']): MigrateRunInput {
  return { ...baseInput(ctx, opts), allowDrift: Boolean(opts.allowDrift), dryRun: ctx.flags.dryRun || Boolean(opts.dryRun) };
}

function refused(ctx: Context, what: string): number {
  ctx.out.error(`${what}: the migration history and the files disagree (drift); nothing was changed.`);
  ctx.out.info('hint: restore the files as they were applied, or mark what was applied by hand with `dbops migrate baseline`; --allow-drift runs anyway.');
  return ExitCode.checksFailed;
}

export const status: CommandModule = {
  async run(ctx, { opts }) {
    ctx.out.result(await migrateStatus(ctx, baseInput(ctx, opts)), renderStatus);
  },
};

export const verify: CommandModule = {
  async run(ctx, { opts }) {
    const r = await migrateVerify(ctx, { ...baseInput(ctx, opts), strict: Boolean(opts.strict) });
    ctx.out.result(r, renderVerify);
    return r.ok ? undefined : ExitCode.checksFailed;
  },
};

export const up: CommandModule = {
  async run(ctx, { opts }) {
    const r = await migrateUp(ctx, { ...runInput(ctx, opts), to: opts.to === undefined ? undefined : parseVersionArg(opts.to as string, '--to') });
    ctx.out.result(r, renderUp);
    return r.status === 'refused' ? refused(ctx, 'Refused to migrate') : undefined;
  },
};

export const down: CommandModule = {
  async run(ctx, { opts }) {
    const r = await migrateDown(ctx, { ...runInput(ctx, opts), steps: (opts.steps as number | undefined) ?? 1 });
    ctx.out.result(r, renderDown);
    return r.status === 'refused' ? refused(ctx, 'Refused to revert') : undefined;
  },
};

export const baseline: CommandModule = {
  async run(ctx, { args, opts }) {
    const version = parseVersionArg(args[0] as string, 'baseline <version>');
    ctx.out.result(await migrateBaseline(ctx, { ...runInput(ctx, opts), version }), renderBaseline);
  },
};

export const newMigration: CommandModule = {
  async run(ctx, { args, opts }) {
    const r = await createMigrationFiles({
      dir: migrateSettings(ctx.config, { dir: str(opts.dir) }).dir,
      name: args[0] as string,
      noTransaction: opts.transaction === false,
      withDown: opts.down !== false,
      dryRun: ctx.flags.dryRun || Boolean(opts.dryRun),
    });
    ctx.out.result(r, renderNew);
  },
};

