/**
 * The `dbops init` questions as data: key, kind, one-line explanation, default (the
 * seeds' free-tier profile, config/defaults.ts), choices, validation, and the free-tier
 * note said after the answer. Pure: the wizard (wizard.ts) only walks this list.
 */
import { AURORA_POSTGRES, dataEngine, SEED_004, SERVERLESS_CLASS } from '../config/database-kind.js';
import { DEFAULTS } from '../config/defaults.js';
import { configSchema } from '../config/schema.js';
import { isCidrError, isWorldOpen, parseCidr } from '../provision/cidr.js';
import { isKnownRegion } from '../provision/regions.js';
import { MAX_ALERT_PERCENTS, STORAGE_MIN_GB } from '../provision/validate.js';
import {
  auroraNote,
  CACHE_NODES,
  DB_CLASSES,
  cacheMonthly,
  cacheNote,
  crossRegionNote,
  dbMonthly,
  instanceNote,
  multiAzNote,
  storageNote,
  type CostFacts,
} from './costs.js';

/** Everything the wizard asks; the config file is a pure function of it (config-yaml.ts). */
export interface Answers {
  provider: 'aws' | 'local';
  region: string;
  profile: string;
  identifier: string;
  /** aurora-postgresql: an Aurora Serverless v2 cluster (seed 004), never in the free tier. */
  engine: 'postgres' | 'mysql' | 'aurora-postgresql';
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb: number;
  multiAz: boolean;
  backupRetentionDays: number;
  backupWindow: string;
  maintenanceWindow: string;
  manualRetentionWeeks: number;
  crossRegion: boolean;
  drRegion: string;
  drRetentionWeeks: number;
  /** The DB subnet group in the DR region a region drill restores into ('' : the DR region's default VPC). */
  drSubnetGroup: string;
  /** Comma-separated security group ids in the DR region for that recovery ('' : the VPC's default group). */
  drSecurityGroups: string;
  rtoHours: number;
  rpoHours: number;
  cacheEnabled: boolean;
  cacheNodeType: string;
  alarmEmail: string;
  budgetUsd: number;
  alertPercents: string;
  access: 'private' | 'cidr';
  allowedCidr: string;
}

export interface Choice {
  value: string;
  name: string;
}

export interface Question<K extends keyof Answers = keyof Answers> {
  key: K;
  kind: 'select' | 'input' | 'number' | 'confirm';
  message: string;
  /** One line said before the question. */
  explain: string;
  default(a: Partial<Answers>): Answers[K];
  choices?(a: Partial<Answers>): Choice[];
  when?(a: Partial<Answers>): boolean;
  /** true, or one sentence saying what is wrong. */
  validate?(value: Answers[K], a: Partial<Answers>): true | string;
  /** Said after the answer when it leaves the free tier (with a rough cost). */
  note?(a: Partial<Answers>): string | undefined;
}

const db = DEFAULTS.database;
const schemaDb = configSchema.shape.database.shape;

function zodCheck(schema: { safeParse(v: unknown): { success: boolean } }, v: unknown, message: string): true | string {
  return schema.safeParse(v).success ? true : message;
}

/** The facts the cost notes need, from partial answers (defaults for the rest). */
export function costFacts(a: Partial<Answers>): CostFacts {
  return {
    provider: a.provider ?? DEFAULTS.provider,
    instanceClass: a.instanceClass ?? db.instanceClass,
    multiAz: a.multiAz ?? db.multiAz,
    storageType: db.storageType,
    allocatedStorageGb: a.allocatedStorageGb ?? db.allocatedStorageGb,
    maxAllocatedStorageGb: a.maxAllocatedStorageGb ?? a.allocatedStorageGb ?? db.maxAllocatedStorageGb,
    readReplica: false,
    cacheEnabled: a.cacheEnabled ?? DEFAULTS.cache.enabled,
    cacheNodeType: a.cacheNodeType ?? DEFAULTS.cache.nodeType,
    crossRegion: a.crossRegion ?? DEFAULTS.snapshots.crossRegion.enabled,
    ...(a.engine === AURORA_POSTGRES ? { aurora: { minCapacity: SEED_004.minCapacity, maxCapacity: SEED_004.maxCapacity } } : {}),
  };
}

const aurora = (a: Partial<Answers>) => a.engine === AURORA_POSTGRES;

const aws = (a: Partial<Answers>) => a.provider === 'aws';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function cidrCheck(v: string): true | string {
  const c = parseCidr(v);
  if (isCidrError(c)) return c.error;
  if (isWorldOpen(v))
    return 'dbops never opens the database to the whole internet; type your office, VPN or application range (e.g. 203.0.113.7/32).';
  return true;
}

function percentsCheck(v: string): true | string {
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length > MAX_ALERT_PERCENTS)
    return `At most ${MAX_ALERT_PERCENTS} thresholds (AWS Budgets allows 10 alerts: actual and forecast for each).`;
  return parts.every((p) => /^\d+(\.\d+)?$/.test(p) && Number(p) > 0 && Number(p) <= 100)
    ? true
    : 'Type percentages between 1 and 100, separated by commas, e.g. 50, 80.';
}

/** RDS' DBSubnetGroupName: up to 255 letters, digits, periods, underscores, spaces or hyphens. */
const SUBNET_GROUP = /^[A-Za-z0-9._ -]{1,255}$/;
/** At most 5 VPC security groups on an RDS instance's network interface (the VPC default quota). */
export const MAX_DR_SECURITY_GROUPS = 5;

function subnetGroupCheck(v: string): true | string {
  if (v === '') return true;
  if (v !== v.trim()) return 'A subnet group name does not start or end with a space.';
  return SUBNET_GROUP.test(v)
    ? true
    : `"${v}" is not a DB subnet group name (up to 255 letters, digits, periods, underscores, spaces or hyphens).`;
}

/** The ids of a comma-separated list, trimmed, empty entries dropped. Pure. */
export function securityGroupList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function securityGroupsCheck(v: string): true | string {
  const ids = securityGroupList(v);
  const bad = ids.find((id) => !configSchema.shape.recovery.shape.drSecurityGroupIds.safeParse([id]).success);
  if (bad) return `"${bad}" is not a security group id (sg- and hex digits, e.g. sg-0123abcd).`;
  if (new Set(ids).size !== ids.length) return 'A security group is listed twice.';
  if (ids.length > MAX_DR_SECURITY_GROUPS) return `At most ${MAX_DR_SECURITY_GROUPS} security groups (RDS' limit per instance).`;
  return true;
}

/** Type-checks one question against its own answer type. */
function ask<K extends keyof Answers>(q: Question<K>): Question {
  return q as unknown as Question;
}

export const QUESTIONS: Question[] = [
  ask<'provider'>({
    key: 'provider',
    kind: 'select',
    message: 'Provider',
    explain:
      'aws provisions RDS, ElastiCache, alarms and a budget; local runs PostgreSQL (and redis-server) on this machine, no account needed.',
    default: () => DEFAULTS.provider,
    choices: () => [
      { value: 'local', name: 'local — PostgreSQL clusters on this machine' },
      { value: 'aws', name: 'aws — RDS, ElastiCache, CloudWatch, Budgets' },
    ],
  }),
  ask<'region'>({
    key: 'region',
    kind: 'input',
    message: 'AWS region',
    explain: 'Where everything lives (the seeds use us-east-2, Ohio); on the local provider it is a directory namespace.',
    default: () => DEFAULTS.region,
    validate: (v) => (isKnownRegion(v) ? true : `${v} is not an AWS region (e.g. us-east-2).`),
  }),
  ask<'profile'>({
    key: 'profile',
    kind: 'input',
    message: 'AWS profile (empty: the default credential chain)',
    explain: 'The shared-config profile dbops uses (aws configure --profile NAME).',
    when: aws,
    default: () => '',
  }),
  ask<'identifier'>({
    key: 'identifier',
    kind: 'input',
    message: 'Database identifier',
    explain: 'The RDS instance name; the security group, cache, topic, alarms and budget are named after it.',
    default: () => db.identifier,
    validate: (v) =>
      zodCheck(schemaDb.identifier, v, 'Use 1-63 letters, digits and single hyphens, starting with a letter and not ending with a hyphen.'),
  }),
  ask<'engine'>({
    key: 'engine',
    kind: 'select',
    message: 'Engine',
    explain:
      "PostgreSQL 15 with pgvector is the seeds' database; MySQL 8.0 is seed 003's, Aurora Serverless v2 PostgreSQL seed 004's (aws only).",
    default: () => dataEngine(db.engine),
    choices: (a) => [
      { value: 'postgres', name: 'PostgreSQL' },
      ...(a.provider === 'aws'
        ? [
            { value: 'mysql', name: 'MySQL' },
            { value: AURORA_POSTGRES, name: 'Aurora Serverless v2 PostgreSQL — billed by the ACU-hour, not in the free tier' },
          ]
        : []),
    ],
    note: (a) => auroraNote(costFacts(a)),
  }),
  ask<'engineVersion'>({
    key: 'engineVersion',
    kind: 'input',
    message: 'Engine version',
    explain: 'A major version (minor upgrades are automatic in the maintenance window).',
    default: (a) => (a.engine === 'mysql' ? '8.0' : aurora(a) ? SEED_004.engineVersion : db.engineVersion),
    validate: (v) => zodCheck(schemaDb.engineVersion, v, 'A version such as 15 or 8.0.'),
  }),
  ask<'instanceClass'>({
    key: 'instanceClass',
    kind: 'select',
    message: 'Instance class',
    explain: 'db.t3.micro is in the free tier (2 vCPU burstable, 1 GiB).',
    // An Aurora Serverless v2 cluster's instances are db.serverless: not asked.
    when: (a) => !aurora(a),
    default: (a) => (aurora(a) ? SERVERLESS_CLASS : db.instanceClass),
    choices: () => DB_CLASSES.map((c) => ({ value: c, name: `${c} (~$${dbMonthly(c, false)}/month)` })),
    note: (a) => instanceNote(costFacts(a)),
  }),
  ask<'allocatedStorageGb'>({
    key: 'allocatedStorageGb',
    kind: 'number',
    message: 'Storage (GB, gp2)',
    explain: '20 GB of gp2 is in the free tier; RDS can grow storage but never shrink it.',
    // Aurora storage grows by itself: not asked.
    when: (a) => !aurora(a),
    default: () => db.allocatedStorageGb,
    validate: (v) =>
      Number.isInteger(v) && v >= (STORAGE_MIN_GB.gp2 ?? 20) && v <= 65536
        ? true
        : `Storage must be a whole number of GB from ${STORAGE_MIN_GB.gp2} (the engine minimum) to 65536.`,
    note: (a) => storageNote({ ...costFacts(a), maxAllocatedStorageGb: a.allocatedStorageGb ?? 20 }),
  }),
  ask<'maxAllocatedStorageGb'>({
    key: 'maxAllocatedStorageGb',
    kind: 'number',
    message: 'Storage cap for autoscaling (GB; equal to the storage: no autoscaling)',
    when: (a) => !aurora(a),
    explain: "A cap equal to the storage keeps the bill fixed (the seeds' choice).",
    default: (a) => a.allocatedStorageGb ?? db.maxAllocatedStorageGb,
    validate: (v, a) =>
      Number.isInteger(v) && v >= (a.allocatedStorageGb ?? 20) && v <= 65536
        ? true
        : `The cap must be at least the storage (${a.allocatedStorageGb ?? 20} GB).`,
    note: (a) =>
      a.maxAllocatedStorageGb !== undefined && a.maxAllocatedStorageGb > (a.allocatedStorageGb ?? 20)
        ? storageNote(costFacts(a))
        : undefined,
  }),
  ask<'multiAz'>({
    key: 'multiAz',
    kind: 'confirm',
    message: 'Multi-AZ standby?',
    // An Aurora cluster's standby is a reader (database.readReplica): not asked.
    when: (a) => !aurora(a),
    explain: 'A synchronous standby in another zone for failover; it doubles the instance cost.',
    default: () => db.multiAz,
    note: (a) => multiAzNote(costFacts(a)),
  }),
  ask<'backupRetentionDays'>({
    key: 'backupRetentionDays',
    kind: 'number',
    message: 'Automated backup retention (days)',
    explain: '7 days of point-in-time recovery, as in the seeds; backups up to the database size are free.',
    default: () => db.backupRetentionDays,
    validate: (v) => (Number.isInteger(v) && v >= 1 && v <= 35 ? true : 'Retention is 1 to 35 days (0 would turn backups off).'),
  }),
  ask<'backupWindow'>({
    key: 'backupWindow',
    kind: 'input',
    message: 'Backup window (UTC)',
    explain: 'When the daily backup runs (seeds: 03:00-04:00).',
    default: () => db.backupWindow,
    validate: (v) => zodCheck(schemaDb.backupWindow, v, 'A UTC window like 03:00-04:00.'),
  }),
  ask<'maintenanceWindow'>({
    key: 'maintenanceWindow',
    kind: 'input',
    message: 'Maintenance window (UTC)',
    explain: 'When RDS applies patches and deferred changes (seeds: sun:04:00-sun:05:00).',
    default: () => db.maintenanceWindow,
    validate: (v) => zodCheck(schemaDb.maintenanceWindow, v, 'A weekly UTC window like sun:04:00-sun:05:00.'),
  }),
  ask<'manualRetentionWeeks'>({
    key: 'manualRetentionWeeks',
    kind: 'number',
    message: 'Keep weekly manual snapshots for (weeks)',
    explain: 'dbops takes a manual snapshot weekly and prunes the older ones (seeds: 4 weeks).',
    default: () => DEFAULTS.snapshots.manualRetentionWeeks,
    validate: (v) => (Number.isInteger(v) && v >= 1 && v <= 520 ? true : 'A whole number of weeks from 1 to 520.'),
  }),
  ask<'crossRegion'>({
    key: 'crossRegion',
    kind: 'confirm',
    message: 'Copy the weekly snapshot to a DR region?',
    explain: 'A copy in another region survives the loss of this one (seeds: us-west-2, kept 2 weeks).',
    default: () => DEFAULTS.snapshots.crossRegion.enabled,
    note: (a) => crossRegionNote(costFacts(a)),
  }),
  ask<'drRegion'>({
    key: 'drRegion',
    kind: 'input',
    message: 'DR region',
    explain: 'Where the copies go; it must differ from the main region.',
    when: (a) => a.crossRegion === true,
    default: () => DEFAULTS.snapshots.crossRegion.region,
    validate: (v, a) =>
      !isKnownRegion(v) ? `${v} is not an AWS region.` : v === a.region ? 'The DR region must differ from the main region.' : true,
  }),
  ask<'drRetentionWeeks'>({
    key: 'drRetentionWeeks',
    kind: 'number',
    message: 'Keep DR copies for (weeks)',
    explain: 'Older copies are pruned (seeds: 2 weeks).',
    when: (a) => a.crossRegion === true,
    default: () => DEFAULTS.snapshots.crossRegion.retentionWeeks,
    validate: (v) => (Number.isInteger(v) && v >= 1 && v <= 520 ? true : 'A whole number of weeks from 1 to 520.'),
  }),
  ask<'drSubnetGroup'>({
    key: 'drSubnetGroup',
    kind: 'input',
    message: "DR subnet group (empty: the DR region's default VPC)",
    explain:
      'A region drill (dbops dr-drill) restores into this DB subnet group in the DR region, never publicly accessible; it must exist there.',
    when: (a) => aws(a) && a.crossRegion === true,
    default: () => DEFAULTS.recovery.drSubnetGroup ?? '',
    validate: (v) => subnetGroupCheck(v),
    note: (a) =>
      a.drSubnetGroup === ''
        ? `No DR subnet group: a region drill restores into the default VPC of ${a.drRegion ?? DEFAULTS.snapshots.crossRegion.region} (RDS refuses when that region has none).`
        : undefined,
  }),
  ask<'drSecurityGroups'>({
    key: 'drSecurityGroups',
    kind: 'input',
    message: 'DR security groups (comma-separated sg- ids; empty: the VPC default)',
    explain: "The security groups of that recovery in the DR region: the ones your application's DR network reaches it through.",
    when: (a) => aws(a) && a.crossRegion === true,
    default: () => (DEFAULTS.recovery.drSecurityGroupIds ?? []).join(', '),
    validate: (v) => securityGroupsCheck(v),
  }),
  ask<'rtoHours'>({
    key: 'rtoHours',
    kind: 'number',
    message: 'Recovery time objective (hours)',
    explain: 'How long a recovery may take; drills fail when they take longer (seeds: 4 h).',
    default: () => DEFAULTS.recovery.rtoHours,
    validate: (v) => (v > 0 ? true : 'A positive number of hours.'),
  }),
  ask<'rpoHours'>({
    key: 'rpoHours',
    kind: 'number',
    message: 'Recovery point objective (hours)',
    explain: 'How much data may be lost; the newest restorable point must be younger (seeds: 24 h).',
    default: () => DEFAULTS.recovery.rpoHours,
    validate: (v) => (v > 0 ? true : 'A positive number of hours.'),
  }),
  ask<'cacheEnabled'>({
    key: 'cacheEnabled',
    kind: 'confirm',
    message: 'Provision a Redis cache?',
    explain: 'ElastiCache Redis 7, one node, with AUTH and TLS (local: a redis-server on its own port).',
    default: () => DEFAULTS.cache.enabled,
  }),
  ask<'cacheNodeType'>({
    key: 'cacheNodeType',
    kind: 'select',
    message: 'Cache node type',
    explain: "cache.t3.micro is free-tier eligible and supports AUTH and TLS (the seeds' cache.t2.micro does not).",
    when: (a) => a.cacheEnabled === true && a.provider === 'aws',
    default: () => DEFAULTS.cache.nodeType,
    choices: () => CACHE_NODES.map((n) => ({ value: n, name: `${n} (~$${cacheMonthly(n)}/month)` })),
    note: (a) => cacheNote(costFacts(a)),
  }),
  ask<'alarmEmail'>({
    key: 'alarmEmail',
    kind: 'input',
    message: 'Alarm email (empty: none)',
    explain: 'CPU, storage, connection and budget alerts go to this address (it must confirm the subscription).',
    default: () => '',
    validate: (v) => (v === '' || EMAIL.test(v) ? true : `"${v}" is not an email address.`),
  }),
  ask<'budgetUsd'>({
    key: 'budgetUsd',
    kind: 'number',
    message: 'Monthly budget (USD, 0: none)',
    explain: 'An AWS Budget on the monthly cost (seed 002: $50).',
    default: () => DEFAULTS.budget.monthlyUsd,
    validate: (v) => (Number.isFinite(v) && v >= 0 ? true : 'A budget cannot be below zero.'),
  }),
  ask<'alertPercents'>({
    key: 'alertPercents',
    kind: 'input',
    message: 'Budget alerts at (% of the budget, comma-separated)',
    explain: 'Each threshold alerts on actual and on forecast spend (seed 002: 50 % and 80 %, i.e. $25 and $40).',
    when: (a) => (a.budgetUsd ?? 0) > 0,
    default: () => DEFAULTS.budget.alertPercents.join(', '),
    validate: (v) => percentsCheck(v),
  }),
  ask<'access'>({
    key: 'access',
    kind: 'select',
    message: 'Who may connect to the database and cache?',
    explain:
      'This machine has no way to learn its public address offline, so dbops offers private-only or a range you type; it never opens 0.0.0.0/0.',
    when: aws,
    default: () => 'private',
    choices: () => [
      { value: 'private', name: "private only — nothing admitted; add your application's security group later" },
      { value: 'cidr', name: 'a CIDR I type (your office or VPN, e.g. 203.0.113.7/32)' },
    ],
  }),
  ask<'allowedCidr'>({
    key: 'allowedCidr',
    kind: 'input',
    message: 'Allowed CIDR',
    explain: 'Port 5432 (and 6379) admit only this range.',
    when: (a) => a.access === 'cidr',
    default: () => '',
    validate: (v) => cidrCheck(v),
    note: (a) =>
      a.allowedCidr && (parseCidr(a.allowedCidr) as { prefix?: number }).prefix! < 16
        ? `${a.allowedCidr} is a wide range; prefer your exact address (/32).`
        : undefined,
  }),
];

/** The defaults of every question, in order, as `--defaults` answers them; `preset` (flags, DBOPS_*) wins, and later defaults follow it. */
export function defaultAnswers(preset: Partial<Answers> = {}): Answers {
  const a: Partial<Answers> = {};
  for (const q of QUESTIONS) {
    (a as Record<string, unknown>)[q.key] = preset[q.key] ?? q.default(a);
  }
  return a as Answers;
}
