-- Native range partitioning of the time-series tables on plain PostgreSQL (issue 6); a no-op where
-- they are TimescaleDB hypertables (chunks do the same there).
--
-- Partitions are created ahead of time by create_partitions_ahead() (this migration runs it once; the
-- sink or cron should run it daily) and dropped whole by apply_retention() once past the horizon in
-- storage_policies. A DEFAULT partition takes rows outside every partition (replays of old data, far
-- future clocks), so an insert never fails for want of a partition.
--
-- Converting a table: rename it, create the partitioned table in its place, copy the rows, drop the
-- old one. Views and rollups over the tables must be dropped and recreated around that; their
-- definitions are read back from the catalog (pg_get_viewdef, pg_indexes) rather than repeated here.

CREATE TABLE partition_plan (
  table_name  text     PRIMARY KEY,
  time_column text     NOT NULL,
  -- One partition covers this much time, aligned to its start (date_trunc of step_unit).
  step_unit   text     NOT NULL CHECK (step_unit IN ('day', 'month')),
  -- How far ahead of now partitions exist.
  ahead       interval NOT NULL
);
INSERT INTO partition_plan VALUES
  ('observations',  'first_seen', 'day',   INTERVAL '7 days'),
  ('zone_events',   'at',         'month', INTERVAL '2 months'),
  ('alerts',        'at',         'month', INTERVAL '2 months'),
  ('reader_status', 'at',         'month', INTERVAL '2 months'),
  ('dead_letters',  'at',         'day',   INTERVAL '7 days');

-- Create the partitions of `target` covering [from_at, to_at); existing ones are kept. Returns how
-- many it created.
CREATE FUNCTION create_partitions(target text, from_at timestamptz, to_at timestamptz)
RETURNS integer LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  plan partition_plan;
  step interval;
  lower_at timestamptz;
  name text;
  n integer := 0;
BEGIN
  SELECT * INTO STRICT plan FROM partition_plan WHERE table_name = target;
  step := CASE plan.step_unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END;
  lower_at := date_trunc(plan.step_unit, from_at, 'UTC');
  WHILE lower_at < to_at LOOP
    name := target || '_p' || to_char(lower_at AT TIME ZONE 'UTC', CASE plan.step_unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass(quote_ident(name)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     name, target, lower_at, lower_at + step);
      n := n + 1;
    END IF;
    lower_at := lower_at + step;
  END LOOP;
  RETURN n;
END
$$;

-- Partitions from the current one up to `ahead` for every partitioned table; 0 on TimescaleDB.
-- SECURITY DEFINER (as apply_retention below): creating and dropping partitions takes the owner of
-- the table, and the sink's writer role is not; search_path is pinned, so callers cannot redirect it.
CREATE FUNCTION create_partitions_ahead() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
  plan partition_plan;
  n integer := 0;
BEGIN
  FOR plan IN SELECT * FROM partition_plan LOOP
    IF EXISTS (SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid
               WHERE c.oid = to_regclass(quote_ident(plan.table_name))) THEN
      n := n + create_partitions(plan.table_name, now(), now() + plan.ahead);
    END IF;
  END LOOP;
  RETURN n;
END
$$;

DO $$
DECLARE
  plan partition_plan;
  dependent record;
  saved jsonb := '[]';
  item jsonb;
  idx text;
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    RETURN;
  END IF;
  -- Every view and materialized view of this schema, in creation order, with its indexes.
  FOR dependent IN
    SELECT c.oid, c.relname, c.relkind, pg_get_viewdef(c.oid) AS def,
           COALESCE((SELECT jsonb_agg(i.indexdef) FROM pg_indexes i
                     WHERE i.schemaname = current_schema() AND i.tablename = c.relname), '[]') AS indexes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
    ORDER BY c.oid
  LOOP
    saved := saved || jsonb_build_object('name', dependent.relname, 'kind', dependent.relkind,
                                         'def', dependent.def, 'indexes', dependent.indexes);
  END LOOP;
  FOR item IN SELECT * FROM jsonb_array_elements(saved) LOOP
    EXECUTE format(CASE item->>'kind' WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I CASCADE'
                                      ELSE 'DROP VIEW IF EXISTS %I CASCADE' END, item->>'name');
  END LOOP;

  FOR plan IN SELECT * FROM partition_plan LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', plan.table_name, plan.table_name || '_unpartitioned');
    -- INCLUDING ALL copies the primary key and indexes onto the partitioned parent (each includes the
    -- partition column, as PostgreSQL requires of unique indexes there).
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL) PARTITION BY RANGE (%I)',
                   plan.table_name, plan.table_name || '_unpartitioned', plan.time_column);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', plan.table_name || '_default', plan.table_name);
    PERFORM create_partitions(plan.table_name, now(), now() + plan.ahead);
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', plan.table_name, plan.table_name || '_unpartitioned');
    EXECUTE format('DROP TABLE %I', plan.table_name || '_unpartitioned');
  END LOOP;

  FOR item IN SELECT * FROM jsonb_array_elements(saved) LOOP
    EXECUTE format(CASE item->>'kind' WHEN 'm' THEN 'CREATE MATERIALIZED VIEW %I AS %s'
                                      ELSE 'CREATE VIEW %I AS %s' END, item->>'name', item->>'def');
    FOR idx IN SELECT * FROM jsonb_array_elements_text(item->'indexes') LOOP
      EXECUTE idx;
    END LOOP;
  END LOOP;
END
$$;

-- Retention, now also by dropping whole partitions past the horizon (rows in the DEFAULT partition
-- and in the partition straddling the horizon still go by DELETE).
CREATE OR REPLACE FUNCTION apply_retention() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
  p storage_policies;
  part record;
  dropped bigint := 0;
  n bigint;
BEGIN
  FOR p IN SELECT * FROM storage_policies WHERE retain IS NOT NULL LOOP
    IF bondtrack_is_hypertable(p.table_name) THEN
      SELECT count(*) INTO n FROM drop_chunks(p.table_name::regclass, older_than => now() - p.retain);
      dropped := dropped + n;
      CONTINUE;
    END IF;
    FOR part IN
      SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass(quote_ident(p.table_name)) AND NOT c.relpartbound IS NULL
    LOOP
      -- "FOR VALUES FROM ('…') TO ('…')": drop when the upper bound is at or before the horizon.
      IF part.bound <> 'DEFAULT'
         AND substring(part.bound FROM 'TO \(''([^'']+)''\)')::timestamptz <= now() - p.retain THEN
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
      END IF;
    END LOOP;
    EXECUTE format('DELETE FROM %I WHERE %I < now() - $1', p.table_name, p.time_column) USING p.retain;
    GET DIAGNOSTICS n = ROW_COUNT;
    dropped := dropped + n;
  END LOOP;
  RETURN dropped;
END
$$;
REVOKE EXECUTE ON FUNCTION create_partitions(text, timestamptz, timestamptz), create_partitions_ahead(),
  apply_retention() FROM PUBLIC;
