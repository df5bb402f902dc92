// The workflows the worker registers (its workflowsPath points here).
export { auditMaintenanceWorkflow } from './audit-maintenance.js';
export { remediationWorkflow } from './remediation.js';
