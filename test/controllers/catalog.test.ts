/**
 * The remediation catalog as Kubernetes objects: a RemediationWorkflow applied
 * through the API (as `kubectl apply` does) is validated, shows its verdict in
 * status and in the printer columns `kubectl get` shows, and is used by the next
 * analysis without a restart; one whose parameter schema contradicts itself shows
 * Validated=False and is never offered; a deleted one leaves the catalog. The
 * built-in catalog, installed with the CRDs, is registered the same way.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { DEFAULT_CATALOG_NAMESPACE } from '../../lib/catalog/install.js';
import { API_VERSION } from '../../lib/domain.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { type StatusView, useControllerHarness } from '../harness/controllers.js';
import { eventually, stackInfo, uniqueName } from '../harness/index.js';
import { createDeployment } from '../harness/workloads.js';

const kc = loadKubeConfig(stackInfo().kubeconfigPath);
const condition = (o: KubeObject | null, type: string) =>
  (o?.status?.conditions as StatusView[] | undefined)?.find((c) => c.type === type);

function workflow(
  namespace: string,
  name: string,
  actionType: string,
  signal: string,
  parameters: unknown[],
) {
  return {
    apiVersion: API_VERSION,
    kind: 'RemediationWorkflow',
    metadata: {
      name,
      namespace,
      annotations: {
        'catalog.kubernaut.ai/signal-names': signal,
        'catalog.kubernaut.ai/confidence': '0.88',
        'catalog.kubernaut.ai/rationale': 'restart {{kind}} {{name}} for {{signal}}',
      },
    },
    spec: {
      version: '1.2.0',
      actionType,
      description: { what: 'Rolling restart', whenToUse: `${signal} on a Deployment` },
      labels: { component: ['Deployment'], environment: ['*'], severity: ['*'], priority: '*' },
      execution: { engine: 'job', bundle: 'builtin:restart' },
      parameters,
    },
  } as unknown as KubeObject;
}

describe('the catalog as RemediationWorkflow and ActionType objects', () => {
  const h = useControllerHarness({ enabled: ['aianalysis'] }, 'catalog');
  const actionType = `TestRestart${uniqueName('x').slice(2)}`;

  async function analyse(signalName: string) {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    const name = `ai-${rr.metadata.name}`;
    await h.createChild(
      'AIAnalysis',
      name,
      {
        remediationRequestRef: { kind: 'RemediationRequest', name: rr.metadata.name, namespace: h.namespace },
        remediationId: rr.metadata.name,
        analysisRequest: {
          analysisTypes: ['Investigation', 'RootCause', 'WorkflowSelection'],
          signalContext: {
            fingerprint: 'f'.repeat(64),
            signalName,
            severity: 'warning',
            environment: 'Staging',
            businessPriority: 'P2',
            targetResource: { kind: 'Deployment', name: web, namespace: h.namespace },
            enrichmentResults: { kubernetesContext: { workload: { kind: 'Deployment', name: web } } },
          },
        },
      },
      rr,
    );
    return h.waitForStatus('AIAnalysis', name, (s) => ['Completed', 'Failed'].includes(s.phase));
  }

  const waitFor = (plural: string, name: string, what: string, ok: (o: KubeObject) => boolean) =>
    eventually(what, async () => {
      const o = await h.objects.get(plural, h.namespace, name);
      return o && ok(o) ? o : undefined;
    });

  it('the built-in catalog is installed with the CRDs and registered', async () => {
    const restart = await eventually('the built-in restart workflow to be validated', async () => {
      const o = await h.objects.get(
        'remediationworkflows',
        DEFAULT_CATALOG_NAMESPACE,
        'restart-crashlooping-workload',
      );
      return condition(o, 'Validated')?.status === 'True' ? o : undefined;
    });
    expect(restart?.status).toMatchObject({
      catalogStatus: 'Active',
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const at = await eventually('the RestartWorkload action type to count its workflow', async () => {
      const o = await h.objects.get('actiontypes', DEFAULT_CATALOG_NAMESPACE, 'restart-workload');
      return (o?.status?.activeWorkflowCount as number) >= 1 ? o : undefined;
    });
    expect(at.status).toMatchObject({ registered: true, catalogStatus: 'Active' });
  });

  it('an applied workflow is validated, listed with its status, and picked by the next analysis; deleting it removes it', async () => {
    const signal = uniqueName('AppliedSignal');
    const name = uniqueName('applied-restart');
    await h.objects.create('actiontypes', h.namespace, {
      apiVersion: API_VERSION,
      kind: 'ActionType',
      metadata: { name: actionType.toLowerCase(), namespace: h.namespace },
      spec: { name: actionType, description: { what: 'restart', whenToUse: 'tests' } },
    } as unknown as KubeObject);
    const param = { name: 'TARGET_RESOURCE', type: 'string', required: false, description: 'the target' };
    await h.objects.create(
      'remediationworkflows',
      h.namespace,
      workflow(h.namespace, name, actionType, signal, [param]),
    );

    const rw = await waitFor(
      'remediationworkflows',
      name,
      `${name} validated`,
      (o) => condition(o, 'Registered')?.status === 'True',
    );
    expect(condition(rw, 'Validated')).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(rw.status).toMatchObject({
      catalogStatus: 'Active',
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      workflowId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      registeredBy: expect.any(String),
    });

    // What `kubectl get remediationworkflows` prints: the server-side Table.
    const table = await kubeRequest<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>(
      kc,
      'GET',
      `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/remediationworkflows/${name}`,
      undefined,
      undefined,
      'application/json;as=Table;g=meta.k8s.io;v=v1',
    );
    const cols = table.columnDefinitions.map((c) => c.name);
    const row = Object.fromEntries(cols.map((c, i) => [c, table.rows[0]!.cells[i]]));
    expect(row).toMatchObject({
      Name: name,
      Action: actionType,
      Validated: 'True',
      Registered: 'True',
      Status: 'Active',
      Hash: rw.status?.contentHash,
    });

    const picked = await analyse(signal);
    expect(picked.phase).toBe('Completed');
    expect(picked.rcaResult?.selectedWorkflow).toMatchObject({
      workflowId: name,
      actionType: 'restart',
      executionBundle: 'builtin:restart',
      confidence: 0.88,
    });
    expect(picked.rcaResult?.selectedWorkflow.rationale).toContain(signal);

    await kubeRequest(
      kc,
      'DELETE',
      `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/remediationworkflows/${name}`,
    );
    // The action type's count, written by the watch, shows the deletion was seen.
    await waitFor(
      'actiontypes',
      actionType.toLowerCase(),
      'the action type to count no workflow',
      (o) => o.status?.activeWorkflowCount === 0,
    );
    const after = await analyse(signal);
    expect(after.rcaResult?.selectedWorkflow).toBeUndefined();
    expect(after.subReason).toBe('NoMatchingWorkflows');
  });

  it('a workflow whose parameter schema contradicts itself shows Validated=False and is never offered', async () => {
    const signal = uniqueName('BadSchemaSignal');
    const name = uniqueName('bad-schema');
    const bad = {
      name: 'replicas',
      type: 'integer',
      required: true,
      description: 'n',
      default: 'four',
      minimum: 1,
    };
    await h.objects.create(
      'remediationworkflows',
      h.namespace,
      workflow(h.namespace, name, 'RestartWorkload', signal, [bad]),
    );
    const rw = await waitFor(
      'remediationworkflows',
      name,
      `${name} judged`,
      (o) => !!condition(o, 'Validated'),
    );
    expect(condition(rw, 'Validated')).toMatchObject({
      status: 'False',
      reason: 'InvalidParameters',
      message: 'parameter replicas: default "four" is not of type integer',
    });
    expect(condition(rw, 'Registered')).toMatchObject({ status: 'False' });
    expect(rw.status?.catalogStatus).toBe('Invalid');
    const s = await analyse(signal);
    expect(s.rcaResult?.selectedWorkflow).toBeUndefined();
  });

  it('a workflow naming an action type outside the taxonomy is refused with that reason', async () => {
    const name = uniqueName('unknown-action');
    const param = { name: 'X', type: 'string', required: false, description: 'x' };
    await h.objects.create(
      'remediationworkflows',
      h.namespace,
      workflow(h.namespace, name, 'NoSuchAction', 'S', [param]),
    );
    const rw = await waitFor(
      'remediationworkflows',
      name,
      `${name} judged`,
      (o) => !!condition(o, 'Validated'),
    );
    expect(condition(rw, 'Validated')).toMatchObject({ status: 'False', reason: 'UnknownActionType' });
  });
});
