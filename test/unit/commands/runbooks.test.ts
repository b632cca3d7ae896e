/**
 * Every command in `dbops help` either follows (or answers its findings from) a runbook
 * the catalog declares, or is listed in runbooks/README.md as one without: read-only, or
 * a change too small for a procedure.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnyCommand, CommandDef } from '../../../src/commands/define.js';
import { COMMANDS } from '../../../src/commands/index.js';
import { runbookNames } from '../../../src/lib/runbook/catalog.js';

const INDEX = readFileSync(new URL('../../../runbooks/README.md', import.meta.url), 'utf8');

function leaves(defs: readonly AnyCommand[], path: string[] = []): [string, CommandDef][] {
  return defs.flatMap((d) =>
    d.subcommands ? leaves(d.subcommands, [...path, d.name]) : [[[...path, d.name].join(' '), d] as [string, CommandDef]],
  );
}

function all(defs: readonly AnyCommand[]): AnyCommand[] {
  return defs.flatMap((d) => [d, ...(d.subcommands ? all(d.subcommands) : [])]);
}

describe('the runbook of each command', () => {
  it('is a runbook the catalog declares', () => {
    const names = runbookNames();
    const unknown = all(COMMANDS)
      .filter((d) => d.runbook !== undefined && !names.includes(d.runbook))
      .map((d) => `${d.name}: ${d.runbook}`);
    expect(unknown).toEqual([]);
  });

  it('is named for every command that changes something, or the index lists it as one without', () => {
    const without = leaves(COMMANDS).filter(([, d]) => d.runbook === undefined);
    expect(without.filter(([path, d]) => d.mutates && !INDEX.includes(`\`${path}\``)).map(([p]) => p)).toEqual([]);
  });

  it('is named for every other command, or the index lists it as read-only', () => {
    const without = leaves(COMMANDS).filter(([, d]) => d.runbook === undefined);
    expect(without.map(([p]) => p).filter((p) => !INDEX.includes(`\`${p}\``))).toEqual([]);
  });

  it('is in the index table for every command that has one', () => {
    for (const [path, d] of leaves(COMMANDS).filter(([, x]) => x.runbook !== undefined)) {
      expect(INDEX, path).toContain(`(${d.runbook}.md)`);
    }
  });
});
