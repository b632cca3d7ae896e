import { defineRunbook } from '../runbook/define.js';

/** runbooks/provision-apply.md */
export const PROVISION_APPLY = defineRunbook('provision-apply', 'Provision the deployment from the config', [
  'PV-1',
  'PV-2',
  'PV-3',
  'PV-12',
  'PV-13',
  'PV-4',
  'PV-5',
  'PV-11',
  'PV-6',
  'PV-14',
  'PV-7',
  'PV-8',
  'PV-9',
  'PV-10',
]);

/** runbooks/provision-destroy.md */
export const PROVISION_DESTROY = defineRunbook('provision-destroy', 'Destroy what dbops provisioned', [
  'PD-1',
  'PD-2',
  'PD-3',
  'PD-4',
  'PD-5',
  'PD-14',
  'PD-10',
  'PD-6',
  'PD-7',
  'PD-8',
  'PD-11',
  'PD-12',
  'PD-13',
  'PD-9',
]);
