-- What the Grafana dashboards read (issue 6). The Grafana role is granted SELECT on these views and
-- the rollups only (roles.ts), never on the raw tables; a view reads its tables with its owner's
-- rights, so dashboards work without that access.

-- The site layout's zones and antennas, loaded by site-layout-tables.ts from the layout file, so
-- dashboards can show zone names and kinds, dwell limits and antennas that never read.
CREATE TABLE site_zones (
  site          text    NOT NULL,
  zone          text    NOT NULL,
  name          text    NOT NULL,
  kind          text    NOT NULL,
  bonded        boolean NOT NULL,
  sgln          text,
  -- customs.dwellLimitsSec of the layout; NULL: no limit.
  dwell_limit_s integer,
  PRIMARY KEY (site, zone)
);

CREATE TABLE site_antennas (
  site      text    NOT NULL,
  reader_id text    NOT NULL,
  antenna   integer NOT NULL,
  zone      text    NOT NULL,
  role      text    NOT NULL,
  PRIMARY KEY (site, reader_id, antenna)
);

-- Each pallet now: where, since when, its customs status and how long it has dwelt against the limit.
CREATE VIEW pallet_positions AS
SELECT p.site,
       p.epc,
       m.sscc,
       p.zone,
       z.name AS zone_name,
       z.kind AS zone_kind,
       z.bonded,
       p.departed,
       p.since,
       p.last_seen,
       p.last_event_kind,
       c.status AS customs_status,
       COALESCE(c.declaration_id, m.declaration_id) AS declaration_id,
       (m.epc IS NOT NULL) AS in_manifest,
       extract(epoch FROM now() - p.since)::bigint AS dwell_s,
       z.dwell_limit_s
FROM positions p
LEFT JOIN pallets m ON m.site = p.site AND m.epc = p.epc
LEFT JOIN customs_current c ON c.site = p.site AND c.epc = p.epc
LEFT JOIN site_zones z ON z.site = p.site AND z.zone = p.zone;

-- Zone events with the pallet's SSCC, for the trace and the overview.
CREATE VIEW pallet_events AS
SELECT e.id, e.site, e.epc, m.sscc, e.kind, e.from_zone, e.to_zone, e.direction, e.at, e.confidence,
       cardinality(e.evidence) AS evidence_count
FROM zone_events e
LEFT JOIN pallets m ON m.site = e.site AND m.epc = e.epc;

-- The observations that decided each event (the "evidence behind each move").
CREATE VIEW event_evidence AS
SELECT e.id AS event_id, e.site, e.epc, e.kind, e.at AS event_at,
       o.reader_id, o.antenna, o.zone, o.first_seen, o.last_seen, o.count AS reads, o.max_rssi_dbm
FROM zone_events e
CROSS JOIN LATERAL unnest(e.evidence) AS ev(observation_id)
JOIN observations o ON o.id = ev.observation_id;

-- Stays: a pallet entered `zone` at `entered_at` and left at the next event (NULL: still there).
-- Dwell needs consecutive events paired (a window function), which continuous aggregates do not
-- allow, so this is a plain view; zone events are sparse (a few per pallet), so it stays cheap.
CREATE VIEW zone_stays AS
SELECT site, epc, zone, entered_at, left_at,
       extract(epoch FROM COALESCE(left_at, now()) - entered_at)::bigint AS dwell_s
FROM (
  SELECT site, epc, to_zone AS zone, at AS entered_at,
         lead(at) OVER (PARTITION BY site, epc ORDER BY at, id) AS left_at
  FROM zone_events
  WHERE kind IN ('ARRIVED', 'MOVED', 'DEPARTED')
) s
WHERE zone IS NOT NULL;

-- Dwell statistics per zone, against the zone's limit.
CREATE VIEW dwell_stats AS
SELECT s.site, s.zone, z.dwell_limit_s,
       count(*) AS stays,
       count(*) FILTER (WHERE s.left_at IS NULL) AS present,
       avg(s.dwell_s)::double precision AS mean_dwell_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.dwell_s) AS p50_dwell_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY s.dwell_s) AS p95_dwell_s,
       max(s.dwell_s) AS max_dwell_s,
       count(*) FILTER (WHERE s.dwell_s > z.dwell_limit_s) AS over_limit
FROM zone_stays s
LEFT JOIN site_zones z ON z.site = s.site AND z.zone = s.zone
GROUP BY s.site, s.zone, z.dwell_limit_s;

CREATE VIEW alert_log AS
SELECT id, site, kind, severity, epc, zone, reader_id, at, details FROM alerts;

-- Dead letters without their payloads (which may hold anything a reader sent).
CREATE VIEW dead_letter_log AS
SELECT id, stage, code, reason, site, reader_id, at, payload_chars FROM dead_letters;

-- Manifest against what was seen: SHORTAGE (expected, due, never seen), OVERAGE (seen, not in the
-- manifest), or RECEIVED.
CREATE VIEW manifest_reconciliation AS
SELECT COALESCE(m.site, p.site) AS site,
       COALESCE(m.epc, p.epc) AS epc,
       m.sscc,
       m.declaration_id,
       m.expected_at,
       p.since AS first_position_at,
       CASE WHEN m.epc IS NULL THEN 'OVERAGE'
            WHEN p.epc IS NULL THEN 'SHORTAGE'
            ELSE 'RECEIVED' END AS state
FROM pallets m
FULL JOIN positions p ON p.site = m.site AND p.epc = m.epc
WHERE m.epc IS NULL OR p.epc IS NOT NULL OR m.expected_at IS NULL OR m.expected_at < now();

-- Each configured antenna with the last minute it read anything (NULL: never within the rollup).
CREATE VIEW antenna_activity AS
SELECT a.site, a.reader_id, a.antenna, a.zone, a.role,
       r.last_read_minute,
       COALESCE(r.reads_1h, 0) AS reads_1h
FROM site_antennas a
LEFT JOIN LATERAL (
  SELECT max(bucket) AS last_read_minute,
         sum(reads) FILTER (WHERE bucket > now() - INTERVAL '1 hour') AS reads_1h
  FROM reader_reads_1m x
  WHERE x.site = a.site AND x.reader_id = a.reader_id AND x.antenna = a.antenna
) r ON true;
