-- Up Migration
-- One append-only log over every audit event: a global sequence number (the leaf
-- index), a Merkle tree per RFC 9162 §2.1 over the leaves, and signed checkpoints
-- (lib/audit/log-*.ts, docs/audit-log.md). The per-correlation hash chain cannot show
-- a whole correlation deleted or the newest rows truncated; the log can, against a
-- checkpoint kept outside the database.
--
-- Commit order is not insertion order, so events get their index after commit: an
-- INSERT queues (event_id, event_date) in audit_log_pending, in the inserting
-- transaction, and the sequencer — one at a time, under an advisory lock — takes
-- committed entries in queue order, appends them to the tree and removes them, in
-- one transaction. The write path pays one small insert per statement for this.

CREATE TABLE audit_log_pending (
  seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id   uuid NOT NULL,
  event_date date NOT NULL
);

-- Statement-level with a transition table: one INSERT ... SELECT per statement,
-- whatever path inserted the rows (the writer's fast path, its locked path, COPY).
CREATE FUNCTION audit_log_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log_pending (event_id, event_date)
    SELECT event_id, event_date FROM new_events ORDER BY correlation_id, chain_position, event_id;
  RETURN NULL;
END $$;

CREATE TRIGGER audit_events_log_enqueue AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_enqueue();

-- Leaf idx is the event's global sequence number. correlation_id and chain_position
-- are copied here so that a correlation whose rows are all gone is still known to
-- have existed (verify-chain answers with the missing sequence numbers, not 404).
CREATE TABLE audit_log_leaves (
  idx            bigint      PRIMARY KEY CHECK (idx >= 0),
  event_id       uuid        NOT NULL,
  event_date     date        NOT NULL,
  correlation_id text        NOT NULL,
  chain_position bigint      NOT NULL,
  leaf_hash      bytea       NOT NULL CHECK (length(leaf_hash) = 32),
  sequenced_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, event_date)
);
CREATE INDEX audit_log_leaves_correlation ON audit_log_leaves (correlation_id, chain_position);

-- Perfect subtrees above the leaves (level >= 1), stored once when complete: any
-- root or proof is a few of these (lib/audit/merkle.ts).
CREATE TABLE audit_log_nodes (
  level smallint NOT NULL CHECK (level > 0),
  idx   bigint   NOT NULL CHECK (idx >= 0),
  hash  bytea    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- The tree's right edge (compact range), so appending costs O(log n). log_id makes
-- each database's log distinct: it is part of the default checkpoint origin, so a
-- replaced database shows up as another log, not as this one shrinking.
CREATE TABLE audit_log_state (
  singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  log_id        text        NOT NULL,
  tree_size     bigint      NOT NULL CHECK (tree_size >= 0),
  compact_range bytea[]     NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_log_state (log_id, tree_size, compact_range)
  VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 12), 0, '{}');

-- Every signed checkpoint (C2SP tlog-checkpoint note). Also published outside the
-- database (file, ConfigMap); this table is a convenience, not the anchor.
CREATE TABLE audit_log_checkpoints (
  tree_size bigint      PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea       NOT NULL CHECK (length(root_hash) = 32),
  note      text        NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_leaves_immutable BEFORE UPDATE OR DELETE ON audit_log_leaves
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_nodes_immutable BEFORE UPDATE OR DELETE ON audit_log_nodes
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_checkpoints_immutable BEFORE UPDATE OR DELETE ON audit_log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Events stored before this migration join the log first, in their insertion order.
INSERT INTO audit_log_pending (event_id, event_date)
  SELECT event_id, event_date FROM audit_events ORDER BY stored_at, correlation_id, chain_position, event_id;

-- Down Migration
DROP TRIGGER IF EXISTS audit_events_log_enqueue ON audit_events;
DROP FUNCTION IF EXISTS audit_log_enqueue();
DROP TABLE IF EXISTS audit_log_pending, audit_log_leaves, audit_log_nodes, audit_log_state, audit_log_checkpoints;
DROP FUNCTION IF EXISTS audit_log_append_only();
