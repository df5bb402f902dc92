/**
 * Kubernaut's Category C (docs/invariants.md, "Errors by category"): when the
 * apiserver refuses a step for good — 403 after an RBAC change, 422 from a stricter
 * schema — no retry helps. The RR fails at once, naming the refusal, with an
 * escalation notification; it does not hang past its timeouts retrying. A
 * ValidatingAdmissionPolicy plays the refusing apiserver here, and a webhook nobody
 * answers plays one that keeps failing (Category B, bounded by the phase deadline).
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import type { RemediationRequestSpec } from '../../lib/remediation-request.js';
import { aiAnalysisSpec, signalProcessingSpec } from '../../workflows/children.js';
import { refuseCreates } from '../harness/admission.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, stackInfo, uniqueName } from '../harness/index.js';
import { completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

const CHILD = { signalprocessings: 'SignalProcessing', aianalyses: 'AIAnalysis' } as const;

describe('a step the apiserver refuses for good (Category C)', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  const admission = loadKubeConfig(stackInfo().kubeconfigPath).makeApiClient(k8s.AdmissionregistrationV1Api);
  const lifts: (() => Promise<void>)[] = [];
  const webhooks: string[] = [];
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'refusals', h.created);
    for (const name of webhooks)
      await admission.deleteValidatingWebhookConfiguration({ name }).catch(() => {});
    for (const lift of lifts) await lift();
  });

  /** A valid child named `prefix`probe, for dry-run creates that tell when a policy is in force. */
  async function validChild(plural: keyof typeof CHILD, prefix: string) {
    const owner = { namespace: h.namespace, name: 'probe', uid: '00000000-0000-0000-0000-000000000000' };
    const rrSpec = sampleRemediationRequest(h.namespace, 'probe').spec as unknown as RemediationRequestSpec;
    const later = new Date(Date.now() + 60_000).toISOString();
    return {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: CHILD[plural],
      metadata: { name: `${prefix}probe`, namespace: h.namespace },
      spec:
        plural === 'signalprocessings'
          ? signalProcessingSpec(owner, rrSpec, later)
          : aiAnalysisSpec(owner, rrSpec, completedEnrichment, later),
    };
  }

  /** Refuses creating `plural` objects whose name starts with `prefix`, with `reason` (Forbidden → 403, Invalid → 422). */
  async function refuse(plural: string, prefix: string, reason: 'Forbidden' | 'Invalid') {
    const message = 'refused by policy';
    lifts.push(await refuseCreates({ plural, namespace: h.namespace, reason, message, namePrefix: prefix }));
  }

  const createNamed = async (prefix: string, annotations?: Record<string, string>) => {
    const name = uniqueName(prefix);
    const rr = sampleRemediationRequest(h.namespace, name, uniqueName('web')) as unknown as KubeObject;
    if (annotations) rr.metadata.annotations = annotations;
    await h.objects.create('remediationrequests', h.namespace, rr);
    h.created.push(workflowIdFor(h.namespace, name));
    return name;
  };

  /** Every create of a SignalProcessing named `prefix…` fails with a 500: a webhook nobody answers. */
  async function breakCreates(prefix: string) {
    const name = uniqueName('unreachable');
    webhooks.push(name);
    await admission.createValidatingWebhookConfiguration({
      body: {
        metadata: { name },
        webhooks: [
          {
            name: `${name}.kubernaut.test`,
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Fail',
            timeoutSeconds: 2,
            // Nothing listens on port 1 of loopback: every call fails, so does the create (500).
            clientConfig: { url: 'https://127.0.0.1:1/validate' },
            rules: [
              {
                apiGroups: ['kubernaut.ai'],
                apiVersions: ['v1alpha1'],
                operations: ['CREATE'],
                resources: ['signalprocessings'],
              },
            ],
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': h.namespace } },
            matchConditions: [{ name: 'prefix', expression: `object.metadata.name.startsWith('${prefix}')` }],
          },
        ],
      },
    });
    await eventually(`creates of signalprocessings/${prefix}* failing`, async () => {
      try {
        await kube().custom.createNamespacedCustomObject({
          group: 'kubernaut.ai',
          version: 'v1alpha1',
          namespace: h.namespace,
          plural: 'signalprocessings',
          body: await validChild('signalprocessings', prefix),
          dryRun: 'All',
        });
      } catch (err) {
        if (String((err as Error).message).includes('failed calling webhook')) return true;
        throw err;
      }
      throw new Error('the dry-run create was accepted');
    });
  }

  it('403 creating the SignalProcessing: the RR fails at once in SignalProcessing, saying so, and escalates', async () => {
    await refuse('signalprocessings', 'sp-forbidden-', 'Forbidden');
    const rr = await createNamed('forbidden');

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    const cs = done.status?.completionStatus as Record<string, string>;
    expect(cs.failurePhase).toBe('SignalProcessing');
    expect(cs.failureReason).toMatch(/refused by the apiserver \(403\).*refused by policy/);
    const nr = await h.objects.get('notificationrequests', h.namespace, `nr-escalation-${rr}`);
    expect(nr?.spec).toMatchObject({ type: 'Escalation' });
    // The terminal phase is written before the ending's audit row (workflows/finish.ts): wait for the row.
    await eventually('the ending audited', async () =>
      (await h.auditTypes(rr)).includes('orchestrator.lifecycle.failed'),
    );
    expect((await h.auditTypes(rr)).at(-1)).toBe('orchestrator.lifecycle.failed');
  });

  it('422 creating the AIAnalysis: the RR fails at once in AIAnalysis, saying so', async () => {
    await refuse('aianalyses', 'ai-invalid-', 'Invalid');
    const rr = await createNamed('invalid');
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    const cs = done.status?.completionStatus as Record<string, string>;
    expect(cs.failurePhase).toBe('AIAnalysis');
    expect(cs.failureReason).toMatch(/refused by the apiserver \(422\)/);
  });

  /** The `event_data` of the RR's last `orchestrator.lifecycle.failed` row. */
  const failedEventData = async (rr: string) => {
    const { rows } = await h.pool.query(
      `SELECT event_data FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.lifecycle.failed'
        ORDER BY chain_position DESC LIMIT 1`,
      [rr],
    );
    return rows[0]?.event_data as Record<string, unknown> | undefined;
  };

  it('403 on the escalation too: the RR still fails at once, and the ending records the refused notification', async () => {
    await refuse('signalprocessings', 'sp-mute-', 'Forbidden');
    await refuse('notificationrequests', 'nr-escalation-mute-', 'Forbidden');
    const rr = await createNamed('mute');

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({ failurePhase: 'SignalProcessing' });
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-escalation-${rr}`)).toBeNull();
    const data = await failedEventData(rr);
    expect(data?.notifications_refused).toEqual([
      expect.stringMatching(new RegExp(`^nr-escalation-${rr}: .*refused by the apiserver \\(403\\)`)),
    ]);
  });

  it('403 on the close-out’s escalation: a run terminated by hand still has its RR closed out', async () => {
    await refuse('notificationrequests', 'nr-workflow-ended-cut-', 'Forbidden');
    const rr = await createNamed('cut');
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .terminate('terminated by an operator while notifications are forbidden');

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTerminated' });
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-workflow-ended-${rr}`)).toBeNull();
    const data = await failedEventData(rr);
    expect(data?.notifications_refused).toEqual([
      expect.stringMatching(new RegExp(`^nr-workflow-ended-${rr}: .*\\(403\\)`)),
    ]);
  });

  it('a step the apiserver keeps failing (500, Category B) is retried only until the phase deadline: TimedOut', async () => {
    await breakCreates('sp-flaky-');
    const rr = await createNamed('flaky', { 'kubernaut.ai/timeout-processing': '5s' });

    const done = await h.waitForPhase(rr, ['TimedOut'], 40_000);
    expect(done.status?.completionStatus).toMatchObject({
      timeoutPhase: 'Processing',
      failureReason: 'PhaseTimeout',
    });
    expect(await h.objects.get('signalprocessings', h.namespace, `sp-${rr}`)).toBeNull();
  });
});
