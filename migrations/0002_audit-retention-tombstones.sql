-- Up Migration
-- Retention deletes old audit rows, which would look exactly like tampering to a
-- hash-chain check (a gap in chain_position). Each row retention removes leaves a
-- tombstone with its chain position and hash, so verify-chain can bridge the gap
-- and still check every link that remains. Tombstones are append-only themselves:
-- removing one re-opens the gap and shows up as a broken chain.

CREATE TABLE audit_retention_tombstones (
  correlation_id  text        NOT NULL,
  chain_position  bigint      NOT NULL,
  event_id        uuid        NOT NULL,
  event_date      date        NOT NULL,
  event_category  text        NOT NULL,
  event_hash      text        NOT NULL,
  deleted_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (correlation_id, chain_position)
);

CREATE FUNCTION audit_tombstones_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_retention_tombstones is append-only'
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_tombstones_immutable BEFORE UPDATE OR DELETE ON audit_retention_tombstones
  FOR EACH ROW EXECUTE FUNCTION audit_tombstones_append_only();

-- Down Migration
DROP TABLE IF EXISTS audit_retention_tombstones;
DROP FUNCTION IF EXISTS audit_tombstones_append_only();
