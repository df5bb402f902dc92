-- Up Migration
-- audit_events keeps only the indexes a query uses; every index is paid for on each
-- insert (PostgreSQL CPU for a COPY of 5,000 rows: 60 ms with no index, 200 ms with
-- the nine of 0001, 150 ms without these three). Remaining, and who reads them:
--   primary key (event_id, event_date)   the writer's idempotency probe
--   (correlation_id, chain_position)      chain heads (writer), verify-chain
--   (correlation_id, event_timestamp, …)  query by correlation_id, reconstruction
--   (event_type, event_timestamp)         query by event_type
--   (event_outcome, event_timestamp)      query by event_outcome
--   (event_timestamp, event_id)           every query's newest-first order, since/until
-- Dropped:
--   (actor_id, …), (resource_type, resource_id, …): no query filters on them.
--   GIN (event_data jsonb_path_ops): it serves @>, @? and @@ only; the one
--   event_data filter (detail_key/detail_value) is event_data ->> key = value, which
--   it cannot serve (EXPLAIN shows a sequential scan with or without it). Its pending
--   list also made some unlucky insert pay for merging everyone's entries.

DROP INDEX IF EXISTS audit_events_actor_time;
DROP INDEX IF EXISTS audit_events_resource_time;
DROP INDEX IF EXISTS audit_events_data;

-- Down Migration
CREATE INDEX IF NOT EXISTS audit_events_resource_time ON audit_events (resource_type, resource_id, event_timestamp);
CREATE INDEX IF NOT EXISTS audit_events_actor_time ON audit_events (actor_id, event_timestamp);
CREATE INDEX IF NOT EXISTS audit_events_data ON audit_events USING gin (event_data jsonb_path_ops);
