/**
 * `npm run demo`: the whole story on the embedded stack (or the services named by
 * DATABASE_URL / TEMPORAL_ADDRESS / KUBECONFIG). For now: start the stack, install
 * the CRDs, create one RemediationRequest and print it; later steps of the story
 * (workflow, approval, audit, reconstruction) join as they land.
 */
import { createHash, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { API_VERSION } from '../lib/domain.js';
import { kubeClients, loadKubeConfig } from '../lib/kube/client.js';
import { installCrds } from '../lib/kube/install-crds.js';
import { migrate } from '../migrations/migrate.js';
import { startStack } from '../stack/index.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const stack = await startStack({ log: (l) => say(`  [stack] ${l}`) });
let ok = false;
try {
  say(`1. stack up (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await migrate(stack.databaseUrl);
  say('2. database migrated');
  const kc = loadKubeConfig(stack.kubeconfigPath);
  const crds = await installCrds(kc);
  say(`3. ${crds.length} CRDs installed and Established`);
  const { custom, core } = kubeClients(kc);
  const namespace = 'kubernaut-system';
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => {});
  const fingerprint = createHash('sha256').update('demo:Deployment:web').digest('hex');
  const now = new Date().toISOString();
  const name = `rr-${fingerprint.slice(0, 12)}-${randomBytes(4).toString('hex')}`;
  await custom.createNamespacedCustomObject({
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
    body: {
      apiVersion: API_VERSION,
      kind: 'RemediationRequest',
      metadata: { name, namespace },
      spec: {
        signalFingerprint: fingerprint,
        signalName: 'KubePodCrashLooping',
        severity: 'critical',
        signalType: 'alert',
        signalSource: 'prometheus',
        targetType: 'kubernetes',
        targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'demo' },
        firingTime: now,
        receivedTime: now,
        signalLabels: { alertname: 'KubePodCrashLooping', namespace: 'demo', deployment: 'web' },
      },
    },
  });
  const rr = (await custom.getNamespacedCustomObject({
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
    name,
  })) as { metadata: Record<string, unknown> };
  delete rr.metadata.managedFields;
  say(`4. RemediationRequest ${namespace}/${name} created:\n`);
  say(stringify(rr));
  ok = true;
} finally {
  await stack.stop();
  say(ok ? 'demo completed' : 'demo FAILED');
}
process.exit(ok ? 0 : 1);
