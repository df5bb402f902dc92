/**
 * Changes the audit trail makes to itself are not tampering: retention removing old
 * rows (they leave tombstones) and legal holds flagging rows keep the log valid.
 */
import { describe, expect, it } from 'vitest';
import { applyRetention, createAuditWriter, placeLegalHold } from '../../lib/audit/index.js';
import { checkCorrelationInLog } from '../../lib/audit/log-correlation.js';
import { verifyLog } from '../../lib/audit/log-verify.js';
import { openCheckpoint } from '../../lib/audit/note.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { freshAuditDatabase, testLog } from './audit-log-fixtures.js';

describe('audit log and lawful changes', async () => {
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const writer = createAuditWriter(pool);
  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

  it('rows removed by retention count as pruned, and legal holds change nothing the log covers', async () => {
    const pruned = newCorrelation();
    const held = newCorrelation();
    await writer.write([
      auditEvent(pruned, { event_timestamp: daysAgo(5), retention_days: 1 }),
      auditEvent(pruned, { event_timestamp: daysAgo(5), retention_days: 1 }),
      auditEvent(pruned),
      auditEvent(held),
      auditEvent(held),
    ]);
    await log.runOnce();
    const kept = openCheckpoint(log.latest()!.note, log.verifiers);

    expect((await applyRetention(pool, { correlationIds: [pruned] })).deleted).toBe(2);
    await placeLegalHold(pool, { correlationId: held, reason: 'litigation', placedBy: 'counsel' });

    const v = await verifyLog(pool, kept, { verifiers: log.verifiers });
    expect(v).toMatchObject({ is_valid: true, pruned_events: 2, checked_events: 3, first_bad_index: null });
    expect(await checkCorrelationInLog(pool, pruned, kept)).toMatchObject({
      log_consistent: true,
      missing_log_indexes: [],
      logged_events: 3,
    });
    expect((await checkCorrelationInLog(pool, held, kept)).log_consistent).toBe(true);
  });
});
