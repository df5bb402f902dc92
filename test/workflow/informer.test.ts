/**
 * The worker's list+watch of a kind: every created or changed object reaches the
 * handler whole (but for managedFields, which nothing reads), and what the informer
 * keeps in memory is only each object's identity and version — with 10,000
 * remediations parked, whole copies were most of the worker's heap. Every watcher of
 * a kind in a process shares one informer, and each watcher still sees what an
 * informer of its own would have shown it: whole objects, never an older version
 * after a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { cachedObject, type RunningInformer, runningInformers, watchKind } from '../../workers/informer.js';
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
    expect(updated.spec?.signalFingerprint).toBe(live.spec?.signalFingerprint);
  });

  it('what the informer keeps of an RR → its identity and version, not its spec, status or annotations', async () => {
    const name = uniqueName('rr');
    await objects.create('remediationrequests', namespace, {
      ...(sampleRemediationRequest(namespace, name) as object),
      metadata: { name, namespace, labels: { team: 'sre' }, annotations: { note: 'x'.repeat(2000) } },
    } as never);
    await objects.mergeStatus('remediationrequests', namespace, name, { overallPhase: 'Processing' });
    const live = (await objects.get('remediationrequests', namespace, name))!;
    const kept = await eventually(`${name}'s current version to be kept`, async () => {
      const c = cachedObject(kc, 'remediationrequests', namespace, { namespace, name });
      return c?.metadata?.resourceVersion === live.metadata.resourceVersion ? c : undefined;
    });
    expect(kept).toEqual({
      apiVersion: live.apiVersion,
      kind: live.kind,
      metadata: {
        name,
        namespace,
        uid: live.metadata.uid,
        resourceVersion: live.metadata.resourceVersion,
        creationTimestamp: (live.metadata as { creationTimestamp?: string }).creationTimestamp,
        labels: { team: 'sre' },
      },
    });
    // The handler had it whole.
    expect(seen.get(name)?.metadata.annotations?.note).toHaveLength(2000);
    expect(seen.get(name)?.status?.overallPhase).toBe('Processing');
  });
});

describe('informers shared by the watchers of a kind', () => {
  let namespace: string;
  const rr = (name: string) => sampleRemediationRequest(namespace, name) as never;
  const names = (m: Map<string, KubeObject>) => [...m.keys()].sort();
  const recorder = () => {
    const seen = new Map<string, KubeObject>();
    return {
      seen,
      handlers: {
        onUpsert: (o: KubeObject) => void seen.set(o.metadata.name, o),
        onDelete: (o: KubeObject) => void seen.delete(o.metadata.name),
      },
    };
  };

  beforeAll(async () => {
    namespace = await testNamespace('shared-informer');
  });

  it('two watchers of one kind → one informer, and both see every RR', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const objects = new KubeObjects(kc);
    const [a, b] = [recorder(), recorder()];
    const wa = watchKind(kc, 'remediationrequests', a.handlers, () => {}, namespace);
    const wb = watchKind(kc, 'remediationrequests', b.handlers, () => {}, namespace);
    try {
      await Promise.all([wa.ready, wb.ready]);
      expect(runningInformers(kc)).toBe(1);
      const name = uniqueName('rr');
      await objects.create('remediationrequests', namespace, rr(name));
      await eventually(`${name} seen by both`, async () => a.seen.has(name) && b.seen.has(name));
      // One decode: both were handed the same object.
      expect(a.seen.get(name)).toBe(b.seen.get(name));
    } finally {
      await wa.stop();
      await wb.stop();
    }
    expect(runningInformers(kc)).toBe(0);
  });

  it('a watcher joining a running informer sees every existing RR by its ready, then every change', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const objects = new KubeObjects(kc);
    const existing = [uniqueName('rr'), uniqueName('rr')];
    for (const name of existing) await objects.create('remediationrequests', namespace, rr(name));
    const first = recorder();
    const wFirst = watchKind(kc, 'remediationrequests', first.handlers, () => {}, namespace);
    await wFirst.ready;
    await eventually('the first watcher to see both', async () => existing.every((n) => first.seen.has(n)));
    const late = recorder();
    const wLate = watchKind(kc, 'remediationrequests', late.handlers, () => {}, namespace);
    try {
      await wLate.ready;
      expect(runningInformers(kc)).toBe(1);
      expect(names(late.seen)).toEqual(names(first.seen));
      // Whole objects, although the informer keeps only their identity.
      for (const name of existing) expect(late.seen.get(name)?.spec?.signalFingerprint).toBeTruthy();
      await objects.mergeStatus('remediationrequests', namespace, existing[0]!, {
        overallPhase: 'Processing',
      });
      await eventually('the late watcher to see the change', async () =>
        late.seen.get(existing[0]!)?.status?.overallPhase === 'Processing' ? true : undefined,
      );
    } finally {
      await wFirst.stop();
      await wLate.stop();
    }
  });

  it('a watcher joining while every RR changes → it ends on the latest version of each, never going back to an older one', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const objects = new KubeObjects(kc);
    const rrs = Array.from({ length: 20 }, () => uniqueName('rr'));
    for (const name of rrs) await objects.create('remediationrequests', namespace, rr(name));
    const first = recorder();
    const wFirst = watchKind(kc, 'remediationrequests', first.handlers, () => {}, namespace);
    await wFirst.ready;
    await eventually('the first watcher to see all', async () => rrs.every((n) => first.seen.has(n)));
    // Every version the late watcher is handed, per RR. resourceVersions are opaque to
    // clients, but this apiserver's (etcd revisions) grow with every write.
    const versions = new Map<string, number[]>();
    const late = watchKind(
      kc,
      'remediationrequests',
      {
        onUpsert(o) {
          const list = versions.get(o.metadata.name) ?? [];
          list.push(Number(o.metadata.resourceVersion));
          versions.set(o.metadata.name, list);
        },
      },
      () => {},
      namespace,
    );
    try {
      // Writes race the late watcher's own list and the shared watch.
      const writes = (async () => {
        for (let round = 1; round <= 3; round++)
          await Promise.all(
            rrs.map((name) =>
              objects.mergeStatus('remediationrequests', namespace, name, { message: `round ${round}` }),
            ),
          );
      })();
      await late.ready;
      await writes;
      const live = await objects.list('remediationrequests', namespace);
      for (const name of rrs) {
        const want = Number(live.find((o) => o.metadata.name === name)!.metadata.resourceVersion);
        await eventually(`the late watcher to reach ${name}'s latest version`, async () =>
          versions.get(name)?.at(-1) === want ? true : undefined,
        );
        const seenVersions = versions.get(name)!;
        expect(seenVersions, name).toEqual([...seenVersions].sort((a, b) => a - b));
      }
    } finally {
      await wFirst.stop();
      await late.stop();
    }
  });

  it('one watcher leaving → the other keeps watching; the last leaving stops the informer', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const objects = new KubeObjects(kc);
    const [a, b] = [recorder(), recorder()];
    const wa = watchKind(kc, 'remediationrequests', a.handlers, () => {}, namespace);
    const wb = watchKind(kc, 'remediationrequests', b.handlers, () => {}, namespace);
    await Promise.all([wa.ready, wb.ready]);
    await wa.stop();
    await wa.stop(); // leaving twice changes nothing
    const name = uniqueName('rr');
    await objects.create('remediationrequests', namespace, rr(name));
    await eventually(`${name} seen by the one left`, async () => b.seen.has(name));
    expect(a.seen.has(name)).toBe(false);
    expect(runningInformers(kc)).toBe(1);
    await wb.stop();
    expect(runningInformers(kc)).toBe(0);
    // A new watcher after that starts a fresh informer and is shown everything.
    const c = recorder();
    const wc = watchKind(kc, 'remediationrequests', c.handlers, () => {}, namespace);
    try {
      await wc.ready;
      expect(c.seen.has(name)).toBe(true);
    } finally {
      await wc.stop();
    }
  });

  it('a watcher whose handler throws → the others still get the event, and the throw is logged', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const objects = new KubeObjects(kc);
    const logged: string[] = [];
    const thrower = watchKind(
      kc,
      'remediationrequests',
      {
        onUpsert() {
          throw new Error('handler bug');
        },
      },
      (m) => logged.push(m),
      namespace,
    );
    const b = recorder();
    const wb = watchKind(kc, 'remediationrequests', b.handlers, () => {}, namespace);
    try {
      await Promise.all([thrower.ready, wb.ready]);
      const name = uniqueName('rr');
      await objects.create('remediationrequests', namespace, rr(name));
      await eventually(`${name} seen past the throwing handler`, async () => b.seen.has(name));
      expect(logged.some((m) => m.includes(name) && m.includes('handler bug'))).toBe(true);
    } finally {
      await thrower.stop();
      await wb.stop();
    }
  });
});
