-- Compression and retention, with horizons kept in a table so operators can change them
-- (set_storage_policy) without a new migration (issue 6).
--
-- TimescaleDB: native compression segmented by EPC (or reader) and retention policy jobs that drop
-- whole chunks. Plain PostgreSQL: no compression; apply_retention() deletes expired rows (run it
-- from cron or the sink). dead_letters is a plain table on both paths and always goes by DELETE.

CREATE TABLE storage_policies (
  table_name     text     PRIMARY KEY,
  -- Rows older than this are dropped. NULL keeps them forever.
  retain         interval,
  -- Chunks older than this are compressed (TimescaleDB only). NULL: never.
  compress_after interval,
  -- TimescaleDB compress_segmentby: the column queries select by, so a segment decompresses alone.
  segment_by     text,
  time_column    text     NOT NULL
);

-- Defaults: raw observations are bulky and only needed for recent evidence; events, alerts and
-- customs history are the audit trail customs may ask for, kept five years.
INSERT INTO storage_policies (table_name, retain, compress_after, segment_by, time_column) VALUES
  ('observations',  INTERVAL '90 days',  INTERVAL '7 days',  'site, epc',       'first_seen'),
  ('zone_events',   INTERVAL '5 years',  INTERVAL '30 days', 'site, epc',       'at'),
  ('alerts',        INTERVAL '5 years',  INTERVAL '30 days', 'site, kind',      'at'),
  ('reader_status', INTERVAL '1 year',   INTERVAL '30 days', 'site, reader_id', 'at'),
  ('dead_letters',  INTERVAL '30 days',  NULL,               NULL,              'at');

-- (Re)install the TimescaleDB policies of one table from storage_policies; a no-op elsewhere.
CREATE FUNCTION install_storage_policy(target text) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  p storage_policies;
BEGIN
  SELECT * INTO STRICT p FROM storage_policies WHERE table_name = target;
  IF NOT bondtrack_is_hypertable(target) THEN
    RETURN;
  END IF;
  PERFORM remove_retention_policy(target::regclass, if_exists => true);
  IF p.retain IS NOT NULL THEN
    PERFORM add_retention_policy(target::regclass, p.retain);
  END IF;
  PERFORM remove_compression_policy(target::regclass, if_exists => true);
  IF p.compress_after IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, '
                   'timescaledb.compress_orderby = %L)', target, p.segment_by, p.time_column || ' DESC');
    PERFORM add_compression_policy(target::regclass, p.compress_after);
  END IF;
END
$$;

-- Change a table's horizons and re-install its policies.
CREATE FUNCTION set_storage_policy(target text, new_retain interval, new_compress_after interval)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE storage_policies SET retain = new_retain, compress_after = new_compress_after
  WHERE table_name = target;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no storage policy for table %', target USING ERRCODE = 'undefined_table';
  END IF;
  PERFORM install_storage_policy(target);
END
$$;

-- Drop what is past its horizon now; returns the rows (plain tables) or chunks (hypertables) dropped.
-- TimescaleDB's jobs do this on their own schedule; this lets tests and operators run it at once.
CREATE FUNCTION apply_retention() RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  p storage_policies;
  dropped bigint := 0;
  n bigint;
BEGIN
  FOR p IN SELECT * FROM storage_policies WHERE retain IS NOT NULL LOOP
    IF bondtrack_is_hypertable(p.table_name) THEN
      SELECT count(*) INTO n FROM drop_chunks(p.table_name::regclass, older_than => now() - p.retain);
    ELSE
      EXECUTE format('DELETE FROM %I WHERE %I < now() - $1', p.table_name, p.time_column) USING p.retain;
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    dropped := dropped + n;
  END LOOP;
  RETURN dropped;
END
$$;

SELECT install_storage_policy(table_name) FROM storage_policies;

REVOKE EXECUTE ON FUNCTION install_storage_policy(text), set_storage_policy(text, interval, interval),
  apply_retention() FROM PUBLIC;
