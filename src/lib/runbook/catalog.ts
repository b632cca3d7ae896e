/**
 * Every runbook a command follows. The sync test (test/unit/runbook/sync.test.ts) checks
 * each against runbooks/<name>.md: same ids, same order.
 */
import { DR_DRILL } from '../drill/runbook.js';
import { FAILOVER, SWITCHOVER } from '../failover/runbooks.js';
import { INSTANCE_CREATE, INSTANCE_DELETE } from '../instances/runbooks.js';
import { PROVISION_APPLY, PROVISION_DESTROY } from '../provision/runbooks.js';
import { RESTORE_TEST } from '../restore/runbook.js';
import type { RunbookDef } from './runner.js';
import { SNAPSHOT_POLICY } from '../snapshots/runbooks.js';
import { VECTOR_TUNING } from '../vector/runbook.js';

export const RUNBOOKS: RunbookDef[] = [INSTANCE_CREATE, INSTANCE_DELETE, PROVISION_APPLY, PROVISION_DESTROY, VECTOR_TUNING, SNAPSHOT_POLICY, RESTORE_TEST, SWITCHOVER, FAILOVER, DR_DRILL];
