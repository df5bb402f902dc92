/** The writer's SQL (lib/audit/writer.ts), kept apart so the writer reads as its algorithm. */

/**
 * Which of the batch's event ids are stored already ($1), and each correlation's
 * chain head ($2): its newest link among the rows and the retention tombstones
 * (retention may have removed a chain's newest rows). Runs after the locks are
 * held, in its own statement, so it sees every chain head committed before them.
 * Per-key probes (LATERAL … LIMIT 1) rather than `= ANY(array)`: on a partition
 * without statistics yet (a new month, a fresh table) the planner costs `= ANY` as
 * a sequential scan of the whole partition, tens of milliseconds per batch.
 */
export const LOOKUP_SQL = `
  SELECT 'id' AS kind, u.id::text AS key, NULL::bigint AS chain_position, NULL::text AS event_hash
    FROM unnest($1::uuid[]) AS u(id)
   CROSS JOIN LATERAL (SELECT 1 FROM audit_events e WHERE e.event_id = u.id LIMIT 1) AS stored
  UNION ALL
  SELECT 'head', c.id, h.chain_position, h.event_hash
    FROM unnest($2::text[]) AS c(id)
   CROSS JOIN LATERAL (
     SELECT l.chain_position, l.event_hash FROM (
       (SELECT chain_position, event_hash FROM audit_events
         WHERE correlation_id = c.id ORDER BY chain_position DESC LIMIT 1)
       UNION ALL
       (SELECT chain_position, event_hash FROM audit_retention_tombstones
         WHERE correlation_id = c.id ORDER BY chain_position DESC LIMIT 1)) AS l
     ORDER BY l.chain_position DESC LIMIT 1) AS h`;

// The rows inserted are queued for the audit log, with the leaf hashes the writer
// computed ($2 ids, $3 leaves), in the same statement: one queue row for the batch,
// its events in the order given (migrations/0012). Answers the number inserted.
export const INSERT_SQL = `WITH ins AS (
  INSERT INTO audit_events (
    event_id, event_date, version, event_timestamp, event_type, event_category, event_action,
    event_outcome, actor_type, actor_id, actor_ip, resource_type, resource_id, correlation_id,
    parent_event_id, parent_event_date, namespace, cluster_id, event_data, severity, duration_ms,
    error_code, error_message, retention_days, is_sensitive, chain_position, event_hash,
    previous_event_hash, hash_algorithm, legal_hold, legal_hold_reason, legal_hold_placed_by,
    legal_hold_placed_at)
  SELECT r.event_id, r.event_date, r.version, r.event_timestamp, r.event_type, r.event_category,
    r.event_action, r.event_outcome, r.actor_type, r.actor_id, r.actor_ip, r.resource_type,
    r.resource_id, r.correlation_id, r.parent_event_id, r.parent_event_date, r.namespace,
    r.cluster_id, r.event_data, r.severity, r.duration_ms, r.error_code, r.error_message,
    r.retention_days, r.is_sensitive, r.chain_position, r.event_hash, r.previous_event_hash,
    r.hash_algorithm, h.correlation_id IS NOT NULL, h.reason, h.placed_by, h.placed_at
  FROM json_populate_recordset(NULL::audit_events, $1::json) WITH ORDINALITY AS r
  LEFT JOIN audit_legal_holds h ON h.correlation_id = r.correlation_id
  ORDER BY r.ordinality
  RETURNING event_id, event_date, correlation_id, chain_position),
queued AS (
  INSERT INTO audit_log_pending_batches
    (event_ids, event_dates, correlation_ids, chain_positions, leaf_hashes)
  SELECT array_agg(ins.event_id ORDER BY l.ord), array_agg(ins.event_date ORDER BY l.ord),
         array_agg(ins.correlation_id ORDER BY l.ord), array_agg(ins.chain_position ORDER BY l.ord),
         array_agg(l.leaf ORDER BY l.ord)
    FROM ins JOIN unnest($2::uuid[], $3::bytea[]) WITH ORDINALITY AS l(id, leaf, ord) ON l.id = ins.event_id
  HAVING count(*) > 0
  RETURNING cardinality(event_ids) AS n)
SELECT coalesce(sum(n), 0)::int AS inserted FROM queued`;

export const APPEND_SQL =
  'SELECT r_kind, r_key, r_position, r_hash FROM audit_append($1, $2, $3, $4, $5, $6)';
