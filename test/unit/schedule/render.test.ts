/**
 * `dbops schedule render`: crontab and systemd by exact string, the translation of each kind
 * of expression (and the ones a target cannot express), every Kubernetes manifest valid
 * against the batch/v1 CronJob schema twice: kubernetes-models' own validator (generated from
 * the Kubernetes OpenAPI definitions), and cronjob.schema.json (its source in its $comment),
 * stricter in refusing keys the API does not know,
 * the IAM policies from the operations table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { COMMAND_OPERATIONS } from '../../../src/lib/providers/aws/operations.js';
import { resolveSchedule } from '../../../src/lib/schedule/config.js';
import { type CronExpression, parseExpression } from '../../../src/lib/schedule/expression.js';
import {
  kubernetesManifests,
  renderCrontab,
  renderSystemd,
  toFiveFieldCron,
  toOnCalendar,
  Untranslatable,
} from '../../../src/lib/schedule/render.js';
import { renderSchedule } from '../../../src/lib/schedule/render-target.js';
import { runDbops } from '../../_helpers/run-dbops.js';
import { tempDir } from '../../_helpers/tmp.js';

const IMAGE = '123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:0.1.0';
const config = (schedule: DbopsConfig['schedule'] = {}): DbopsConfig => ({
  ...DEFAULTS,
  database: { ...DEFAULTS.database, identifier: 'recipe-db' },
  schedule: { image: IMAGE, ...schedule },
});
const cron = (text: string) => parseExpression(text) as CronExpression;
const why = (r: unknown) => (r instanceof Untranslatable ? `untranslatable: ${r.reason}` : r);

describe('crontab', () => {
  it('the seeds’ schedule, exactly', () => {
    expect(renderCrontab(resolveSchedule(config({ jobs: { heartbeat: { enabled: false } } })))).toBe(
      [
        '# dbops schedule (dbops schedule render --target crontab)',
        "# cron starts each line in the home directory of this crontab's user: dbops finds dbops.config.yaml there.",
        'CRON_TZ=UTC',
        '',
        '# heartbeat: dbops heartbeat, rate(5 minutes) (disabled: schedule.jobs.heartbeat.enabled)',
        '# */5 * * * *  dbops heartbeat --quiet --instance recipe-db --region us-east-2',
        '',
        '# backup-status: dbops backup status, cron(0 8 * * ? *)',
        '0 8 * * *  dbops backup status --quiet --instance recipe-db --region us-east-2',
        '',
        '# snapshot-policy: dbops snapshot run-policy, cron(0 5 ? * SUN *)',
        '0 5 * * sun  dbops snapshot run-policy --quiet --yes --instance recipe-db --region us-east-2',
        '',
        '# restore-test: dbops restore-test, cron(0 5 1 * ? *)',
        '0 5 1 * *  dbops restore-test --quiet --yes --instance recipe-db --region us-east-2',
        '',
        '# free-tier-report: dbops free-tier-report, cron(0 7 * * ? *)',
        '0 7 * * *  dbops free-tier-report --quiet',
        '',
        '# dr-drill: dbops dr-drill run, cron(0 6 1 1,4,7,10 ? *)',
        '0 6 1 1,4,7,10 *  dbops dr-drill run --quiet --instance recipe-db --region us-east-2',
        '',
      ].join('\n'),
    );
  });

  it('translates each kind of expression, and says which it cannot', () => {
    const t = (text: string) => why(toFiveFieldCron(parseExpression(text) as CronExpression));
    expect(t('rate(1 minute)')).toBe('* * * * *');
    expect(t('rate(15 minutes)')).toBe('*/15 * * * *');
    expect(t('rate(6 hours)')).toBe('0 */6 * * *');
    expect(t('rate(1 day)')).toBe('0 0 * * *');
    expect(t('cron(0/20 9-17 ? * MON-FRI *)')).toBe('0-59/20 9-17 * * mon-fri');
    expect(t('cron(0 3 ? * 1,7 *)')).toBe('0 3 * * 0,6');
    expect(t('rate(7 minutes)')).toBe('untranslatable: rate(7 minutes): 7 does not divide the hour');
    expect(t('rate(3 days)')).toBe('untranslatable: rate(3 days): every 3 days has no cron equivalent (months differ)');
    expect(t('cron(0 5 L * ? *)')).toBe(
      'untranslatable: cron(0 5 L * ? *): day-of-month L; crontab and Kubernetes have five fields, no year, and no L, W or #',
    );
    expect(t('cron(0 5 ? * 2#1 *)')).toMatch(/^untranslatable: .*day-of-week 2#1/);
    expect(t('cron(0 5 1 * ? 2027)')).toMatch(/^untranslatable: .*a year \(2027\)/);
    expect(t('at(2026-12-31T23:00:00)')).toBe('untranslatable: at(2026-12-31T23:00:00) runs once; crontab and Kubernetes CronJobs repeat');
  });

  it('a job whose expression cannot be written is said in the file', () => {
    const text = renderCrontab(resolveSchedule(config({ jobs: { 'dr-drill': { expression: 'cron(0 6 ? 1,4,7,10 2#1 *)' } } })));
    expect(text).toContain(
      '# dr-drill: dbops dr-drill run, cron(0 6 ? 1,4,7,10 2#1 *)\n# not rendered: cron(0 6 ? 1,4,7,10 2#1 *): day-of-week 2#1; crontab and Kubernetes have five fields, no year, and no L, W or #\n',
    );
  });
});

describe('systemd', () => {
  it('OnCalendar from the cron expressions, with the time zone', () => {
    const t = (text: string) => why(toOnCalendar(cron(text), 'Europe/Paris'));
    expect(t('cron(0 8 * * ? *)')).toBe('*-*-* 08:00:00 Europe/Paris');
    expect(t('cron(0 5 ? * SUN *)')).toBe('Sun *-*-* 05:00:00 Europe/Paris');
    expect(t('cron(0 6 1 1,4,7,10 ? *)')).toBe('*-01,04,07,10-01 06:00:00 Europe/Paris');
    expect(t('cron(0/15 9-17 ? * MON-FRI *)')).toBe('Mon..Fri *-*-* 09..17:00/15:00 Europe/Paris');
    expect(t('cron(30 2 L * ? 2027)')).toBe('2027-*~01 02:30:00 Europe/Paris');
    expect(t('cron(0 5 ? * 2#1 *)')).toBe(
      'untranslatable: cron(0 5 ? * 2#1 *): systemd calendars have no nearest weekday (W), nth weekday (#) or last weekday (nL)',
    );
  });

  it('a service and a timer per job, exactly (two jobs shown)', () => {
    const model = resolveSchedule(config());
    const only = { ...model, jobs: model.jobs.filter((j) => j.name === 'heartbeat' || j.name === 'snapshot-policy') };
    expect(renderSystemd(only)).toBe(
      [
        '# dbops schedule (dbops schedule render --target systemd): put each unit in /etc/systemd/system,',
        '# then `systemctl daemon-reload` and `systemctl enable --now dbops-<job>.timer` for each timer.',
        '',
        '# /etc/systemd/system/dbops-heartbeat.service',
        '[Unit]',
        'Description=dbops heartbeat (job heartbeat)',
        'Wants=network-online.target',
        'After=network-online.target',
        '',
        '[Service]',
        'Type=oneshot',
        'User=dbops',
        'ExecStart=/usr/bin/env dbops heartbeat --json --instance recipe-db --region us-east-2',
        'TimeoutStartSec=120',
        '',
        '# /etc/systemd/system/dbops-heartbeat.timer',
        '[Unit]',
        'Description=dbops heartbeat: rate(5 minutes)',
        '',
        '[Timer]',
        'OnBootSec=5min',
        'OnUnitActiveSec=5min',
        'Unit=dbops-heartbeat.service',
        '',
        '[Install]',
        'WantedBy=timers.target',
        '',
        '# /etc/systemd/system/dbops-snapshot-policy.service',
        '[Unit]',
        'Description=dbops snapshot run-policy (job snapshot-policy)',
        'Wants=network-online.target',
        'After=network-online.target',
        '',
        '[Service]',
        'Type=oneshot',
        'User=dbops',
        'ExecStart=/usr/bin/env dbops snapshot run-policy --json --yes --instance recipe-db --region us-east-2',
        'TimeoutStartSec=3600',
        '',
        '# /etc/systemd/system/dbops-snapshot-policy.timer',
        '[Unit]',
        'Description=dbops snapshot run-policy: cron(0 5 ? * SUN *)',
        '',
        '[Timer]',
        'OnCalendar=Sun *-*-* 05:00:00 UTC',
        'Persistent=true',
        'Unit=dbops-snapshot-policy.service',
        '',
        '[Install]',
        'WantedBy=timers.target',
        '',
      ].join('\n'),
    );
  });
});

describe('Kubernetes', () => {
  const Ajv = createRequire(import.meta.url)('ajv') as new (
    o: object,
  ) => {
    compile: (s: object) => ((d: unknown) => boolean) & { errors?: unknown };
  };
  const schema = JSON.parse(readFileSync(new URL('./cronjob.schema.json', import.meta.url), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('every manifest of the rendered stream is a valid batch/v1 CronJob: same image, command, Forbid, time zone', () => {
    const text = renderSchedule(
      config({ timezone: 'Europe/Paris', jobs: { audit: { command: 'audit', expression: 'cron(0 6 ? * MON *)', enabled: false } } }),
      { target: 'kubernetes' },
    ).text;
    const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toHaveLength(7);
    for (const doc of docs) {
      const ok = validate(doc);
      expect([doc.metadata, ok ? 'valid' : validate.errors]).toEqual([doc.metadata, 'valid']);
      expect(() => new CronJob(doc as ConstructorParameters<typeof CronJob>[0]).validate()).not.toThrow();
    }
    const spec = (d: Record<string, unknown>) => d.spec as Record<string, unknown>;
    expect(docs.map((d) => [(d.metadata as { name: string }).name, spec(d).schedule, spec(d).suspend])).toEqual([
      ['dbops-heartbeat', '*/5 * * * *', false],
      ['dbops-backup-status', '0 8 * * *', false],
      ['dbops-snapshot-policy', '0 5 * * sun', false],
      ['dbops-restore-test', '0 5 1 * *', false],
      ['dbops-free-tier-report', '0 7 * * *', false],
      ['dbops-dr-drill', '0 6 1 1,4,7,10 *', false],
      ['dbops-audit', '0 6 * * mon', true],
    ]);
    expect(docs.every((d) => spec(d).concurrencyPolicy === 'Forbid' && spec(d).timeZone === 'Europe/Paris')).toBe(true);
    expect(
      (docs[1] as { spec: { jobTemplate: { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } } } }).spec
        .jobTemplate.spec.template.spec.containers[0],
    ).toMatchObject({ image: IMAGE, args: ['backup', 'status', '--json', '--instance', 'recipe-db', '--region', 'us-east-2'] });
  });

  it('the schema check can fail: a misspelt key or a wrong policy is refused', () => {
    const [m] = kubernetesManifests(resolveSchedule(config()), IMAGE).manifests as [Record<string, Record<string, unknown>>];
    expect(validate({ ...m, spec: { ...m.spec, concurrencyPolicy: 'Never' } })).toBe(false);
    expect(validate({ ...m, spec: { ...m.spec, timezone: 'UTC' } })).toBe(false);
    const wrongPolicy = { ...m, spec: { ...m.spec, concurrencyPolicy: 'Never' } } as unknown as ConstructorParameters<typeof CronJob>[0];
    expect(() => new CronJob(wrongPolicy).validate()).toThrow(/concurrencyPolicy must be equal to one of the allowed values/);
  });

  it('needs a full image URI', () => {
    expect(() => renderSchedule(config({ image: 'dbops:latest' }), { target: 'kubernetes' })).toThrow(/not a full image URI/);
  });
});

describe('asl and iam targets', () => {
  it('the task role of each job allows exactly its command’s operations; the alarm topic needs the account', () => {
    const iam = JSON.parse(renderSchedule(config(), { target: 'iam', accountId: '123456789012' }).text) as Record<
      string,
      { Statement: { Sid: string; Action: string[]; Resource: unknown }[] }
    >;
    expect(iam['dbops-schedule-backup-status']!.Statement).toHaveLength(1);
    expect(iam['dbops-schedule-backup-status']!.Statement[0]).toEqual({
      Sid: 'DbopsCommand',
      Effect: 'Allow',
      Action: [...COMMAND_OPERATIONS['backup status']!].sort(),
      Resource: '*',
    });
    expect(iam['dbops-schedule-execution']!.Statement.map((s) => s.Sid)).toEqual(['EcrToken', 'EcrPull', 'Logs', 'StoredConfig']);
    // The state machine reads a failed task's last log lines for the alarm message: its log streams, nothing else
    const machine = iam['dbops-schedule-backup-status-sfn']!.Statement;
    expect(machine.map((s) => s.Sid)).toEqual(['RunTask', 'FollowTask', 'SyncRule', 'PassRoles', 'ReadFailedLog', 'Notify']);
    expect(machine.find((s) => s.Sid === 'ReadFailedLog')).toEqual({
      Sid: 'ReadFailedLog',
      Effect: 'Allow',
      Action: ['logs:GetLogEvents'],
      Resource: 'arn:aws:logs:us-east-2:123456789012:log-group:/dbops/schedule:log-stream:*',
    });
    expect(() => renderSchedule(config(), { target: 'asl' })).toThrow(/needs the account id/);
    // an account id that is none would make ARNs AWS refuses; one given to a target without ARNs would be ignored
    expect(() => renderSchedule(config(), { target: 'iam', accountId: 'abc' })).toThrow(
      '--account-id abc is not an AWS account id (12 digits).',
    );
    expect(() => renderSchedule(config(), { target: 'asl', accountId: '12' })).toThrow(/^--account-id 12 is not an AWS account id/);
    expect(() => renderSchedule(config(), { target: 'crontab', accountId: '123456789012' })).toThrow(
      '--account-id is for --target asl or iam; crontab has no ARNs.',
    );
    const role = 'arn:aws:iam::210987654321:role/dbops-fleet';
    const fleet = JSON.parse(
      renderSchedule(
        { ...config(), fleet: { accounts: [{ id: '210987654321', roleArn: role }] } },
        { target: 'iam', accountId: '123456789012' },
      ).text,
    ) as typeof iam;
    expect(fleet['dbops-schedule-heartbeat']!.Statement[1]).toEqual({
      Sid: 'FleetAccounts',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: [role],
    });
    const asl = JSON.parse(renderSchedule(config(), { target: 'asl', accountId: '123456789012' }).text) as Record<string, unknown>;
    expect(Object.keys(asl)).toEqual([
      'dbops-heartbeat',
      'dbops-backup-status',
      'dbops-snapshot-policy',
      'dbops-restore-test',
      'dbops-free-tier-report',
      'dbops-dr-drill',
    ]);
  });
});

describe('dbops schedule render, as a process', () => {
  it('prints the target exactly as rendered, and refuses without --target (exit 2) or with a bad expression', async () => {
    const dir = tempDir('schedule-render-');
    writeFileSync(join(dir, 'dbops.config.yaml'), 'provider: aws\nregion: us-east-2\ndatabase:\n  identifier: recipe-db\n');
    const r = await runDbops('schedule render --target crontab', { cwd: dir });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(renderCrontab(resolveSchedule({ ...DEFAULTS, database: { ...DEFAULTS.database, identifier: 'recipe-db' } })));
    const none = await runDbops('schedule render', { cwd: dir });
    expect([none.exitCode, none.stderr]).toEqual([
      2,
      'error: schedule render needs --target.\nhint: One of: crontab, systemd, kubernetes, asl, iam.\n',
    ]);
    writeFileSync(
      join(dir, 'dbops.config.yaml'),
      'provider: aws\nregion: us-east-2\ndatabase:\n  identifier: recipe-db\nschedule:\n  jobs:\n    heartbeat:\n      expression: "*/5 * * * *"\n',
    );
    const bad = await runDbops('schedule render --target systemd', { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      'error: schedule.jobs.heartbeat.expression */5 * * * * is refused: it is neither cron(...), rate(...) nor at(...), the three forms EventBridge Scheduler accepts.',
    );
  }, 30_000);
});
