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
/**
 * The poll reads events no older than the newest one seen minus this, or twice the longest time an
 * event took to appear, if larger: when a stage falls behind, events are stored minutes after their
 * event time (p99 196 s in a 5-minute run at 100k reads/s), and a fixed window could miss one stored
 * out of order. `missed` counts any that were missed all the same.
 */
const MIN_LOOKBACK_US = 120_000_000;

/**
 * Zone events as they are stored, watched from outside the pipeline without touching the schema:
 * poll `zone_events` for ids not seen before and note, for each, the wall time it first appeared.
 * The histogram is first evidence → stored: that wall time minus the event's `at_us` (the reader
 * time of the first read of the evidence locate decided on, so it includes locate's wait for more
 * evidence). The headline latency, from the deciding read, is computed from `stored` after the run
 * (deciding-read.ts). The poll interval adds up to 100 ms, so both are upper bounds by that much.
 */
export class ZoneEventLatency {
  /** First evidence → stored, ms. */
  readonly histogram = newHistogram();
  /** Event id → event time (µs) and wall ms when first seen stored. */
  readonly stored = new Map<string, { atUs: number; storedMs: number }>();
  private newestUs = 0;
  private longestUs = 0;
  private missedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly site: string,
    private readonly sinceUs: number,
  ) {}

  get events(): number {
    return this.stored.size;
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

  /** Stop polling; one last poll, then a full read of the run's events counts any the window missed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopped = true;
    await this.polling;
    await this.poll();
    if (this.failure) throw this.failure;
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM ${quoteIdent(this.schema)}.zone_events WHERE site = $1 AND at_us >= $2`,
      [this.site, this.sinceUs],
    );
    this.missedEvents = rows.filter((r) => !this.stored.has(r.id)).length;
  }

  /** Stored events the poll never saw (their stored time is unknown): 0 unless the window fell short. */
  get missed(): number {
    return this.missedEvents;
  }

  percentiles(): Percentiles {
    return percentilesOf(this.histogram);
  }

  private async poll(): Promise<void> {
    const from = Math.max(this.sinceUs, this.newestUs - Math.max(MIN_LOOKBACK_US, 2 * this.longestUs));
    const { rows } = await this.pool.query<{ id: string; at_us: string }>(
      `SELECT id, at_us FROM ${quoteIdent(this.schema)}.zone_events WHERE site = $1 AND at_us >= $2`,
      [this.site, from],
    );
    const nowMs = Date.now();
    for (const row of rows) {
      if (this.stored.has(row.id)) continue;
      const atUs = Number(row.at_us);
      this.stored.set(row.id, { atUs, storedMs: nowMs });
      if (atUs > this.newestUs) this.newestUs = atUs;
      this.longestUs = Math.max(this.longestUs, nowMs * 1000 - atUs);
      this.histogram.recordValue(Math.max(1, Math.round(nowMs - atUs / 1000)));
    }
  }
}
