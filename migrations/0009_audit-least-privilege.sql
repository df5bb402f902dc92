-- Up Migration
-- Least privilege (docs/database-roles.md). Migrations run as the owner role, which
-- owns every table and function. The processes connect as members of two group roles:
--
--   kubernaut_writer     the API and the worker: SELECT and INSERT on the audit tables,
--                        nothing else on them (no UPDATE, DELETE, TRUNCATE; no ALTER,
--                        trigger control or DROP, which only an owner may do). What the
--                        app did with more than that now goes through the SECURITY
--                        DEFINER functions below, each doing one narrow thing.
--   kubernaut_sequencer  the audit log's sequencer (lib/audit/log-sequencer.ts): it
--                        moves queued entries into the Merkle tree, which needs DELETE on
--                        the queue and UPDATE on the tree's state row. A role of its own
--                        rather than a function: the tree is computed in the process, and
--                        a function taking leaves and nodes from its caller would hand the
--                        writer the same power with more code to trust.
--
-- Both are NOLOGIN groups; login users are made members (GRANT kubernaut_writer TO
-- app_user). They are created here when the migrating role may create roles (the
-- embedded stack creates them first); otherwise an administrator creates them once.

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['kubernaut_writer', 'kubernaut_sequencer'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      ELSE
        RAISE EXCEPTION 'role % does not exist and % may not create it: an administrator runs CREATE ROLE % NOLOGIN (docs/database-roles.md)',
          r, current_user, r;
      END IF;
    END IF;
  END LOOP;
END $$;

-- Nothing for anyone by default; then exactly what each role needs.
REVOKE ALL ON audit_events, audit_legal_holds, audit_retention_tombstones, gateway_claims,
  audit_log_pending, audit_log_leaves, audit_log_nodes, audit_log_state, audit_log_checkpoints
  FROM PUBLIC;

-- The writer: appends events and queues them for the log (lib/audit/writer.ts,
-- audit_append), reads everything it serves and verifies.
GRANT SELECT, INSERT ON audit_events, audit_log_pending TO kubernaut_writer;
GRANT SELECT ON audit_legal_holds, audit_retention_tombstones, audit_log_leaves, audit_log_nodes,
  audit_log_state, audit_log_checkpoints TO kubernaut_writer;
-- Gateway claims are operational state, not audit: a claim is taken over and released
-- by a conditional UPDATE (lib/gateway/claim.ts). Never deleted, so no DELETE.
GRANT SELECT, INSERT, UPDATE ON gateway_claims TO kubernaut_writer;
-- migrations/migrate.ts looks here first, so a process connected as the writer starts
-- when the owner has migrated already, and says what is missing otherwise.
GRANT SELECT ON schema_migrations TO kubernaut_writer, kubernaut_sequencer;

-- The sequencer: reads the queue (and, for entries queued before 0007, the rows),
-- appends leaves, nodes and checkpoints, empties the queue and moves the state row.
GRANT SELECT ON audit_events, audit_log_leaves, audit_log_nodes, audit_log_checkpoints TO kubernaut_sequencer;
GRANT SELECT, DELETE ON audit_log_pending TO kubernaut_sequencer;
GRANT INSERT ON audit_log_leaves, audit_log_nodes, audit_log_checkpoints TO kubernaut_sequencer;
GRANT SELECT, UPDATE ON audit_log_state TO kubernaut_sequencer;

-- Creating a partition needs ownership of audit_events: the writer asks the owner to
-- (lib/audit/writer.ts, on an event dated outside every partition). search_path is
-- fixed so that a caller's objects cannot stand in for the owner's.
ALTER FUNCTION audit_ensure_partition(date) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION audit_ensure_partitions_ahead(integer) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_ensure_partition(date), audit_ensure_partitions_ahead(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_ensure_partition(date), audit_ensure_partitions_ahead(integer) TO kubernaut_writer;

-- Legal holds: placing one flags the correlation's rows; releasing one clears the
-- flags. Both UPDATE audit_events (only the legal-hold columns: the trigger of 0001
-- refuses any other change), so both are functions. Each release is also kept in
-- an append-only table, with the database user that called it: a release by anyone
-- holding the writer's credentials leaves a record even outside the API (which also
-- writes an audit event: lib/audit/legal-hold.ts).
CREATE TABLE audit_legal_hold_releases (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  correlation_id  text        NOT NULL,
  hold_reason     text        NOT NULL,
  placed_by       text        NOT NULL,
  placed_at       timestamptz NOT NULL,
  release_reason  text        NOT NULL CHECK (length(release_reason) > 0),
  released_by     text        NOT NULL,
  released_at     timestamptz NOT NULL DEFAULT now(),
  events_released integer     NOT NULL,
  database_user   text        NOT NULL DEFAULT session_user
);
CREATE TRIGGER audit_legal_hold_releases_immutable BEFORE UPDATE OR DELETE ON audit_legal_hold_releases
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
REVOKE ALL ON audit_legal_hold_releases FROM PUBLIC;
GRANT SELECT ON audit_legal_hold_releases TO kubernaut_writer;

CREATE FUNCTION audit_place_legal_hold(p_correlation text, p_reason text, p_placed_by text)
RETURNS TABLE (placed_at timestamptz, events_affected integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  at timestamptz;
  n integer;
BEGIN
  -- The writer's lock: a hold and a concurrent write of the same correlation serialise.
  PERFORM pg_advisory_xact_lock(hashtext(p_correlation));
  INSERT INTO audit_legal_holds AS h (correlation_id, reason, placed_by)
  SELECT p_correlation, p_reason, p_placed_by
   WHERE EXISTS (SELECT 1 FROM audit_events WHERE correlation_id = p_correlation)
  ON CONFLICT (correlation_id) DO UPDATE
    SET reason = EXCLUDED.reason, placed_by = EXCLUDED.placed_by, placed_at = now()
  RETURNING h.placed_at INTO at;
  IF at IS NULL THEN
    RETURN;
  END IF;
  UPDATE audit_events SET legal_hold = true, legal_hold_reason = p_reason, legal_hold_placed_by = p_placed_by,
         legal_hold_placed_at = at
   WHERE correlation_id = p_correlation;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN QUERY SELECT at, n;
END $$;

-- No row back: the correlation had no hold.
CREATE FUNCTION audit_release_legal_hold(p_correlation text, p_released_by text, p_reason text)
RETURNS TABLE (events_released integer, released_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  gone audit_legal_holds%ROWTYPE;
  n integer;
BEGIN
  IF p_reason IS NULL OR length(trim(p_reason)) = 0 THEN
    RAISE EXCEPTION 'a legal hold is released with a reason' USING ERRCODE = 'check_violation';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext(p_correlation));
  DELETE FROM audit_legal_holds WHERE correlation_id = p_correlation RETURNING * INTO gone;
  IF gone.correlation_id IS NULL THEN
    RETURN;
  END IF;
  UPDATE audit_events SET legal_hold = false, legal_hold_reason = NULL, legal_hold_placed_by = NULL,
         legal_hold_placed_at = NULL
   WHERE correlation_id = p_correlation AND legal_hold;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO audit_legal_hold_releases
    (correlation_id, hold_reason, placed_by, placed_at, release_reason, released_by, events_released)
  VALUES (p_correlation, gone.reason, gone.placed_by, gone.placed_at, p_reason, p_released_by, n);
  RETURN QUERY SELECT n, now();
END $$;

REVOKE EXECUTE ON FUNCTION audit_place_legal_hold(text, text, text),
  audit_release_legal_hold(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_place_legal_hold(text, text, text),
  audit_release_legal_hold(text, text, text) TO kubernaut_writer;

-- Retention. The per-category policy is the owner's decision, kept in a table the
-- writer can only read: a caller-chosen policy would let anyone holding the writer's
-- credentials expire everything.
CREATE TABLE audit_retention_policy (
  event_category text    PRIMARY KEY,
  retention_days integer NOT NULL CHECK (retention_days >= 1)
);
REVOKE ALL ON audit_retention_policy FROM PUBLIC;
GRANT SELECT ON audit_retention_policy TO kubernaut_writer;

-- A tombstone is bound to the deleted row's Merkle leaf: the leaf stays in
-- audit_log_leaves (inclusion proofs keep working), and verification accepts a
-- tombstone only when its leaf hash is the one the log holds for that event
-- (lib/audit/verify.ts, log-verify.ts, log-correlation.ts). log_index is NULL when
-- the row was still queued for the log; the leaf hash then comes from the queue.
ALTER TABLE audit_retention_tombstones
  ADD COLUMN log_index bigint,
  ADD COLUMN leaf_hash bytea CHECK (length(leaf_hash) = 32);

-- Tombstones written before this migration get their leaf, where the log has one.
ALTER TABLE audit_retention_tombstones DISABLE TRIGGER audit_tombstones_immutable;
UPDATE audit_retention_tombstones t SET log_index = l.idx, leaf_hash = l.leaf_hash
  FROM audit_log_leaves l
 WHERE l.event_id = t.event_id AND l.event_date = t.event_date;
ALTER TABLE audit_retention_tombstones ENABLE TRIGGER audit_tombstones_immutable;

-- Deletes up to p_limit rows past their retention (policy table, else the row's own
-- retention_days), never under legal hold, and writes each one's tombstone in the
-- same statement. Only rows whose leaf is known (in the log or queued with it) are
-- taken: a row inserted outside the writer has no leaf to bind to and stays for
-- verification to report. "Now" is the server's, or an earlier time the caller
-- gives (backfills), never a later one. Idempotent: a second call finds the rows
-- gone. Rows are taken with SKIP LOCKED, so concurrent runs share the work.
CREATE FUNCTION audit_apply_retention(p_limit integer, p_correlations text[] DEFAULT NULL,
                                      p_now timestamptz DEFAULT NULL)
RETURNS TABLE (event_category text, deleted integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  cutoff_now timestamptz := least(coalesce(p_now, now()), now());
BEGIN
  RETURN QUERY
  WITH victims AS (
    SELECT e.event_id, e.event_date, l.idx AS log_index,
           coalesce(l.leaf_hash, q.leaf_hash) AS leaf_hash
      FROM audit_events e
      LEFT JOIN audit_retention_policy p ON p.event_category = e.event_category
      LEFT JOIN audit_log_leaves l ON l.event_id = e.event_id AND l.event_date = e.event_date
      LEFT JOIN LATERAL (SELECT pq.leaf_hash FROM audit_log_pending pq
                          WHERE pq.event_id = e.event_id AND pq.event_date = e.event_date
                            AND pq.leaf_hash IS NOT NULL LIMIT 1) q ON true
     WHERE NOT e.legal_hold
       AND e.event_timestamp < cutoff_now - make_interval(days => coalesce(p.retention_days, e.retention_days))
       AND NOT EXISTS (SELECT 1 FROM audit_legal_holds h WHERE h.correlation_id = e.correlation_id)
       AND (p_correlations IS NULL OR e.correlation_id = ANY (p_correlations))
       AND coalesce(l.leaf_hash, q.leaf_hash) IS NOT NULL
     LIMIT greatest(p_limit, 0)
     FOR UPDATE OF e SKIP LOCKED),
  gone AS (
    DELETE FROM audit_events e USING victims v
     WHERE e.event_id = v.event_id AND e.event_date = v.event_date
    RETURNING e.correlation_id, e.chain_position, e.event_id, e.event_date, e.event_category, e.event_hash,
              v.log_index, v.leaf_hash),
  tombs AS (
    INSERT INTO audit_retention_tombstones
      (correlation_id, chain_position, event_id, event_date, event_category, event_hash, log_index, leaf_hash)
    SELECT g.correlation_id, g.chain_position, g.event_id, g.event_date, g.event_category, g.event_hash,
           g.log_index, g.leaf_hash FROM gone g)
  SELECT g.event_category, count(*)::integer FROM gone g GROUP BY g.event_category;
END $$;
REVOKE EXECUTE ON FUNCTION audit_apply_retention(integer, text[], timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_apply_retention(integer, text[], timestamptz) TO kubernaut_writer;

-- Down Migration
-- This project migrates up only; going down removes the functions and tables added here.
DROP FUNCTION IF EXISTS audit_apply_retention(integer, text[], timestamptz);
DROP FUNCTION IF EXISTS audit_release_legal_hold(text, text, text);
DROP FUNCTION IF EXISTS audit_place_legal_hold(text, text, text);
DROP TABLE IF EXISTS audit_legal_hold_releases, audit_retention_policy;
ALTER TABLE audit_retention_tombstones DROP COLUMN IF EXISTS log_index, DROP COLUMN IF EXISTS leaf_hash;
