import { SITE_VARIABLE, type DashboardSpec } from './dashboard-model.js';

/** Customs compliance (issue 6): unreleased exits, dwell against limits, unknown tags, reconciliation. */
export const customsCompliance: DashboardSpec = {
  uid: 'bondtrack-customs-compliance',
  title: 'Bondtrack · Customs compliance',
  description: 'What customs would ask about: exits without release, overstays, tags in no manifest.',
  from: 'now-24h',
  variables: [SITE_VARIABLE],
  panels: [
    {
      title: 'Unreleased exits',
      type: 'stat',
      w: 6,
      sql: `
SELECT count(*) AS exits
FROM alert_log
WHERE site = '$site' AND kind = 'UNRELEASED_EXIT' AND $__timeFilter(at)`,
    },
    {
      title: 'Unreleased exit log',
      type: 'table',
      w: 18,
      sql: `
SELECT at AS "time", epc, zone, details ->> 'declarationId' AS declaration_id
FROM alert_log
WHERE site = '$site' AND kind = 'UNRELEASED_EXIT' AND $__timeFilter(at)
ORDER BY at DESC`,
    },
    {
      title: 'Dwell against limits',
      type: 'table',
      description: 'Per zone: stays, p95 and longest dwell against the layout limit (dwell_stats).',
      sql: `
SELECT zone, stays, present, round(p95_dwell_s) AS p95_dwell_s, max_dwell_s, dwell_limit_s, over_limit
FROM dwell_stats
WHERE site = '$site'
ORDER BY zone`,
      unit: 's',
    },
    {
      title: 'Pallets closest to their dwell limit',
      type: 'table',
      sql: `
SELECT sscc, epc, zone, dwell_s, dwell_limit_s, round(100.0 * dwell_s / dwell_limit_s, 1) AS pct_of_limit
FROM pallet_positions
WHERE site = '$site' AND NOT departed AND dwell_limit_s IS NOT NULL
ORDER BY dwell_s::double precision / dwell_limit_s DESC
LIMIT 20`,
    },
    {
      title: 'Unknown tags',
      type: 'table',
      sql: `
SELECT at AS "time", epc, zone
FROM alert_log
WHERE site = '$site' AND kind = 'UNKNOWN_TAG' AND $__timeFilter(at)
ORDER BY at DESC`,
    },
    {
      title: 'Manifest reconciliation',
      type: 'piechart',
      sql: `
SELECT state, count(*) AS pallets
FROM manifest_reconciliation
WHERE site = '$site'
GROUP BY 1 ORDER BY 1`,
    },
    {
      title: 'Shortages and overages',
      type: 'table',
      w: 24,
      sql: `
SELECT state, sscc, epc, declaration_id, expected_at, first_position_at
FROM manifest_reconciliation
WHERE site = '$site' AND state <> 'RECEIVED'
ORDER BY state, expected_at`,
    },
  ],
};
