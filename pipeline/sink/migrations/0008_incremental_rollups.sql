-- Plain PostgreSQL rollups refreshed incrementally and read in real time, as TimescaleDB's continuous
-- aggregates are (migration 0002). A no-op on TimescaleDB.
--
-- Until now each plain rollup was a materialized view, and refresh_rollups() aggregated the whole
-- history of its raw table again on every call: the sink calls it every minute. A minute into a
-- `bondtrack bench` run at 50k reads/s (~560k observation rows) it took 3.5 s of the database, and
-- the sink's batches slowed to 270-410 ms meanwhile; it grows with every day kept, up to 90 days of
-- observations.
-- Between refreshes the dashboards saw data up to a minute old.
--
-- Now each rollup `{name}` is a view over a table of materialized minutes, `{name}_materialized`:
--   - minutes before `rollup_definitions.materialized_until` are read from the table;
--   - later minutes are aggregated from the raw rows as they are read (TimescaleDB's real-time
--     aggregation, `materialized_only = false`), so the view is never behind the raw table;
--   - refresh_rollups() materializes the minutes that ended at least a minute ago (the end_offset of
--     the TimescaleDB policy), and aggregates again the materialized minutes whose raw rows changed
--     since: a statement trigger on each raw table records the time range every insert, update and
--     delete touched (`rollup_invalidations`), in the same transaction as the rows. A refresh takes
--     the ranges it can see; a write that commits later left its range for the next refresh. So a
--     refresh costs the minutes that are new or changed, not the history.
--   - Minutes past the raw table's retention horizon (storage_policies) are dropped from the table,
--     as the raw rows are, so a rollup keeps what the materialized view kept.
-- The views keep the names, columns and grants of the materialized views they replace; views that
-- read them (antenna_activity) are created again from their catalog definitions, with their grants.

DO $$
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    RETURN;
  END IF;

  CREATE TABLE rollup_definitions (
    name               text        PRIMARY KEY,
    source             text        NOT NULL,
    time_column        text        NOT NULL,
    keys               text        NOT NULL,
    aggregates         text        NOT NULL,
    filter             text        NOT NULL,
    -- Minutes before this are in `{name}_materialized`; from it on, the view aggregates raw rows.
    materialized_until timestamptz NOT NULL DEFAULT '-infinity'
  );
  -- The same rollups as migration 0002, word for word.
  INSERT INTO rollup_definitions (name, source, time_column, keys, aggregates, filter) VALUES
    ('reader_reads_1m', 'observations', 'first_seen',
     'site, reader_id, antenna',
     'count(*) AS observations, sum(count)::bigint AS reads, count(DISTINCT epc) AS tags,
        max(max_rssi_dbm) AS max_rssi_dbm, avg(mean_rssi_dbm) AS mean_rssi_dbm',
     'TRUE'),
    ('zone_occupancy_1m', 'observations', 'first_seen',
     'site, zone',
     'count(DISTINCT epc) AS pallets, sum(count)::bigint AS reads',
     'zone IS NOT NULL'),
    ('zone_transitions_1m', 'zone_events', 'at',
     'site, kind, from_zone, to_zone, direction',
     'count(*) AS events, count(DISTINCT epc) AS pallets',
     'TRUE'),
    ('alerts_1m', 'alerts', 'at',
     'site, kind, severity',
     'count(*) AS alerts',
     'TRUE');

  -- Time ranges of raw rows written since the last refresh, per raw table. Not indexed: a refresh
  -- takes all of a table's rows at once.
  CREATE TABLE rollup_invalidations (
    source   text        NOT NULL,
    lower_at timestamptz NOT NULL,
    upper_at timestamptz NOT NULL
  );
END
$$;

-- Statement trigger on a raw table: record the time range of the rows the statement changed
-- (transition table `changed`; TG_ARGV[0] is the time column). SECURITY DEFINER: the writer role
-- inserts the raw rows, and a grant given before this migration does not reach the new table.
CREATE FUNCTION rollup_invalidate() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
BEGIN
  EXECUTE format(
    'INSERT INTO rollup_invalidations (source, lower_at, upper_at)
       SELECT %L, min(%I), max(%I) FROM changed HAVING count(*) > 0',
    TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0]);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  rollup record;
  dependent record;
  saved jsonb := '[]';
  item jsonb;
  grant_ record;
  source record;
  trigger_ record;
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    RETURN;
  END IF;
  -- Every view of the schema, in creation order, with its definition and grants: dropping the
  -- materialized views drops the views over them too (CASCADE).
  FOR dependent IN
    SELECT c.relname, pg_get_viewdef(c.oid) AS def,
           COALESCE((SELECT jsonb_agg(jsonb_build_object('grantee', a.grantee::regrole::text,
                                                         'privilege', a.privilege_type))
                     FROM aclexplode(c.relacl) a WHERE a.grantee <> 0 AND a.grantee <> c.relowner),
                    '[]') AS grants
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
    ORDER BY c.oid
  LOOP
    saved := saved || jsonb_build_object('name', dependent.relname, 'def', dependent.def,
                                         'grants', dependent.grants);
  END LOOP;

  FOR rollup IN SELECT * FROM rollup_definitions ORDER BY name LOOP
    EXECUTE format('DROP MATERIALIZED VIEW %I CASCADE', rollup.name);
    EXECUTE format(
      'CREATE TABLE %I AS SELECT date_trunc(''minute'', %I) AS bucket, %s, %s FROM %I WHERE %s
         GROUP BY bucket, %s WITH NO DATA',
      rollup.name || '_materialized', rollup.time_column, rollup.keys, rollup.aggregates,
      rollup.source, rollup.filter, rollup.keys);
    -- Keys may be NULL (from_zone): one row per minute and key all the same.
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (bucket, %s) NULLS NOT DISTINCT',
      rollup.name || '_materialized_key', rollup.name || '_materialized', rollup.keys);
    EXECUTE format('CREATE INDEX %I ON %I (site, bucket DESC)',
      rollup.name || '_materialized_site_bucket_idx', rollup.name || '_materialized');
    EXECUTE format(
      'CREATE VIEW %I AS
         SELECT * FROM %I WHERE bucket < (SELECT materialized_until FROM rollup_definitions WHERE name = %L)
         UNION ALL
         SELECT date_trunc(''minute'', %I) AS bucket, %s, %s FROM %I
         WHERE (%s) AND %I >= (SELECT materialized_until FROM rollup_definitions WHERE name = %L)
         GROUP BY bucket, %s',
      rollup.name, rollup.name || '_materialized', rollup.name,
      rollup.time_column, rollup.keys, rollup.aggregates, rollup.source,
      rollup.filter, rollup.time_column, rollup.name, rollup.keys);
  END LOOP;

  FOR item IN SELECT * FROM jsonb_array_elements(saved) LOOP
    IF to_regclass(quote_ident(item->>'name')) IS NULL THEN
      EXECUTE format('CREATE VIEW %I AS %s', item->>'name', item->>'def');
    END IF;
    FOR grant_ IN SELECT * FROM jsonb_to_recordset(item->'grants') AS g(grantee text, privilege text) LOOP
      EXECUTE format('GRANT %s ON %I TO %s', grant_.privilege, item->>'name', grant_.grantee);
    END LOOP;
  END LOOP;

  -- Transition tables need one trigger per event; an update records its rows' old and new times.
  FOR source IN SELECT DISTINCT r.source, r.time_column FROM rollup_definitions r ORDER BY 1 LOOP
    FOR trigger_ IN
      SELECT * FROM (VALUES ('insert', 'INSERT', 'NEW'), ('delete', 'DELETE', 'OLD'),
                            ('update_old', 'UPDATE', 'OLD'), ('update_new', 'UPDATE', 'NEW'))
        AS t(suffix, event, transition)
    LOOP
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION rollup_invalidate(%L)',
                     source.source || '_rollup_' || trigger_.suffix, trigger_.event, source.source,
                     trigger_.transition, source.time_column);
    END LOOP;
  END LOOP;
END
$$;

-- Materialize what is new or changed; returns how many rollups it refreshed (0 on TimescaleDB,
-- where the policies refresh and real-time aggregation covers the rest).
CREATE OR REPLACE FUNCTION refresh_rollups() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
  -- A minute that ended at least a minute ago is complete: a row for it after that is a late one,
  -- and its invalidation brings the minute back.
  complete_until timestamptz := date_trunc('minute', now() - INTERVAL '1 minute');
  src text;
  stale tstzmultirange;
  horizon interval;
  rollup record;
  todo tstzmultirange;
  span tstzrange;
  n integer := 0;
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    RETURN 0;
  END IF;
  -- One refresh at a time (several sinks each run one every minute): two would materialize the same
  -- new minutes, and the second's rows would collide with the first's on the unique key. EXCLUSIVE
  -- leaves reads of the table (the views) alone, and the raw tables' writers never touch it.
  LOCK TABLE rollup_definitions IN EXCLUSIVE MODE;
  FOR src IN SELECT DISTINCT source FROM rollup_definitions ORDER BY 1 LOOP
    WITH taken AS (DELETE FROM rollup_invalidations WHERE source = src RETURNING lower_at, upper_at)
    SELECT range_agg(tstzrange(date_trunc('minute', lower_at),
                               date_trunc('minute', upper_at) + INTERVAL '1 minute'))
      INTO stale FROM taken;
    SELECT retain INTO horizon FROM storage_policies WHERE table_name = src;
    FOR rollup IN SELECT * FROM rollup_definitions WHERE source = src ORDER BY name LOOP
      -- Changed minutes already materialized, and the minutes completed since the last refresh.
      todo := COALESCE(stale * tstzmultirange(tstzrange('-infinity', rollup.materialized_until)), '{}')
              + tstzmultirange(tstzrange(rollup.materialized_until,
                                         greatest(rollup.materialized_until, complete_until)));
      FOR span IN SELECT unnest(todo) LOOP
        EXECUTE format('DELETE FROM %I WHERE bucket >= $1 AND bucket < $2', rollup.name || '_materialized')
          USING lower(span), upper(span);
        EXECUTE format(
          'INSERT INTO %I
             SELECT date_trunc(''minute'', %I) AS bucket, %s, %s FROM %I
             WHERE (%s) AND %I >= $1 AND %I < $2 GROUP BY bucket, %s',
          rollup.name || '_materialized', rollup.time_column, rollup.keys, rollup.aggregates,
          rollup.source, rollup.filter, rollup.time_column, rollup.time_column, rollup.keys)
          USING lower(span), upper(span);
      END LOOP;
      IF horizon IS NOT NULL THEN
        EXECUTE format('DELETE FROM %I WHERE bucket < $1', rollup.name || '_materialized')
          USING date_trunc('minute', now() - horizon);
      END IF;
      UPDATE rollup_definitions SET materialized_until = greatest(materialized_until, complete_until)
        WHERE name = rollup.name;
      n := n + 1;
    END LOOP;
  END LOOP;
  RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION refresh_rollups(), rollup_invalidate() FROM PUBLIC;
