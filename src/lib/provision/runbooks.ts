import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/provision-apply.md */
export const PROVISION_APPLY: RunbookDef = {
  name: 'provision-apply',
  title: 'Provision the deployment from the config',
  steps: [
    { id: 'PV-1', title: 'Check the input and plan' },
    { id: 'PV-2', title: 'Security group' },
    { id: 'PV-3', title: 'Parameter group' },
    { id: 'PV-4', title: 'Database instance' },
    { id: 'PV-5', title: 'Read replica' },
    { id: 'PV-11', title: 'Connection pool' },
    { id: 'PV-6', title: 'Cache' },
    { id: 'PV-7', title: 'Alarm topic and email subscription' },
    { id: 'PV-8', title: 'CloudWatch alarms' },
    { id: 'PV-9', title: 'Budget' },
    { id: 'PV-10', title: 'Verify: nothing left to do' },
  ],
};

/** runbooks/provision-destroy.md */
export const PROVISION_DESTROY: RunbookDef = {
  name: 'provision-destroy',
  title: 'Destroy what dbops provisioned',
  steps: [
    { id: 'PD-1', title: 'Find what dbops created and check it may go' },
    { id: 'PD-2', title: 'Budget' },
    { id: 'PD-3', title: 'CloudWatch alarms' },
    { id: 'PD-4', title: 'Alarm topic' },
    { id: 'PD-5', title: 'Cache' },
    { id: 'PD-6', title: 'Read replica' },
    { id: 'PD-7', title: 'Turn deletion protection off' },
    { id: 'PD-8', title: 'Database instance (final snapshot)' },
    { id: 'PD-9', title: 'Security group' },
  ],
};
