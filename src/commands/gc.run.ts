import { ExitCode } from '../lib/errors.js';
import { gc as collect } from '../lib/snapshots/gc.js';
import { renderGc } from '../lib/snapshots/render.js';
import { handler } from './define.js';
import * as def from './gc.js';

/** `dbops gc`: exit 3 when a deletion failed (the rest went on; rendered first). */
export const gc = handler(def.gc, async (ctx) => {
  const result = await collect(ctx);
  ctx.out.result(result, renderGc);
  return result.failed.length > 0 ? ExitCode.environment : undefined;
});
