import { ENVIRONMENTS, NORMALISED_SEVERITIES, SP_PHASES, TARGET_TYPES } from '../../lib/domain.js';
import {
  bool,
  type CrdDefinition,
  conditions,
  immutable,
  int,
  list,
  obj,
  oneOf,
  resourceIdentifier,
  type Schema,
  str,
  stringMap,
  time,
} from './schema.js';

const parentRef = obj({ apiVersion: str(), kind: str(), name: str(), namespace: str(), uid: str() }, ['name']);

/** Kubernetes context of a target; shared with AIAnalysis' enrichment results. */
export const kubernetesContext: Schema = obj({
  clusterID: str(),
  degradedMode: bool('True when the target could not be read and context is partial'),
  namespace: obj({ name: str(), labels: stringMap(), annotations: stringMap() }, ['name']),
  workload: obj({ kind: str(), name: str(), labels: stringMap(), annotations: stringMap() }, ['kind', 'name']),
  ownerChain: list(obj({ api_version: str(), kind: str(), name: str(), namespace: str() }, ['kind', 'name'])),
  customLabels: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
  cluster: obj({ labels: stringMap() }),
});

export const businessClassification: Schema = obj({
  businessUnit: str(),
  serviceOwner: str(),
  criticality: oneOf(['Critical', 'High', 'Medium', 'Low']),
  slaRequirement: oneOf(['Platinum', 'Gold', 'Silver', 'Bronze']),
});

export const signalProcessing: CrdDefinition = {
  kind: 'SignalProcessing',
  plural: 'signalprocessings',
  singular: 'signalprocessing',
  shortNames: ['sp'],
  description: 'Enrichment and classification of a signal: target context, environment, priority.',
  columns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Environment', type: 'string', jsonPath: '.status.environmentClassification.environment' },
    { name: 'Priority', type: 'string', jsonPath: '.status.priorityAssignment.priority' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj(
    {
      remediationRequestRef: parentRef,
      signal: obj(
        {
          fingerprint: str(undefined, { maxLength: 64, pattern: '^[a-f0-9]{64}$' }),
          name: str(undefined, { maxLength: 253 }),
          severity: str(),
          type: str(),
          source: str(undefined, { maxLength: 63 }),
          targetType: oneOf(TARGET_TYPES),
          targetResource: resourceIdentifier(undefined, false),
          clusterID: str(undefined, { maxLength: 253 }),
          firingTime: time(),
          receivedTime: time(),
          labels: stringMap(),
          annotations: stringMap(),
          providerData: str(),
        },
        ['fingerprint', 'name', 'severity', 'type', 'targetType', 'targetResource', 'receivedTime'],
      ),
      enrichmentConfig: obj({
        enableClusterState: bool(),
        enableMetrics: bool(),
        enableHistorical: bool(),
        timeout: str(),
      }),
      timesOutAt: time('Absolute deadline set by the orchestrator'),
    },
    ['remediationRequestRef', 'signal'],
    undefined,
    immutable('spec'),
  ),
  status: obj({
    phase: oneOf(SP_PHASES),
    startTime: time(),
    completionTime: time(),
    observedGeneration: int(undefined, { format: 'int64' }),
    kubernetesContext,
    environmentClassification: obj({ environment: oneOf(ENVIRONMENTS), source: str(), classifiedAt: time() }, [
      'environment',
      'source',
      'classifiedAt',
    ]),
    priorityAssignment: obj({ priority: str(), source: str(), policyName: str(), assignedAt: time() }, [
      'priority',
      'source',
      'assignedAt',
    ]),
    businessClassification,
    signalClassification: obj({
      severity: oneOf(NORMALISED_SEVERITIES),
      signalMode: oneOf(['reactive', 'proactive']),
      signalName: str(),
      sourceSignalName: str(),
      clusterClassification: str(),
      policyHash: str(),
    }),
    failureInfo: obj({ error: str(), lastFailureTime: time(), consecutiveFailures: int(undefined, { format: 'int32' }) }),
    conditions: conditions(),
  }),
};
