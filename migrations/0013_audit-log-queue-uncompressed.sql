-- Up Migration
-- The log queue's arrays are stored out of line without compression.
--
-- Why: a queued batch row (migrations/0012) holds its events' ids, dates, correlations,
-- chain positions and leaf hashes — 10-50 KB for 100-500 events, so it is always
-- TOASTed, and by default PostgreSQL first tries to compress it. Hashes and random
-- UUIDs do not compress; the attempt cost about 0.8 ms per batch of 100 events
-- (2,000 batch rows: 2.7 s with compression against 1.5 s without), paid by every
-- write call, and the sequencer paid again to decompress. The rows live for seconds
-- (the sequencer removes them), so the space saved was never worth it.
ALTER TABLE audit_log_pending_batches
  ALTER COLUMN event_ids SET STORAGE EXTERNAL,
  ALTER COLUMN event_dates SET STORAGE EXTERNAL,
  ALTER COLUMN correlation_ids SET STORAGE EXTERNAL,
  ALTER COLUMN chain_positions SET STORAGE EXTERNAL,
  ALTER COLUMN leaf_hashes SET STORAGE EXTERNAL;

-- Down Migration
ALTER TABLE audit_log_pending_batches
  ALTER COLUMN event_ids SET STORAGE EXTENDED,
  ALTER COLUMN event_dates SET STORAGE EXTENDED,
  ALTER COLUMN correlation_ids SET STORAGE EXTENDED,
  ALTER COLUMN chain_positions SET STORAGE EXTENDED,
  ALTER COLUMN leaf_hashes SET STORAGE EXTENDED;
