import { SITE_VARIABLE, type DashboardSpec } from './dashboard-model.js';

// The picked pallet by SSCC or EPC; the variable lists SSCCs (EPCs for tags not in the manifest).
const PALLET_EPC = `(SELECT epc FROM pallet_positions WHERE site = '$site' AND (sscc = '$pallet' OR epc = '$pallet') LIMIT 1)`;

/** Pallet trace (issue 6): pick an SSCC or EPC; its zone timeline, events, customs status, evidence. */
export const palletTrace: DashboardSpec = {
  uid: 'bondtrack-pallet-trace',
  title: 'Bondtrack · Pallet trace',
  description: 'One pallet: where it has been, why we think so, and its customs status.',
  from: 'now-7d',
  variables: [
    SITE_VARIABLE,
    {
      name: 'pallet',
      label: 'SSCC or EPC',
      sql: `SELECT coalesce(sscc, epc) FROM pallet_positions WHERE site = '$site' ORDER BY last_seen DESC LIMIT 500`,
    },
  ],
  panels: [
    {
      title: 'Zone timeline',
      type: 'state-timeline',
      w: 24,
      h: 6,
      sql: `
SELECT entered_at AS "time", zone
FROM zone_stays
WHERE site = '$site' AND epc = ${PALLET_EPC}
ORDER BY 1`,
    },
    {
      title: 'Customs status and position',
      type: 'table',
      sql: `
SELECT sscc, epc, customs_status, declaration_id, zone, departed, since, dwell_s, dwell_limit_s
FROM pallet_positions
WHERE site = '$site' AND epc = ${PALLET_EPC}`,
    },
    {
      title: 'Events',
      type: 'table',
      sql: `
SELECT at AS "time", kind, from_zone, to_zone, direction, confidence, evidence_count
FROM pallet_events
WHERE site = '$site' AND epc = ${PALLET_EPC}
ORDER BY at`,
    },
    {
      title: 'Evidence behind each move',
      type: 'table',
      w: 24,
      sql: `
SELECT event_at AS "time", kind, reader_id, antenna, zone, first_seen, reads, max_rssi_dbm
FROM event_evidence
WHERE site = '$site' AND epc = ${PALLET_EPC}
ORDER BY event_at, first_seen`,
    },
  ],
};
