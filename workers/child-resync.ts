/**
 * The child watchers' resync: every `everyMs`, each watched kind is listed from the
 * apiserver — a consistent read, a page at a time, so 10,000 children never sit in
 * memory at once — and every object is handed to the watcher as if its watch had
 * delivered it. A watch resumes or re-lists after any error it sees, but two things
 * it cannot see: a connection that stalls without an error (a half-open socket
 * delivers nothing and reports nothing until TCP keepalive or the apiserver's
 * watch timeout, up to an hour), and a signal the watcher could not deliver after
 * the change was seen. Parked workflows have no periodic re-read of their own
 * (docs/invariants.md, "Parked waits"), so this pass is what bounds both.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { API_GROUP } from '../lib/domain.js';

/** Objects per list call: bounds what one page costs the worker and the apiserver. */
const PAGE = 500;

export interface Resync {
  /** Stops the timer and waits for a pass in progress (it stops at its next page). */
  stop(): Promise<void>;
}

export function startResync(opts: {
  kc: k8s.KubeConfig;
  plurals: string[];
  namespace?: string;
  everyMs: number;
  onObject(plural: string, obj: KubeObject): void;
  log: (msg: string) => void;
}): Resync {
  const custom = opts.kc.makeApiClient(k8s.CustomObjectsApi);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const page = (plural: string, cont: string | undefined) => {
    const base = { group: API_GROUP, version: 'v1alpha1', plural, limit: PAGE, _continue: cont };
    return (
      opts.namespace
        ? custom.listNamespacedCustomObject({ ...base, namespace: opts.namespace })
        : custom.listClusterCustomObject(base)
    ) as Promise<{ items: KubeObject[]; metadata?: { continue?: string } }>;
  };

  const listKind = async (plural: string) => {
    let cont: string | undefined;
    do {
      if (stopped) return;
      const list = await page(plural, cont);
      for (const o of list.items) opts.onObject(plural, o);
      cont = list.metadata?.continue || undefined;
    } while (cont);
  };

  const pass = () => {
    running ??= (async () => {
      for (const plural of opts.plurals) {
        // One kind failing (apiserver away, an expired continue token) leaves the others
        // to run; the next pass tries it again.
        await listKind(plural).catch((err) =>
          opts.log(`resync ${plural}: ${String((err as Error).message ?? err).split('\n')[0]}`),
        );
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void pass().finally(schedule), opts.everyMs);
    timer.unref();
  };
  // The informers' first list has just delivered everything: the first pass waits a period.
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
