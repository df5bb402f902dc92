/**
 * Trails that Kubernaut's own services wrote (generated from its payload schemas,
 * not by our writer) reconstruct valid and complete, and the RR they give validates
 * against Kubernaut's RR CRD. Seeded: KUBERNAUT_TRAIL_SEED replays a failure.
 */
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { APPROVAL_ANNOTATION } from '../../lib/reconstruct/declared-status.js';
import { auditApp } from '../integration/audit-api-fixtures.js';
import { auditPool, newCorrelation } from '../integration/audit-fixtures.js';
import { reconstruct, reconstructed } from '../reconstruct/reconstruct-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';
import { kubernautRrSchema } from './kubernaut-rr-schema.js';
import { execution, kubernautTrail, opening, type Step, verification } from './kubernaut-trails.js';

const BASE_SEED = Number(process.env.KUBERNAUT_TRAIL_SEED ?? 20261130);
const SEEDS = [BASE_SEED, BASE_SEED + 1, BASE_SEED + 2];

const ALERT = {
  status: 'firing',
  labels: { alertname: 'HighMemoryUsage', namespace: 'payment' },
  startsAt: '2026-03-01T09:58:00Z',
};
const toApproval: Step = [
  'orchestrator.lifecycle.transitioned',
  { from_phase: 'Analyzing', to_phase: 'AwaitingApproval' },
];
const requested: Step = [
  'orchestrator.approval.requested',
  { rar_name: 'rar-payment', workflow_id: 'restart-deployment', confidence_str: '0.62' },
];

/** Story → its steps and what the rebuilt status must say. */
const STORIES: Record<
  string,
  {
    steps: (pick: <T>(v: readonly T[]) => T) => Step[];
    status: Record<string, unknown>;
    /** The approval decision, which the rebuilt RR keeps in an annotation (its status has no field). */
    approval?: Record<string, unknown>;
  }
> = {
  'remediated and verified': {
    steps: () => [
      ...opening(false, ALERT),
      ...execution('completed'),
      ...verification(false),
      ['orchestrator.lifecycle.completed', { outcome: 'Success', crd_outcome: 'Remediated' }],
      ['notification.message.sent'],
    ],
    status: { overallPhase: 'Completed', completionStatus: { outcome: 'Remediated' } },
  },
  "completed with only Kubernaut's outcome: Success": {
    steps: () => [
      ...opening(false),
      ...execution('completed'),
      ['orchestrator.lifecycle.completed', { outcome: 'Success', crd_outcome: undefined }],
    ],
    status: { overallPhase: 'Completed', completionStatus: { outcome: 'Remediated' } },
  },
  'approval rejected': {
    steps: () => [
      ...opening(true),
      toApproval,
      requested,
      [
        'orchestrator.approval.rejected',
        { decision: 'Rejected', rejected_by: 'erin', rejection_reason: 'not now' },
      ],
      [
        'orchestrator.lifecycle.failed',
        { outcome: 'Failed', failure_phase: 'Approval', failure_reason: 'ApprovalRejected' },
      ],
    ],
    status: { overallPhase: 'Failed', completionStatus: { failurePhase: 'Approval' } },
    approval: { decision: 'Rejected', decidedBy: 'erin', requestName: 'rar-payment' },
  },
  'approved, executed, verification timed out': {
    steps: () => [
      ...opening(true),
      toApproval,
      requested,
      ['orchestrator.approval.approved', { decision: 'Approved', approved_by: 'ann' }],
      ...execution('completed'),
      ...verification(true),
      ['orchestrator.lifecycle.completed', { outcome: 'Success', crd_outcome: 'VerificationTimedOut' }],
    ],
    status: { overallPhase: 'Completed', completionStatus: { outcome: 'VerificationTimedOut' } },
    approval: { decision: 'Approved', decidedBy: 'ann' },
  },
  'execution failed': {
    steps: (pick) => [
      ...opening(false),
      ...execution('failed'),
      [
        'orchestrator.lifecycle.failed',
        {
          outcome: 'Failed',
          failure_phase: 'WorkflowExecution',
          failure_reason: pick(['ValidationError', 'InfrastructureError', 'Unknown']),
        },
      ],
    ],
    status: { overallPhase: 'Failed', completionStatus: { failurePhase: 'WorkflowExecution' } },
  },
  'timed out in analysis': {
    steps: () => [
      ...opening(false),
      [
        'orchestrator.lifecycle.failed',
        { outcome: 'Failed', failure_phase: 'AIAnalysis', failure_reason: 'Timeout' },
      ],
    ],
    status: { overallPhase: 'TimedOut', completionStatus: { timeoutPhase: 'Analyzing' } },
  },
  'analysis failed, manual review': {
    steps: () => [
      ...opening(false).slice(0, -1),
      ['aianalysis.analysis.failed', { phase: 'Failed', approval_required: false }],
      ['orchestrator.remediation.manual_review', { reason: 'WorkflowResolutionFailed' }],
      [
        'orchestrator.lifecycle.failed',
        { outcome: 'Failed', failure_phase: 'AIAnalysis', failure_reason: 'ValidationError' },
      ],
    ],
    status: {
      overallPhase: 'Failed',
      completionStatus: { failurePhase: 'AIAnalysis', requiresManualReview: true },
    },
  },
  "the issue's minimal trail: signal received, RR created": {
    steps: () => [
      ['gateway.signal.received', { deduplication_status: 'new' }],
      ['orchestrator.lifecycle.created'],
    ],
    status: {},
  },
};

describe("trails written by Kubernaut's services", async () => {
  const contract = loadContract();
  const pool = auditPool();
  const app = await auditApp(pool);
  const writer = createAuditWriter(pool);
  const crd = kubernautRrSchema();
  const response = contract.validator('ReconstructionResponse');

  for (const [story, { steps, status, approval }] of Object.entries(STORIES)) {
    it.each(SEEDS)(
      `${story} → valid, 100%% complete, valid under Kubernaut's CRD (seed %i)`,
      async (seed) => {
        const probe = kubernautTrail(contract, seed, 'probe', []);
        const trail = kubernautTrail(contract, seed, newCorrelation('kn'), steps(probe.gen.pick));
        expect(trail.invalid).toEqual([]);
        await writer.write(trail.events);
        const { body, rr } = await reconstructed(app, trail.name);
        expect(response(body), JSON.stringify(response.errors)).toBe(true);
        expect(body.validation.errors).toEqual([]);
        expect(body.validation).toMatchObject({ is_valid: true, completeness: 100 });
        expect(
          body.validation.warnings.filter((w: string) => /unknown type|skipped|ignored/.test(w)),
        ).toEqual([]);
        expect(rr.metadata).toMatchObject({ name: trail.name, namespace: trail.namespace });
        const genesis = trail.events[0]!.event_data;
        expect(rr.spec).toMatchObject({
          signalName: genesis.signal_name,
          signalFingerprint: genesis.fingerprint,
          signalType: 'alert',
          targetType: 'kubernetes',
          targetResource: { kind: genesis.resource_kind, name: genesis.resource_name, namespace: 'payment' },
          signalLabels: genesis.signal_labels,
          signalAnnotations: genesis.signal_annotations,
        });
        // Stored as JSONB, so compare the payload, not its key order.
        expect(JSON.parse(rr.spec!.originalPayload as string)).toEqual(genesis.original_payload);
        expect(rr.status).toMatchObject({
          timeoutConfig: trail.events.find((e) => e.event_type === 'orchestrator.lifecycle.created')!
            .event_data.timeout_config,
          ...status,
        });
        if (approval)
          expect(JSON.parse(rr.metadata?.annotations?.[APPROVAL_ANNOTATION] ?? 'null')).toMatchObject(
            approval,
          );
        expect(crd.spec(rr.spec), JSON.stringify(crd.spec.errors)).toBe(true);
        expect(crd.status(rr.status ?? {}), JSON.stringify(crd.status.errors)).toBe(true);
      },
    );
  }

  it('an alert payload gives the firing time; the WorkflowExecution events give the workflow run', async () => {
    const steps = STORIES['remediated and verified']!.steps(() => undefined as never);
    const trail = kubernautTrail(contract, BASE_SEED, newCorrelation('kn'), steps);
    await writer.write(trail.events);
    const { rr } = await reconstructed(app, trail.name);
    const we = trail.events.find((e) => e.event_type === 'workflowexecution.workflow.started')!.event_data;
    const ea = trail.events.find((e) => e.event_type === 'orchestrator.ea.created')!.event_data;
    expect(rr.spec?.firingTime).toBe(ALERT.startsAt);
    expect(rr.status).toMatchObject({
      workflowSelection: {
        selectedWorkflowRef: {
          workflowId: 'restart-deployment',
          version: '1.0.0',
          executionBundle: we.container_image,
        },
      },
      phaseProgress: {
        workflowExecutionRef: { kind: 'WorkflowExecution', name: we.execution_name },
        effectivenessAssessmentRef: { kind: 'EffectivenessAssessment', name: ea.ea_name },
      },
    });
  });

  it("every event type of Kubernaut's payload mapping is known: none is reported unknown, none fails the route", async () => {
    const all: Step[] = Object.keys(contract.payloadMapping)
      .filter((t) => t !== 'gateway.signal.received')
      .map((t) => [t]);
    const trail = kubernautTrail(contract, BASE_SEED, newCorrelation('kn'), [
      ['gateway.signal.received', { deduplication_status: 'new' }],
      ...all,
    ]);
    expect(trail.invalid).toEqual([]);
    await writer.write(trail.events);
    const res = await reconstruct(app, trail.name);
    expect(res.status).toBe(200);
    expect(res.body.validation.warnings.filter((w: string) => /unknown type/.test(w))).toEqual([]);
  });

  it('the checks really bite: a Kubernaut trail without resource or fingerprint format is invalid', async () => {
    const trail = kubernautTrail(contract, BASE_SEED, newCorrelation('kn'), opening(false));
    trail.events[0]!.event_data.fingerprint = 'abc123';
    delete trail.events[0]!.event_data.resource_name;
    await writer.write(trail.events);
    const { body } = await reconstructed(app, trail.name);
    expect(body.validation.is_valid).toBe(false);
    expect(body.validation.errors).toEqual([
      'spec.targetResource.kind is required and no audit event carried it',
      'spec.targetResource.name is required and no audit event carried it',
      'spec.signalFingerprint "abc123" is not a SHA-256 hex fingerprint',
    ]);
    expect(body.validation.completeness).toBeLessThan(100);
  });
});
