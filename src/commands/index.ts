/**
 * The single list of dbops commands, in the order `dbops --help` shows them. Each command
 * is src/commands/<command>.ts (its definition) + <command>.run.ts (its handlers, loaded
 * lazily); see define.ts and the README's "Adding a command".
 */
import { audit } from './audit.js';
import { backup } from './backup.js';
import { config } from './config.js';
import type { AnyCommand } from './define.js';
import { drDrill } from './dr-drill.js';
import { failover } from './failover.js';
import { fleet } from './fleet.js';
import { freeTierReport } from './free-tier-report.js';
import { gc } from './gc.js';
import { heartbeat } from './heartbeat.js';
import { init } from './init.js';
import { instances } from './instances.js';
import { migrate } from './migrate.js';
import { provision } from './provision.js';
import { psql } from './psql.js';
import { runbook } from './runbook.js';
import { schedule } from './schedule.js';
import { replica } from './replica.js';
import { restoreTest } from './restore-test.js';
import { snapshot } from './snapshot.js';
import { status } from './status.js';
import { switchover } from './switchover.js';
import { vector } from './vector.js';

export const COMMANDS: readonly AnyCommand[] = [
  init,
  provision,
  audit,
  instances,
  status,
  fleet,
  snapshot,
  backup,
  restoreTest,
  drDrill,
  replica,
  switchover,
  failover,
  gc,
  migrate,
  heartbeat,
  vector,
  freeTierReport,
  schedule,
  psql,
  config,
  runbook,
];
