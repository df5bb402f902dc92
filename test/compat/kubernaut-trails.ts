/**
 * Audit trails as Kubernaut's own services would write them: each event_data is an
 * instance of the payload schema its event type maps to in Kubernaut's OpenAPI
 * (payload-generator.ts), with only the fields that tell the story set by the test —
 * which RR, which phases, which outcome. Every generated payload is checked against
 * its schema before use, so a trail never carries a field Kubernaut's would not.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../../lib/audit/types.js';
import type { KubernautContract } from './kubernaut-openapi.js';
import { type Generator, payloadGenerator } from './payload-generator.js';

const CATEGORY: Record<string, string> = {
  gateway: 'gateway',
  orchestrator: 'orchestration',
  remediation: 'orchestration',
  signalprocessing: 'signalprocessing',
  aianalysis: 'analysis',
  workflowexecution: 'workflowexecution',
  notification: 'notification',
  effectiveness: 'effectiveness',
  webhook: 'approval',
};

/** [event type, the story's fields] — everything else comes from the schema. */
export type Step = [string, Record<string, unknown>?];

export interface KubernautTrail {
  name: string;
  namespace: string;
  events: (AuditEventInput & { event_id: string })[];
  /** Payloads that did not validate against their schema (must be empty). */
  invalid: string[];
}

export function kubernautTrail(
  contract: KubernautContract,
  seed: number,
  name: string,
  steps: Step[],
): KubernautTrail & { gen: Generator } {
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  const gen = payloadGenerator(contract, seed, t0);
  const namespace = 'kubernaut-system';
  const target = 'payment';
  const invalid: string[] = [];
  const events = steps.map(([type, story = {}], i) => {
    const schema = contract.payloadMapping[type];
    if (!schema) throw new Error(`${type} is not in Kubernaut's payload mapping`);
    const identity: Record<string, unknown> = type.startsWith('gateway.')
      ? {
          namespace: target,
          remediation_request: `${namespace}/${name}`,
          // Kubernaut's gateway fingerprints are SHA-256 hex (its CRD requires it).
          fingerprint: createHash('sha256').update(`${target}:Deployment:${name}`).digest('hex'),
        }
      : /^(orchestrator|remediation)\./.test(type)
        ? { rr_name: name, namespace }
        : type.startsWith('effectiveness.')
          ? { correlation_id: name, namespace }
          : {};
    const event_data = { ...gen.instance(schema), ...identity, ...story, event_type: type };
    const validate = contract.validator(schema);
    if (!validate(event_data)) invalid.push(`${type}: ${JSON.stringify(validate.errors)}`);
    const service = type.split('.')[0]!;
    return {
      event_id: randomUUID(),
      version: '1.0',
      event_type: type,
      event_timestamp: new Date(t0 + i * 1000).toISOString(),
      event_category: CATEGORY[service] ?? 'orchestration',
      event_action: type.split('.').pop()!,
      event_outcome: type.endsWith('.failed') ? ('failure' as const) : ('success' as const),
      actor_type: 'service',
      actor_id: `${service}-controller`,
      resource_type: 'RemediationRequest',
      resource_id: name,
      correlation_id: name,
      namespace,
      event_data,
    };
  });
  return { name, namespace, events, invalid, gen };
}

/** The start of every remediation: the signal, the RR, its timeouts, Processing and Analyzing. */
export function opening(approvalRequired: boolean, alert?: Record<string, unknown>): Step[] {
  return [
    [
      'gateway.signal.received',
      { deduplication_status: 'new', ...(alert ? { original_payload: alert } : {}) },
    ],
    ['gateway.crd.created'],
    ['orchestrator.lifecycle.created', { outcome: 'Pending' }],
    ['orchestrator.lifecycle.started', { outcome: 'Pending' }],
    ['orchestrator.lifecycle.transitioned', { from_phase: 'Pending', to_phase: 'Processing' }],
    ['signalprocessing.enrichment.completed', { phase: 'Completed' }],
    ['orchestrator.lifecycle.transitioned', { from_phase: 'Processing', to_phase: 'Analyzing' }],
    [
      'aianalysis.analysis.completed',
      { phase: 'Completed', approval_required: approvalRequired, workflow_id: 'restart-deployment' },
    ],
  ];
}

const WORKFLOW = { workflow_id: 'restart-deployment', workflow_version: '1.0.0' };

/** Execution of the selected workflow by Kubernaut's WorkflowExecution controller. */
export function execution(result: 'completed' | 'failed'): Step[] {
  return [
    ['orchestrator.lifecycle.transitioned', { from_phase: 'Analyzing', to_phase: 'Executing' }],
    ['remediation.workflow_created', WORKFLOW],
    ['workflowexecution.selection.completed', { ...WORKFLOW, phase: 'Pending' }],
    ['workflowexecution.execution.started', { ...WORKFLOW, phase: 'Running' }],
    ['workflowexecution.workflow.started', { ...WORKFLOW, phase: 'Running' }],
    [
      `workflowexecution.workflow.${result}`,
      { ...WORKFLOW, phase: result === 'completed' ? 'Completed' : 'Failed' },
    ],
  ];
}

export function verification(timedOut: boolean): Step[] {
  return [
    ['orchestrator.lifecycle.verifying_started'],
    ['orchestrator.ea.created'],
    ['effectiveness.assessment.scheduled', { component: 'scheduled' }],
    ['effectiveness.health.assessed', { component: 'health' }],
    timedOut
      ? ['orchestrator.lifecycle.verification_timed_out', { crd_outcome: 'VerificationTimedOut' }]
      : ['orchestrator.lifecycle.verification_completed', { crd_outcome: 'Remediated' }],
  ];
}
