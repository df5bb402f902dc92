/**
 * Activity stubs for the workflow. Kubernetes and PostgreSQL calls retry with
 * backoff until they succeed (an outage delays a remediation, it never loses a step);
 * the phase and global timers bound how long a remediation waits overall.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RemediationActivities } from '../activities/remediation.js';
import { stepsRunToEnd } from './step-calls.js';

const retry = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' };

export const acts = proxyActivities<RemediationActivities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * The short, idempotent steps every phase takes — an audit row, a status patch,
 * a child get-or-create, a child read, a lock release — as local activities: the
 * worker runs them inside the workflow task, with no task-queue round trip per
 * step, and several in a row cost one workflow task instead of one each. Still
 * retried with the same backoff (past a minute, across workflow tasks with a
 * durable timer). Local activities may run again after a worker crash (nothing
 * records an attempt), which their idempotence (activities/remediation.ts) covers.
 */
export type StepActivities = Pick<
  RemediationActivities,
  'recordAuditEvent' | 'writeRemediationStatus' | 'ensureChild' | 'readChild' | 'releaseTargetLock'
>;

const stepOptions = { startToCloseTimeout: '30 seconds', retry } as const;

export const localActs: StepActivities = proxyLocalActivities<StepActivities>(stepOptions);

/**
 * The same steps, never cancelled by the workflow and bounded by the deadline that
 * would have cancelled them (step-calls.ts: a cancel meeting a step the SDK's core has
 * already finished wedges the run). Runs started before STEPS_RUN_TO_END_PATCH keep
 * `localActs`.
 */
export const stepsToEnd: StepActivities = stepsRunToEnd<StepActivities>(stepOptions);
export const STEPS_RUN_TO_END_PATCH = 'steps-run-to-end';

/**
 * Workflows started before local activities existed keep running these steps as
 * ordinary activities (their histories say so); see Remediation.steps.
 */
export const LOCAL_STEPS_PATCH = 'local-activity-steps';
