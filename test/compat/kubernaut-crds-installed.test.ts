/**
 * A full remediation with Kubernaut's own CRDs installed in the apiserver instead
 * of ours (a private control plane: etcd + kube-apiserver on loopback, Kubernaut's
 * CRD YAMLs from KUBERNAUT_REFERENCE_DIR applied as shipped, CEL rules included).
 * The worker runs every built-in controller against it; an alert on a production
 * Deployment goes through enrichment, analysis, approval, execution and assessment
 * to Completed. Every create and status write is Kubernaut's apiserver's to accept:
 * a rejected write would stop the run, a pruned field would lose what the next
 * phase reads (the selection, the decision), and what is left validates strictly.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { applyCatalogManifests } from '../../lib/catalog/install.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { projectPath } from '../../lib/project-root.js';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { CONTROLLER_NAMES } from '../../workers/controllers/config.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, uniqueName } from '../harness/index.js';
import { usePrivateControlPlane } from '../harness/private-control-plane.js';
import { kubernautCrds } from './kubernaut-crds.js';
import { referenceDir } from './kubernaut-openapi.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

describe('a full remediation with Kubernaut’s CRDs installed instead of ours', () => {
  const crds = kubernautCrds();
  const plane = usePrivateControlPlane(
    {
      settings: { stabilizationWindow: '1s', safetyRecheckMs: 60_000 },
      controllers: {
        enabled: [...CONTROLLER_NAMES],
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        // No kube-controller-manager here, so no pods: the assessment scores after a short grace.
        effectiveness: { healthGraceMs: 2_000, recheckMs: 200 },
        notification: { backoffUnitMs: 10 },
      },
    },
    'remediations',
    { crdDir: join(referenceDir(), 'crds') },
  );
  const get = (plural: string, name: string) => plane.objects.get(plural, plane.namespace, name);

  it('the apiserver serves Kubernaut’s CRDs, not ours (its catalog kinds, which ours lack, are there)', async () => {
    const { ext } = kubeClients(loadKubeConfig(plane.kube.kubeconfigPath));
    const names = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
    expect(names).toContain('remediationworkflows.kubernaut.ai');
    expect(names).toContain('actiontypes.kubernaut.ai');
  });

  it('alert on a production Deployment → approved → restarted → assessed → Completed, every write accepted', async () => {
    const kc = loadKubeConfig(plane.kube.kubeconfigPath);
    const { apps } = kubeClients(kc);
    // The built-in catalog as objects under Kubernaut's catalog CRDs (what installCrds applies with ours).
    await applyCatalogManifests(kc, projectPath('crds', 'catalog'), plane.namespace);
    await kubeRequest(
      kc,
      'PATCH',
      `/api/v1/namespaces/${plane.namespace}`,
      { metadata: { labels: { 'kubernaut.ai/environment': 'production' } } },
      'application/merge-patch+json',
    );
    const web = uniqueName('web');
    await apps.createNamespacedDeployment({
      namespace: plane.namespace,
      body: {
        metadata: { name: web, labels: { app: web } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: web } },
          template: {
            metadata: { labels: { app: web } },
            spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const rr = uniqueName('rr');
    await plane.objects.create(
      'remediationrequests',
      plane.namespace,
      sampleRemediationRequest(plane.namespace, rr, web) as unknown as KubeObject,
    );

    await eventually(
      'AwaitingApproval',
      async () => (await get('remediationrequests', rr))?.status?.overallPhase === 'AwaitingApproval',
      60_000,
    );
    // The selection survived Kubernaut's schema (status.rcaResult), so approval has something to approve.
    const aa = await get('aianalyses', `ai-${rr}`);
    expect((aa?.status?.rcaResult as Record<string, unknown> | undefined)?.selectedWorkflow).toMatchObject({
      actionType: 'restart',
    });
    expect(await get('remediationapprovalrequests', `rar-${rr}`)).not.toBeNull();
    await plane.runtime.client.workflow
      .getHandle(workflowIdFor(plane.namespace, rr))
      .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice', reason: 'crash looping' }] });

    const done = await eventually(
      'a terminal phase',
      async () => {
        const o = await get('remediationrequests', rr);
        return ['Completed', 'Failed', 'TimedOut'].includes(o?.status?.overallPhase as string)
          ? o
          : undefined;
      },
      90_000,
    );
    expect(done.status?.message).toBeTruthy();
    expect(done.status?.overallPhase).toBe('Completed');
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    expect((await get('remediationapprovalrequests', `rar-${rr}`))?.status).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
    });
    expect((await get('workflowexecutions', `we-${rr}`))?.status?.phase).toBe('Completed');
    expect((await get('effectivenessassessments', `ea-${rr}`))?.status?.phase).toBe('Completed');
    await eventually('the completion notification Sent', async () => {
      const nr = await get('notificationrequests', `nr-completion-${rr}`);
      return nr?.status?.phase === 'Sent';
    });

    const sweep = await expectAllKubernautValid(crds, plane.objects, plane.namespace);
    const states = statesOf(sweep);
    for (const s of [
      'RemediationRequest Completed',
      'SignalProcessing Completed',
      'AIAnalysis Completed',
      'RemediationApprovalRequest Approved',
      'WorkflowExecution Completed',
      'EffectivenessAssessment Completed',
      'NotificationRequest Sent',
    ])
      expect(states).toContain(s);
  });
});
