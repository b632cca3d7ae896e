/** Security groups in the default VPC, and region existence, through EC2. */
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../../errors.js';
import type { CreateSecurityGroupInput, IngressRule, NetworkApi, RegionApi, SecurityGroup } from '../provision-types.js';
import type { RegionClients } from './sdk.js';
import { toIpPermissions, toSecurityGroup, toTags } from './provision-convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';

/** How long deleting a group keeps retrying while a deleted database's network interfaces go away. */
export interface RetryTuning {
  attempts: number;
  delayMs: number;
}

function ruleKey(r: IngressRule): string {
  return `${r.port}/${r.cidr}`;
}

export function awsNetwork(c: ProvisionCaller, clients: () => RegionClients, retry: RetryTuning): NetworkApi {
  let vpc: Promise<string> | undefined;
  const defaultVpc = (): Promise<string> =>
    (vpc ??= c
      .call({ operation: 'DescribeVpcs', service: 'ec2' }, () =>
        clients().ec2.describeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
      )
      .then((out) => {
        const id = out.Vpcs?.[0]?.VpcId;
        if (!id) {
          throw new EnvironmentError(`There is no default VPC in ${c.region}.`, {
            hint: 'Create one (`aws ec2 create-default-vpc`), or name your own groups in database.vpcSecurityGroupIds and a subnet group in database.subnetGroup.',
          });
        }
        return id;
      })
      .catch((e: unknown) => {
        vpc = undefined;
        throw e;
      }));

  const describe = async (ids: string[]): Promise<SecurityGroup[]> => {
    if (ids.length === 0) return [];
    try {
      const out = await c.call({ operation: 'DescribeSecurityGroups', service: 'ec2', expect: ['InvalidGroup.NotFound'] }, () =>
        clients().ec2.describeSecurityGroups({ GroupIds: ids }),
      );
      return (out.SecurityGroups ?? []).map(toSecurityGroup);
    } catch (e) {
      if (isAwsCode(e, 'InvalidGroup.NotFound')) return [];
      throw e;
    }
  };

  return {
    async findSecurityGroup(name) {
      const vpcId = await defaultVpc();
      const out = await c.call({ operation: 'DescribeSecurityGroups', service: 'ec2' }, () =>
        clients().ec2.describeSecurityGroups({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        }),
      );
      const g = out.SecurityGroups?.[0];
      return g ? toSecurityGroup(g) : undefined;
    },
    describeSecurityGroups: describe,
    async createSecurityGroup(input: CreateSecurityGroupInput) {
      const vpcId = await defaultVpc();
      const out = await c.call({ operation: 'CreateSecurityGroup', service: 'ec2', subject: `Security group ${input.name}` }, () =>
        clients().ec2.createSecurityGroup({
          GroupName: input.name,
          Description: input.description,
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: toTags({ ...input.tags, Name: input.name }) }],
        }),
      );
      const id = out.GroupId!;
      if (input.ingress.length > 0) {
        await c.call({ operation: 'AuthorizeSecurityGroupIngress', service: 'ec2', subject: `Security group ${id}` }, () =>
          clients().ec2.authorizeSecurityGroupIngress({ GroupId: id, IpPermissions: toIpPermissions(input.ingress) }),
        );
      }
      return {
        id,
        name: input.name,
        vpcId,
        description: input.description,
        ingress: input.ingress,
        tags: toTagsMap(input.tags, input.name),
      };
    },
    async setIngress(group: SecurityGroup, rules: IngressRule[]) {
      const want = new Set(rules.map(ruleKey));
      const have = new Set(group.ingress.map(ruleKey));
      const revoke = group.ingress.filter((r) => !want.has(ruleKey(r)));
      const add = rules.filter((r) => !have.has(ruleKey(r)));
      if (revoke.length > 0) {
        await c.call({ operation: 'RevokeSecurityGroupIngress', service: 'ec2', subject: `Security group ${group.id}` }, () =>
          clients().ec2.revokeSecurityGroupIngress({ GroupId: group.id, IpPermissions: toIpPermissions(revoke) }),
        );
      }
      if (add.length > 0) {
        await c.call({ operation: 'AuthorizeSecurityGroupIngress', service: 'ec2', subject: `Security group ${group.id}` }, () =>
          clients().ec2.authorizeSecurityGroupIngress({ GroupId: group.id, IpPermissions: toIpPermissions(add) }),
        );
      }
      return { ...group, ingress: rules };
    },
    async deleteSecurityGroup(id) {
      for (let attempt = 1; ; attempt++) {
        try {
          await c.call(
            {
              operation: 'DeleteSecurityGroup',
              service: 'ec2',
              subject: `Security group ${id}`,
              expect: ['DependencyViolation', 'InvalidGroup.NotFound'],
            },
            () => clients().ec2.deleteSecurityGroup({ GroupId: id }),
          );
          return;
        } catch (e) {
          if (isAwsCode(e, 'InvalidGroup.NotFound')) return;
          if (!isAwsCode(e, 'DependencyViolation')) throw e;
          if (attempt >= retry.attempts) {
            throw new EnvironmentError(`Security group ${id} is still in use, so it cannot be deleted yet.`, {
              hint: 'Network interfaces of a deleted database or cache can take minutes to go; rerun `dbops provision destroy` later.',
              cause: e.original,
            });
          }
          await sleep(retry.delayMs);
        }
      }
    },
  };
}

function toTagsMap(tags: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(toTags({ ...tags, Name: name }).map((t) => [t.Key, t.Value]));
}

/** Known regions answer offline; others are asked of EC2 in us-east-1 (the configured region may not exist). */
export function awsRegions(c: ProvisionCaller, global: () => RegionClients): RegionApi {
  return {
    async regionExists(region) {
      const out = await c.call({ operation: 'DescribeRegions', service: 'ec2' }, () => global().ec2.describeRegions({ AllRegions: true }));
      return (out.Regions ?? []).some((r) => r.RegionName === region);
    },
  };
}
