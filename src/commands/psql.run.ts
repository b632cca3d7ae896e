import { runPsql } from '../lib/db/psql.js';
import { ExitCode } from '../lib/errors.js';
import { handler } from './define.js';
import * as def from './psql.js';

export const psql = handler(def.psql, async (ctx, { args, opts }) => {
  let first = args.id;
  let psqlArgs = args.psqlArgs;
  // `dbops psql -- -c "..."`: everything after -- is for psql, the instance is the default.
  if (first?.startsWith('-')) {
    psqlArgs = [first, ...psqlArgs];
    first = undefined;
  }
  const instanceId = first ?? ctx.config.database.identifier;
  const result = await runPsql(ctx, {
    instanceId,
    args: psqlArgs,
    stdout: ctx.out.json ? 'stderr' : 'inherit',
    connectHost: opts.connectHost,
  });
  if (ctx.out.json) ctx.out.result(result, () => '');
  if (result.exitCode !== 0) {
    ctx.out.error(`psql exited with ${result.exitCode} (an SQL error stopped it).`);
    return ExitCode.checksFailed;
  }
});
