import { defineRunbook, runbookSection } from '../runbook/define.js';

/** runbooks/instance-create.md */
export const INSTANCE_CREATE = defineRunbook('instance-create', 'Create a database instance', ['IC-1', 'IC-2', 'IC-3', 'IC-4']);

/** runbooks/instance-delete.md */
export const INSTANCE_DELETE = defineRunbook('instance-delete', 'Delete a database instance', ['ID-1', 'ID-2', 'ID-3']);

/** runbooks/instance-start-stop.md: `dbops instances start` runs IP-1..IP-3, `stop` IP-1 and IP-4. */
export const INSTANCE_START_STOP = defineRunbook('instance-start-stop', 'Start or stop an instance', ['IP-1', 'IP-2', 'IP-3', 'IP-4']);
export const INSTANCE_START = runbookSection(INSTANCE_START_STOP, ['IP-1', 'IP-2', 'IP-3'], 'Start an instance');
export const INSTANCE_STOP = runbookSection(INSTANCE_START_STOP, ['IP-1', 'IP-4'], 'Stop an instance');
