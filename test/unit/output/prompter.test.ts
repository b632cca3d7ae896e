import { describe, expect, it } from 'vitest';
import { createPrompter } from '../../../src/lib/context.js';
import { UsageError } from '../../../src/lib/errors.js';
import type { Output } from '../../../src/lib/output/output.js';
import { testOutput } from '../../_helpers/output.js';

/** An Output that must not be used to ask anything. */
function nonInteractiveOut(): Output {
  return { interactive: false } as Output;
}

describe('createPrompter', () => {
  it('returns true with --yes without asking', async () => {
    // GIVEN --yes, even on a non-interactive output WHEN confirming THEN it is true
    const prompt = createPrompter(nonInteractiveOut(), true);
    await expect(prompt.confirm('Delete instance recipe-db-primary?')).resolves.toBe(true);
  });

  it('refuses without a TTY and without --yes (UsageError, exit 2, hint names --yes)', async () => {
    // GIVEN a non-interactive output (cron, a pipe) and no --yes
    const { out } = await testOutput({ tty: false });
    expect(out.interactive).toBe(false);
    const prompt = createPrompter(out, false);
    // WHEN confirming THEN it refuses instead of guessing
    let error: unknown;
    try {
      await prompt.confirm('Delete instance recipe-db-primary?');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const e = error as UsageError;
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('usage');
    expect(e.message).toBe('Refusing without confirmation: Delete instance recipe-db-primary?');
    expect(e.hint).toContain('--yes');
    expect(e.hint).toContain('--dry-run');
  });
});
