import { defineRunbook } from '../runbook/define.js';

/** runbooks/instance-create.md */
export const INSTANCE_CREATE = defineRunbook('instance-create', 'Create a database instance', ['IC-1', 'IC-2', 'IC-3', 'IC-4']);

/** runbooks/instance-delete.md */
export const INSTANCE_DELETE = defineRunbook('instance-delete', 'Delete a database instance', ['ID-1', 'ID-2', 'ID-3']);
