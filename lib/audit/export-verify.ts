/**
 * Verifies a signed audit export offline (`kubernaut verify --export`): no
 * database, no API, only verifier keys the auditor trusts. In order:
 * 1. the export's signed note verifies with a trusted key;
 * 2. the checkpoint verifies with a trusted key and is the one the export was signed over;
 * 3. the metadata and chain summary, and the manifest (id, log index, leaf of each
 *    event), are the signed ones;
 * 4. every manifest entry has its event, the event's leaf recomputes from its
 *    canonical content to the signed leaf, and its inclusion proof leads to the
 *    checkpoint's root; no event is outside the manifest;
 * 5. the chain links between exported events of each correlation (export-chains.ts).
 * Faults name the event (id and log index) where there is one; the first is the
 * one to report.
 */
import { checkChains } from './export-chains.js';
import { type AuditExport, bodyDigest, manifestDigest, parseExportNoteText } from './export-format.js';
import { type ChainedRow, eventLeafHash } from './log-entry.js';
import { verifyInclusion } from './merkle.js';
import { type NoteVerifier, openCheckpoint, openNote } from './note.js';

export interface ExportFault {
  event_id?: string;
  log_index?: number | null;
  message: string;
}

export interface ExportVerification {
  ok: boolean;
  /** What was checked and held, for people. */
  checked: string[];
  faults: ExportFault[];
}

const b = (s: string) => Buffer.from(s, 'base64');

export function verifyExport(x: AuditExport, keys: NoteVerifier[]): ExportVerification {
  const checked: string[] = [];
  const faults: ExportFault[] = [];
  const done = (): ExportVerification => ({ ok: faults.length === 0, checked, faults });
  if (!x || typeof x !== 'object' || !Array.isArray(x.events) || !Array.isArray(x.proofs) || !x.checkpoint) {
    faults.push({ message: 'not an audit export: events, proofs, checkpoint or signed_note is missing' });
    return done();
  }

  // 1. The signature over the export.
  let note: ReturnType<typeof parseExportNoteText>;
  try {
    const opened = openNote(x.signed_note ?? x.detached_signature ?? '', keys);
    note = parseExportNoteText(opened.text);
    checked.push(`export signature: verified with trusted key ${opened.verifiedBy.join(', ')}`);
  } catch (err) {
    faults.push({
      message: `the export's signature does not verify with the trusted key(s) ${keys.map((k) => k.name).join(', ') || '(none)'}: ${(err as Error).message}`,
    });
    return done();
  }

  // 2. The checkpoint: signed, and the one the export was signed over.
  try {
    const c = openCheckpoint(x.checkpoint.note, keys);
    if (c.origin !== note.origin || c.size !== note.treeSize || c.root.toString('base64') !== note.root) {
      faults.push({
        message: `the checkpoint was swapped: the export was signed over log ${note.origin} at tree size ${note.treeSize} (root ${note.root}), the file carries tree size ${c.size} (root ${c.root.toString('base64')})`,
      });
      return done();
    }
    checked.push(`checkpoint: signed, log ${c.origin}, tree size ${c.size}`);
  } catch (err) {
    faults.push({ message: `the checkpoint does not verify with a trusted key: ${(err as Error).message}` });
    return done();
  }
  const root = b(note.root);

  // 3. The signed parts.
  if (bodyDigest(x) !== note.bodyDigest) {
    faults.push({ message: 'the export metadata or chain summary was changed after signing' });
  }
  if (manifestDigest(x.proofs) !== note.manifestDigest || x.proofs.length !== note.count) {
    faults.push({
      message: `the list of exported events was changed after signing (the signature covers ${note.count}; the file lists ${x.proofs.length}, with ${x.events.length} events)`,
    });
  }
  if (faults.length) return done();
  checked.push(`manifest: ${note.count} events, as signed`);

  // 4. Each event against its signed leaf and the checkpoint.
  const byId = new Map(x.events.map((e) => [e.event_id, e]));
  const broken = new Set(x.hash_chain_verification?.tampered_event_ids ?? []);
  let proved = 0;
  for (const p of x.proofs) {
    const at = { event_id: p.event_id, log_index: p.log_index };
    const e = byId.get(p.event_id);
    byId.delete(p.event_id);
    if (!e) {
      faults.push({ ...at, message: 'is in the signed manifest but missing from the export' });
      continue;
    }
    let leaf: Buffer | undefined;
    try {
      leaf = eventLeafHash(e as unknown as ChainedRow);
    } catch {
      leaf = undefined;
    }
    if (e.hash_chain_valid !== !broken.has(e.event_id)) {
      faults.push({ ...at, message: 'its hash_chain_valid differs from the signed chain summary' });
    } else if (!leaf || leaf.toString('base64') !== p.leaf_hash) {
      faults.push({ ...at, message: 'was changed: its content does not hash to its signed leaf' });
    } else if (p.log_index === null) {
      faults.push({ ...at, message: 'is not in the audit log checkpoint the export was signed over' });
    } else if (!verifyInclusion(p.log_index, note.treeSize, leaf, p.inclusion_path.map(b), root)) {
      faults.push({ ...at, message: "its inclusion proof does not lead to the checkpoint's root" });
    } else proved++;
  }
  for (const id of byId.keys()) faults.push({ event_id: id, message: 'is not in the signed manifest' });
  checked.push(
    `events: ${proved} of ${x.proofs.length} leaves recomputed and proved included in the checkpoint`,
  );

  // 5. The chains between exported events.
  const chains = checkChains(x.events);
  for (const f of chains.faults) {
    faults.push({
      event_id: f.event_id,
      message: `at position ${f.chain_position} of chain ${f.correlation_id}: ${f.message}`,
    });
  }
  checked.push(
    `chains: ${chains.correlations} correlations, ${chains.links} links checked, ${chains.recomputed} hashes recomputed${chains.keyed ? `, ${chains.keyed} HMAC hashes not recomputable without the key` : ''}`,
  );
  return done();
}

/** One line naming a fault and its event. */
export function describeFault(f: ExportFault): string {
  if (!f.event_id) return f.message;
  const at = f.log_index === undefined || f.log_index === null ? '' : ` (log index ${f.log_index})`;
  return `event ${f.event_id}${at} ${f.message}`;
}
