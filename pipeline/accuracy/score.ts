import type { Alert, ZoneEvent } from '../../schemas/index.js';
import { agreeingTimeUs, buildPredictedIntervals } from './predicted-tracks.js';
import type { Crossing, Transition, TruthTracks } from './truth-tracks.js';

/** A locator's output with the (virtual) processing time at which it was emitted. */
export interface Emitted<T> {
  value: T;
  emittedAtUs: number;
}

export interface AccuracyScores {
  /** Share of pallet-time in non-gate zones during which the locator had the pallet in the right zone. */
  zoneTimeAccuracy: number;
  /** Share of emitted ARRIVED/MOVED events that match a true zone entry. */
  transitionPrecision: number;
  /** Share of true zone entries matched by an ARRIVED/MOVED event. */
  transitionRecall: number;
  /** Share of true gate crossings detected with the right direction (a missed crossing counts as wrong). */
  directionAccuracy: number;
  /** p95 of (emitted at − truly happened at) over matched transitions and crossings, ms. */
  detectionDelayP95Ms: number;
  /** Share of true unreleased exits that raised an UNRELEASED_EXIT alert. */
  unreleasedExitRecall: number;
  /** UNRELEASED_EXIT alerts that match no true unreleased exit. */
  falseUnreleasedExits: number;
  counts: {
    trueTransitions: number;
    emittedTransitions: number;
    trueCrossings: number;
    detectedCrossings: number;
    trueUnreleasedExits: number;
  };
}

export interface ScoreOptions {
  /** How far an event's time may be from the truth's and still match it. Default 5 s. */
  matchToleranceUs?: number;
  /** End of the scored run (event time). */
  endUs: number;
  /**
   * Transitions, crossings and alerts in the last stretch of the run are not scored: no locator can
   * have decided them yet when the run stops. Truth is cut by its own time and emitted items by
   * theirs, but both are matched in full: a crossing just before the cut whose event is stamped
   * just after it is detected, and an event just before the cut that matches a truth item just
   * after it is right. Default 10 s.
   */
  settleUs?: number;
}

/**
 * Scores a locator's events and alerts against ground truth. Matching is one-to-one, per pallet,
 * nearest in time first within the tolerance; a ratio over nothing is 1 (nothing to get wrong).
 */
export function scoreAccuracy(
  truth: TruthTracks,
  events: ReadonlyArray<Emitted<ZoneEvent>>,
  alerts: ReadonlyArray<Emitted<Alert>>,
  options: ScoreOptions,
): AccuracyScores {
  const toleranceUs = options.matchToleranceUs ?? 5_000_000;
  const cutoffUs = options.endUs - (options.settleUs ?? 10_000_000);
  const delaysUs: number[] = [];
  const scored = <T extends { atUs: number }>(t: T): boolean => t.atUs <= cutoffUs;
  const settled = <T extends { atUs: number }>(e: Emitted<T>): boolean => e.value.atUs <= cutoffUs;

  const total = truth.stays.reduce((sum, s) => sum + (s.toUs - s.fromUs), 0);
  const predicted = buildPredictedIntervals(
    events.map((e) => e.value),
    options.endUs,
  );
  const zoneTimeAccuracy = ratio(agreeingTimeUs(truth.stays, predicted), total);

  const moves = events.filter((e) => e.value.kind === 'ARRIVED' || e.value.kind === 'MOVED');
  const transitionMatches = matchByTime(
    truth.transitions,
    moves,
    (t: Transition, e) => t.epc === e.value.epc && t.toZone === e.value.toZone,
    toleranceUs,
  );
  const trueTransitions = truth.transitions.filter(scored);
  const emittedTransitions = moves.filter(settled);
  for (const [t, e] of transitionMatches) if (scored(t)) delaysUs.push(e.emittedAtUs - t.atUs);

  const gateEvents = events.filter((e) => e.value.kind === 'CROSSED_GATE');
  const crossingMatches = matchByTime(
    truth.crossings,
    gateEvents,
    (c: Crossing, e) => c.epc === e.value.epc && c.gate === e.value.toZone,
    toleranceUs,
  ).filter(([c]) => scored(c));
  const trueCrossings = truth.crossings.filter(scored);
  let rightDirection = 0;
  for (const [c, e] of crossingMatches) {
    if (e.value.direction === c.direction) rightDirection++;
    delaysUs.push(e.emittedAtUs - c.atUs);
  }

  const exitAlerts = alerts.filter((a) => a.value.kind === 'UNRELEASED_EXIT');
  const exitMatches = matchByTime(
    truth.unreleasedExits,
    exitAlerts,
    (c: Crossing, a) => c.epc === a.value.epc && c.gate === a.value.zone,
    toleranceUs,
  );
  const trueExits = truth.unreleasedExits.filter(scored);

  return {
    zoneTimeAccuracy: round(zoneTimeAccuracy),
    transitionPrecision: round(
      ratio(transitionMatches.filter(([, e]) => settled(e)).length, emittedTransitions.length),
    ),
    transitionRecall: round(
      ratio(transitionMatches.filter(([t]) => scored(t)).length, trueTransitions.length),
    ),
    directionAccuracy: round(ratio(rightDirection, trueCrossings.length)),
    detectionDelayP95Ms: Math.round(percentile(delaysUs, 0.95) / 1000),
    unreleasedExitRecall: round(ratio(exitMatches.filter(([c]) => scored(c)).length, trueExits.length)),
    falseUnreleasedExits:
      exitAlerts.filter(settled).length - exitMatches.filter(([, a]) => settled(a)).length,
    counts: {
      trueTransitions: trueTransitions.length,
      emittedTransitions: emittedTransitions.length,
      trueCrossings: trueCrossings.length,
      detectedCrossings: crossingMatches.length,
      trueUnreleasedExits: trueExits.length,
    },
  };
}

/**
 * One-to-one matching of truth items to emitted items (by `atUs` of the value), closest pairs
 * first, within the tolerance. Greedy by distance is optimal enough here: per pallet the
 * candidates are few and seconds apart.
 */
export function matchByTime<
  T extends { epc: string; atUs: number },
  E extends Emitted<{ epc?: string | undefined; atUs: number }>,
>(
  truth: readonly T[],
  emitted: readonly E[],
  same: (t: T, e: E) => boolean,
  toleranceUs: number,
): Array<[T, E]> {
  const byEpc = new Map<string, number[]>();
  emitted.forEach((e, ei) => {
    const key = e.value.epc ?? '';
    const list = byEpc.get(key);
    if (list) list.push(ei);
    else byEpc.set(key, [ei]);
  });
  const pairs: Array<{ ti: number; ei: number; distUs: number }> = [];
  truth.forEach((t, ti) => {
    for (const ei of byEpc.get(t.epc) ?? []) {
      const e = emitted[ei]!;
      const distUs = Math.abs(e.value.atUs - t.atUs);
      if (distUs <= toleranceUs && same(t, e)) pairs.push({ ti, ei, distUs });
    }
  });
  pairs.sort((a, b) => a.distUs - b.distUs || a.ti - b.ti || a.ei - b.ei);
  const usedT = new Set<number>();
  const usedE = new Set<number>();
  const out: Array<[T, E]> = [];
  for (const p of pairs) {
    if (usedT.has(p.ti) || usedE.has(p.ei)) continue;
    usedT.add(p.ti);
    usedE.add(p.ei);
    out.push([truth[p.ti]!, emitted[p.ei]!]);
  }
  return out;
}

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

function ratio(n: number, d: number): number {
  return d === 0 ? 1 : n / d;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
