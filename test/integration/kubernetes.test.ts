import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig, statusOf } from '../../lib/kube/client.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';

const group = 'kubernaut.ai';
const version = 'v1alpha1';
const plural = 'remediationrequests';

async function expectStatus(p: Promise<unknown>, code: number) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err, `expected HTTP ${code}, got success`).toBeDefined();
  expect(statusOf(err)).toBe(code);
  return err;
}

describe('Kubernetes API server of the stack, with the project CRDs', () => {
  const { custom } = kube();
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace('kube');
  });
  const create = (body: object) =>
    custom.createNamespacedCustomObject({ group, version, namespace, plural, body });
  const get = (name: string) =>
    custom.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<
      Record<string, any>
    >;

  it('rejects a RemediationRequest that breaks the schema with 422', async () => {
    const rr = sampleRemediationRequest(namespace, uniqueName('rr-bad'));
    (rr.spec as Record<string, unknown>).signalFingerprint = 'not-a-sha256';
    delete (rr.spec as Record<string, unknown>).severity;
    const err = await expectStatus(create(rr), 422);
    expect(String((err as Error).message ?? err)).toMatch(/signalFingerprint|severity/);
  });

  it('refuses an update carrying a stale resourceVersion with 409', async () => {
    const name = uniqueName('rr-stale');
    await create(sampleRemediationRequest(namespace, name));
    const first = await get(name);
    const fresh = structuredClone(first);
    fresh.metadata.labels = { touched: 'once' };
    await custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name, body: fresh });
    first.metadata.labels = { touched: 'stale' };
    await expectStatus(
      custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name, body: first }),
      409,
    );
  });

  it('writes status through the /status subresource and leaves spec alone', async () => {
    const name = uniqueName('rr-status');
    await create(sampleRemediationRequest(namespace, name));
    const rr = await get(name);
    rr.status = { overallPhase: 'Processing', message: 'enriching the signal' };
    rr.spec.signalName = 'SomethingElse';
    await custom.replaceNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body: rr });
    const after = await get(name);
    expect(after.status.overallPhase).toBe('Processing');
    expect(after.spec.signalName).toBe('KubePodCrashLooping');
  });

  it('refuses any change to an existing spec (immutable)', async () => {
    const name = uniqueName('rr-immutable');
    await create(sampleRemediationRequest(namespace, name));
    const rr = await get(name);
    rr.spec.severity = 'low';
    const err = await expectStatus(
      custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name, body: rr }),
      422,
    );
    expect(String((err as Error).message)).toMatch(/cannot change after creation/);
  });

  it('delivers create, update and delete to a watch', async () => {
    const name = uniqueName('rr-watch');
    const seen: string[] = [];
    const watch = new k8s.Watch(loadKubeConfig(stackInfo().kubeconfigPath));
    const req = await watch.watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      {},
      (type, obj) => {
        if (obj?.metadata?.name === name) seen.push(type);
      },
      () => {},
    );
    try {
      await create(sampleRemediationRequest(namespace, name));
      const rr = await get(name);
      rr.metadata.labels = { step: 'updated' };
      await custom.replaceNamespacedCustomObject({ group, version, namespace, plural, name, body: rr });
      await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name });
      await eventually('ADDED, MODIFIED and DELETED events', async () => seen.includes('DELETED'));
      expect(seen).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    } finally {
      req.abort();
    }
  });

  it('garbage-collects a child owned by a deleted RemediationRequest', async () => {
    const name = uniqueName('rr-gc');
    const rr = (await create(sampleRemediationRequest(namespace, name))) as Record<string, any>;
    const child = {
      apiVersion: `${group}/${version}`,
      kind: 'NotificationRequest',
      metadata: {
        name: `nr-completion-${name}`,
        namespace,
        ownerReferences: [
          {
            apiVersion: `${group}/${version}`,
            kind: 'RemediationRequest',
            name,
            uid: rr.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { type: 'Completion', priority: 'Low', subject: 'done', body: 'remediation finished' },
    };
    await custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'notificationrequests',
      body: child,
    });
    await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name });
    await eventually(
      'the owned NotificationRequest to be garbage-collected',
      async () => {
        try {
          await custom.getNamespacedCustomObject({
            group,
            version,
            namespace,
            plural: 'notificationrequests',
            name: child.metadata.name,
          });
          return false;
        } catch (err) {
          return statusOf(err) === 404;
        }
      },
      60_000,
      250,
    );
  });
});
