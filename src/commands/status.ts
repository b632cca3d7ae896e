import { describeInstance } from '../lib/instances/instances.js';
import { renderInstanceDetail } from '../lib/instances/render.js';
import type { CommandModule } from './types.js';

export const status: CommandModule = {
  async run(ctx, { args }) {
    const id = (args[0] as string | undefined) ?? ctx.config.database.identifier;
    const instance = await describeInstance(ctx, id);
    ctx.out.result(instance, renderInstanceDetail);
  },
};
