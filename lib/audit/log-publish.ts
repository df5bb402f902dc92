/**
 * Where signed checkpoints go outside the database. Someone who controls only the
 * database can rewrite every audit table, but not these copies, and not the
 * signatures: a published checkpoint is what the log is later held to.
 *
 * - a file (AUDIT_CHECKPOINT_FILE): replaced atomically (write, then rename);
 * - a Kubernetes ConfigMap (AUDIT_CHECKPOINT_CONFIGMAP=namespace/name): key
 *   `checkpoint`, created when missing, replaced with its resourceVersion.
 *
 * `read` gives the last published note, so a restarted sequencer takes it as the
 * anchor it must extend (lib/audit/log-sequencer.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { statusOf } from '../kube/client.js';

export interface CheckpointPublisher {
  /** For messages: "file /path" or "configmap ns/name". */
  readonly target: string;
  read(): Promise<string | undefined>;
  write(note: string): Promise<void>;
}

export function filePublisher(path: string): CheckpointPublisher {
  return {
    target: `file ${path}`,
    async read() {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(note) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, note, { mode: 0o644 });
      renameSync(tmp, path);
    },
  };
}

export const CHECKPOINT_KEY = 'checkpoint';

/** `ref` is "namespace/name". */
export function configMapPublisher(kc: KubeConfig, ref: string): CheckpointPublisher {
  const [namespace, name, extra] = ref.split('/');
  if (!namespace || !name || extra !== undefined) {
    throw new Error(`AUDIT_CHECKPOINT_CONFIGMAP must be namespace/name, got "${ref}"`);
  }
  const core = kc.makeApiClient(CoreV1Api);
  const get = () =>
    core.readNamespacedConfigMap({ namespace, name }).catch((err) => {
      if (statusOf(err) === 404) return undefined;
      throw err;
    });
  return {
    target: `configmap ${ref}`,
    async read() {
      return (await get())?.data?.[CHECKPOINT_KEY];
    },
    async write(note) {
      const data = { [CHECKPOINT_KEY]: note };
      const current = await get();
      if (!current) {
        await core.createNamespacedConfigMap({
          namespace,
          body: {
            metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'kubernaut' } },
            data,
          },
        });
        return;
      }
      // replace, not patch: the resourceVersion makes a concurrent writer fail (409)
      // instead of one checkpoint silently replacing a newer one.
      await core.replaceNamespacedConfigMap({ namespace, name, body: { ...current, data } });
    },
  };
}
