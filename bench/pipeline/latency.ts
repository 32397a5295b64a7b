import * as hdr from 'hdr-histogram-js';
import type pg from 'pg';
import { quoteIdent } from '../../pipeline/sink/sql-identifier.js';
import { toError } from './to-error.js';

const POLL_MS = 100;

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
/** Events stored later than this after their event time would be missed by the poll's window. */
const LOOKBACK_US = 120_000_000;

/**
 * Read → stored zone event latency, measured from outside the pipeline without touching the schema:
 * poll `zone_events` for ids not seen before and record, for each, the wall time it first appeared
 * minus its event time (`at_us`, the reader time of the read that decided it). The poll interval
 * adds up to 100 ms, so the figures are an upper bound by that much.
 */
export class ZoneEventLatency {
  readonly histogram = newHistogram();
  /** Event id → [event time µs, wall ms when first seen stored]. */
  private readonly seen = new Map<string, [number, number]>();
  private newestUs = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly site: string,
    private readonly sinceUs: number,
  ) {}

  get events(): number {
    return this.seen.size;
  }

  start(): void {
    const tick = () => {
      this.polling = this.poll().then(
        () => {
          if (this.timer) this.timer = setTimeout(tick, POLL_MS);
        },
        (err: unknown) => {
          this.failure = toError(err);
        },
      );
    };
    this.timer = setTimeout(tick, POLL_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.poll();
    if (this.failure) throw this.failure;
  }

  percentiles(): Percentiles {
    return percentilesOf(this.histogram);
  }

  /**
   * Split each stored event's latency at the moment locate produced it (the Kafka record's
   * CreateTime on the events topic): `decide` is read → produced (dedup windows and locate's
   * evidence rule), `store` is produced → stored (the sink, plus up to one poll).
   */
  split(producedMsById: ReadonlyMap<string, number>): { decide: Percentiles; store: Percentiles } {
    const decide = newHistogram();
    const store = newHistogram();
    for (const [id, [atUs, storedMs]] of this.seen) {
      const producedMs = producedMsById.get(id);
      if (producedMs === undefined) continue;
      decide.recordValue(Math.max(1, Math.round(producedMs - atUs / 1000)));
      store.recordValue(Math.max(1, Math.round(storedMs - producedMs)));
    }
    return { decide: percentilesOf(decide), store: percentilesOf(store) };
  }

  private async poll(): Promise<void> {
    const from = Math.max(this.sinceUs, this.newestUs - LOOKBACK_US);
    const { rows } = await this.pool.query<{ id: string; at_us: string }>(
      `SELECT id, at_us FROM ${quoteIdent(this.schema)}.zone_events WHERE site = $1 AND at_us >= $2`,
      [this.site, from],
    );
    const nowUs = Date.now() * 1000;
    for (const row of rows) {
      if (this.seen.has(row.id)) continue;
      const atUs = Number(row.at_us);
      this.seen.set(row.id, [atUs, nowUs / 1000]);
      if (atUs > this.newestUs) this.newestUs = atUs;
      this.histogram.recordValue(Math.max(1, Math.round((nowUs - atUs) / 1000)));
    }
  }
}
