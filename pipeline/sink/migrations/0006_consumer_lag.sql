-- Kafka consumer lag, sampled by the pipeline (issue 6, "Readers and pipeline" dashboard).
--
-- Lag lives in Kafka, which Grafana cannot query, so the process running the sink periodically asks
-- the brokers for each stage group's committed offsets and the topics' end offsets
-- (pipeline/runtime/consumer-lag.ts) and appends one row per group, topic and partition here
-- (pipeline/sink/consumer-lag-recorder.ts). Rows of one sample share `at`.
--
-- Same two storage paths as the other time series: a hypertable on TimescaleDB, native range
-- partitions (created ahead, dropped by apply_retention) on plain PostgreSQL.

CREATE TABLE consumer_lag (
  group_id         text        NOT NULL,
  topic            text        NOT NULL,
  partition        integer     NOT NULL,
  at               timestamptz NOT NULL,
  at_us            bigint      NOT NULL,
  -- The partition's high watermark: offset of the next record produced.
  end_offset       bigint      NOT NULL,
  -- Next offset the group will consume; NULL when the group has committed nothing there yet.
  committed_offset bigint,
  lag              bigint      NOT NULL,
  PRIMARY KEY (group_id, topic, partition, at)
);
CREATE INDEX consumer_lag_at_idx ON consumer_lag (at DESC);

INSERT INTO partition_plan VALUES ('consumer_lag', 'at', 'day', INTERVAL '7 days');

-- A sample every few seconds per partition adds up; lag history is only for recent troubleshooting.
INSERT INTO storage_policies (table_name, retain, compress_after, segment_by, time_column) VALUES
  ('consumer_lag', INTERVAL '30 days', INTERVAL '2 days', 'group_id, topic', 'at');

-- Follow the path the earlier migrations chose (observations tells which one it was).
DO $$
BEGIN
  IF bondtrack_is_hypertable('observations') THEN
    PERFORM create_hypertable('consumer_lag', by_range('at', INTERVAL '1 day'),
                              create_default_indexes => false, if_not_exists => true);
  ELSE
    -- As in 0005: the partitioned parent takes the key and indexes of the table above (empty here).
    ALTER TABLE consumer_lag RENAME TO consumer_lag_unpartitioned;
    CREATE TABLE consumer_lag (LIKE consumer_lag_unpartitioned INCLUDING ALL) PARTITION BY RANGE (at);
    DROP TABLE consumer_lag_unpartitioned;
    CREATE TABLE consumer_lag_default PARTITION OF consumer_lag DEFAULT;
    PERFORM create_partitions('consumer_lag', now(), now() + INTERVAL '7 days');
  END IF;
END
$$;

SELECT install_storage_policy('consumer_lag');

-- What the Grafana role reads (roles.ts grants SELECT on it, not on the table).
CREATE VIEW consumer_lag_log AS
SELECT group_id, topic, partition, at, end_offset, committed_offset, lag
FROM consumer_lag;
