/**
 * The signed audit export (GET /api/v1/audit/export, `kubernaut verify --export`):
 * Kubernaut's AuditExportResponse with additive fields that let anyone verify it
 * offline, with nothing but a trusted verifier key.
 *
 * What is signed is a C2SP signed note (the checkpoints' format and keys), its text:
 *
 *   kubernaut.ai/audit-export/v1
 *   log <log origin>
 *   checkpoint <tree size> <base64 root>
 *   events <count> <base64 SHA-256 of the canonical manifest>
 *   body <base64 SHA-256 of the canonical metadata and chain summary>
 *
 * The manifest lists, in export order, each event's id, log index and leaf hash;
 * the events themselves are not hashed into the note: each is bound to the signed
 * manifest by its leaf, which the verifier recomputes from its content, so a changed
 * event is named rather than reported as "the signature fails". The second line is
 * never a number, so the note can never be taken for a checkpoint signed by the
 * same key.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { StoredAuditEvent } from './types.js';

export const EXPORT_NOTE_HEADER = 'kubernaut.ai/audit-export/v1';

export interface ExportEvent extends StoredAuditEvent {
  /** Kubernaut's field: the event's link recomputes and continues the exported chain. */
  hash_chain_valid: boolean;
  /** Its sequence number in the audit log; absent when it is not in the log. */
  log_index?: number;
}

/** One manifest entry, with its RFC 9162 inclusion proof in the export's checkpoint. */
export interface ExportProof {
  event_id: string;
  /** null: the event is not in the log (not sequenced, or never queued). */
  log_index: number | null;
  /** base64 leaf hash: the log's, or for an event not in the log, computed from the row. */
  leaf_hash: string;
  /** base64 hashes; empty when the event is not covered by the checkpoint. */
  inclusion_path: string[];
}

export interface ExportCheckpoint {
  origin: string;
  tree_size: number;
  root_hash: string;
  note: string;
}

export interface ChainSummary {
  total_events_verified: number;
  valid_chain_events: number;
  broken_chain_events: number;
  chain_integrity_percentage: number;
  verification_timestamp: string;
  tampered_event_ids: string[];
}

export interface ExportMetadata {
  export_timestamp: string;
  export_format: 'json';
  query_filters: Record<string, unknown>;
  total_events: number;
  /** base64(key id ‖ Ed25519 signature) of the signed note: its signature line's bytes. */
  signature: string;
  signature_algorithm: 'Ed25519';
  /** The signing key's name and id (`<name>+<8 hex>`): which verifier key to trust. */
  signing_key: string;
  exported_by?: string;
  has_more: boolean;
}

export interface AuditExport {
  export_metadata: ExportMetadata;
  events: ExportEvent[];
  hash_chain_verification: ChainSummary;
  /** The complete signed note (Kubernaut returns it only with include_detached_signature). */
  detached_signature?: string;
  signed_note: string;
  checkpoint: ExportCheckpoint;
  proofs: ExportProof[];
}

export interface ExportNote {
  origin: string;
  treeSize: number;
  root: string;
  count: number;
  manifestDigest: string;
  bodyDigest: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64');

export const manifestDigest = (proofs: ExportProof[]) =>
  sha256(stringify(proofs.map((p) => [p.event_id, p.log_index, p.leaf_hash])) as string);

/**
 * The metadata (without the signature) and the chain summary. Each event's
 * hash_chain_valid is bound through the summary's tampered_event_ids, not hashed
 * per event, so a dropped or added event is named by the manifest check instead.
 */
export function bodyDigest(x: Pick<AuditExport, 'export_metadata' | 'hash_chain_verification'>) {
  const { signature: _s, ...metadata } = x.export_metadata;
  return sha256(stringify({ metadata, chains: x.hash_chain_verification }) as string);
}

export function exportNoteText(n: ExportNote): string {
  for (const v of [n.origin, n.root, n.manifestDigest, n.bodyDigest]) {
    if (!v || /\s/.test(v)) throw new Error(`export note field "${v}" must be one word`);
  }
  return [
    EXPORT_NOTE_HEADER,
    `log ${n.origin}`,
    `checkpoint ${n.treeSize} ${n.root}`,
    `events ${n.count} ${n.manifestDigest}`,
    `body ${n.bodyDigest}`,
    '',
  ].join('\n');
}

export function parseExportNoteText(text: string): ExportNote {
  const m =
    /^kubernaut\.ai\/audit-export\/v1\nlog (\S+)\ncheckpoint (0|[1-9]\d{0,15}) (\S+)\nevents (0|[1-9]\d{0,15}) (\S+)\nbody (\S+)\n$/.exec(
      text,
    );
  if (!m) throw new Error('the signed note is not an audit export note');
  return {
    origin: m[1]!,
    treeSize: Number(m[2]),
    root: m[3]!,
    count: Number(m[4]),
    manifestDigest: m[5]!,
    bodyDigest: m[6]!,
  };
}
