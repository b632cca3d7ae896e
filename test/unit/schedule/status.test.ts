/**
 * The failure of an execution as `dbops schedule status` shows it: the step and sentence of
 * dbops' own error line in the failed task's log first, else what the execution says.
 */
import { describe, expect, it } from 'vitest';
import { errorLineOf, failureOf } from '../../../src/lib/schedule/status.js';

const cause = JSON.stringify({
  TaskArn: 'arn:aws:ecs:us-east-1:123456789012:task/dbops-schedule/abc',
  Overrides: { ContainerOverrides: [{ Name: 'dbops', Command: ['backup', 'status', '--json', '--instance', 'prod-db'] }] },
  StoppedReason: 'Essential container in task exited',
});

describe('failure of a scheduled run', () => {
  it('the last `error [step XX-n]:` line of the log gives the step and the sentence; the database comes from the task', () => {
    const lines = [
      'error [step BK-1]: an earlier line, of a retried call.',
      '{ "ok": false }',
      'error [step BK-2]: No automated backup of prod-db in the last 26 h.',
      'hint: Check the backup window.',
    ];
    expect(failureOf({ failedTask: { error: 'States.TaskFailed', cause, logLines: lines } })).toEqual({
      database: 'prod-db',
      step: 'BK-2',
      error: 'No automated backup of prod-db in the last 26 h.',
    });
  });

  it('an error line without a step gives the sentence only; no error line leaves the execution’s own account', () => {
    expect(errorLineOf(['error: The config is not valid.', 'hint: x'])).toEqual({ error: 'The config is not valid.' });
    expect(errorLineOf(['starting', 'hint: only a hint'])).toBeUndefined();
    expect(failureOf({ failedTask: { cause, logLines: ['starting'] } })).toEqual({
      database: 'prod-db',
      error: 'Essential container in task exited',
    });
  });
});
