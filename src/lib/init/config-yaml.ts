/**
 * Answers -> config tree -> commented dbops.config.yaml. Pure. The tree has the config
 * schema's shape (it is validated by loadConfig in the tests); the comments are the
 * questions' one-line explanations, so the file explains itself.
 */
import { Document, isMap, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { DEFAULTS } from '../config/defaults.js';
import type { Answers } from './questions.js';
import { QUESTIONS, securityGroupList } from './questions.js';

type Tree = Record<string, unknown>;

function percents(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
}

/** recovery.drSubnetGroup / drSecurityGroupIds: AWS with a DR region only, and only what was given. */
function drNetwork(a: Answers): Tree {
  if (a.provider !== 'aws' || !a.crossRegion) return {};
  const groups = securityGroupList(a.drSecurityGroups);
  return {
    ...(a.drSubnetGroup ? { drSubnetGroup: a.drSubnetGroup } : {}),
    ...(groups.length > 0 ? { drSecurityGroupIds: groups } : {}),
  };
}

/** The config the answers describe (keys the wizard does not ask keep their defaults by omission). */
export function answersToConfig(a: Answers): Tree {
  const isAws = a.provider === 'aws';
  return {
    provider: a.provider,
    region: a.region,
    ...(isAws && a.profile ? { profile: a.profile } : {}),
    database: {
      identifier: a.identifier,
      engine: a.engine,
      engineVersion: a.engineVersion,
      instanceClass: a.instanceClass,
      // An Aurora cluster's storage grows by itself and its standby is a reader: no storage or Multi-AZ keys.
      ...(a.engine === 'aurora-postgresql'
        ? {}
        : {
            allocatedStorageGb: a.allocatedStorageGb,
            maxAllocatedStorageGb: a.maxAllocatedStorageGb,
            storageType: DEFAULTS.database.storageType,
          }),
      storageEncrypted: true,
      ...(a.engine === 'aurora-postgresql' ? {} : { multiAz: a.multiAz }),
      publiclyAccessible: false,
      deletionProtection: DEFAULTS.database.deletionProtection,
      backupRetentionDays: a.backupRetentionDays,
      backupWindow: a.backupWindow,
      maintenanceWindow: a.maintenanceWindow,
    },
    snapshots: {
      manualRetentionWeeks: a.manualRetentionWeeks,
      crossRegion: {
        enabled: a.crossRegion,
        region: a.crossRegion ? a.drRegion : DEFAULTS.snapshots.crossRegion.region,
        retentionWeeks: a.crossRegion ? a.drRetentionWeeks : DEFAULTS.snapshots.crossRegion.retentionWeeks,
      },
    },
    recovery: { rtoHours: a.rtoHours, rpoHours: a.rpoHours, ...drNetwork(a) },
    cache: { enabled: a.cacheEnabled, nodeType: isAws && a.cacheEnabled ? a.cacheNodeType : DEFAULTS.cache.nodeType },
    network: isAws && a.access === 'cidr' && a.allowedCidr ? { allowedCidr: a.allowedCidr } : {},
    alarms: a.alarmEmail ? { email: a.alarmEmail } : {},
    budget: { monthlyUsd: a.budgetUsd, alertPercents: a.budgetUsd > 0 ? percents(a.alertPercents) : DEFAULTS.budget.alertPercents },
  };
}

/** Config path -> question key, for the comments. */
const COMMENT_OF: Record<string, keyof Answers> = {
  provider: 'provider',
  region: 'region',
  profile: 'profile',
  'database.identifier': 'identifier',
  'database.engine': 'engine',
  'database.engineVersion': 'engineVersion',
  'database.instanceClass': 'instanceClass',
  'database.allocatedStorageGb': 'allocatedStorageGb',
  'database.maxAllocatedStorageGb': 'maxAllocatedStorageGb',
  'database.multiAz': 'multiAz',
  'database.backupRetentionDays': 'backupRetentionDays',
  'database.backupWindow': 'backupWindow',
  'database.maintenanceWindow': 'maintenanceWindow',
  'snapshots.manualRetentionWeeks': 'manualRetentionWeeks',
  'snapshots.crossRegion': 'crossRegion',
  'recovery.rtoHours': 'rtoHours',
  'recovery.rpoHours': 'rpoHours',
  'recovery.drSubnetGroup': 'drSubnetGroup',
  'recovery.drSecurityGroupIds': 'drSecurityGroups',
  cache: 'cacheEnabled',
  'cache.nodeType': 'cacheNodeType',
  alarms: 'alarmEmail',
  budget: 'budgetUsd',
  'budget.alertPercents': 'alertPercents',
  network: 'access',
};

/** Comments that are not a question's explanation. */
const EXTRA: Record<string, string> = {
  'database.storageEncrypted': 'Encryption at rest costs nothing on RDS (the seeds\' "free tier has no encryption" is wrong).',
  'database.publiclyAccessible': 'Not reachable from the internet; connect from inside the VPC, a VPN or a tunnel.',
  'database.deletionProtection': 'true for production: `dbops provision destroy` then refuses unless told otherwise.',
  'database.storageType': 'General Purpose SSD; 20 GB of gp2 is in the free tier.',
};

function commentFor(path: string): string | undefined {
  const key = COMMENT_OF[path];
  const q = key ? QUESTIONS.find((x) => x.key === key) : undefined;
  return EXTRA[path] ?? q?.explain;
}

function annotate(map: YAMLMap, prefix: string): void {
  for (const item of map.items as Pair<Scalar, unknown>[]) {
    const path = prefix ? `${prefix}.${String(item.key.value)}` : String(item.key.value);
    const comment = commentFor(path);
    if (comment) item.key.commentBefore = ` ${comment}`;
    if (isMap(item.value)) annotate(item.value, path);
    if (isSeq(item.value)) item.value.flow = true;
  }
}

export const HEADER = [
  ' dbops configuration, written by `dbops init`.',
  " Defaults are the seeds' free-tier profile, minus their unsafe choices (no 0.0.0.0/0,",
  ' encryption on, not publicly accessible, Redis with AUTH). Keys not listed here keep their',
  ' defaults: `dbops config show` prints every key and where its value comes from.',
  ' Next: `dbops config validate`, then `dbops provision plan`.',
].join('\n');

export function configYaml(tree: Tree): string {
  const doc = new Document(tree);
  doc.commentBefore = HEADER;
  annotate(doc.contents as YAMLMap, '');
  return doc.toString({ lineWidth: 0 });
}
