-- Per-minute rollups for dashboards, under the same names on both storage paths (issue 6).
--
-- TimescaleDB: continuous aggregates with real-time aggregation (materialized_only = false), so a
-- query sees the minutes not yet materialized too, refreshed by a policy job every minute. Created
-- WITH NO DATA: TimescaleDB refuses to materialize inside a transaction, and migrate.ts runs each
-- migration in one; the policy (or real-time aggregation) fills them.
--
-- Plain PostgreSQL: materialized views with the same columns, refreshed by refresh_rollups() (the
-- sink or a cron job calls it; REFRESH … CONCURRENTLY keeps them readable meanwhile).
--
-- Columns and grouping keys are identical on both paths; only the bucket function differs
-- (time_bucket vs date_trunc, which agree for 1-minute buckets aligned to the epoch).

-- Whether `target` in this schema is a hypertable. plpgsql, not sql: a sql function body is checked
-- when created, and timescaledb_information does not exist on plain PostgreSQL.
CREATE FUNCTION bondtrack_is_hypertable(target text) RETURNS boolean LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT AS $$
BEGIN
  IF to_regclass('timescaledb_information.hypertables') IS NULL THEN
    RETURN false;
  END IF;
  RETURN EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                 WHERE hypertable_schema = current_schema() AND hypertable_name = target);
END
$$;

DO $$
DECLARE
  ts boolean := bondtrack_is_hypertable('observations');
  rollup record;
BEGIN
  FOR rollup IN
    SELECT * FROM (VALUES
      -- Reads per reader and antenna: observations are dedup windows, `count` the raw reads in each.
      ('reader_reads_1m', 'first_seen',
       'site, reader_id, antenna',
       'count(*) AS observations, sum(count)::bigint AS reads, count(DISTINCT epc) AS tags,
        max(max_rssi_dbm) AS max_rssi_dbm, avg(mean_rssi_dbm) AS mean_rssi_dbm',
       'observations', 'TRUE'),
      -- Zone occupancy: distinct pallets seen in each zone during the minute.
      ('zone_occupancy_1m', 'first_seen',
       'site, zone',
       'count(DISTINCT epc) AS pallets, sum(count)::bigint AS reads',
       'observations', 'zone IS NOT NULL'),
      -- Arrivals, moves, departures and gate crossings between zones.
      ('zone_transitions_1m', 'at',
       'site, kind, from_zone, to_zone, direction',
       'count(*) AS events, count(DISTINCT epc) AS pallets',
       'zone_events', 'TRUE'),
      ('alerts_1m', 'at',
       'site, kind, severity',
       'count(*) AS alerts',
       'alerts', 'TRUE')
    ) AS r(name, time_col, keys, aggs, source, filter)
  LOOP
    IF ts THEN
      EXECUTE format(
        'CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
           SELECT time_bucket(INTERVAL ''1 minute'', %I) AS bucket, %s, %s FROM %I WHERE %s
           GROUP BY bucket, %s WITH NO DATA',
        rollup.name, rollup.time_col, rollup.keys, rollup.aggs, rollup.source, rollup.filter, rollup.keys);
      -- Re-materialize the last 3 hours each minute: late and replayed rows land within that.
      PERFORM add_continuous_aggregate_policy(rollup.name::regclass,
        start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 minute',
        schedule_interval => INTERVAL '1 minute');
    ELSE
      EXECUTE format(
        'CREATE MATERIALIZED VIEW %I AS
           SELECT date_trunc(''minute'', %I) AS bucket, %s, %s FROM %I WHERE %s
           GROUP BY bucket, %s',
        rollup.name, rollup.time_col, rollup.keys, rollup.aggs, rollup.source, rollup.filter, rollup.keys);
      -- REFRESH … CONCURRENTLY needs a unique index over every row; keys may be NULL (from_zone).
      EXECUTE format('CREATE UNIQUE INDEX %I ON %I (bucket, %s) NULLS NOT DISTINCT',
        rollup.name || '_key', rollup.name, rollup.keys);
    END IF;
    -- Dashboards filter by site and time, newest first.
    EXECUTE format('CREATE INDEX %I ON %I (site, bucket DESC)', rollup.name || '_site_bucket_idx', rollup.name);
  END LOOP;
END
$$;

-- Bring the plain-PostgreSQL rollups up to date; returns how many it refreshed. On TimescaleDB it
-- returns 0: the policies refresh and real-time aggregation covers the rest (and
-- refresh_continuous_aggregate cannot be called from a function).
-- SECURITY DEFINER: refreshing a materialized view takes its owner, and the sink's writer role is not.
CREATE FUNCTION refresh_rollups() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
  name text;
  n integer := 0;
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    RETURN 0;
  END IF;
  FOREACH name IN ARRAY ARRAY['reader_reads_1m', 'zone_occupancy_1m', 'zone_transitions_1m', 'alerts_1m'] LOOP
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I', name);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
-- Functions are executable by PUBLIC by default; roles.ts grants them to the writer role only.
REVOKE EXECUTE ON FUNCTION refresh_rollups() FROM PUBLIC;
