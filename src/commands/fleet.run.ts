import { fleetList } from '../lib/fleet/list.js';
import { renderFleetList } from '../lib/fleet/render.js';
import { handler } from './define.js';
import * as def from './fleet.js';
import { fleetRequest } from './fleet-options.js';

export const list = handler(def.list, async (ctx, { opts }) => {
  const result = await fleetList(ctx, fleetRequest(ctx, opts));
  ctx.out.result(result, renderFleetList);
  return result.exitCode;
});
