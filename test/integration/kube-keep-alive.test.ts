/**
 * Kubernetes calls over pooled keep-alive connections (lib/kube/keep-alive.ts), as the
 * gateway and the worker (workers/kube-config.ts) make them against the stack's
 * kube-apiserver: calls of every kind share the pool, a watch keeps its own connection
 * while it runs, idle connections are closed before the apiserver would close them,
 * and the worker's pool has room for all its watches and its calls at once.
 */
import type https from 'node:https';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { keepAliveKubeConfig } from '../../lib/kube/keep-alive.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { workerKubeConfig } from '../../workers/kube-config.js';
import { eventually, stackInfo } from '../harness/index.js';

type PooledAgent = https.Agent & { keepAlive?: boolean; maxSockets: number };

/** The pooled agent behind a view: the one every request of that view is handed. */
async function agentOf(view: KubeConfig): Promise<PooledAgent> {
  const [x, y] = [{}, {}] as https.RequestOptions[];
  await view.applyToHTTPSOptions(x!);
  await view.applyToHTTPSOptions(y!);
  expect(y!.agent).toBe(x!.agent);
  return x!.agent as PooledAgent;
}
const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(sockets).flat().length;

/** Watches namespaces through `view` until the returned stop is called. */
async function watchNamespaces(view: KubeConfig): Promise<() => void> {
  const req = await new Watch(view).watch(
    '/api/v1/namespaces',
    {},
    () => {},
    () => {},
  );
  return () => req.abort();
}

describe('Kubernetes connections', () => {
  it('typed and raw calls share one pool of keep-alive connections', async () => {
    const view = keepAliveKubeConfig(loadKubeConfig(stackInfo().kubeconfigPath));
    const agent = await agentOf(view);
    expect(agent.keepAlive).toBe(true);

    const { core } = kubeClients(view);
    for (let i = 0; i < 5; i++) {
      await core.readNamespace({ name: 'default' });
      await kubeRequest(view, 'GET', '/api/v1/namespaces/default');
    }
    // Ten calls one after another, one connection: it went back to the pool each time.
    expect(count(agent.sockets)).toBe(0);
    expect(count(agent.freeSockets)).toBe(1);
  });

  it('gives a running watch a connection of its own and keeps serving calls beside it', async () => {
    const view = keepAliveKubeConfig(loadKubeConfig(stackInfo().kubeconfigPath));
    const agent = await agentOf(view);
    const stop = await watchNamespaces(view);
    try {
      const { core } = kubeClients(view);
      for (let i = 0; i < 5; i++) await core.readNamespace({ name: 'default' });
      // The watch's connection is busy for as long as it runs; the calls took turns on one more.
      expect(count(agent.sockets)).toBe(1);
      expect(count(agent.freeSockets)).toBe(1);
    } finally {
      stop();
    }
    await eventually('the stopped watch to give up its connection', async () => count(agent.sockets) === 0);
  });

  it('closes a connection that sat idle, and the next call opens another', async () => {
    const view = keepAliveKubeConfig(loadKubeConfig(stackInfo().kubeconfigPath), { idleSocketMs: 300 });
    const agent = await agentOf(view);
    const { core } = kubeClients(view);
    await core.readNamespace({ name: 'default' });
    expect(count(agent.freeSockets)).toBe(1);
    await eventually(
      'the idle connection to be closed',
      async () => count(agent.freeSockets) === 0,
      10_000,
      50,
    );
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.metadata?.name).toBe('default');
  });

  it("the worker's pool has no bound: 40 watches and 40 calls at once all go", async () => {
    const view = workerKubeConfig(stackInfo().kubeconfigPath);
    const agent = await agentOf(view);
    expect(agent.maxSockets).toBe(Number.POSITIVE_INFINITY);
    // More watches than the gateway's bound (32): with a bound, the calls would wait for ever.
    const stops = await Promise.all(Array.from({ length: 40 }, () => watchNamespaces(view)));
    try {
      const { core } = kubeClients(view);
      const names = await Promise.all(
        Array.from({ length: 40 }, () =>
          core.readNamespace({ name: 'default' }).then((n) => n.metadata?.name),
        ),
      );
      expect(names).toEqual(Array(40).fill('default'));
      expect(count(agent.sockets)).toBeGreaterThanOrEqual(40);
    } finally {
      for (const stop of stops) stop();
    }
  });
});
