import type { Clock } from '../../runtime/clock.js';

/**
 * How far a stage's input is known to have been fetched, on the stage's own clock: the start of the
 * latest fetch that returned and whose batches were all handled, the oldest over the brokers the
 * consumer fetches from. A partition with nothing handled since then had nothing to fetch then.
 *
 * Why: "no batch for 5 s" cannot tell a quiet input from a broker that is away. While Kafka was
 * down (the fault suite's outage, 18 s), every partition looked silent and dedup's idle flush
 * closed their windows; the reads fetched after the outage then became late reads, other
 * observations than a replay of the same input gives. With this, a partition is silent only for as
 * long as fetches say so.
 *
 * Fed by the stage runner from kafkajs's consumer events: `started` at FETCH_START, `returned` at
 * FETCH, `reset` at every group join. kafkajs fetches from a broker again only once every batch of
 * its previous fetch has been handled (consumer/fetcher.js), so a fetch start confirms the previous
 * fetch of that broker, if it returned; a fetch that failed emits no FETCH and confirms nothing.
 */
export class FetchProgress {
  /** Per broker: start of the fetch in flight. */
  private readonly inFlight = new Map<number, number>();
  /** Per broker: start of the fetch that returned, its batches being handled. */
  private readonly handling = new Map<number, number>();
  /** Per broker: start of the latest fetch returned and handled. */
  private readonly confirmed = new Map<number, number>();
  /** The brokers fetched from since the last reset. */
  private readonly brokers = new Set<number>();
  private fed = false;

  constructor(private readonly clock: Clock) {}

  started(broker: number): void {
    this.fed = true;
    this.brokers.add(broker);
    const returned = this.handling.get(broker);
    if (returned !== undefined) this.confirmed.set(broker, returned);
    this.handling.delete(broker);
    this.inFlight.set(broker, this.clock.nowUs());
  }

  returned(broker: number): void {
    const startedUs = this.inFlight.get(broker);
    if (startedUs === undefined) return;
    this.inFlight.delete(broker);
    this.handling.set(broker, startedUs);
  }

  /** The group changed (assignment, brokers fetched from): nothing is confirmed until fetched again. */
  reset(): void {
    this.fed = true;
    this.inFlight.clear();
    this.handling.clear();
    this.confirmed.clear();
    this.brokers.clear();
  }

  /**
   * Processing time up to which the input is known fetched: -Infinity while a broker fetched from
   * has no handled fetch yet (or none is known since the last reset); undefined when nothing feeds
   * this (a stage driven without a consumer, as in unit tests), so callers keep their old rule.
   */
  fetchedUpToUs(): number | undefined {
    if (!this.fed) return undefined;
    let min = Number.POSITIVE_INFINITY;
    for (const broker of this.brokers)
      min = Math.min(min, this.confirmed.get(broker) ?? Number.NEGATIVE_INFINITY);
    return min === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : min;
  }
}
