/**
 * The command definitions: every handler is bound to its definition, and the option and
 * argument builders turn what commander holds into the typed values handlers receive.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { arg, defineCommand, examples, handler, opt, type AnyCommand, type CommandDef, type Lazy } from '../../../src/commands/define.js';
import { COMMANDS } from '../../../src/commands/index.js';
import { UsageError } from '../../../src/lib/errors.js';

function leaves(defs: readonly AnyCommand[], path: string[] = []): [string, CommandDef][] {
  return defs.flatMap((d) =>
    d.subcommands ? leaves(d.subcommands, [...path, d.name]) : [[[...path, d.name].join(' '), d] as [string, CommandDef]],
  );
}

describe('the command list', () => {
  it('loads, for every command, the handler made from its own definition', async () => {
    // GIVEN every runnable command of src/commands/index.ts
    const all = leaves(COMMANDS);
    expect(all.length).toBeGreaterThan(30);
    for (const [name, def] of all) {
      // WHEN its handler is loaded THEN it was built by handler(def, ...) from that definition
      const h = await def.load();
      expect(h.def, name).toBe(def);
      expect(typeof h.run, name).toBe('function');
    }
  });

  it('gives every option a distinct key and flag within its command', () => {
    for (const [name, def] of leaves(COMMANDS)) {
      const flags = Object.values(def.options ?? {}).map((o) => o.flags.split(/[ ,]+/).find((f) => f.startsWith('--')));
      expect(new Set(flags).size, name).toBe(flags.length);
    }
  });
});

describe('option builders', () => {
  it('strings: the text, or the default, or undefined', () => {
    expect(opt.string('--instance <id>', '').value('db-1')).toBe('db-1');
    expect(opt.string('--instance <id>', '').value(undefined)).toBeUndefined();
    expect(opt.string('--candidates <pairs>', '', { default: '16:64' }).value(undefined)).toBe('16:64');
  });

  it('flags: true only when given; a --no-x flag is true when --no-x is given', () => {
    expect(opt.flag('--keep', '').value(true)).toBe(true);
    expect(opt.flag('--keep', '').value(undefined)).toBe(false);
    // commander holds `down: false` for --no-down and `down: true` without it
    expect(opt.flag('--no-down', '').value(false)).toBe(true);
    expect(opt.flag('--no-down', '').value(true)).toBe(false);
  });

  it('numbers are parsed once, with a usage error on bad input', () => {
    const steps = opt.int('--steps <n>', '', { default: 1, min: 1 });
    expect(steps.parse!('3')).toBe(3);
    expect(steps.value(undefined)).toBe(1);
    expect(() => steps.parse!('3.5')).toThrow(new UsageError('--steps expects a whole number, got "3.5".'));
    expect(() => steps.parse!('0')).toThrow('--steps must be a whole number of at least 1, got 0.');
    expect(opt.float('--target-recall <r>', '').parse!('0.95')).toBe(0.95);
    expect(() => opt.float('--target-recall <r>', '').parse!('high')).toThrow('--target-recall expects a number, got "high".');
  });

  it('durations are milliseconds, parsed by the one duration parser', () => {
    const d = opt.duration('--lock-timeout <duration>', '');
    expect(d.parse!('10s')).toBe(10_000);
    expect(() => d.parse!('soon')).toThrow('--lock-timeout expects a duration such as 10s, 500ms or 2min, got "soon".');
  });

  it('choices keep only listed values; a required string names itself when missing', () => {
    const type = opt.choice('--type <type>', '', ['manual', 'automated', 'all'], { default: 'all' });
    expect(type.choices).toEqual(['manual', 'automated', 'all']);
    expect(type.value('manual')).toBe('manual');
    expect(type.value(undefined)).toBe('all');
    expectTypeOf(type.value).returns.toEqualTypeOf<'manual' | 'automated' | 'all'>();
    const table = opt.requiredString('--table <table>', '', { message: '--table is required.', hint: 'name a table' });
    expect(table.value('items')).toBe('items');
    expect(() => table.value(undefined)).toThrow(new UsageError('--table is required.', { hint: 'name a table' }));
  });

  it('arguments are typed from their syntax', () => {
    expect(arg('<id>', '').value('x')).toBe('x');
    expect(() => arg('<id>', '').value(undefined)).toThrow(UsageError);
    expect(arg('[id]', '').value(undefined)).toBeUndefined();
    expect(arg('[rest...]', '').value(undefined)).toEqual([]);
    expect(arg('[rest...]', '').value(['-c', 'select 1'])).toEqual(['-c', 'select 1']);
    expectTypeOf(arg('<id>', '').value).returns.toEqualTypeOf<string>();
    expectTypeOf(arg('[id]', '').value).returns.toEqualTypeOf<string | undefined>();
    expectTypeOf(arg('[rest...]', '').value).returns.toEqualTypeOf<string[]>();
  });
});

describe('handler types come from the definition', () => {
  const example = defineCommand({
    name: 'example',
    summary: 'an example',
    examples: [],
    args: { id: arg('<id>', 'an id') },
    options: {
      instance: opt.string('--instance <id>', 'an instance'),
      concurrency: opt.int('--concurrency <n>', 'connections', { default: 4 }),
      distance: opt.choice('--distance <d>', 'a distance', ['cosine', 'l2'] as const),
      keep: opt.flag('--keep', 'keep it'),
    },
    load: (): Lazy => Promise.reject(new Error('not loaded in this test')),
  });

  it('types opts and args without a cast; an option that is not defined does not compile', async () => {
    let seen: unknown;
    const h = handler(example, async (_ctx, { args, opts }) => {
      expectTypeOf(args.id).toEqualTypeOf<string>();
      expectTypeOf(opts.instance).toEqualTypeOf<string | undefined>();
      expectTypeOf(opts.concurrency).toEqualTypeOf<number>();
      expectTypeOf(opts.distance).toEqualTypeOf<'cosine' | 'l2' | undefined>();
      expectTypeOf(opts.keep).toEqualTypeOf<boolean>();
      // @ts-expect-error: --instance-id is not an option of this command (`npm run typecheck` proves it)
      seen = opts.instanceId;
      seen ??= opts.instance;
    });
    await h.run({} as never, { args: { id: 'a' }, opts: { instance: 'db-1', concurrency: 4, distance: undefined, keep: false } });
    expect(seen).toBe('db-1');
  });
});

describe('examples are written as help shows them', () => {
  it('reads "$ command   # description" lines, ignoring blank lines and indentation', () => {
    expect(
      examples(`
        $ dbops snapshot list --json          # every snapshot as JSON
        $ 0 5 1 * * dbops restore-test --quiet   # cron: the monthly test, with a # in the text
      `),
    ).toEqual([
      { command: 'dbops snapshot list --json', description: 'every snapshot as JSON' },
      { command: '0 5 1 * * dbops restore-test --quiet', description: 'cron: the monthly test, with a # in the text' },
    ]);
  });

  it('refuses a line without the $ prompt or the # description', () => {
    expect(() => examples('dbops status   # no prompt')).toThrow(
      'An example reads "$ <command>   # <what it shows>", not: dbops status   # no prompt',
    );
    expect(() => examples('$ dbops status')).toThrow('not: $ dbops status');
  });

  it('every command has at least one example', () => {
    const all = (cs: readonly AnyCommand[]): AnyCommand[] =>
      cs.flatMap((c) => ('subcommands' in c && c.subcommands ? [c, ...all(c.subcommands)] : [c]));
    expect(
      all(COMMANDS)
        .filter((c) => c.examples.length === 0)
        .map((c) => c.name),
    ).toEqual([]);
  });
});

describe('the help of a command with fleet options', () => {
  it("shows the command's own description first and what --all / --select do last", async () => {
    const { buildProgram } = await import('../../../src/program.js');
    const program = buildProgram({ code: 0, controller: new AbortController(), jsonMode: false, resultWritten: false });
    const every = (defs: readonly AnyCommand[], path: string[] = []): [string, AnyCommand][] =>
      defs.flatMap((d) => [[[...path, d.name].join(' '), d] as [string, AnyCommand], ...every(d.subcommands ?? [], [...path, d.name])]);
    const fleetCommands = every(COMMANDS).filter(([, d]) => d.fleet || Object.values(d.options ?? {}).some((o) => o.flags === '--all'));
    expect(fleetCommands.filter(([, d]) => d.fleet).map(([n]) => n)).toEqual(
      expect.arrayContaining(['audit', 'dr-drill run', 'restore-test', 'status', 'migrate status', 'free-tier-report', 'gc']),
    );
    for (const [name, def] of fleetCommands) {
      // Commander wraps the text; compare it unwrapped, paragraph by paragraph.
      let cmd = program;
      for (const part of name.split(' ')) cmd = cmd.commands.find((c) => c.name() === part)!;
      const help = cmd.helpInformation().replace(/(?<!\n)\n(?!\n)/g, ' ');
      const paragraphs = help.split(/\n\n+/).map((p) => p.trim());
      const first = (def.description ?? def.summary).split('\n\n')[0]!.slice(0, 40);
      expect(paragraphs[1], name).toContain(first);
      expect(def.description ?? '', `${name}: the fleet paragraph goes in fleet:`).not.toMatch(/With --all/);
      if (def.fleet)
        expect(
          paragraphs.findLastIndex((p) => p.startsWith('With --all')),
          name,
        ).toBe(paragraphs.findIndex((p) => /^(Arguments|Options):/.test(p)) - 1);
    }
  });
});
