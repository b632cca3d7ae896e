import { showConfig, validateConfigFile } from '../lib/config/show.js';
import { renderTable } from '../lib/output/format.js';
import type { CommandModule } from './types.js';

export const show: CommandModule = {
  async run(ctx) {
    const result = showConfig(ctx);
    ctx.out.result(result, (r, c) =>
      [
        `Config file: ${r.file ?? c.dim('none (defaults: the seeds\' free-tier profile)')}`,
        '',
        renderTable(
          [
            { header: 'KEY', value: (e: (typeof r.entries)[number]) => e.key },
            { header: 'VALUE', value: (e) => (e.value === undefined ? '-' : typeof e.value === 'string' ? e.value : JSON.stringify(e.value)) },
            { header: 'SOURCE', value: (e) => (e.source === 'default' ? c.dim(e.source) : e.source) },
          ],
          r.entries,
        ),
      ].join('\n'),
    );
  },
};

export const validate: CommandModule = {
  async run(ctx, { args }) {
    const result = validateConfigFile(process.cwd(), args[0] as string | undefined);
    ctx.out.result(result, (r) => `${r.file}: valid.`);
  },
};
