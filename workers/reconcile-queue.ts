/**
 * What the launcher saw but could not settle itself, handed to the reconciler's next
 * pass (docs/design-incremental-reconciler.md): the reconciler's frequent pass looks
 * only at this and at the runs closed since its last pass, instead of listing every
 * RR and every running workflow, so its cost follows what changed, not what is parked.
 *
 * Entries are names, never objects: the pass re-reads each before acting, so an entry
 * that is stale by then (the RR was re-created, finished, or deleted meanwhile) does
 * nothing. An entry whose action fails goes back in for the pass after.
 */

export interface PendingCancel {
  workflowId: string;
  /** The deleted RR's uid: a run of a newer RR of the same name is never cancelled. */
  uid?: string;
}

/** The launcher's view of one RR, used to skip re-reading RRs it knows are terminal. */
export interface KnownRR {
  uid?: string;
  phase?: string;
}

export class ReconcileQueue {
  private settles = new Set<string>();
  private cancels = new Map<string, PendingCancel>();
  private view: (key: string) => KnownRR | undefined = () => undefined;

  /** An RR (`namespace/name`) to look at: restore, start or close out as its state asks. */
  settleLater(key: string): void {
    this.settles.add(key);
  }

  /** A workflow whose RR was deleted and whose cancel was not confirmed. */
  cancelLater(cancel: PendingCancel): void {
    this.cancels.set(cancel.workflowId, cancel);
  }

  /** Takes everything queued; what the pass cannot do it queues again. */
  drain(): { settles: string[]; cancels: PendingCancel[] } {
    const out = { settles: [...this.settles], cancels: [...this.cancels.values()] };
    this.settles.clear();
    this.cancels.clear();
    return out;
  }

  /** How many entries wait for the next pass. */
  get size(): { settles: number; cancels: number } {
    return { settles: this.settles.size, cancels: this.cancels.size };
  }

  /** The launcher's snapshot lookup (its watch of every RR). */
  setView(view: (key: string) => KnownRR | undefined): void {
    this.view = view;
  }

  known(key: string): KnownRR | undefined {
    return this.view(key);
  }
}
