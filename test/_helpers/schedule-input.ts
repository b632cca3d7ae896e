/** A schedule model for tests of dbops schedule (two jobs, a minimal state machine), independent of the config. */
import type { ScheduleInput } from '../../src/lib/schedule/desired.js';
/** The account of the fake (and moto's default). */
const FAKE_ACCOUNT = '123456789012';

const REGION = 'us-east-1';

export function scheduleInput(over: Partial<ScheduleInput> = {}): ScheduleInput {
  const job = (name: string, expression: string, action: string) => ({
    name,
    expression,
    timezone: 'Europe/Paris',
    enabled: true,
    policy: { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: [action], Resource: '*' }] },
    definition: (refs: { clusterArn: string; taskDefinitionFamily: string }) =>
      JSON.stringify({
        StartAt: 'Run',
        States: {
          Run: {
            Type: 'Task',
            Resource: 'arn:aws:states:::ecs:runTask.sync',
            Parameters: { Cluster: refs.clusterArn, TaskDefinition: refs.taskDefinitionFamily, LaunchType: 'FARGATE' },
            End: true,
          },
        },
      }),
  });
  return {
    region: REGION,
    accountId: FAKE_ACCOUNT,
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.0.0',
    cpu: '256',
    memory: '512',
    logRetentionDays: 30,
    configText: JSON.stringify({ provider: 'aws', region: REGION, database: { identifier: 'prod-db' } }),
    tags: { team: 'data' },
    jobs: [
      job('heartbeat', 'cron(*/5 * * * ? *)', 'rds:DescribeDBInstances'),
      job('backup-status', 'cron(0 6 * * ? *)', 'rds:DescribeDBSnapshots'),
    ],
    ...over,
  };
}
