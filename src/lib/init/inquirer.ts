/** The wizard's asker on a terminal: @inquirer/prompts, loaded on first use, drawing on stderr. */
import type { AskFn } from './wizard.js';

export function inquirerAsk(): AskFn {
  return async (q) => {
    const p = await import('@inquirer/prompts');
    const ctx = { output: process.stderr };
    const validate = (v: unknown) => (q.validate ? q.validate(v) : true);
    switch (q.kind) {
      case 'select':
        return p.select({ message: q.message, choices: q.choices ?? [], default: q.default }, ctx);
      case 'confirm':
        return p.confirm({ message: q.message, default: Boolean(q.default) }, ctx);
      case 'number':
        return p.number(
          {
            message: q.message,
            default: q.default as number,
            required: true,
            validate: (v) => (v === undefined ? 'A number, please.' : validate(v)),
          },
          ctx,
        );
      default:
        return p
          .input({ message: q.message, default: String(q.default ?? ''), validate: (v) => validate(v.trim()) }, ctx)
          .then((v) => v.trim());
    }
  };
}
