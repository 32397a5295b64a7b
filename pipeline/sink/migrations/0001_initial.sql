-- Bondtrack storage, first version.
--
-- migrate.ts runs this file in one transaction with `search_path` set to the target schema (then
-- public), so names here are unqualified and the file works for any schema.
--
-- Two paths, same names: where TimescaleDB can be installed (PGlite build, a real TimescaleDB) the
-- time-series tables become hypertables; on plain PostgreSQL they stay plain tables. Every table,
-- index and view below exists on both, so queries and dashboards never branch.
--
-- Times: each event time is stored twice, as timestamptz for SQL and Grafana, and as the exact
-- microseconds of the contract (bigint `…_us`), because timestamptz arithmetic from doubles can be
-- off by a microsecond and ids, ordering and tests need the exact value.
--
-- Idempotency: rows carry deterministic ids (derived from the input) and the writer inserts with
-- ON CONFLICT DO NOTHING. TimescaleDB requires the partitioning column in every unique index, so the
-- keys are (id, time); an id determines its time, so (id, time) is as unique as id alone.
-- Kinds and states are plain text without CHECK constraints: contracts add values (Alert kinds end
-- in "…"), and a CHECK would turn a new value into a poisoned batch.

-- TimescaleDB when this server has it. Installed into public: an extension created in our schema
-- would be dropped with it, and every Bondtrack schema in the database shares the one extension.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION timescaledb SCHEMA public;
    EXCEPTION WHEN others THEN
      -- Not installed, not preloaded, or not allowed: plain PostgreSQL tables it is.
      RAISE NOTICE 'TimescaleDB not available (%), using plain tables', SQLERRM;
    END;
  END IF;
END
$$;

-- One row per dedup window: the repeated reads of one tag at one antenna.
CREATE TABLE observations (
  id            text             NOT NULL,
  site          text             NOT NULL,
  epc           text             NOT NULL,
  reader_id     text             NOT NULL,
  antenna       integer          NOT NULL,
  zone          text,
  first_seen    timestamptz      NOT NULL,
  last_seen     timestamptz      NOT NULL,
  first_seen_us bigint           NOT NULL,
  last_seen_us  bigint           NOT NULL,
  count         integer          NOT NULL,
  max_rssi_dbm  double precision,
  mean_rssi_dbm double precision,
  PRIMARY KEY (id, first_seen)
);
CREATE INDEX observations_first_seen_idx ON observations (first_seen DESC);
CREATE INDEX observations_site_epc_idx ON observations (site, epc, first_seen DESC);
CREATE INDEX observations_site_reader_idx ON observations (site, reader_id, first_seen DESC);

-- What locate decided: a pallet arrived, moved, departed or crossed a gate.
CREATE TABLE zone_events (
  id         text             NOT NULL,
  site       text             NOT NULL,
  epc        text             NOT NULL,
  kind       text             NOT NULL,
  from_zone  text,
  to_zone    text,
  direction  text,
  at         timestamptz      NOT NULL,
  at_us      bigint           NOT NULL,
  confidence double precision NOT NULL,
  evidence   text[]           NOT NULL DEFAULT '{}',
  PRIMARY KEY (id, at)
);
CREATE INDEX zone_events_at_idx ON zone_events (at DESC);
CREATE INDEX zone_events_site_epc_idx ON zone_events (site, epc, at DESC);
CREATE INDEX zone_events_site_to_zone_idx ON zone_events (site, to_zone, at DESC);

CREATE TABLE alerts (
  id        text        NOT NULL,
  site      text        NOT NULL,
  kind      text        NOT NULL,
  severity  text        NOT NULL,
  epc       text,
  zone      text,
  reader_id text,
  at        timestamptz NOT NULL,
  at_us     bigint      NOT NULL,
  details   jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (id, at)
);
CREATE INDEX alerts_at_idx ON alerts (at DESC);
CREATE INDEX alerts_site_kind_idx ON alerts (site, kind, at DESC);
CREATE INDEX alerts_site_epc_idx ON alerts (site, epc, at DESC);

-- Where each pallet is now. Decided by its latest ARRIVED/MOVED/DEPARTED event in event time
-- (ties broken by event id), so replayed or reordered events leave the same row; see writer.ts.
CREATE TABLE positions (
  site            text        NOT NULL,
  epc             text        NOT NULL,
  -- NULL once the pallet departed.
  zone            text,
  -- The zone it came from (MOVED) or left (DEPARTED).
  from_zone       text,
  departed        boolean     NOT NULL DEFAULT false,
  -- Event time of the event that put it in `zone` (or took it out of the site).
  since           timestamptz NOT NULL,
  since_us        bigint      NOT NULL,
  -- Latest event time of any zone event of the pallet, gate crossings included.
  last_seen       timestamptz NOT NULL,
  last_seen_us    bigint      NOT NULL,
  last_event_id   text        NOT NULL,
  last_event_kind text        NOT NULL,
  PRIMARY KEY (site, epc)
);
CREATE INDEX positions_site_zone_idx ON positions (site, zone) WHERE zone IS NOT NULL;

-- Reader health history (MQTT status messages, retained, with an "offline" last will).
CREATE TABLE reader_status (
  site      text        NOT NULL,
  reader_id text        NOT NULL,
  state     text        NOT NULL,
  at        timestamptz NOT NULL,
  at_us     bigint      NOT NULL,
  detail    text,
  PRIMARY KEY (site, reader_id, at, state)
);
CREATE INDEX reader_status_at_idx ON reader_status (at DESC);

CREATE VIEW readers_current AS
SELECT DISTINCT ON (site, reader_id) site, reader_id, state, at, at_us, detail
FROM reader_status
ORDER BY site, reader_id, at DESC, state;

-- Bad input as the pipeline refused it, for the dead-letter rate and for operators. The payload is
-- cut at 64 KiB (payload_chars keeps the original length); the dead-letter topic has all of it.
CREATE TABLE dead_letters (
  id               text        NOT NULL,
  stage            text        NOT NULL,
  code             text        NOT NULL,
  reason           text        NOT NULL,
  site             text,
  reader_id        text,
  at               timestamptz NOT NULL,
  at_us            bigint      NOT NULL,
  payload          text        NOT NULL,
  payload_encoding text        NOT NULL,
  payload_chars    integer     NOT NULL,
  PRIMARY KEY (id, at)
);
CREATE INDEX dead_letters_at_idx ON dead_letters (at DESC);
CREATE INDEX dead_letters_stage_code_idx ON dead_letters (stage, code, at DESC);

-- The manifest: pallets the site expects.
CREATE TABLE pallets (
  site           text NOT NULL,
  epc            text NOT NULL,
  sscc           text NOT NULL,
  declaration_id text,
  description    text NOT NULL DEFAULT '',
  consignee      text NOT NULL DEFAULT '',
  expected_at    timestamptz,
  expected_at_us bigint,
  PRIMARY KEY (site, epc)
);
CREATE INDEX pallets_site_sscc_idx ON pallets (site, sscc);

-- Customs status changes, keyed by EPC or SSCC as customs sent them.
CREATE TABLE customs_status (
  id             text        PRIMARY KEY,
  site           text        NOT NULL,
  epc            text,
  sscc           text,
  declaration_id text        NOT NULL,
  status         text        NOT NULL,
  at             timestamptz NOT NULL,
  at_us          bigint      NOT NULL,
  note           text,
  CHECK (epc IS NOT NULL OR sscc IS NOT NULL)
);
CREATE INDEX customs_status_site_epc_idx ON customs_status (site, epc, at_us DESC);
CREATE INDEX customs_status_site_sscc_idx ON customs_status (site, sscc, at_us DESC);

-- The latest customs status of each pallet. SSCC-keyed changes are resolved to the EPC through the
-- manifest when the view is read, so a manifest loaded after the status still matches.
CREATE VIEW customs_current AS
SELECT DISTINCT ON (c.site, COALESCE(c.epc, p.epc, 'sscc:' || c.sscc))
       c.site,
       COALESCE(c.epc, p.epc) AS epc,
       COALESCE(c.sscc, p.sscc) AS sscc,
       c.declaration_id,
       c.status,
       c.at,
       c.at_us,
       c.note
FROM customs_status c
LEFT JOIN pallets p
  ON p.site = c.site AND ((c.epc IS NOT NULL AND p.epc = c.epc) OR (c.epc IS NULL AND p.sscc = c.sscc))
ORDER BY c.site, COALESCE(c.epc, p.epc, 'sscc:' || c.sscc), c.at_us DESC, c.id DESC;

-- Hypertables on the TimescaleDB path. Default indexes off: the indexes above are the same on both
-- paths. Chunk sizes: observations are the bulk (thousands per minute at a busy site), the rest are
-- sparse.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('observations', by_range('first_seen', INTERVAL '1 day'),
                              create_default_indexes => false, if_not_exists => true);
    PERFORM create_hypertable('zone_events', by_range('at', INTERVAL '7 days'),
                              create_default_indexes => false, if_not_exists => true);
    PERFORM create_hypertable('alerts', by_range('at', INTERVAL '7 days'),
                              create_default_indexes => false, if_not_exists => true);
    PERFORM create_hypertable('reader_status', by_range('at', INTERVAL '7 days'),
                              create_default_indexes => false, if_not_exists => true);
  END IF;
END
$$;
