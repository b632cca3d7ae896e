/**
 * Replicated automated backups on the aws adapter: which DescribeDBInstanceAutomatedBackups
 * entries are replicas (of the source, from another region; the newest restore window wins),
 * and the RestoreDBInstanceToPointInTime request that restores them.
 */
import { describe, expect, it } from 'vitest';
import { newestReplicated } from '../../../../src/lib/providers/aws/convert.js';
import { restoreToPointInTimeRequest } from '../../../../src/lib/providers/aws/requests.js';

const ARN = 'arn:aws:rds:us-west-2:123456789012:auto-backup:ab-1';

describe('newestReplicated', () => {
  it('keeps the replicas of the source from another region, newest restore window first', () => {
    const got = newestReplicated(
      [
        // retained automated backups of an instance of the DR region itself: not a replica
        { DBInstanceIdentifier: 'prod-db', DBInstanceArn: 'arn:aws:rds:us-west-2:1:db:prod-db', DBInstanceAutomatedBackupsArn: 'x' },
        { DBInstanceIdentifier: 'other', DBInstanceArn: 'arn:aws:rds:us-east-2:1:db:other', DBInstanceAutomatedBackupsArn: 'y' },
        {
          DBInstanceIdentifier: 'prod-db',
          DBInstanceArn: 'arn:aws:rds:us-east-2:1:db:prod-db',
          DBInstanceAutomatedBackupsArn: 'old',
          Status: 'retained',
          RestoreWindow: { LatestTime: new Date('2025-01-01T00:00:00Z') },
        },
        {
          DBInstanceIdentifier: 'prod-db',
          DBInstanceArn: 'arn:aws:rds:us-east-2:1:db:prod-db',
          DBInstanceAutomatedBackupsArn: ARN,
          Status: 'replicating',
          BackupRetentionPeriod: 7,
          KmsKeyId: 'arn:aws:kms:us-west-2:1:key/k',
          RestoreWindow: { EarliestTime: new Date('2024-12-30T04:00:00Z'), LatestTime: new Date('2025-01-06T04:20:00Z') },
        },
      ],
      'prod-db',
      'us-west-2',
    );
    expect(got).toEqual({
      id: ARN,
      sourceInstanceId: 'prod-db',
      sourceRegion: 'us-east-2',
      region: 'us-west-2',
      status: 'replicating',
      retentionDays: 7,
      earliestRestorableTime: new Date('2024-12-30T04:00:00Z'),
      latestRestorableTime: new Date('2025-01-06T04:20:00Z'),
      kmsKeyId: 'arn:aws:kms:us-west-2:1:key/k',
    });
    expect(newestReplicated([], 'prod-db', 'us-west-2')).toBeUndefined();
  });

  it('restores them by SourceDBInstanceAutomatedBackupsArn, never by the source identifier', () => {
    expect(
      restoreToPointInTimeRequest({
        sourceInstanceId: 'prod-db',
        sourceAutomatedBackupsId: ARN,
        instanceId: 'prod-db-dr-x',
        time: 'latest',
        instanceClass: 'db.t3.micro',
        subnetGroup: 'dr-subnets',
        vpcSecurityGroupIds: ['sg-dr'],
        publiclyAccessible: false,
        tags: { 'dbops:purpose': 'dr-drill' },
      }),
    ).toEqual({
      SourceDBInstanceAutomatedBackupsArn: ARN,
      TargetDBInstanceIdentifier: 'prod-db-dr-x',
      UseLatestRestorableTime: true,
      DBInstanceClass: 'db.t3.micro',
      DBSubnetGroupName: 'dr-subnets',
      VpcSecurityGroupIds: ['sg-dr'],
      PubliclyAccessible: false,
      Tags: [
        { Key: 'dbops:purpose', Value: 'dr-drill' },
        { Key: 'dbops:managed', Value: 'true' },
      ],
      CopyTagsToSnapshot: true,
    });
  });
});
