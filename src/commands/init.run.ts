import { resolve } from 'node:path';
import { CONFIG_FILE_NAME } from '../lib/config/defaults.js';
import { inquirerAsk } from '../lib/init/inquirer.js';
import { presetAnswers, withGiven } from '../lib/init/preset.js';
import { runInit } from '../lib/init/wizard.js';
import { handler } from './define.js';
import * as def from './init.js';

export const init = handler(def.init, async (ctx, { opts }) => {
  const target = resolve(process.cwd(), opts.output ?? CONFIG_FILE_NAME);
  const result = await runInit({
    target,
    defaults: opts.defaults,
    force: opts.force,
    dryRun: ctx.flags.dryRun,
    preset: presetAnswers(ctx.loaded),
    given: (tree) => withGiven(tree, ctx.loaded),
    out: ctx.out,
    prompt: ctx.prompt,
    ...(ctx.out.interactive ? { ask: inquirerAsk() } : {}),
    lookupIdentity: async (region, profile) => {
      const { lookupAwsIdentity } = await import('../lib/providers/provision.js');
      return lookupAwsIdentity(region, profile, ctx.env);
    },
  });
  ctx.out.result(
    {
      file: result.file,
      written: result.written,
      overwritten: result.overwritten,
      estimatedMonthlyUsd: result.estimatedMonthlyUsd,
      ...(result.account ? { account: result.account } : {}),
    },
    (r) =>
      r.written
        ? `Wrote ${r.file}${r.overwritten ? ' (overwritten)' : ''}. Next: dbops config validate, then dbops provision plan.`
        : ctx.flags.dryRun
          ? `Dry run: ${r.file} not written (the file is shown above).`
          : `Not written: ${r.file} was left as it was.`,
  );
});
