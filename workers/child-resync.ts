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
import type * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { listInPages } from './list-pages.js';

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
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const listKind = (plural: string) =>
    listInPages(
      opts.kc,
      plural,
      opts.namespace,
      (items) => {
        for (const o of items) opts.onObject(plural, o);
      },
      () => stopped,
    );

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
