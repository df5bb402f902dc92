-- Up Migration
-- The audit writer's fast path: one call (one round trip, one implicit transaction)
-- appends a batch whose chain links the writer computed against the chain heads it
-- expects. Under the same per-correlation advisory locks as the locked path
-- (lib/audit/writer.ts), it checks that no event id is stored yet and that every
-- correlation's head — its newest link among the rows and the retention tombstones —
-- is the expected one (NULL position and hash: no link yet). Only then does it
-- insert, and it answers ('inserted', <count>). Otherwise it inserts nothing and
-- answers the stored ids ('id', <event_id>) and the actual heads ('head',
-- <correlation_id>, <position>, <hash>), from which the writer re-links and tries
-- again. The links themselves are computed by the writer (canonical JSON, SHA-256
-- or HMAC): the database only checks that they continue the chain it holds.
--
-- A VOLATILE plpgsql function takes a new snapshot for each statement, so the
-- lookups after the locks see every link committed before them, as the separate
-- statements of the locked path do.

CREATE FUNCTION audit_append(
  p_rows json,
  p_ids uuid[],
  p_correlations text[],
  p_positions bigint[],
  p_hashes text[]
) RETURNS TABLE (r_kind text, r_key text, r_position bigint, r_hash text)
LANGUAGE plpgsql VOLATILE
-- Every statement below has one good plan whatever the arguments (index probes, an
-- insert from the argument rows). Left to choose, the plan cache keeps planning them
-- afresh for each call (the generic plan of a probe over unnest() looks costlier
-- than a custom one), and planning against every partition and index is most of the
-- cost of a small call: ~3 ms instead of ~0.5 ms for one event.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  stored text[];
  head_ids text[];
  head_positions bigint[];
  head_hashes text[];
  inserted bigint;
BEGIN
  -- Locks in hash order, so two batches sharing correlations cannot deadlock.
  PERFORM pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtext(c) AS h FROM unnest(p_correlations) AS c ORDER BY 1) AS locks;

  -- Per-key index probes (LATERAL ... LIMIT 1), never `= ANY(array)`: on a partition
  -- without statistics yet the planner would cost that as a sequential scan.
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

  -- Events of a correlation under legal hold are born held.
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
  ORDER BY r.ordinality;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN QUERY SELECT 'inserted', inserted::text, NULL::bigint, NULL::text;
END $$;

-- Down Migration
DROP FUNCTION IF EXISTS audit_append(json, uuid[], text[], bigint[], text[]);
