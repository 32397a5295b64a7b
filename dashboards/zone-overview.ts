import { SITE_VARIABLE, type DashboardSpec } from './dashboard-model.js';

/** Bonded-zone overview (issue 6): occupancy, flows, alerts, unreleased pallets near the exit, readers. */
export const zoneOverview: DashboardSpec = {
  uid: 'bondtrack-zone-overview',
  title: 'Bondtrack · Bonded-zone overview',
  description: 'Where the pallets are, what moved, what is wrong right now.',
  variables: [SITE_VARIABLE],
  panels: [
    {
      title: 'Occupancy per zone',
      type: 'timeseries',
      description: 'Distinct pallets seen in each zone per interval (zone_occupancy_1m).',
      sql: `
SELECT $__timeGroupAlias(bucket, $__interval), zone AS metric, max(pallets) AS pallets
FROM zone_occupancy_1m
WHERE site = '$site' AND $__timeFilter(bucket)
GROUP BY 1, 2 ORDER BY 1`,
    },
    {
      title: 'Pallets per zone now',
      type: 'bargauge',
      sql: `
SELECT coalesce(zone_name, zone) AS zone, count(*) AS pallets
FROM pallet_positions
WHERE site = '$site' AND NOT departed
GROUP BY 1 ORDER BY 1`,
    },
    {
      title: 'Arrivals and departures',
      type: 'timeseries',
      sql: `
SELECT $__timeGroupAlias(bucket, $__interval),
       coalesce(sum(events) FILTER (WHERE kind = 'ARRIVED'), 0) AS arrivals,
       coalesce(sum(events) FILTER (WHERE kind = 'DEPARTED'), 0) AS departures
FROM zone_transitions_1m
WHERE site = '$site' AND $__timeFilter(bucket)
GROUP BY 1 ORDER BY 1`,
    },
    {
      title: 'Active alerts',
      type: 'table',
      sql: `
SELECT at AS "time", severity, kind, epc, zone, reader_id
FROM alert_log
WHERE site = '$site' AND $__timeFilter(at)
ORDER BY at DESC LIMIT 200`,
    },
    {
      title: 'Pallets near the exit without release',
      type: 'table',
      description: 'In staging or at a gate, not departed, customs status other than RELEASED.',
      sql: `
SELECT sscc, epc, zone, customs_status, declaration_id, since
FROM pallet_positions
WHERE site = '$site' AND NOT departed AND zone_kind IN ('STAGING', 'GATE')
  AND coalesce(customs_status, 'NONE') <> 'RELEASED'
ORDER BY since`,
    },
    {
      title: 'Readers up / down',
      type: 'stat',
      sql: `
SELECT count(*) FILTER (WHERE state = 'online') AS up, count(*) FILTER (WHERE state <> 'online') AS down
FROM readers_current
WHERE site = '$site'`,
    },
  ],
};
