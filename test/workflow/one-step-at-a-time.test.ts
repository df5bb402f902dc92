/**
 * A run's local activities go one at a time (workflows/one-step-at-a-time.ts): in
 * its history their markers come in the order they were scheduled, each phase's
 * status write before its audit row, where enter() used to run both at once (the
 * overlap behind the worker-crashes nondeterminism, docs/invariants.md I1).
 */
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { useRemediationHarness } from '../harness/remediation.js';

/** The seq of each local activity marker, in history order, and its activity type. */
function localActivityMarkers(events: { markerRecordedEventAttributes?: unknown }[]) {
  const out: { seq: number; type: string }[] = [];
  for (const e of events) {
    const a = e.markerRecordedEventAttributes as
      | { markerName?: string; details?: Record<string, { payloads?: { data?: Uint8Array }[] }> }
      | undefined;
    if (a?.markerName !== 'core_local_activity') continue;
    const data = a.details?.data?.payloads?.[0]?.data;
    const parsed = JSON.parse(Buffer.from(data!).toString('utf8')) as { seq: number; activity_type: string };
    out.push({ seq: parsed.seq, type: parsed.activity_type });
  }
  return out;
}

describe("a run's local activities", () => {
  const h = useRemediationHarness();

  it('are recorded in the order they were scheduled, the status write of each phase before its audit row', async () => {
    const rr = await h.awaitingApproval();
    const history = await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).fetchHistory();
    const markers = localActivityMarkers(history.events ?? []);
    // Started, created, phases entered (status + audit each), children, reads, ...
    expect(markers.length).toBeGreaterThanOrEqual(10);
    const seqs = markers.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    // Every status write is followed by the audit row of the same entry.
    const types = markers.map((m) => m.type);
    const writes = types.flatMap((t, i) => (t === 'writeRemediationStatus' ? [i] : []));
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const i of writes.slice(0, 2)) expect(types[i + 1]).toBe('recordAuditEvent');
  });
});
