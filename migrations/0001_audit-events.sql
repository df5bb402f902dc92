-- Up Migration
-- The permanent audit record (Kubernaut ADR-034 envelope), partitioned by month on
-- event_date. There is no default partition on purpose: a row outside every
-- partition fails loudly and the writer creates the partition it needs.

CREATE TABLE audit_events (
  event_id            uuid        NOT NULL,
  event_date          date        NOT NULL,
  version             text        NOT NULL DEFAULT '1.0',
  event_timestamp     timestamptz NOT NULL,
  event_type          text        NOT NULL,
  event_category      text        NOT NULL,
  event_action        text        NOT NULL,
  event_outcome       text        NOT NULL CHECK (event_outcome IN ('success', 'failure', 'pending')),
  actor_type          text,
  actor_id            text,
  actor_ip            text,
  resource_type       text,
  resource_id         text,
  correlation_id      text        NOT NULL,
  parent_event_id     uuid,
  parent_event_date   date,
  namespace           text,
  cluster_id          text,
  event_data          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  severity            text,
  duration_ms         integer,
  error_code          text,
  error_message       text,
  retention_days      integer     NOT NULL DEFAULT 2555,
  is_sensitive        boolean     NOT NULL DEFAULT false,
  -- Tamper evidence: position and hashes in the per-correlation chain.
  chain_position      bigint      NOT NULL,
  event_hash          text        NOT NULL,
  previous_event_hash text        NOT NULL,
  hash_algorithm      text        NOT NULL,
  -- Legal hold: rows under hold cannot be deleted, by retention or by anyone.
  legal_hold          boolean     NOT NULL DEFAULT false,
  legal_hold_reason   text,
  legal_hold_placed_by text,
  legal_hold_placed_at timestamptz,
  stored_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, event_date)
) PARTITION BY RANGE (event_date);

CREATE INDEX audit_events_correlation_time ON audit_events (correlation_id, event_timestamp, event_id);
CREATE INDEX audit_events_correlation_chain ON audit_events (correlation_id, chain_position);
CREATE INDEX audit_events_type_time ON audit_events (event_type, event_timestamp);
CREATE INDEX audit_events_resource_time ON audit_events (resource_type, resource_id, event_timestamp);
CREATE INDEX audit_events_actor_time ON audit_events (actor_id, event_timestamp);
CREATE INDEX audit_events_outcome_time ON audit_events (event_outcome, event_timestamp);
CREATE INDEX audit_events_time ON audit_events (event_timestamp, event_id);
CREATE INDEX audit_events_data ON audit_events USING gin (event_data jsonb_path_ops);

-- Legal holds by correlation; a hold placed before more events arrive covers them too.
CREATE TABLE audit_legal_holds (
  correlation_id text        PRIMARY KEY,
  reason         text        NOT NULL,
  placed_by      text        NOT NULL,
  placed_at      timestamptz NOT NULL DEFAULT now()
);

-- Creates the partition holding `day` if it does not exist. Idempotent and safe
-- to race: CREATE TABLE IF NOT EXISTS under an advisory lock.
CREATE FUNCTION audit_ensure_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  start_d date := date_trunc('month', day)::date;
  end_d   date := (date_trunc('month', day) + interval '1 month')::date;
  pname   text := format('audit_events_%s', to_char(start_d, 'YYYY_MM'));
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('audit_events_partitions'));
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                 pname, start_d, end_d);
  RETURN pname;
END $$;

-- Current month plus `ahead` months.
CREATE FUNCTION audit_ensure_partitions_ahead(ahead integer DEFAULT 3) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 0..ahead LOOP
    PERFORM audit_ensure_partition((date_trunc('month', now()) + make_interval(months => i))::date);
  END LOOP;
END $$;

SELECT audit_ensure_partitions_ahead(3);

-- Core columns are write-once. Only legal-hold bookkeeping may change.
CREATE FUNCTION audit_events_forbid_core_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.event_id, NEW.event_date, NEW.version, NEW.event_timestamp, NEW.event_type, NEW.event_category,
      NEW.event_action, NEW.event_outcome, NEW.actor_type, NEW.actor_id, NEW.actor_ip, NEW.resource_type,
      NEW.resource_id, NEW.correlation_id, NEW.parent_event_id, NEW.parent_event_date, NEW.namespace,
      NEW.cluster_id, NEW.event_data, NEW.severity, NEW.duration_ms, NEW.error_code, NEW.error_message,
      NEW.retention_days, NEW.is_sensitive, NEW.chain_position, NEW.event_hash, NEW.previous_event_hash,
      NEW.hash_algorithm, NEW.stored_at)
     IS DISTINCT FROM
     (OLD.event_id, OLD.event_date, OLD.version, OLD.event_timestamp, OLD.event_type, OLD.event_category,
      OLD.event_action, OLD.event_outcome, OLD.actor_type, OLD.actor_id, OLD.actor_ip, OLD.resource_type,
      OLD.resource_id, OLD.correlation_id, OLD.parent_event_id, OLD.parent_event_date, OLD.namespace,
      OLD.cluster_id, OLD.event_data, OLD.severity, OLD.duration_ms, OLD.error_code, OLD.error_message,
      OLD.retention_days, OLD.is_sensitive, OLD.chain_position, OLD.event_hash, OLD.previous_event_hash,
      OLD.hash_algorithm, OLD.stored_at) THEN
    RAISE EXCEPTION 'audit_events is append-only: core columns of event % cannot be updated', OLD.event_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_events_immutable BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_forbid_core_update();

CREATE FUNCTION audit_events_forbid_held_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.legal_hold OR EXISTS (SELECT 1 FROM audit_legal_holds h WHERE h.correlation_id = OLD.correlation_id) THEN
    RAISE EXCEPTION 'audit event % is under legal hold and cannot be deleted', OLD.event_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;

CREATE TRIGGER audit_events_legal_hold BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_forbid_held_delete();

-- Down Migration
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS audit_legal_holds;
DROP FUNCTION IF EXISTS audit_ensure_partitions_ahead(integer);
DROP FUNCTION IF EXISTS audit_ensure_partition(date);
DROP FUNCTION IF EXISTS audit_events_forbid_core_update();
DROP FUNCTION IF EXISTS audit_events_forbid_held_delete();
