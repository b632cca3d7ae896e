/**
 * `dbops schedule render --target …`: the schedule of the config as one target's text. Pure
 * (no provider, no AWS call): what `schedule apply` would make is printed by the asl and iam
 * targets with the names it uses (SCHEDULE_NAMES).
 */
import type { DbopsConfig } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { stateMachineDefinition } from './asl.js';
import { checkImage, enabledJobs, resolveSchedule, SCHEDULE_NAMES, type ScheduleModel, staticItems } from './config.js';
import { executionRolePolicy, type IamScope, stateMachineRolePolicy, taskRolePolicy } from './iam.js';
import { type RenderResult, renderCrontab, renderKubernetes, renderSystemd } from './render.js';
import type { AnyTarget } from './targets.js';

export interface RenderOptions {
  target: AnyTarget;
  /** The AWS account (asl, iam): for the alarm topic's ARN when schedule.alarmTopicArn is not set, and the roles'. */
  accountId?: string;
}

export function renderSchedule(config: DbopsConfig, options: RenderOptions): RenderResult {
  if (options.accountId !== undefined) {
    if (options.target !== 'asl' && options.target !== 'iam') {
      throw new UsageError(`--account-id is for --target asl or iam; ${options.target} has no ARNs.`, {
        hint: `Leave --account-id out with --target ${options.target}.`,
      });
    }
    if (!/^\d{12}$/.test(options.accountId)) {
      throw new UsageError(`--account-id ${options.accountId} is not an AWS account id (12 digits).`, {
        hint: 'For example --account-id 123456789012 (`aws sts get-caller-identity` prints yours).',
      });
    }
  }
  const model = resolveSchedule(config);
  switch (options.target) {
    case 'crontab':
      return { target: 'crontab', text: renderCrontab(model) };
    case 'systemd':
      return { target: 'systemd', text: renderSystemd(model) };
    case 'kubernetes':
      return { target: 'kubernetes', text: renderKubernetes(model, checkImage(model.image)) };
    case 'asl':
      return { target: 'asl', text: `${JSON.stringify(aslDocuments(model, options.accountId), null, 2)}\n` };
    case 'iam':
      return { target: 'iam', text: `${JSON.stringify(iamDocuments(model, config, options.accountId), null, 2)}\n` };
  }
}

function scopeOf(model: ScheduleModel, accountId: string | undefined): IamScope {
  return {
    region: model.region,
    ...(accountId ? { accountId } : {}),
    configParameter: SCHEDULE_NAMES.configParameter,
    logGroup: SCHEDULE_NAMES.logGroup,
  };
}

function alarmTopicArn(model: ScheduleModel, accountId: string | undefined): string {
  if (model.alarmTopic.arn) return model.alarmTopic.arn;
  if (!accountId) {
    throw new UsageError(`The state machines notify the alarm topic ${model.alarmTopic.name}, whose ARN needs the account id.`, {
      hint: 'Give --account-id 123456789012, or set schedule.alarmTopicArn.',
    });
  }
  return `arn:aws:sns:${model.region}:${accountId}:${model.alarmTopic.name}`;
}

const roleArn = (accountId: string | undefined, name: string) => `arn:aws:iam::${accountId ?? '*'}:role/${name}`;

/** Each enabled job's state machine, by name; a job whose databases need a listing is said to. */
function aslDocuments(model: ScheduleModel, accountId: string | undefined): Record<string, unknown> {
  const topic = alarmTopicArn(model, accountId);
  const out: Record<string, unknown> = {};
  for (const job of enabledJobs(model)) {
    const items = staticItems(job);
    if (!items) {
      throw new ConfigError(
        `schedule.jobs.${job.name} runs over databases found by listing the fleet (a selection, or the whole of it): only plan and apply list them.`,
        {
          hint: 'Run `dbops schedule plan` to see its state machine with the databases found, or render --target crontab.',
        },
      );
    }
    out[SCHEDULE_NAMES.stateMachine(job.name)] = stateMachineDefinition(model, job, items, {
      cluster: SCHEDULE_NAMES.cluster,
      taskDefinition: SCHEDULE_NAMES.taskDefinitionFamily,
      taskRoleArn: roleArn(accountId, SCHEDULE_NAMES.taskRole(job.name)),
      alarmTopicArn: topic,
      logGroup: SCHEDULE_NAMES.logGroup,
      logStreamPrefix: SCHEDULE_NAMES.taskDefinitionFamily,
    });
  }
  return out;
}

/** The policies: each job's task role and state machine role, and the execution role. */
function iamDocuments(model: ScheduleModel, config: DbopsConfig, accountId: string | undefined): Record<string, unknown> {
  const scope = scopeOf(model, accountId);
  const topic = model.alarmTopic.arn ?? `arn:aws:sns:${model.region}:${accountId ?? '*'}:${model.alarmTopic.name}`;
  const out: Record<string, unknown> = { [SCHEDULE_NAMES.executionRole]: executionRolePolicy(scope, model.image) };
  for (const job of enabledJobs(model)) {
    out[SCHEDULE_NAMES.taskRole(job.name)] = taskRolePolicy(job, config, scope);
    out[SCHEDULE_NAMES.stateMachineRole(job.name)] = stateMachineRolePolicy(scope, {
      taskDefinitionFamily: SCHEDULE_NAMES.taskDefinitionFamily,
      cluster: SCHEDULE_NAMES.cluster,
      passRoleArns: [roleArn(accountId, SCHEDULE_NAMES.taskRole(job.name)), roleArn(accountId, SCHEDULE_NAMES.executionRole)],
      alarmTopicArn: topic,
      ...((staticItems(job)?.length ?? Number.POSITIVE_INFINITY) > model.distributedMapThreshold
        ? { stateMachineArn: `arn:aws:states:${model.region}:${accountId ?? '*'}:stateMachine:${SCHEDULE_NAMES.stateMachine(job.name)}` }
        : {}),
    });
  }
  return out;
}
