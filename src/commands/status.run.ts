import { databaseStatus } from '../lib/instances/clusters.js';
import { renderDatabaseStatus } from '../lib/instances/render.js';
import { handler } from './define.js';
import * as def from './status.js';

export const status = handler(def.status, async (ctx, { args }) => {
  const status = await databaseStatus(ctx, args.id ?? ctx.config.database.identifier);
  ctx.out.result(status, renderDatabaseStatus);
});
