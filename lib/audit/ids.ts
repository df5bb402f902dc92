import { createHash } from 'node:crypto';

/**
 * A deterministic UUID (RFC 4122 layout, version 5 bits, SHA-256 based) from its
 * parts, e.g. (workflowId, runId, sequence). The same parts give the same id, so a
 * retried audit write is a no-op.
 */
export function deterministicEventId(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
