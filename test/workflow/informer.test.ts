/**
 * The worker's list+watch of a kind: every created or changed object reaches the
 * handler, and what it keeps in memory carries no managedFields (nothing reads
 * them; they are often half of an object, and the worker holds one copy of each
 * watched object per informer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { type RunningInformer, watchKind } from '../../workers/informer.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';

describe('informer', () => {
  const kc = loadKubeConfig(stackInfo().kubeconfigPath);
  const objects = new KubeObjects(kc);
  const seen = new Map<string, KubeObject>();
  let namespace: string;
  let informer: RunningInformer;

  beforeAll(async () => {
    namespace = await testNamespace('informer');
    informer = watchKind(
      kc,
      'remediationrequests',
      { onUpsert: (o) => seen.set(o.metadata.name, o), onDelete: (o) => seen.delete(o.metadata.name) },
      () => {},
      namespace,
    );
    await informer.ready;
  });
  afterAll(async () => {
    await informer?.stop();
  });

  it('an RR created, then its status changed → the handler sees both versions, without managedFields', async () => {
    const name = uniqueName('rr');
    await objects.create(
      'remediationrequests',
      namespace,
      sampleRemediationRequest(namespace, name) as never,
    );
    const created = await eventually(`${name} to be seen`, async () => seen.get(name));
    await objects.mergeStatus('remediationrequests', namespace, name, { overallPhase: 'Processing' });
    const updated = await eventually(`${name}'s status change to be seen`, async () => {
      const o = seen.get(name);
      return o?.status?.overallPhase === 'Processing' ? o : undefined;
    });

    // The API server keeps managedFields (for both writes); the informer's copies do not.
    const live = (await objects.get('remediationrequests', namespace, name)) as KubeObject & {
      metadata: { managedFields?: unknown[] };
    };
    expect(live.metadata.managedFields?.length).toBeGreaterThan(0);
    for (const o of [created, updated]) expect(o.metadata).not.toHaveProperty('managedFields');
    expect(updated.metadata.uid).toBe(live.metadata.uid);
  });
});
