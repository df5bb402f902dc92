/**
 * Identity of a RemediationWorkflow's content, as Kubernaut computes it: the
 * sha256 of the clean object (apiVersion, kind, metadata.name, spec) and a UUID
 * derived from that hash, so the same content has the same id on every cluster
 * and every replica writes the same status (no coordination needed).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/object.js';
import { canonicalJson } from '../spec-hash.js';

export function contentHash(obj: KubeObject): string {
  const clean = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name: obj.metadata.name },
    spec: obj.spec,
  };
  return createHash('sha256').update(canonicalJson(clean)).digest('hex');
}

/** A name-based (version 5 layout) UUID from the first 16 bytes of the hash. */
export function workflowUuid(hash: string): string {
  const b = Buffer.from(hash.slice(0, 32), 'hex');
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
