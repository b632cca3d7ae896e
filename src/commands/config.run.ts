import { showConfig, validateConfigFile } from '../lib/config/show.js';
import { renderTable } from '../lib/output/format.js';
import * as def from './config.js';
import { handler } from './define.js';

export const show = handler(def.show, async (ctx) => {
  const result = showConfig(ctx);
  ctx.out.result(result, (r, c) =>
    [
      `Config file: ${r.file ?? c.dim("none (defaults: the seeds' free-tier profile)")}`,
      '',
      renderTable(
        [
          { header: 'KEY', value: (e: (typeof r.entries)[number]) => e.key },
          {
            header: 'VALUE',
            value: (e) => (e.value === undefined ? '-' : typeof e.value === 'string' ? e.value : JSON.stringify(e.value)),
          },
          { header: 'SOURCE', value: (e) => (e.source === 'default' ? c.dim(e.source) : e.source) },
        ],
        r.entries,
      ),
    ].join('\n'),
  );
});

export const validate = handler(def.validate, async (ctx, { args }) => {
  const result = validateConfigFile(process.cwd(), args.file);
  ctx.out.result(result, (r) => `${r.file}: valid.`);
});
