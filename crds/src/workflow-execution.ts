import { WE_PHASES } from '../../lib/domain.js';
import { selectedWorkflowFields } from './ai-analysis.js';
import { type CrdDefinition, conditions, immutable, int, num, obj, objectRef, oneOf, str, stringMap, time } from './schema.js';

export const workflowExecution: CrdDefinition = {
  kind: 'WorkflowExecution',
  plural: 'workflowexecutions',
  singular: 'workflowexecution',
  shortNames: ['wfe', 'we'],
  description: 'Runs the selected remediation action against the target.',
  columns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Action', type: 'string', jsonPath: '.spec.workflowRef.actionType' },
    { name: 'Target', type: 'string', jsonPath: '.spec.targetResource' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj(
    {
      remediationRequestRef: objectRef(),
      workflowRef: obj(selectedWorkflowFields, ['workflowId', 'workflowName', 'version', 'actionType', 'executionBundle']),
      targetResource: str('namespace/kind/name of the target'),
      parameters: stringMap(),
      confidence: num(),
      rationale: str(),
      clusterID: str(),
      dryRun: { type: 'boolean', description: 'Report the change without applying it (server-side dry run)' },
      timesOutAt: time(),
    },
    ['remediationRequestRef', 'workflowRef', 'targetResource'],
    undefined,
    immutable('spec'),
  ),
  status: obj({
    phase: oneOf(WE_PHASES),
    startTime: time(),
    completionTime: time(),
    duration: str(),
    failureReason: str(),
    workflowName: str(),
    observedGeneration: int(undefined, { format: 'int64' }),
    executionRef: obj({ name: str() }),
    executionStatus: obj({ status: str(), reason: str(), message: str(), totalTasks: int(), completedTasks: int() }, ['status']),
    failureDetails: obj(
      {
        failedTaskIndex: int(),
        failedTaskName: str(),
        reason: oneOf([
          'OOMKilled',
          'DeadlineExceeded',
          'Forbidden',
          'ResourceExhausted',
          'ConfigurationError',
          'ImagePullBackOff',
          'TaskFailed',
          'UnsupportedEngine',
          'Unknown',
          'Deduplicated',
        ]),
        message: str(),
        naturalLanguageSummary: str(),
        failedAt: time(),
        exitCode: int(undefined, { format: 'int32' }),
        wasExecutionFailure: { type: 'boolean' },
      },
      ['failedTaskIndex', 'failedTaskName', 'reason', 'message', 'naturalLanguageSummary', 'failedAt'],
    ),
    conditions: conditions(),
  }),
};
