import { describe, expect, it } from 'vitest';
import { SCHEDULE_NAMES } from '../../../src/lib/schedule/config.js';
import { scheduleNames } from '../../../src/lib/schedule/names.js';

describe('schedule names', () => {
  it('apply makes what render --target asl|iam prints (the model’s SCHEDULE_NAMES)', () => {
    const n = scheduleNames();
    expect([n.cluster, n.taskFamily, n.executionRole, n.logGroup, n.parameter, n.schedulerRole]).toEqual([
      SCHEDULE_NAMES.cluster,
      SCHEDULE_NAMES.taskDefinitionFamily,
      SCHEDULE_NAMES.executionRole,
      SCHEDULE_NAMES.logGroup,
      SCHEDULE_NAMES.configParameter,
      SCHEDULE_NAMES.schedulerRole,
    ]);
    for (const job of ['heartbeat', 'a-forty-character-job-name-abcdefghijklm']) {
      expect([n.taskRole(job), n.stateMachineRole(job), n.stateMachine(job), n.schedule(job)]).toEqual([
        SCHEDULE_NAMES.taskRole(job),
        SCHEDULE_NAMES.stateMachineRole(job),
        SCHEDULE_NAMES.stateMachine(job),
        SCHEDULE_NAMES.schedule(job),
      ]);
    }
  });

  it('tells a job’s state machine from dbops’ own names', () => {
    const n = scheduleNames();
    expect(['dbops-heartbeat', 'dbops-schedule-heartbeat', 'other-x'].map(n.jobOf)).toEqual(['heartbeat', undefined, undefined]);
  });
});
