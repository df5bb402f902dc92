-- Up Migration
-- Partition maintenance on a schedule (workers/audit-maintenance.ts): the scheduled
-- activity creates the partitions of the coming months, as 0001 did once. This one
-- says how many it created, for the metrics, and is the owner's to run: creating a
-- partition needs ownership of audit_events, which the worker's role does not have.
-- Idempotent: a partition that exists is left alone and not counted.
CREATE FUNCTION audit_create_partitions_ahead(ahead integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  created integer := 0;
  day date;
BEGIN
  IF ahead < 0 OR ahead > 24 THEN
    RAISE EXCEPTION 'partitions ahead must be between 0 and 24, got %', ahead USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- audit_ensure_partition's lock, taken first so that two runs do not both count one partition.
  PERFORM pg_advisory_xact_lock(hashtext('audit_events_partitions'));
  FOR i IN 0..ahead LOOP
    day := (date_trunc('month', now()) + make_interval(months => i))::date;
    IF to_regclass(format('audit_events_%s', to_char(day, 'YYYY_MM'))) IS NULL THEN
      PERFORM audit_ensure_partition(day);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;
REVOKE EXECUTE ON FUNCTION audit_create_partitions_ahead(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_create_partitions_ahead(integer) TO kubernaut_writer;

-- Down Migration
DROP FUNCTION IF EXISTS audit_create_partitions_ahead(integer);
