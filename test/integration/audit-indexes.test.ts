/**
 * audit_events carries exactly the indexes its readers use (migrations/0005, 0011): each
 * one costs every insert, so one no query reads is pure ingest cost. Partitions
 * created on demand get the same set.
 */
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/index.js';
import { adminPool, auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

const EXPECTED = [
  // the writer's idempotency probe
  'UNIQUE btree (event_id, event_date)',
  // chain heads (writer), verify-chain
  'btree (correlation_id, chain_position)',
  // query by correlation_id, reconstruction
  'btree (correlation_id, event_timestamp, event_id)',
  // query by event_type
  'btree (event_type, event_timestamp)',
  // query by event_outcome
  'btree (event_outcome, event_timestamp)',
  // newest-first order of every query, since/until
  'btree (event_timestamp, event_id)',
  // remediation history (migrations/0011): partial, so only these two event types pay for them
  "btree (((event_data ->> 'target'::text)), event_timestamp) WHERE (event_type = 'workflowexecution.selection.completed'::text)",
  "btree (((event_data ->> 'target_resource'::text)), event_timestamp) WHERE (event_type = 'remediation.workflow_created'::text)",
].sort();

describe('audit_events indexes', () => {
  const pool = auditPool();
  const admin = adminPool();

  const indexesOf = async (table: string) =>
    (
      await pool.query<{ def: string }>(
        `SELECT regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON (ONLY )?\\S+ USING ', '\\1') AS def
           FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`,
        [table],
      )
    ).rows
      .map((r) => r.def)
      .sort();

  it('are the ones the writer, verify-chain, reconstruction and the query API read, and no others', async () => {
    expect(await indexesOf('audit_events')).toEqual(EXPECTED);
  });

  it('are created on a partition made on demand', async () => {
    // As the owner would; the writer re-creates it through audit_ensure_partition.
    await admin.query('DROP TABLE IF EXISTS audit_events_2018_06');
    const cid = newCorrelation();
    await createAuditWriter(pool).write([auditEvent(cid, { event_timestamp: '2018-06-10T08:00:00.000Z' })]);
    expect(await indexesOf('audit_events_2018_06')).toEqual(EXPECTED);
  });
});
