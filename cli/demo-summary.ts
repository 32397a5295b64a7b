import type { Pool } from 'pg';

export interface SummaryInput {
  elapsedSec: number;
  readsPerSec: number;
  readsTotal: number;
  /** Zone id → pallets there according to the simulator (the ground truth). */
  truth: Record<string, string[]>;
  zones: ReadonlyArray<{ id: string; kind: string }>;
}

export interface StoredCounts {
  byZone: Map<string, number>;
  events: number;
  alerts: Array<{ kind: string; count: number }>;
}

/** What the database says now: pallets per zone (current positions), events, alerts by kind. */
export async function queryStoredCounts(pool: Pool): Promise<StoredCounts> {
  const zones = await pool.query<{ zone: string; n: string }>(
    `SELECT zone, count(*) AS n FROM positions WHERE zone IS NOT NULL GROUP BY zone`,
  );
  const events = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM zone_events`);
  const alerts = await pool.query<{ kind: string; n: string }>(
    `SELECT kind, count(*) AS n FROM alerts GROUP BY kind ORDER BY kind`,
  );
  return {
    byZone: new Map(zones.rows.map((r) => [r.zone, Number(r.n)])),
    events: Number(events.rows[0]?.n ?? 0),
    alerts: alerts.rows.map((r) => ({ kind: r.kind, count: Number(r.n) })),
  };
}

/** The live summary as text: one row per zone, tracked (database) next to true (simulator). */
export function renderSummary(input: SummaryInput, stored: StoredCounts | undefined): string {
  const lines: string[] = [];
  lines.push(
    `Bondtrack demo — ${Math.floor(input.elapsedSec)} s   reads/s ${Math.round(input.readsPerSec)}   reads ${input.readsTotal}`,
  );
  lines.push('');
  lines.push(`${'zone'.padEnd(14)}${'kind'.padEnd(12)}${'tracked'.padStart(8)}${'true'.padStart(8)}`);
  for (const zone of input.zones) {
    const tracked = stored?.byZone.get(zone.id) ?? 0;
    const truth = input.truth[zone.id]?.length ?? 0;
    lines.push(
      `${zone.id.padEnd(14)}${zone.kind.padEnd(12)}${String(tracked).padStart(8)}${String(truth).padStart(8)}`,
    );
  }
  lines.push('');
  lines.push(`zone events stored: ${stored?.events ?? 0}`);
  const alerts = stored?.alerts ?? [];
  lines.push(
    `alerts: ${alerts.length === 0 ? 'none' : alerts.map((a) => `${a.kind} ${a.count}`).join(', ')}`,
  );
  return lines.join('\n');
}
