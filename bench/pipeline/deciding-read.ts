import { newHistogram, percentilesOf, type Percentiles } from './latency.js';

/** A zone event as locate produced it: when (the record's CreateTime) and from which observations. */
export interface ProducedEvent {
  producedMs: number;
  evidence: readonly string[];
}

/** One record of an evidence observation on the observations topic. */
export interface EvidenceRecord {
  /** CreateTime: when dedup produced this record. */
  producedMs: number;
  lastSeenUs: number;
}

/**
 * The observation ids the events name as evidence: the only observations the latency needs, so the
 * re-consume of the observations topic keeps events × evidence records, not every observation.
 */
export function evidenceIds(events: Iterable<ProducedEvent>): Set<string> {
  const ids = new Set<string>();
  for (const e of events) for (const id of e.evidence) ids.add(id);
  return ids;
}

/**
 * Reader time (µs) of the deciding read: the newest read locate had for the event, i.e. the largest
 * `lastSeenUs` over the records of its evidence ids that dedup produced no later than locate produced
 * the event. A tag's first read and its window's summary share an id, and the summary may come after
 * the event: it was not what locate decided on. Undefined when no such record is known.
 */
export function decidingReadUs(
  event: ProducedEvent,
  recordsById: ReadonlyMap<string, readonly EvidenceRecord[]>,
): number | undefined {
  return decidingRecord(event, recordsById)?.lastSeenUs;
}

/** The evidence record holding the deciding read (the first such record produced, on a tie). */
export function decidingRecord(
  event: ProducedEvent,
  recordsById: ReadonlyMap<string, readonly EvidenceRecord[]>,
): EvidenceRecord | undefined {
  let newest: EvidenceRecord | undefined;
  for (const id of event.evidence)
    for (const r of recordsById.get(id) ?? [])
      if (
        r.producedMs <= event.producedMs &&
        (newest === undefined ||
          r.lastSeenUs > newest.lastSeenUs ||
          (r.lastSeenUs === newest.lastSeenUs && r.producedMs < newest.producedMs))
      )
        newest = r;
  return newest;
}

/** Reader-clock span (ms) the headline latency is taken over: the steady part of the load. */
export interface SteadyWindow {
  fromMs: number;
  toMs: number;
}

/** A latency cut along the decision's path (see `SystemLatency.split`). */
export interface LatencySplit {
  decide: Percentiles;
  store: Percentiles;
  observe: Percentiles;
  locate: Percentiles;
}

/** Histograms of the four legs of `LatencySplit`, filled event by event. */
class SplitHistograms {
  private readonly decide = newHistogram();
  private readonly store = newHistogram();
  private readonly observe = newHistogram();
  private readonly locate = newHistogram();

  /** One event: its deciding read, the observation holding it, the event produced and stored (ms). */
  record(readMs: number, observedMs: number, producedMs: number, storedMs: number): void {
    this.decide.recordValue(Math.max(1, Math.round(producedMs - readMs)));
    this.store.recordValue(Math.max(1, Math.round(storedMs - producedMs)));
    this.observe.recordValue(Math.max(1, Math.round(observedMs - readMs)));
    this.locate.recordValue(Math.max(1, Math.round(producedMs - observedMs)));
  }

  percentiles(): LatencySplit {
    return {
      decide: percentilesOf(this.decide),
      store: percentilesOf(this.store),
      observe: percentilesOf(this.observe),
      locate: percentilesOf(this.locate),
    };
  }
}

export interface SystemLatency {
  /**
   * Deciding read → zone event stored (the headline `latencyMs`), over the events whose deciding read
   * falls in the steady window (all of them without one), however late they were stored.
   */
  latency: Percentiles & { events: number };
  /** The same over every stored event: start-up (every pallet arriving at once) and drain included. */
  wholeRun: Percentiles & { events: number };
  /**
   * Over the same events as `latency`: deciding read → produced by locate (`decide`), produced →
   * stored (`store`); `decide` in turn
   * as deciding read → the observation holding it produced by dedup (`observe`: the reader's batch,
   * MQTT, bridge, Kafka, dedup) and that observation → the event produced (`locate`).
   */
  split: LatencySplit;
  /** The same split over every stored event (`wholeRun`): where the start-up burst's time goes. */
  wholeRunSplit: LatencySplit;
  /** Stored events left out: not read back from the events topic, or no evidence record found. */
  eventsWithoutDecidingRead: number;
}

/**
 * The system latency of every stored event, from the read that decided it: dedup's windows,
 * locate's processing and the sink, but not the evidence rule's wait for more reads (the accuracy
 * command scores that as detection delay against ground truth). With a `steady` window, the headline
 * and its split keep the events decided on reads of that window: the bench's steady half of the load,
 * the window its throughput is taken over. Before it, every pallet of the site arrives at once (one
 * ARRIVED event each within the first seconds, against ~20 moves a second after) while the stages
 * are still cold; that burst is kept in `wholeRun`.
 */
export function systemLatency(
  stored: ReadonlyMap<string, { storedMs: number }>,
  produced: ReadonlyMap<string, ProducedEvent>,
  recordsById: ReadonlyMap<string, readonly EvidenceRecord[]>,
  steady?: SteadyWindow,
): SystemLatency {
  const whole = newHistogram();
  const total = newHistogram();
  const split = new SplitHistograms();
  const wholeRunSplit = new SplitHistograms();
  let missing = 0;
  for (const [id, { storedMs }] of stored) {
    const event = produced.get(id);
    const record = event && decidingRecord(event, recordsById);
    if (event === undefined || record === undefined) {
      missing++;
      continue;
    }
    const readMs = record.lastSeenUs / 1000;
    whole.recordValue(Math.max(1, Math.round(storedMs - readMs)));
    wholeRunSplit.record(readMs, record.producedMs, event.producedMs, storedMs);
    if (steady && (readMs < steady.fromMs || readMs >= steady.toMs)) continue;
    total.recordValue(Math.max(1, Math.round(storedMs - readMs)));
    split.record(readMs, record.producedMs, event.producedMs, storedMs);
  }
  return {
    latency: { ...percentilesOf(total), events: Number(total.totalCount) },
    wholeRun: { ...percentilesOf(whole), events: Number(whole.totalCount) },
    split: split.percentiles(),
    wholeRunSplit: wholeRunSplit.percentiles(),
    eventsWithoutDecidingRead: missing,
  };
}
