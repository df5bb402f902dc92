/**
 * `npm run stack`: start the embedded stack, print its endpoints, and keep it up
 * until Ctrl-C (every process it started is stopped on exit).
 */

import { loadKubeConfig } from '../lib/kube/client.js';
import { installCrds } from '../lib/kube/install-crds.js';
import { migrate } from '../migrations/migrate.js';
import { startStack } from './index.js';

const stack = await startStack();
await migrate(stack.migrationDatabaseUrl);
await installCrds(loadKubeConfig(stack.kubeconfigPath));
const lines = [
  '',
  'kubernaut-temporal embedded stack is up:',
  `  PostgreSQL        ${stack.databaseUrl}`,
  `  Temporal          ${stack.temporalAddress} (namespace ${stack.temporalNamespace})`,
  `  Temporal Web UI   ${stack.temporalUiUrl ?? '(external)'}`,
  `  Kubernetes        KUBECONFIG=${stack.kubeconfigPath}`,
  '',
  `Point a shell at it:  source ${stack.workDir}/env`,
  'Press Ctrl-C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));
// Stay alive until a signal; startStack installed the SIGINT/SIGTERM handlers that stop it.
setInterval(() => {}, 1 << 30);
