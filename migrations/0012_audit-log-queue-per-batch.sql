-- Up Migration
-- The writer queues one row per write call for the audit log, not one per event.
--
-- Why: a queue row per event cost an insert, an index entry, a delete and its vacuum
-- per event on top of the event itself; with batches of 100-500 events that was most
-- of what the log cost ingest (docs/performance.md). A batch row holds parallel arrays
-- (ids, dates, correlations, chain positions, leaf hashes) in the order the events were
-- given; the sequencer unnests them in queue order, so the log's order is unchanged.
--
-- The per-event table stays, renamed, for entries queued before this migration (the
-- sequencer takes those first). `audit_log_pending` becomes a view of both, one row
-- per queued event, so everything that asks "is this event queued, with which leaf"
-- (verification, retention) reads as before.

ALTER TABLE audit_log_pending RENAME TO audit_log_pending_events;

CREATE TABLE audit_log_pending_batches (
  seq             bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_ids       uuid[]   NOT NULL,
  event_dates     date[]   NOT NULL,
  correlation_ids text[]   NOT NULL,
  chain_positions bigint[] NOT NULL,
  leaf_hashes     bytea[]  NOT NULL,
  CHECK (cardinality(event_ids) > 0
     AND cardinality(event_dates) = cardinality(event_ids)
     AND cardinality(correlation_ids) = cardinality(event_ids)
     AND cardinality(chain_positions) = cardinality(event_ids)
     AND cardinality(leaf_hashes) = cardinality(event_ids))
);

CREATE VIEW audit_log_pending AS
  SELECT p.event_id, p.event_date, p.correlation_id, p.chain_position, p.leaf_hash
    FROM audit_log_pending_events p
  UNION ALL
  SELECT u.event_id, u.event_date, u.correlation_id, u.chain_position, u.leaf_hash
    FROM audit_log_pending_batches b
   CROSS JOIN LATERAL unnest(b.event_ids, b.event_dates, b.correlation_ids, b.chain_positions, b.leaf_hashes)
     AS u(event_id, event_date, correlation_id, chain_position, leaf_hash);

-- The writer appends batches; the sequencer reads and removes them; both read the view.
-- (The renamed table keeps the grants of 0009.)
REVOKE ALL ON audit_log_pending_batches, audit_log_pending FROM PUBLIC;
GRANT SELECT, INSERT ON audit_log_pending_batches TO kubernaut_writer;
GRANT SELECT, DELETE ON audit_log_pending_batches TO kubernaut_sequencer;
GRANT SELECT ON audit_log_pending TO kubernaut_writer, kubernaut_sequencer;

CREATE OR REPLACE FUNCTION audit_append(
  p_rows json,
  p_ids uuid[],
  p_correlations text[],
  p_positions bigint[],
  p_hashes text[],
  p_leaves bytea[]
) RETURNS TABLE (r_kind text, r_key text, r_position bigint, r_hash text)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  stored text[];
  head_ids text[];
  head_positions bigint[];
  head_hashes text[];
  inserted bigint;
BEGIN
  -- Unchanged from 0007 up to the INSERT (0004 says the why of each step).
  PERFORM pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtext(c) AS h FROM unnest(p_correlations) AS c ORDER BY 1) AS locks;

  SELECT coalesce(array_agg(u.id::text), '{}') INTO stored
    FROM unnest(p_ids) AS u(id)
   CROSS JOIN LATERAL (SELECT 1 FROM audit_events e WHERE e.event_id = u.id LIMIT 1) AS s;

  SELECT coalesce(array_agg(c.id), '{}'), coalesce(array_agg(h.chain_position), '{}'),
         coalesce(array_agg(h.event_hash), '{}')
    INTO head_ids, head_positions, head_hashes
    FROM unnest(p_correlations) AS c(id)
   CROSS JOIN LATERAL (
     SELECT l.chain_position, l.event_hash FROM (
       (SELECT e.chain_position, e.event_hash FROM audit_events e
         WHERE e.correlation_id = c.id ORDER BY e.chain_position DESC LIMIT 1)
       UNION ALL
       (SELECT t.chain_position, t.event_hash FROM audit_retention_tombstones t
         WHERE t.correlation_id = c.id ORDER BY t.chain_position DESC LIMIT 1)) AS l
     ORDER BY l.chain_position DESC LIMIT 1) AS h;

  IF cardinality(stored) > 0 OR EXISTS (
       SELECT 1
         FROM unnest(p_correlations, p_positions, p_hashes) AS x(c, pos, hash)
         LEFT JOIN unnest(head_ids, head_positions, head_hashes) AS a(c, pos, hash) ON a.c = x.c
        WHERE a.pos IS DISTINCT FROM x.pos OR a.hash IS DISTINCT FROM x.hash) THEN
    RETURN QUERY
      SELECT 'id', s, NULL::bigint, NULL::text FROM unnest(stored) AS s
      UNION ALL
      SELECT 'head', a.c, a.pos, a.hash FROM unnest(head_ids, head_positions, head_hashes) AS a(c, pos, hash);
    RETURN;
  END IF;

  -- Events of a correlation under legal hold are born held. The batch is queued for
  -- the log as one row, its events in the order given.
  WITH ins AS (
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
    FROM json_populate_recordset(NULL::audit_events, p_rows) WITH ORDINALITY AS r
    LEFT JOIN audit_legal_holds h ON h.correlation_id = r.correlation_id
    ORDER BY r.ordinality
    RETURNING event_id, event_date, correlation_id, chain_position),
  queued AS (
    INSERT INTO audit_log_pending_batches
      (event_ids, event_dates, correlation_ids, chain_positions, leaf_hashes)
    SELECT array_agg(ins.event_id ORDER BY l.ord), array_agg(ins.event_date ORDER BY l.ord),
           array_agg(ins.correlation_id ORDER BY l.ord), array_agg(ins.chain_position ORDER BY l.ord),
           array_agg(l.leaf ORDER BY l.ord)
      FROM ins JOIN unnest(p_ids, p_leaves) WITH ORDINALITY AS l(id, leaf, ord) ON l.id = ins.event_id
    HAVING count(*) > 0
    RETURNING cardinality(event_ids) AS n)
  SELECT coalesce(sum(n), 0) INTO inserted FROM queued;
  RETURN QUERY SELECT 'inserted', inserted::text, NULL::bigint, NULL::text;
END $$;

-- Down Migration
-- This project migrates up only; going down needs the queue empty (the sequencer run).
DROP VIEW IF EXISTS audit_log_pending;
DROP TABLE IF EXISTS audit_log_pending_batches;
ALTER TABLE audit_log_pending_events RENAME TO audit_log_pending;
