/**
 * The hash chains inside an export, checked from the exported events alone (the
 * server fills Kubernaut's hash_chain_valid with it; `kubernaut verify --export`
 * repeats it offline). Per correlation, by chain position: each event's hash is
 * recomputed from its canonical content and its previous hash (SHA-256; HMAC only
 * with the key, which an offline verifier does not have), and where two exported
 * events are adjacent in the chain the later one must link to the earlier. Gaps are
 * not faults: a time range or a page holds part of a chain; the signed manifest
 * says which events the export has.
 */
import { type AuditRow, eventHash } from './hash.js';
import type { StoredAuditEvent } from './types.js';

export interface ChainFault {
  event_id: string;
  correlation_id: string;
  chain_position: number;
  message: string;
}

export interface ChainCheck {
  correlations: number;
  /** Adjacent pairs whose link was checked. */
  links: number;
  /** Event hashes recomputed. */
  recomputed: number;
  /** HMAC events whose hash could not be recomputed without the key. */
  keyed: number;
  faults: ChainFault[];
}

type Event = StoredAuditEvent & { chain_position: number };

export function checkChains(events: Event[], hmacKey?: string): ChainCheck {
  const out: ChainCheck = { correlations: 0, links: 0, recomputed: 0, keyed: 0, faults: [] };
  const byCorrelation = new Map<string, Event[]>();
  for (const e of events) {
    const list = byCorrelation.get(e.correlation_id) ?? [];
    list.push(e);
    byCorrelation.set(e.correlation_id, list);
  }
  out.correlations = byCorrelation.size;
  for (const list of byCorrelation.values()) {
    list.sort((a, b) => a.chain_position - b.chain_position);
    let prev: Event | undefined;
    for (const e of list) {
      const fault = (message: string) =>
        out.faults.push({
          event_id: e.event_id,
          correlation_id: e.correlation_id,
          chain_position: e.chain_position,
          message,
        });
      if (prev && prev.chain_position === e.chain_position) {
        fault(`two exported events hold chain position ${e.chain_position} (the other is ${prev.event_id})`);
      } else if (prev && prev.chain_position + 1 === e.chain_position) {
        out.links++;
        if (e.previous_event_hash !== prev.event_hash) {
          fault(`does not link to ${prev.event_id}, the event before it in the chain`);
        }
      }
      if (e.hash_algorithm === 'hmac-sha256' && !hmacKey) out.keyed++;
      else {
        let recomputed: string | undefined;
        try {
          recomputed = eventHash(
            e.previous_event_hash,
            e as unknown as AuditRow,
            e.hash_algorithm as never,
            hmacKey,
          );
        } catch {
          recomputed = undefined;
        }
        out.recomputed++;
        if (recomputed !== e.event_hash) fault('its event_hash does not recompute from its content');
      }
      prev = e;
    }
  }
  return out;
}
