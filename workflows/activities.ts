/**
 * Activity stubs for the workflow. Kubernetes and PostgreSQL calls retry with
 * backoff until they succeed (an outage delays a remediation, it never loses a step);
 * the phase and global timers bound how long a remediation waits overall.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RemediationActivities } from '../activities/remediation.js';

export const acts = proxyActivities<RemediationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
