// The workflows the worker registers (its workflowsPath points here).
export { remediationWorkflow } from './remediation.js';
