/**
 * The built-in controllers' terminal states under Kubernaut's CRDs: remediations
 * driven through the workflow with every controller running for real (enrichment,
 * analysis, execution, assessment, notification to a loopback webhook), then every
 * object left in the namespace validated, spec and status. The states the workflow
 * cannot reach here are driven on the controllers alone, with specs built by the
 * workflow's own builders: an execution that fails, an analysis whose model answers
 * garbage (a loopback server speaking the chat-completions API).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, rejectUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import type { RemediationRequestSpec } from '../../lib/remediation-request.js';
import { CONTROLLER_NAMES } from '../../workers/controllers/config.js';
import { aiAnalysisSpec, workflowExecutionSpec } from '../../workflows/children.js';
import { useControllerHarness } from '../harness/controllers.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { startWebhookReceiver } from '../harness/webhook-receiver.js';
import { createDeployment, labelNamespace, playKubelet, rollOut } from '../harness/workloads.js';
import { kubernautCrds } from './kubernaut-crds.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

const receiver = await startWebhookReceiver();
const crds = kubernautCrds();
const later = () => new Date(Date.now() + 120_000).toISOString();

describe('built-in controllers’ terminal states through the workflow, under Kubernaut’s CRDs', () => {
  const h = useRemediationHarness(
    { stabilizationWindow: '1s' },
    {
      controllers: {
        enabled: [...CONTROLLER_NAMES],
        effectiveness: { healthGraceMs: 2_000, recheckMs: 200 },
        notification: {
          channels: {
            ok: { type: 'webhook', url: `${receiver.url}/ok` },
            broken: { type: 'webhook', url: `${receiver.url}/broken` },
          },
          routes: [
            { match: { type: ['Escalation'] }, channels: ['broken'] },
            { match: { type: ['Approval', 'Completion', 'ManualReview'] }, channels: ['ok'] },
          ],
          backoffUnitMs: 10,
          defaultRetryPolicy: {
            maxAttempts: 2,
            initialBackoffSeconds: 1,
            backoffMultiplier: 2,
            maxBackoffSeconds: 4,
          },
        },
      },
    },
  );
  beforeAll(async () => {
    await labelNamespace(h.namespace, { 'kubernaut.ai/environment': 'production' });
    receiver.answer('/broken', 503, 1_000);
  });
  afterAll(() => receiver.close());
  const handle = (rr: string) => h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
  const phaseOf = async (plural: string, name: string) =>
    (await h.objects.get(plural, h.namespace, name))?.status?.phase as string | undefined;

  it('approved restart: SP, AA, WE Completed; EA Full (pods ready) and Partial (never ready); NR Sent', async () => {
    const healthy = uniqueName('web');
    await createDeployment(h.namespace, healthy);
    await rollOut(h.namespace, healthy);
    const kubelet = playKubelet(h.namespace, healthy);
    const sick = uniqueName('web');
    await createDeployment(h.namespace, sick);
    try {
      const rrs = [await h.createRR({ target: healthy }), await h.createRR({ target: sick })];
      for (const rr of rrs) {
        await h.waitForPhase(rr, ['AwaitingApproval']);
        await handle(rr).executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
      }
      for (const rr of rrs) {
        const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 60_000);
        expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
        expect(await phaseOf('workflowexecutions', `we-${rr}`)).toBe('Completed');
        await eventually(
          `nr-completion-${rr} Sent`,
          async () => (await phaseOf('notificationrequests', `nr-completion-${rr}`)) === 'Sent',
        );
      }
      const reasons = await Promise.all(
        rrs.map(
          async (rr) =>
            (await h.objects.get('effectivenessassessments', h.namespace, `ea-${rr}`))?.status
              ?.assessmentReason,
        ),
      );
      expect(reasons).toEqual(['Full', 'Partial']);
    } finally {
      await kubelet.stop();
    }
  });

  it('SP Failed (target missing; the escalation NR Failed), AA Failed (low confidence), AA without a workflow (ManualReviewRequired)', async () => {
    const ghost = await h.createRR({ target: uniqueName('ghost') });
    await h.waitForPhase(ghost, ['Failed']);
    expect(await phaseOf('signalprocessings', `sp-${ghost}`)).toBe('Failed');
    await eventually(
      'the escalation NR Failed',
      async () => (await phaseOf('notificationrequests', `nr-escalation-${ghost}`)) === 'Failed',
      30_000,
    );

    const job = uniqueName('nightly');
    await kube().objects.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: job, namespace: h.namespace },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36' }] } },
      },
    } as never);
    const unsure = await h.createRR({
      target: job,
      targetKind: 'Job',
      signalName: 'KubeJobFailed',
      severity: 'warning',
    });
    const failed = await h.waitForPhase(unsure, ['Failed']);
    expect(failed.status?.completionStatus).toMatchObject({ failurePhase: 'AIAnalysis' });

    const cert = uniqueName('web');
    await createDeployment(h.namespace, cert);
    const review = await h.createRR({ target: cert, signalName: 'CertificateExpiringSoon' });
    const done = await h.waitForPhase(review, ['Completed']);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'ManualReviewRequired' });
    const aa = await h.objects.get('aianalyses', h.namespace, `ai-${review}`);
    expect(aa?.status).toMatchObject({ subReason: 'NoMatchingWorkflows' });
  });

  it('RAR Rejected and Expired with the real controllers upstream', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rejected = await h.createRR({ target: web });
    await h.waitForPhase(rejected, ['AwaitingApproval']);
    await handle(rejected).executeUpdate(rejectUpdate, { args: [{ decidedBy: 'erin', reason: 'not now' }] });
    await h.waitForPhase(rejected, ['Failed']);
    const expired = await h.createRR({
      target: web,
      annotations: { 'kubernaut.ai/timeout-awaitingApproval': '2s' },
    });
    await h.waitForPhase(expired, ['Failed'], 40_000);
    const decisions = await Promise.all(
      [rejected, expired].map(
        async (rr) =>
          (await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`))?.status?.decision,
      ),
    );
    expect(decisions).toEqual(['Rejected', 'Expired']);
  });

  it('every object left, spec and status, is valid under Kubernaut’s CRD for its kind', async () => {
    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    // The hashes that Kubernaut's WE status has no field for are kept as annotations, and the
    // assessment got the pre-remediation hash from the workflow.
    const ea = sweep.objects.filter((o) => o.kind === 'EffectivenessAssessment');
    expect(ea.length).toBeGreaterThan(0);
    for (const o of ea) expect(o.spec?.preRemediationSpecHash).toBeTruthy();
    const states = statesOf(sweep);
    for (const s of [
      'SignalProcessing Completed',
      'SignalProcessing Failed',
      'AIAnalysis Completed',
      'AIAnalysis Failed',
      'RemediationApprovalRequest Approved',
      'RemediationApprovalRequest Rejected',
      'RemediationApprovalRequest Expired',
      'WorkflowExecution Completed',
      'EffectivenessAssessment Completed',
      'NotificationRequest Sent',
      'NotificationRequest Failed',
    ])
      expect(states).toContain(s);
  });
});

describe('controllers alone, on specs the workflow builds: WE Failed, AA Failed (LLMParsingError)', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    // A model that answers something that is not the analysis schema.
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: '{"rootCause": 7}' } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const h = useControllerHarness({
    enabled: ['workflowexecution', 'aianalysis'],
    aiAnalysis: {
      provider: {
        name: 'openai-late',
        analyse: async (input) => {
          const { openAiProvider } = await import('../../workers/controllers/openai-provider.js');
          const { loadCatalog } = await import('../../lib/analysis/catalog.js');
          return openAiProvider({ url, model: 'test-model' }, loadCatalog()).analyse(input);
        },
      },
    },
  });
  const done = (s: Record<string, unknown>) => ['Completed', 'Failed'].includes(s.phase as string);

  it('an execution on a target that is gone fails; an analysis the model garbles fails for review', async () => {
    const gone = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: uniqueName('gone'),
      namespace: h.namespace,
    };
    const rr = await h.createRR(gone);
    const owner = { namespace: h.namespace, name: rr.metadata.name, uid: rr.metadata.uid! };
    const sel = {
      workflowId: 'restart-deployment',
      workflowName: 'Restart deployment',
      version: '1.0.0',
      actionType: 'restart',
      executionBundle: 'builtin:restart',
      confidence: 0.9,
      rationale: 'restart',
      parameters: {},
    };
    await h.createChild(
      'WorkflowExecution',
      `we-${owner.name}`,
      workflowExecutionSpec(owner, gone, sel, later(), false),
      rr,
    );
    expect((await h.waitForStatus('WorkflowExecution', `we-${owner.name}`, done)).phase).toBe('Failed');

    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr2 = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    const spec = rr2.spec as unknown as RemediationRequestSpec;
    const owner2 = { namespace: h.namespace, name: rr2.metadata.name, uid: rr2.metadata.uid! };
    await h.createChild(
      'AIAnalysis',
      `ai-${owner2.name}`,
      aiAnalysisSpec(owner2, spec, completedEnrichment, later()),
      rr2,
    );
    const aa = await h.waitForStatus('AIAnalysis', `ai-${owner2.name}`, done);
    expect(aa).toMatchObject({ phase: 'Failed', subReason: 'LLMParsingError' });

    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    expect(statesOf(sweep)).toEqual(
      expect.arrayContaining(['WorkflowExecution Failed', 'AIAnalysis Failed']),
    );
  });
});
