/**
 * Step 3: typed events → the RR's fields, each with the event it came from.
 * Events are applied oldest first and later ones win for scalars; labels and
 * annotations carried by events are merged key by key. The spec comes from the
 * genesis event only (it is immutable); the status from the workflow's events
 * (map-status.ts), then derived fields and the final snapshot cross-check.
 */
import { crossCheckFinalStatus } from './crosscheck.js';
import {
  closeReachedPhases,
  deriveDeduplication,
  deriveReadyCondition,
  deriveSelectionDisplays,
} from './derive.js';
import { FieldTree } from './fields-tree.js';
import { applyStatusEvent, type Evidence, newEvidence } from './map-status.js';
import type { ParsedEvent, Payload } from './parse.js';
import type { EventRef } from './types.js';

export interface Mapped {
  /** `metadata.name`, `metadata.namespace`, `spec.*` and `status.*`, with provenance. */
  tree: FieldTree;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The original RR's uid (from gateway.crd.created), which a new object cannot keep. */
  originalUid?: string;
  genesis?: EventRef;
  evidence: Evidence;
  warnings: string[];
}

type Genesis = Extract<Payload, { kind: 'genesis' }>;

export function mapEvents(correlationId: string, events: ParsedEvent[]): Mapped {
  const t = new FieldTree();
  const evidence = newEvidence();
  const warnings: string[] = [];
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  let originalUid: string | undefined;

  const genesisEvents = events.filter((e) => e.payload.kind === 'genesis');
  const genesis = genesisEvents[0];
  if (genesisEvents.length > 1) {
    warnings.push(
      `${genesisEvents.length} gateway.signal.received events; the spec is immutable, so the first (${genesis!.source.event_id}) was used`,
    );
  }
  const g = genesis?.payload as Genesis | undefined;
  if (genesis && g) {
    for (const [k, v] of Object.entries(g.spec)) {
      t.set(`spec.${k}`, v, g.derived.includes(k) ? { ...genesis.source, via: 'derived' } : genesis.source);
    }
    if (g.derived.includes('firingTime')) {
      warnings.push(
        `spec.firingTime: the original payload has no start time; used when the signal was received (${g.spec.firingTime})`,
      );
    }
    if (!g.spec.receivedTime) {
      const at = g.receivedAt ?? genesis.source.event_timestamp;
      t.set('spec.receivedTime', at, { ...genesis.source, via: 'derived' });
      warnings.push(
        `spec.receivedTime is not in the genesis event's spec; used when it was received (${at})`,
      );
    }
  }

  // The RR's identity: the genesis event names it; otherwise the first event that does.
  const named = [genesis, ...events].filter((e): e is ParsedEvent => !!e?.rr.name);
  const placed = [genesis, ...events].filter((e): e is ParsedEvent => !!e?.rr.namespace);
  if (named[0]) t.set('metadata.name', named[0].rr.name, named[0].source);
  if (placed[0]) t.set('metadata.namespace', placed[0].rr.namespace, placed[0].source);
  const name = t.get('metadata.name') as string | undefined;
  const namespace = t.get('metadata.namespace') as string | undefined;
  for (const e of events) {
    if ((e.rr.name && e.rr.name !== name) || (e.rr.namespace && e.rr.namespace !== namespace)) {
      warnings.push(
        `${e.source.event_type} event ${e.source.event_id} names ${e.rr.namespace}/${e.rr.name}, not ${namespace}/${name}; its fields were still applied`,
      );
    }
  }
  if (!name && events.length) {
    // By design the correlation id is the RR name (DESIGN §7.1).
    t.set('metadata.name', correlationId, { ...events[0]!.source, via: 'derived' });
    warnings.push('no event names the RR; its name was taken from the correlation id');
  }

  let snapshot: { status: Record<string, unknown>; source: EventRef } | undefined;
  for (const e of events) {
    Object.assign(labels, e.labels);
    Object.assign(annotations, e.annotations);
    if (e.payload.kind === 'crd-created') originalUid = e.payload.uid ?? originalUid;
    if (e.payload.kind === 'finished' && e.payload.rrStatus) {
      snapshot = { status: e.payload.rrStatus, source: e.source };
    }
    applyStatusEvent(t, evidence, e, namespace);
  }

  closeReachedPhases(evidence);
  deriveSelectionDisplays(t);
  const dedupWarning = deriveDeduplication(
    t,
    events,
    g && genesis ? { ...g, source: genesis.source } : undefined,
  );
  if (dedupWarning) warnings.push(dedupWarning);
  deriveReadyCondition(t);
  warnings.push(...crossCheckFinalStatus(t, snapshot));

  return {
    tree: t,
    labels,
    annotations,
    ...(originalUid ? { originalUid } : {}),
    ...(genesis ? { genesis: genesis.source } : {}),
    evidence,
    warnings,
  };
}
