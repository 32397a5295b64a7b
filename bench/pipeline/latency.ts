import * as hdr from 'hdr-histogram-js';
import type pg from 'pg';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Milliseconds, 1 ms to 1 h, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function percentilesOf(h: hdr.Histogram): Percentiles {
  return {
    p50: h.getValueAtPercentile(50),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    max: h.maxValue,
  };
}
/** The run's stored zone events, each with the database's time of its insert. */
export interface StoredEvents {
  /** Event id → event time (µs) and wall ms when stored (`zone_events.stored_at`). */
  stored: Map<string, { atUs: number; storedMs: number }>;
  /** First evidence → stored, ms: `stored_at` minus the event's `at_us`. */
  firstEvidenceToStored: Percentiles & { events: number };
  /** Stored events without `stored_at` (written by a sink from before migration 0007): left out. */
  withoutStoredTime: number;
}

/**
 * Zone events as stored, read once after the run: the sink stamps each with the database's clock
 * at its insert (`stored_at`, migration 0007), so nothing polls the database under test while the
 * load runs (the poll every 100 ms it replaced added up to 100 ms to every figure and read
 * thousands of rows a second). The first-evidence histogram runs from the event's `at_us` (the
 * reader time of the first read of its evidence, so it includes locate's wait for more evidence);
 * the headline, from the deciding read, is computed from `stored` (deciding-read.ts).
 */
export async function readStoredEvents(
  pool: pg.Pool,
  schema: string,
  site: string,
  sinceUs: number,
): Promise<StoredEvents> {
  const { rows } = await pool.query<{ id: string; at_us: string; stored_ms: string | null }>(
    `SELECT id, at_us, (extract(epoch FROM stored_at) * 1000)::bigint AS stored_ms
       FROM ${quoteIdent(schema)}.zone_events WHERE site = $1 AND at_us >= $2`,
    [site, sinceUs],
  );
  const histogram = newHistogram();
  const stored = new Map<string, { atUs: number; storedMs: number }>();
  let withoutStoredTime = 0;
  for (const row of rows) {
    if (row.stored_ms === null) {
      withoutStoredTime++;
      continue;
    }
    const atUs = Number(row.at_us);
    const storedMs = Number(row.stored_ms);
    stored.set(row.id, { atUs, storedMs });
    histogram.recordValue(Math.max(1, Math.round(storedMs - atUs / 1000)));
  }
  return {
    stored,
    firstEvidenceToStored: { ...percentilesOf(histogram), events: stored.size },
    withoutStoredTime,
  };
}
