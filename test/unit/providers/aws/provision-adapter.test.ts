/** The aws provisioning adapter's own behaviour: error mapping, retries, regions, bare caches. */
import { DescribeRegionsCommand, DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, EnvironmentError } from '../../../../src/lib/errors.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { regionOfCall, rejectionOf } from './helpers.js';

let aws: FakeAwsAccount;
let d: AwsDeps;

beforeEach(async () => {
  aws = new FakeAwsAccount();
  d = await awsDeps(awsConfig());
});

afterEach(async () => {
  await d.close();
  aws.restore();
});

describe('aws provisioning adapter', () => {
  it('retries deleting a security group while something uses it, then says so in one sentence', async () => {
    // GIVEN a group still attached to a database
    const sg = aws.addSecurityGroup({ GroupName: 'busy-sg' });
    aws.addInstance({ DBInstanceIdentifier: 'db', Engine: 'postgres', VpcSecurityGroups: [{ VpcSecurityGroupId: sg }] });
    // WHEN deleting it
    const err = await rejectionOf(d.pp.network!.deleteSecurityGroup(sg));
    // THEN it tried 3 times (the tuning), then gave up with a hint
    expect(aws.ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(3);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe(`Security group ${sg} is still in use, so it cannot be deleted yet.`);
  });

  it('maps a duplicate group name to a ConflictError', async () => {
    aws.addSecurityGroup({ GroupName: 'dup-sg' });
    const err = await rejectionOf(d.pp.network!.createSecurityGroup({ name: 'dup-sg', description: 'x', ingress: [], tags: {} }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('Security group dup-sg already exists in us-east-2.');
  });

  it('asks EC2 in us-east-1 whether an unknown region exists', async () => {
    expect(await d.pp.regions.regionExists('eu-west-1')).toBe(true);
    expect(await d.pp.regions.regionExists('us-nowhere-1')).toBe(false);
    expect(await regionOfCall(aws.ec2, DescribeRegionsCommand)).toBe('us-east-1');
  });

  it('reads a bare cache cluster (not a replication group) for the audit; what it does not report stays unknown', async () => {
    aws.addCacheCluster({
      CacheClusterId: 'old-cache',
      Engine: 'redis',
      EngineVersion: '6.2.6',
      CacheNodeType: 'cache.t2.micro',
      AuthTokenEnabled: false,
      SecurityGroups: [{ SecurityGroupId: 'sg-1' }],
    });
    expect(await d.pp.cache!.findCache('old-cache')).toEqual({
      id: 'old-cache',
      arn: 'arn:aws:elasticache:us-east-2:123456789012:cluster:old-cache',
      kind: 'cache-cluster',
      engine: 'redis',
      engineVersion: '6.2.6',
      nodeType: 'cache.t2.micro',
      status: 'available',
      authEnabled: false,
      securityGroupIds: ['sg-1'],
      metricsClusterId: 'old-cache',
      tags: {},
    });
    expect(await d.pp.cache!.findCache('nothing-here')).toBeUndefined();
  });

  it('reports the account from STS', async () => {
    expect(await d.pp.identity()).toEqual({ accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/dbops' });
  });
});
