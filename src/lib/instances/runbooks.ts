import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/instance-create.md */
export const INSTANCE_CREATE: RunbookDef = {
  name: 'instance-create',
  title: 'Create a database instance',
  steps: [
    { id: 'IC-1', title: 'Check the request' },
    { id: 'IC-2', title: 'Create the instance' },
    { id: 'IC-3', title: 'Wait until it is available' },
    { id: 'IC-4', title: 'Connect and check the server' },
  ],
};

/** runbooks/instance-delete.md */
export const INSTANCE_DELETE: RunbookDef = {
  name: 'instance-delete',
  title: 'Delete a database instance',
  steps: [
    { id: 'ID-1', title: 'Check that dbops may delete it' },
    { id: 'ID-2', title: 'Delete the instance' },
    { id: 'ID-3', title: 'Wait until it is gone' },
  ],
};
