/**
 * What the gateway keeps between signals, and what that may and may not cost: one
 * pool of keep-alive connections for every Kubernetes call.
 */
import { describe, expect, it } from 'vitest';
import { keepAliveKubeConfig } from '../../lib/gateway/kube-agent.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { stackInfo } from '../harness/index.js';

describe('Kubernetes connections', () => {
  it('typed and raw calls share one pool of keep-alive connections', async () => {
    const view = keepAliveKubeConfig(loadKubeConfig(stackInfo().kubeconfigPath));
    const [x, y] = [{}, {}] as import('node:https').RequestOptions[];
    await view.applyToHTTPSOptions(x!);
    await view.applyToHTTPSOptions(y!);
    const agent = x!.agent as import('node:https').Agent & { keepAlive?: boolean };
    expect(y!.agent).toBe(agent);
    expect(agent.keepAlive).toBe(true);

    const { core } = kubeClients(view);
    for (let i = 0; i < 5; i++) {
      await core.readNamespace({ name: 'default' });
      await kubeRequest(view, 'GET', '/api/v1/namespaces/default');
    }
    // Ten calls one after another, one connection: it went back to the pool each time.
    expect(Object.values(agent.sockets).flat()).toHaveLength(0);
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
  });
});
