import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { configSchema } from '../../../src/lib/config/schema.js';
import { UsageError } from '../../../src/lib/errors.js';
import { compactTimestamp, createInstance, createRequest, validateIdentifier } from '../../../src/lib/instances/instances.js';
import { testContext } from '../../_helpers/context.js';

describe('validateIdentifier', () => {
  it.each(['a', 'recipe-db-primary', 'Recipe-DB-1', 'db1', 'a1-b2-c3', 'a'.repeat(63), `a${'-b'.repeat(31)}`])('accepts %s', (id) => {
    expect(() => validateIdentifier(id)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['1db', 'starts with a digit'],
    ['-db', 'starts with a hyphen'],
    ['db-', 'ends with a hyphen'],
    ['db--primary', 'double hyphen'],
    ['db_primary', 'underscore'],
    ['db.primary', 'dot'],
    ['db primary', 'space'],
    ['dé', 'non-ASCII letter'],
    ['a'.repeat(64), '64 characters'],
  ])('rejects %j (%s)', (id) => {
    expect(() => validateIdentifier(id)).toThrow(UsageError);
  });

  it('names the id and the rules', () => {
    try {
      validateIdentifier('db--x');
      expect.unreachable();
    } catch (e) {
      expect((e as UsageError).message).toBe('"db--x" is not a valid instance identifier.');
      expect((e as UsageError).hint).toContain('1-63 letters, digits and single hyphens');
      expect((e as UsageError).exitCode).toBe(2);
    }
  });

  it('agrees with the config schema on every id', () => {
    // GIVEN ids valid and invalid WHEN checked both ways THEN the answers match
    for (const id of ['a', 'db-1', '1db', 'db-', 'a--b', 'a'.repeat(63), 'a'.repeat(64)]) {
      const byFunction = (() => {
        try {
          validateIdentifier(id);
          return true;
        } catch {
          return false;
        }
      })();
      const bySchema = configSchema.shape.database.shape.identifier.safeParse(id).success;
      expect([id, byFunction]).toEqual([id, bySchema]);
    }
  });
});

describe('createRequest', () => {
  it('builds the seeds instance from the default config, tagged and with a managed password', () => {
    // GIVEN the default config WHEN building the create request THEN it is exactly this
    expect(createRequest({ config: DEFAULTS }, 'recipe-db-primary', {}, 'run42')).toStrictEqual({
      id: 'recipe-db-primary',
      engine: 'postgres',
      engineVersion: '15',
      instanceClass: 'db.t3.micro',
      allocatedStorageGb: 20,
      maxAllocatedStorageGb: 20,
      storageType: 'gp2',
      storageEncrypted: true,
      multiAz: false,
      publiclyAccessible: false,
      deletionProtection: false,
      backupRetentionDays: 7,
      backupWindow: '03:00-04:00',
      maintenanceWindow: 'sun:04:00-sun:05:00',
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      dbName: 'recipe_book',
      masterUsername: 'dbadmin',
      masterPassword: { kind: 'managed' },
      vpcSecurityGroupIds: undefined,
      subnetGroup: undefined,
      port: undefined,
      tags: { 'dbops:managed': 'true', 'dbops:run-id': 'run42', 'dbops:purpose': 'primary' },
    });
  });

  it('lets overrides win over the config, and carries the network settings', () => {
    // GIVEN a config with a port, subnet group and security groups
    const config: DbopsConfig = {
      ...DEFAULTS,
      database: { ...DEFAULTS.database, port: 5432, subnetGroup: 'private', vpcSecurityGroupIds: ['sg-0123abcd'] },
    };
    // WHEN overriding the class and port
    const req = createRequest({ config }, 'db2', { instanceClass: 'db.t4g.small', port: 6543 }, 'r');
    // THEN the overrides win and the rest comes from the config
    expect(req.instanceClass).toBe('db.t4g.small');
    expect(req.port).toBe(6543);
    expect(req.subnetGroup).toBe('private');
    expect(req.vpcSecurityGroupIds).toEqual(['sg-0123abcd']);
    expect(createRequest({ config }, 'db2', {}, 'r').port).toBe(5432);
  });
});

describe('compactTimestamp', () => {
  it('turns a UTC time into an id-safe timestamp', () => {
    expect(compactTimestamp(new Date('2026-11-22T04:30:05Z'))).toBe('20261122-043005');
  });

  it('uses UTC and drops milliseconds', () => {
    expect(compactTimestamp(new Date('2026-01-02T23:59:59.999+02:00'))).toBe('20260102-215959');
  });
});

describe('instances create --connect-host', () => {
  it('is parsed before anything is created: a bad one is a usage error naming the option, and the provider is never asked', async () => {
    let asked = false;
    const t = await testContext({
      yes: true,
      provider: async () => {
        asked = true;
        throw new Error('the provider must not be created');
      },
    });
    try {
      const e = await createInstance(t.ctx, { id: 'demo-db', connectHost: 'bastion:99999' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).message).toBe('--connect-host expects host or host:port, got "bastion:99999".');
      expect(asked).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe('instances create with an Aurora config', () => {
  it('refuses a db.serverless instance before the provider is asked: the cluster comes from provision apply', async () => {
    const t = await testContext({
      yes: true,
      config: { database: { engine: 'aurora-postgresql', engineVersion: '15.4', instanceClass: 'db.serverless' } },
      provider: async () => {
        throw new Error('the provider must not be created');
      },
    });
    try {
      const e = await createInstance(t.ctx, { id: 'hub-db' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).message).toBe(
        'db.serverless instances live in an Aurora cluster; `dbops instances create` makes a standalone RDS instance.',
      );
      expect((e as UsageError).hint).toMatch(/^`dbops provision apply` creates the cluster and its writer/);
    } finally {
      await t.close();
    }
  });
});
