/** SNS (alarm topic and email subscription), CloudWatch alarms and AWS Budgets. */
import type { AlarmApi, Budget, BudgetApi, BudgetNotification, NotificationApi, Subscription, Topic } from '../provision-types.js';
import type { Tags } from '../types.js';
import type { RegionClients } from './sdk.js';
import {
  budgetArn,
  createBudgetRequest,
  fromMetricAlarm,
  fromTags,
  putAlarmRequest,
  toBudgetNotification,
  toTags,
} from './provision-convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';

/** Follows NextToken until the last page (at most `max` pages). */
async function pages<P extends { NextToken?: string | undefined }>(
  fetch: (token: string | undefined) => Promise<P>,
  max = 50,
): Promise<P[]> {
  const out: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(page);
    token = page.NextToken;
  } while (token && out.length < max);
  return out;
}

export function awsNotifications(c: ProvisionCaller, clients: () => RegionClients): NotificationApi {
  const sns = () => clients().sns;
  const subscriptions = async (arn: string): Promise<Subscription[]> => {
    const all = await pages((NextToken) =>
      c.call({ operation: 'ListSubscriptionsByTopic', service: 'sns' }, () =>
        sns().listSubscriptionsByTopic({ TopicArn: arn, ...(NextToken ? { NextToken } : {}) }),
      ),
    );
    return all
      .flatMap((p) => p.Subscriptions ?? [])
      .map((s) => ({ arn: s.SubscriptionArn ?? '', protocol: s.Protocol ?? '', endpoint: s.Endpoint ?? '' }));
  };
  return {
    async findTopic(name) {
      const all = await pages((NextToken) =>
        c.call({ operation: 'ListTopics', service: 'sns' }, () => sns().listTopics(NextToken ? { NextToken } : {})),
      );
      const arn = all
        .flatMap((p) => p.Topics ?? [])
        .map((t) => t.TopicArn ?? '')
        .find((a) => a.endsWith(`:${name}`));
      if (!arn) return undefined;
      const tags = await c.call({ operation: 'ListTagsForResource', service: 'sns' }, () =>
        sns().listTagsForResource({ ResourceArn: arn }),
      );
      return { arn, name, subscriptions: await subscriptions(arn), tags: fromTags(tags.Tags) } satisfies Topic;
    },
    async createTopic(name, tags) {
      const out = await c.call({ operation: 'CreateTopic', service: 'sns', subject: `Topic ${name}` }, () =>
        sns().createTopic({ Name: name, Tags: toTags(tags) }),
      );
      return { arn: out.TopicArn ?? '', name, subscriptions: [], tags: fromTags(toTags(tags)) };
    },
    async subscribeEmail(topicArn, email) {
      const out = await c.call({ operation: 'Subscribe', service: 'sns' }, () =>
        sns().subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: email, ReturnSubscriptionArn: true }),
      );
      return { arn: out.SubscriptionArn ?? 'PendingConfirmation', protocol: 'email', endpoint: email };
    },
    async unsubscribe(s) {
      if (!s.arn.startsWith('arn:')) return false;
      await c.call({ operation: 'Unsubscribe', service: 'sns' }, () => sns().unsubscribe({ SubscriptionArn: s.arn }));
      return true;
    },
    async deleteTopic(arn) {
      await c.call({ operation: 'DeleteTopic', service: 'sns' }, () => sns().deleteTopic({ TopicArn: arn }));
    },
  };
}

export function awsAlarms(c: ProvisionCaller, clients: () => RegionClients): AlarmApi {
  const cw = () => clients().cloudWatch;
  return {
    async listAlarms(prefix) {
      const all = await pages((NextToken) =>
        c.call({ operation: 'DescribeAlarms', service: 'monitoring' }, () =>
          cw().describeAlarms({
            AlarmTypes: ['MetricAlarm'],
            ...(prefix ? { AlarmNamePrefix: prefix } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      );
      return all.flatMap((p) => p.MetricAlarms ?? []).map(fromMetricAlarm);
    },
    async alarmTags(arn) {
      const out = await c.call({ operation: 'ListTagsForResource', service: 'monitoring' }, () =>
        cw().listTagsForResource({ ResourceARN: arn }),
      );
      return fromTags(out.Tags);
    },
    async putAlarm(alarm, tags) {
      await c.call({ operation: 'PutMetricAlarm', service: 'monitoring', subject: `Alarm ${alarm.name}` }, () =>
        cw().putMetricAlarm(putAlarmRequest(alarm, tags)),
      );
    },
    async deleteAlarms(names) {
      for (let i = 0; i < names.length; i += 100) {
        const batch = names.slice(i, i + 100);
        await c.call({ operation: 'DeleteAlarms', service: 'monitoring' }, () => cw().deleteAlarms({ AlarmNames: batch }));
      }
    },
  };
}

export function awsBudgets(c: ProvisionCaller, clients: () => RegionClients): BudgetApi {
  const b = () => clients().budgets;
  const notifications = async (AccountId: string, BudgetName: string): Promise<BudgetNotification[]> => {
    const out = await c.call({ operation: 'DescribeNotificationsForBudget', service: 'budgets' }, () =>
      b().describeNotificationsForBudget({ AccountId, BudgetName }),
    );
    const result: BudgetNotification[] = [];
    for (const n of out.Notifications ?? []) {
      const subs = await c.call({ operation: 'DescribeSubscribersForNotification', service: 'budgets' }, () =>
        b().describeSubscribersForNotification({ AccountId, BudgetName, Notification: n }),
      );
      result.push({
        type: (n.NotificationType ?? 'ACTUAL') as BudgetNotification['type'],
        thresholdPercent: n.Threshold ?? 0,
        emails: (subs.Subscribers ?? []).filter((s) => s.SubscriptionType === 'EMAIL').map((s) => s.Address ?? ''),
      });
    }
    return result;
  };
  const tags = async (accountId: string, name: string): Promise<Tags> => {
    const out = await c.call({ operation: 'ListTagsForResource', service: 'budgets' }, () =>
      b().listTagsForResource({ ResourceARN: budgetArn(accountId, name) }),
    );
    return fromTags(out.ResourceTags);
  };
  return {
    async findBudget(accountId, name) {
      try {
        const out = await c.call({ operation: 'DescribeBudget', service: 'budgets', expect: ['NotFound'] }, () =>
          b().describeBudget({ AccountId: accountId, BudgetName: name }),
        );
        const budget = out.Budget;
        if (!budget) return undefined;
        return {
          name,
          limitUsd: Number(budget.BudgetLimit?.Amount ?? '0'),
          notifications: await notifications(accountId, name),
          tags: await tags(accountId, name),
        } satisfies Budget;
      } catch (e) {
        if (isAwsCode(e, 'NotFound')) return undefined;
        throw e;
      }
    },
    async createBudget(accountId, spec, t) {
      await c.call({ operation: 'CreateBudget', service: 'budgets', subject: `Budget ${spec.name}` }, () =>
        b().createBudget(createBudgetRequest(accountId, spec, t)),
      );
    },
    async updateBudgetLimit(accountId, name, limitUsd) {
      await c.call({ operation: 'UpdateBudget', service: 'budgets' }, () =>
        b().updateBudget({
          AccountId: accountId,
          NewBudget: { BudgetName: name, BudgetLimit: { Amount: String(limitUsd), Unit: 'USD' }, TimeUnit: 'MONTHLY', BudgetType: 'COST' },
        }),
      );
    },
    async createNotification(accountId, name, n) {
      await c.call({ operation: 'CreateNotification', service: 'budgets' }, () =>
        b().createNotification({
          AccountId: accountId,
          BudgetName: name,
          Notification: toBudgetNotification(n),
          Subscribers: n.emails.map((Address) => ({ SubscriptionType: 'EMAIL', Address })),
        }),
      );
    },
    async deleteNotification(accountId, name, n) {
      await c.call({ operation: 'DeleteNotification', service: 'budgets' }, () =>
        b().deleteNotification({ AccountId: accountId, BudgetName: name, Notification: toBudgetNotification(n) }),
      );
    },
    async deleteBudget(accountId, name) {
      await c.call({ operation: 'DeleteBudget', service: 'budgets' }, () => b().deleteBudget({ AccountId: accountId, BudgetName: name }));
    },
  };
}
