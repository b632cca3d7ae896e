/**
 * The ScheduleCloud of a command: the aws adapter for the context's region, profile,
 * endpoint and retries, closed when the command ends. `dbops schedule` runs on AWS only;
 * elsewhere `dbops schedule render` gives the same schedule for crontab, systemd or
 * Kubernetes.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { ScheduleCloud } from './resources.js';

export async function scheduleCloud(ctx: Context): Promise<ScheduleCloud> {
  if (ctx.config.provider !== 'aws') {
    throw new UsageError(`dbops schedule plan, apply, destroy and status run on AWS; the provider is ${ctx.config.provider}.`, {
      hint: 'On one machine or Kubernetes, use `dbops schedule render --target crontab|systemd|kubernetes`.',
    });
  }
  const { awsProviderOptions } = await import('../providers/index.js');
  const { createAwsSchedule } = await import('../providers/aws/schedule.js');
  const o = awsProviderOptions(ctx.config, ctx.env);
  const cloud = createAwsSchedule(o.region, {
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.endpointUrl ? { endpointUrl: o.endpointUrl } : {}),
    maxAttempts: o.maxAttempts,
  });
  ctx.onClose(() => cloud.close());
  return cloud;
}
