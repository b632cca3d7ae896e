import { renderRunbookMarkdown, showRunbook } from '../lib/runbook/show.js';
import { handler } from './define.js';
import * as def from './runbook.js';

export const runbook = handler(def.runbook, async (ctx, { args }) => {
  const shown = showRunbook({ name: args.name, id: args.id });
  ctx.out.result(shown, (r, c) => renderRunbookMarkdown(r.markdown, c));
});
