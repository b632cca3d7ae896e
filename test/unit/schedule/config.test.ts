/**
 * The schedule model (pure): the seeds' default jobs, Scheduler expressions with the reason
 * a bad one is refused, the commands a job may name (checked against the command
 * definitions), the image, the network and the Distributed Map region checks.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/commands/index.js';
import type { AnyCommand } from '../../../src/commands/define.js';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { configSchema } from '../../../src/lib/config/schema.js';
import {
  checkDistributedMapRegion,
  checkImage,
  checkNetwork,
  NOT_UNATTENDED,
  resolveSchedule,
  runArgv,
  SCHEDULABLE,
  staticItems,
} from '../../../src/lib/schedule/config.js';
import { ExpressionProblem, parseExpression } from '../../../src/lib/schedule/expression.js';

const withSchedule = (schedule: DbopsConfig['schedule'], extra: Partial<DbopsConfig> = {}): DbopsConfig => ({
  ...DEFAULTS,
  ...extra,
  schedule,
});

function refusal(fn: () => unknown): { message: string; hint?: string; exitCode: number } {
  try {
    fn();
  } catch (e) {
    const err = e as { message: string; hint?: string; exitCode: number };
    return { message: err.message, ...(err.hint ? { hint: err.hint } : {}), exitCode: err.exitCode };
  }
  throw new Error('expected a refusal');
}

describe('the default schedule (the seeds)', () => {
  it('has the six jobs, each with its argv, expression and the configured database', () => {
    const model = resolveSchedule(DEFAULTS);
    expect(model.jobs.map((j) => [j.name, j.argv.join(' '), j.expression.text, j.timezone])).toEqual([
      ['heartbeat', 'heartbeat --json', 'rate(5 minutes)', 'UTC'],
      ['backup-status', 'backup status --json', 'cron(0 8 * * ? *)', 'UTC'],
      ['snapshot-policy', 'snapshot run-policy --json --yes', 'cron(0 5 ? * SUN *)', 'UTC'],
      ['restore-test', 'restore-test --json --yes', 'cron(0 5 1 * ? *)', 'UTC'],
      ['free-tier-report', 'free-tier-report --json', 'cron(0 7 * * ? *)', 'UTC'],
      ['dr-drill', 'dr-drill run --json', 'cron(0 6 1 1,4,7,10 ? *)', 'UTC'],
    ]);
    const backup = model.jobs[1]!;
    expect(staticItems(backup)).toEqual([{ id: 'recipe-db-primary', region: 'us-east-2' }]);
    expect(runArgv(backup, { id: 'recipe-db-primary', region: 'us-east-2' })).toEqual([
      'backup',
      'status',
      '--json',
      '--instance',
      'recipe-db-primary',
      '--region',
      'us-east-2',
    ]);
    expect(model.jobs[4]!.databases).toEqual({ kind: 'none' });
    expect(model.alarmTopic).toEqual({ name: 'recipe-db-primary-alarms' });
    expect([model.logRetentionDays, model.distributedMapThreshold, model.maxConcurrency, model.toleratedFailurePercentage]).toEqual([
      30, 40, 4, 0,
    ]);
  });

  it('a fleet that names a database twice is refused as `dbops fleet list` refuses it, not rendered twice', () => {
    const r = refusal(() =>
      resolveSchedule(withSchedule({}, { fleet: { databases: [{ identifier: 'a-db' }, { identifier: 'a-db' }], regions: ['us-east-2'] } })),
    );
    expect(r).toEqual({
      message: 'fleet.databases lists a-db in us-east-2 twice.',
      hint: 'Keep one entry per database; put its overrides in that entry.',
      exitCode: 2,
    });
  });

  it('a job time limit of 0 (no limit for systemd, an error for Step Functions) or above a year is refused', () => {
    expect(refusal(() => resolveSchedule(withSchedule({ jobs: { heartbeat: { timeout: '0s' } } })))).toEqual({
      message: "schedule.jobs.heartbeat.timeout 0s is refused: a run's time limit is from 1s to a year.",
      hint: "Leave it out for the command's own (120s), or give one such as 30min or 4h.",
      exitCode: 2,
    });
    expect(refusal(() => resolveSchedule(withSchedule({ jobs: { heartbeat: { timeout: '9000h' } } }))).message).toMatch(
      /^schedule\.jobs\.heartbeat\.timeout 9000h is refused/,
    );
    expect(resolveSchedule(withSchedule({ jobs: { heartbeat: { timeout: '30min' } } })).jobs[0]!.timeoutSeconds).toBe(1800);
  });

  it('a job of the config replaces the default of its name, or turns it off; a fleet gives its members', () => {
    const model = resolveSchedule(
      withSchedule(
        {
          timezone: 'Europe/Paris',
          jobs: { heartbeat: { enabled: false }, audit: { command: 'audit', expression: 'cron(0 6 ? * MON *)' } },
        },
        {
          fleet: { databases: [{ identifier: 'a-db' }, { identifier: 'b-db', region: 'us-west-2' }], regions: ['us-east-2', 'us-west-2'] },
        },
      ),
    );
    expect(model.jobs.find((j) => j.name === 'heartbeat')!.enabled).toBe(false);
    const whole = resolveSchedule(withSchedule({}, { fleet: { regions: ['us-east-2'] } }));
    expect(staticItems(whole.jobs[1]!)).toBeUndefined();
    const audit = model.jobs.find((j) => j.name === 'audit')!;
    expect([audit.command, audit.timezone, staticItems(audit)]).toEqual([
      'audit',
      'Europe/Paris',
      [
        { id: 'a-db', region: 'us-east-2' },
        { id: 'b-db', region: 'us-west-2' },
      ],
    ]);
  });

  it('the config schema accepts the section and refuses an unknown key with its path', () => {
    const ok = configSchema.safeParse({ ...DEFAULTS, schedule: { image: 'ghcr.io/acme/dbops:1.0', jobs: { x: { command: 'audit' } } } });
    expect(ok.success).toBe(true);
    const bad = configSchema.safeParse({ ...DEFAULTS, schedule: { jobs: { x: { cron: '* * * * *' } } } });
    expect(bad.success).toBe(false);
  });
});

describe('Scheduler expressions', () => {
  const reason = (text: string) => {
    const r = parseExpression(text);
    return r instanceof ExpressionProblem ? r.reason : 'accepted';
  };

  it('accepts the forms the Scheduler accepts', () => {
    for (const e of [
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(1 day)',
      'rate(12 hours)',
      'cron(0 8 * * ? *)',
      'cron(0/15 * ? * MON-FRI *)',
      'cron(0 5 ? * 2#1 *)',
      'cron(0 5 L * ? *)',
      'cron(0 5 15W * ? *)',
      'cron(0 5 ? * 6L 2027)',
      'cron(0 6 1 1,4,7,10 ? *)',
      'cron(30 2 ? JAN-MAR SUN,SAT 2026-2030)',
      'at(2026-12-31T23:00:00)',
    ]) {
      expect([e, reason(e)]).toEqual([e, 'accepted']);
    }
  });

  it('refuses the others, saying why', () => {
    expect(reason('*/5 * * * *')).toBe('it is neither cron(...), rate(...) nor at(...), the three forms EventBridge Scheduler accepts');
    expect(reason('cron(0 8 * * *)')).toBe('it has 5 fields; a Scheduler cron has six: minutes hours day-of-month month day-of-week year');
    expect(reason('cron(0 8 * * * *)')).toBe(
      'day-of-month (*) and day-of-week (*) are both set; the Scheduler needs one of them to be ? (it cannot combine them)',
    );
    expect(reason('cron(0 8 ? * ? *)')).toBe('day-of-month and day-of-week are both ?; exactly one of them is ?');
    expect(reason('cron(61 8 * * ? *)')).toBe('minutes "61": 61 is outside 0-59');
    expect(reason('cron(0 8 * * ? 1969)')).toBe('year "1969": 1969 is outside 1970-2199');
    expect(reason('cron(0 8 ? * 0 *)')).toBe('day-of-week "0": 0 is outside 1-7');
    expect(reason('cron(0 8 ? * 2#6 *)')).toBe('day-of-week "2#6": #6: a month has at most five of each weekday (1-5)');
    expect(reason('cron(0 8 ? * MON/2 *)')).toBe('day-of-week "MON/2": / (increments) is not allowed in day-of-week');
    expect(reason('cron(0 8 3#1 * ? *)')).toBe('day-of-month "3#1": # (nth weekday of the month) is allowed only in day-of-week');
    expect(reason('cron(0 L * * ? *)')).toBe('hours "L": L (last) is allowed only in day-of-month and day-of-week');
    expect(reason('cron(0 8 ? FOO * *)')).toBe('month "FOO": "FOO" is not a number or a name (JAN-DEC)');
    expect(reason('cron(0 8 ? * 3#1,6#3 *)')).toBe('day-of-week "3#1,6#3": 3#1 cannot be part of a list (one weekday#n per expression)');
    expect(reason('cron(5-2 8 * * ? *)')).toBe('minutes "5-2": the range 5-2 runs backwards (write it as two ranges, e.g. 5-59,0-2)');
    expect(reason('cron(0 22-2/2 * * ? *)')).toBe('hours "22-2/2": the range 22-2 runs backwards (write it as two ranges, e.g. 22-23,0-2)');
    expect(reason('cron(0 8 ? * FRI-MON *)')).toBe(
      'day-of-week "FRI-MON": the range FRI-MON runs backwards (write it as two ranges, e.g. FRI-SAT,SUN-MON)',
    );
    expect(reason('rate(99999999999999999999 days)')).toBe(
      'the rate value "99999999999999999999" is too large to be a whole number of days',
    );
    expect(reason('rate(1 minutes)')).toBe('a value of 1 takes the singular unit: rate(1 minute), not rate(1 minutes)');
    expect(reason('rate(5 minute)')).toBe('a value above 1 takes the plural unit: rate(5 minutes), not rate(5 minute)');
    expect(reason('rate(0 minutes)')).toBe('the rate value "0" is not a positive whole number');
    expect(reason('rate(2 weeks)')).toBe(
      'the unit "weeks" is not minute(s), hour(s) or day(s) (the Scheduler has no seconds, weeks or months)',
    );
    expect(reason('at(2026-02-30T10:00:00)')).toBe('2026-02-30T10:00:00 is not a date and time that exists');
    expect(reason('at(2026-02-01 10:00)')).toBe('"2026-02-01 10:00" is not yyyy-mm-ddThh:mm:ss');
  });

  it('a job with a bad one is a config error (exit 2) naming the job, the expression and the reason', () => {
    const r = refusal(() => resolveSchedule(withSchedule({ jobs: { 'backup-status': { expression: 'cron(0 8 * * *)' } } })));
    expect(r.message).toBe(
      'schedule.jobs.backup-status.expression cron(0 8 * * *) is refused: it has 5 fields; a Scheduler cron has six: minutes hours day-of-month month day-of-week year.',
    );
    expect(r.exitCode).toBe(2);
    expect(r.hint).toMatch(/cron\(0 8 \* \* \? \*\)/);
  });
});

describe('commands a job may name', () => {
  /** Every command path of the CLI, subcommands included. */
  function paths(cmds: readonly AnyCommand[], prefix = ''): string[] {
    return cmds.flatMap((c) => {
      const p = prefix ? `${prefix} ${c.name}` : c.name;
      return c.subcommands ? paths(c.subcommands, p) : [p];
    });
  }
  const all = paths(COMMANDS);

  it('each schedulable command exists, takes --json, and --instance when it runs per database', () => {
    const find = (path: string): AnyCommand => {
      let list: readonly AnyCommand[] = COMMANDS;
      let found: AnyCommand | undefined;
      for (const w of path.split(' ')) {
        found = list.find((c) => c.name === w);
        list = found?.subcommands ?? [];
      }
      return found!;
    };
    for (const c of Object.values(SCHEDULABLE)) {
      expect(all).toContain(c.path);
      const def = find(c.path);
      if (c.perDatabase) expect([c.path, Object.keys(def.options ?? {})]).toEqual([c.path, expect.arrayContaining(['instance'])]);
      if (c.unattended.includes('--yes')) expect([c.path, def.mutates]).toEqual([c.path, true]);
      if (c.perDatabase) expect([c.path, Boolean(c.fleet)]).toEqual([c.path, Object.keys(def.options ?? {}).includes('select')]);
    }
  });

  it('the refused ones exist too, and the wizard is refused with its reason', () => {
    for (const key of Object.keys(NOT_UNATTENDED)) expect(all).toContain(key.replace(/ --.*$/, ''));
    const r = refusal(() => resolveSchedule(withSchedule({ jobs: { setup: { command: 'init', expression: 'rate(1 day)' } } })));
    expect(r.message).toBe(
      'schedule.jobs.setup: `init` cannot run unattended: init is the setup wizard: it asks its questions on a terminal.',
    );
    expect(refusal(() => resolveSchedule(withSchedule({ jobs: { x: { command: 'psql', expression: 'rate(1 day)' } } }))).message).toMatch(
      /`psql` cannot run unattended: psql is an interactive session/,
    );
    expect(
      refusal(() => resolveSchedule(withSchedule({ jobs: { x: { command: 'dr-drill --interactive', expression: 'rate(1 day)' } } })))
        .message,
    ).toMatch(/cannot run unattended: a game-day drill/);
    expect(
      refusal(() => resolveSchedule(withSchedule({ jobs: { x: { command: 'vector tune', expression: 'rate(1 day)' } } }))).message,
    ).toBe('schedule.jobs.x: `vector tune` is not a command dbops runs on a schedule.');
  });
});

describe('where the schedule runs', () => {
  it('the image must be a full URI', () => {
    expect(checkImage('123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:1.4.0')).toBe(
      '123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:1.4.0',
    );
    expect(checkImage(`ghcr.io/acme/dbops@sha256:${'a'.repeat(64)}`)).toMatch(/^ghcr/);
    expect(checkImage('localhost:5000/dbops:dev')).toBe('localhost:5000/dbops:dev');
    expect(refusal(() => checkImage('dbops:1.0')).message).toBe(
      'schedule.image dbops:1.0 is not a full image URI: it names no registry host.',
    );
    expect(refusal(() => checkImage('ghcr.io/acme/dbops')).message).toBe(
      'schedule.image ghcr.io/acme/dbops is not a full image URI: it has no tag or digest (a moving "latest" would change what runs unseen).',
    );
    expect(refusal(() => checkImage(undefined)).exitCode).toBe(2);
  });

  it('a private database needs subnets and a security group', () => {
    const model = resolveSchedule(DEFAULTS);
    expect(refusal(() => checkNetwork(model, DEFAULTS)).message).toBe(
      'schedule.subnets and schedule.securityGroups are not set, and recipe-db-primary is private: the tasks could not reach it.',
    );
    const half = resolveSchedule(withSchedule({ subnets: ['subnet-0abc'] }));
    expect(refusal(() => checkNetwork(half, DEFAULTS)).message).toMatch(
      /^schedule.securityGroups is not set, and recipe-db-primary is private/,
    );
    const full = resolveSchedule(withSchedule({ subnets: ['subnet-0abc'], securityGroups: ['sg-0abc'] }));
    expect(() => checkNetwork(full, DEFAULTS)).not.toThrow();
  });

  it('a Distributed Map only where Step Functions has one', () => {
    const model = { ...resolveSchedule(DEFAULTS), region: 'us-gov-west-1' };
    const job = model.jobs[1]!;
    expect(() => checkDistributedMapRegion(model, job, 40)).not.toThrow();
    const r = refusal(() => checkDistributedMapRegion(model, job, 41));
    expect(r.message).toBe(
      'schedule.jobs.backup-status runs over 41 databases, more than schedule.distributedMapThreshold (40), which needs a Step Functions Distributed Map, and us-gov-west-1 is not a region dbops knows to have one.',
    );
    expect(() => checkDistributedMapRegion({ ...model, region: 'us-east-2' }, job, 500)).not.toThrow();
  });
});
