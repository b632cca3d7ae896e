/**
 * From the config to what `dbops schedule plan | apply | destroy | status` compare: the
 * schedule model (config.ts), checked for AWS before any call (`checkedSchedule`: the
 * expressions, the image, the network, the Distributed Map region, no secret in the stored
 * config), then, with the account id, each job's policies (iam.ts) and state machine
 * (asl.ts), the same documents `dbops schedule render --target asl|iam` prints.
 */
import type { DbopsConfig } from '../config/schema.js';
import { stateMachineDefinition } from './asl.js';
import {
  checkDistributedMapRegion,
  resolveSchedule,
  type ScheduleItem,
  type ScheduleJob,
  type ScheduleModel,
  staticItems,
  validateForAws,
} from './config.js';
import type { ScheduleInput } from './desired.js';
import { executionRolePolicy, type IamScope, schedulerRolePolicy, stateMachineRolePolicy, taskRolePolicy } from './iam.js';
import { arnsIn, scheduleNames } from './names.js';
import { storedConfig } from './stored-config.js';

/** Fargate size of a run: dbops itself is small (the databases do the work). */
export const TASK_CPU = '512';
export const TASK_MEMORY = '1024';

export interface CheckedSchedule {
  model: ScheduleModel;
  image: string;
  configText: string;
}

/**
 * Everything refused before an AWS call (ConfigError / UsageError, exit 2): a bad job or
 * expression, an image that is not a full URI, a private database without subnets or
 * security groups, a Distributed Map where the region has none, a secret value in the config.
 */
export function checkedSchedule(config: DbopsConfig): CheckedSchedule {
  const model = resolveSchedule(config);
  validateForAws(model, config);
  for (const job of model.jobs) {
    const items = staticItems(job);
    if (items) checkDistributedMapRegion(model, job, items.length);
  }
  return { model, image: model.image!, configText: storedConfig(config) };
}

/** The databases of a job whose selection needs a listing (tags, engine, identifier patterns). */
export type ListItems = (job: ScheduleJob) => Promise<ScheduleItem[]>;

export async function scheduleInput(
  config: DbopsConfig,
  checked: CheckedSchedule,
  accountId: string,
  listItems: ListItems,
): Promise<ScheduleInput> {
  const { model } = checked;
  const n = scheduleNames();
  const arns = arnsIn(accountId, model.region);
  const scope: IamScope = { region: model.region, accountId, configParameter: n.parameter, logGroup: n.logGroup };
  const topic = model.alarmTopic.arn ?? `arn:aws:sns:${model.region}:${accountId}:${model.alarmTopic.name}`;
  const jobs = [];
  for (const job of model.jobs) {
    const items = staticItems(job) ?? (await listItems(job));
    checkDistributedMapRegion(model, job, items.length);
    const machineArn = arns.stateMachine(n.stateMachine(job.name));
    const definition = stateMachineDefinition(model, job, items, {
      cluster: n.cluster,
      taskDefinition: n.taskFamily,
      taskRoleArn: arns.role(n.taskRole(job.name)),
      alarmTopicArn: topic,
      logGroup: n.logGroup,
      logStreamPrefix: n.taskFamily,
    });
    jobs.push({
      name: job.name,
      expression: job.expression.text,
      timezone: job.timezone,
      enabled: job.enabled,
      taskPolicy: taskRolePolicy(job, config, scope),
      stateMachinePolicy: stateMachineRolePolicy(scope, {
        taskDefinitionFamily: n.taskFamily,
        cluster: n.cluster,
        passRoleArns: [arns.role(n.taskRole(job.name)), arns.role(n.executionRole)],
        alarmTopicArn: topic,
        ...(items.length > model.distributedMapThreshold ? { stateMachineArn: machineArn } : {}),
      }),
      definition: JSON.stringify(definition),
    });
  }
  const machines = model.jobs.map((j) => arns.stateMachine(n.stateMachine(j.name)));
  const starts = schedulerRolePolicy(machines[0] ?? '');
  return {
    region: model.region,
    accountId,
    image: checked.image,
    cpu: TASK_CPU,
    memory: TASK_MEMORY,
    logRetentionDays: model.logRetentionDays,
    configText: checked.configText,
    tags: config.tags,
    executionPolicy: executionRolePolicy(scope, model.image),
    schedulerPolicy: { ...starts, Statement: starts.Statement.map((s) => ({ ...s, Resource: machines })) },
    jobs,
  };
}
