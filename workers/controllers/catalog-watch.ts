/**
 * The live remediation catalog: a watch of RemediationWorkflow and ActionType
 * objects (one namespace, or all) that keeps the entries the analysis offers up
 * to date — a workflow applied with kubectl is offered to the next analysis, a
 * deleted one no longer — and writes each object's verdict in its status.
 * Part of the AIAnalysis controller: wherever analysis runs, its catalog is live.
 *
 * An invalid workflow is reported (Validated=False with the reason) and left out;
 * it never stops the watch. Status writes are idempotent: the desired status is a
 * function of the objects (catalog-status.ts), written only when it differs, as a
 * compare-and-set on the resourceVersion read; a 409 means the object changed and
 * its watch event brings another pass.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CatalogEntry } from '../../lib/analysis/catalog.js';
import { isConflict, isNotFound } from '../../lib/kube/client.js';
import type { KubeObject } from '../../lib/kube/object.js';
import { type RunningInformer, watchKind } from '../informer.js';
import { computeCatalog, sameStatus } from './catalog-status.js';
import { nowIso, writeStatusIfUnchanged } from './status-write.js';

export interface CatalogWatch extends RunningInformer {
  /** The valid workflows now. */
  entries(): CatalogEntry[];
}

export function startCatalogWatch(opts: {
  kc: KubeConfig;
  logger: Logger;
  namespace?: string;
}): CatalogWatch {
  const { kc, logger } = opts;
  const workflows = new Map<string, KubeObject>();
  const actionTypes = new Map<string, KubeObject>();
  let entries: CatalogEntry[] = [];
  let stopped = false;
  // No pass before both kinds are listed: a workflow seen before its action type
  // would be reported invalid for a moment.
  let synced = false;
  let pass: Promise<void> = Promise.resolve();
  let pending = false;
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  async function write(plural: string, o: KubeObject, desired: Record<string, unknown>) {
    if (stopped || sameStatus(o.status, desired)) return;
    try {
      await writeStatusIfUnchanged(kc, plural, o, desired);
    } catch (err) {
      // Changed or gone since read: its own watch event brings the next pass.
      if (isConflict(err) || isNotFound(err)) return;
      logger.warn({ object: `${plural}/${key(o)}`, err: String(err) }, 'catalog status write failed');
    }
  }

  /** One pass: recompute from the objects held, swap the entries, then write statuses. */
  async function refresh() {
    const state = computeCatalog([...workflows.values()], [...actionTypes.values()], nowIso());
    entries = state.entries;
    await Promise.all([
      ...[...workflows.values()].map((o) =>
        write('remediationworkflows', o, state.workflowStatus.get(key(o))!),
      ),
      ...[...actionTypes.values()].map((o) => write('actiontypes', o, state.actionTypeStatus.get(key(o))!)),
    ]);
  }

  /** Passes run one at a time; changes arriving during a pass coalesce into one more. */
  function schedule() {
    if (stopped || pending || !synced) return;
    pending = true;
    pass = pass.then(async () => {
      pending = false;
      await refresh().catch((err) => logger.warn({ err: String(err) }, 'catalog refresh failed'));
    });
  }

  const handlers = (store: Map<string, KubeObject>) => ({
    onUpsert(o: KubeObject) {
      store.set(key(o), o);
      schedule();
    },
    onDelete(o: KubeObject) {
      store.delete(key(o));
      schedule();
    },
  });
  const log = (msg: string) => logger.warn({ controller: 'catalog' }, msg);
  const informers = [
    watchKind(kc, 'actiontypes', handlers(actionTypes), log, opts.namespace),
    watchKind(kc, 'remediationworkflows', handlers(workflows), log, opts.namespace),
  ];
  const ready = Promise.all(informers.map((i) => i.ready)).then(() => {
    synced = true;
    schedule();
    return pass.then(() => logger.info({ workflows: entries.length }, 'remediation catalog loaded'));
  });
  return {
    ready,
    entries: () => entries,
    async stop() {
      stopped = true;
      await Promise.all(informers.map((i) => i.stop()));
      await pass;
    },
  };
}
