-- Up Migration
-- The writer queues its rows for the audit log itself, with their leaf hashes,
-- instead of a trigger queueing bare ids.
--
-- Why: a statement trigger with a transition table makes PostgreSQL keep a copy of
-- every inserted row (event_data included) until the statement ends, and a queue of
-- bare ids made the sequencer read every row back and hash it. Now the writer, which
-- has just computed each row's canonical bytes for its chain hash, computes the leaf
-- hash from the same bytes (lib/audit/log-entry.ts) and the INSERT queues
-- (event_id, event_date, correlation_id, chain_position, leaf_hash) through a
-- data-modifying CTE: same statement, same transaction. The sequencer then appends
-- queued leaves without touching audit_events.
--
-- It also closes a gap: the leaf is fixed before the database holds the row, so a row
-- changed or deleted between its commit and its sequencing is caught by
-- verification like any other. A row inserted any other way (COPY, psql, triggers
-- off) is not queued and never enters the log; verification reports it as an
-- "unlogged-event". Entries queued before this migration have no leaf hash: the
-- sequencer computes theirs from the row, as before.

ALTER TABLE audit_log_pending
  ADD COLUMN correlation_id text,
  ADD COLUMN chain_position bigint,
  ADD COLUMN leaf_hash bytea CHECK (length(leaf_hash) = 32);

DROP TRIGGER IF EXISTS audit_events_log_enqueue ON audit_events;
DROP FUNCTION IF EXISTS audit_log_enqueue();

-- audit_append gains p_leaves: the leaf hash of each row to insert, parallel to p_ids.
DROP FUNCTION audit_append(json, uuid[], text[], bigint[], text[]);

CREATE FUNCTION audit_append(
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
  -- Unchanged from 0004 up to the INSERT (see there for the why of each step).
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

  -- Events of a correlation under legal hold are born held; each one is queued for the log.
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
    RETURNING event_id, event_date, correlation_id, chain_position)
  INSERT INTO audit_log_pending (event_id, event_date, correlation_id, chain_position, leaf_hash)
    SELECT ins.event_id, ins.event_date, ins.correlation_id, ins.chain_position, l.leaf
      FROM ins JOIN unnest(p_ids, p_leaves) AS l(id, leaf) ON l.id = ins.event_id;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN QUERY SELECT 'inserted', inserted::text, NULL::bigint, NULL::text;
END $$;

-- Down Migration
-- This project migrates up only; going down leaves no audit_append until 0004's is re-created.
DROP FUNCTION IF EXISTS audit_append(json, uuid[], text[], bigint[], text[], bytea[]);
ALTER TABLE audit_log_pending DROP COLUMN correlation_id, DROP COLUMN chain_position, DROP COLUMN leaf_hash;
CREATE FUNCTION audit_log_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log_pending (event_id, event_date)
    SELECT event_id, event_date FROM new_events ORDER BY correlation_id, chain_position, event_id;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_events_log_enqueue AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_enqueue();
