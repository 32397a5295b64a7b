import { describe, expect, it } from 'vitest';
import { agreeingTimeUs, buildPredictedIntervals } from '../../../pipeline/accuracy/predicted-tracks.js';
import { matchByTime, percentile, scoreAccuracy, type Emitted } from '../../../pipeline/accuracy/score.js';
import { buildTruthTracks } from '../../../pipeline/accuracy/truth-tracks.js';
import type { Alert, ZoneEvent } from '../../../schemas/index.js';
import type { TruthEvent } from '../../../simulators/index.js';
import { EPC1, EPC2, T0 } from './fixtures.js';

const S = 1_000_000;
const isGate = (z: string) => z === 'EXIT';
const isExitGate = (z: string) => z === 'EXIT';

function zoneEvent(kind: ZoneEvent['kind'], atUs: number, fields: Partial<ZoneEvent> = {}): ZoneEvent {
  return {
    v: 1,
    id: `${kind}${atUs}`,
    site: 'T1',
    epc: EPC1,
    kind,
    atUs,
    confidence: 1,
    evidence: [],
    ...fields,
  };
}
const at = <T>(value: T, emittedAtUs: number): Emitted<T> => ({ value, emittedAtUs });

// EPC1: A for 10 s, then B for 10 s, then out through EXIT unreleased. EPC2: A from 5 s on.
const truth: TruthEvent[] = [
  { kind: 'ZONE_ENTERED', epc: EPC1, zone: 'A', atUs: T0 },
  { kind: 'ZONE_ENTERED', epc: EPC2, zone: 'A', atUs: T0 + 5 * S },
  { kind: 'ZONE_LEFT', epc: EPC1, zone: 'A', atUs: T0 + 10 * S },
  { kind: 'ZONE_ENTERED', epc: EPC1, zone: 'B', atUs: T0 + 10 * S },
  { kind: 'ZONE_LEFT', epc: EPC1, zone: 'B', atUs: T0 + 20 * S },
  { kind: 'ZONE_ENTERED', epc: EPC1, zone: 'EXIT', atUs: T0 + 20 * S },
  { kind: 'GATE_CROSSED', epc: EPC1, gate: 'EXIT', direction: 'OUT', atUs: T0 + 22 * S },
  { kind: 'ZONE_LEFT', epc: EPC1, zone: 'EXIT', atUs: T0 + 24 * S },
];
const endUs = T0 + 60 * S;

describe('accuracy scoring', () => {
  it('turns truth into non-gate stays, zone entries, crossings and unreleased exits', () => {
    const tracks = buildTruthTracks(truth, endUs, isGate, isExitGate);
    expect(tracks.stays).toEqual([
      { epc: EPC1, zone: 'A', fromUs: T0, toUs: T0 + 10 * S },
      { epc: EPC1, zone: 'B', fromUs: T0 + 10 * S, toUs: T0 + 20 * S },
      { epc: EPC2, zone: 'A', fromUs: T0 + 5 * S, toUs: endUs },
    ]);
    expect(tracks.transitions.map((t) => t.toZone)).toEqual(['A', 'A', 'B']);
    expect(tracks.unreleasedExits).toHaveLength(1);
    const released = buildTruthTracks(
      [{ kind: 'CUSTOMS_CHANGED', epc: EPC1, declarationId: 'D1', status: 'RELEASED', atUs: T0 }, ...truth],
      endUs,
      isGate,
      isExitGate,
    );
    expect(released.unreleasedExits).toEqual([]);
  });

  it('measures zone time by overlap of predicted and true intervals, none after DEPARTED', () => {
    const predicted = buildPredictedIntervals(
      [
        zoneEvent('MOVED', T0 + 12 * S, { fromZone: 'A', toZone: 'B' }), // out of order on purpose
        zoneEvent('ARRIVED', T0 + S, { toZone: 'A' }),
        zoneEvent('DEPARTED', T0 + 22 * S, { fromZone: 'B' }),
      ],
      endUs,
    );
    expect(predicted).toEqual([
      { epc: EPC1, zone: 'A', fromUs: T0 + S, toUs: T0 + 12 * S },
      { epc: EPC1, zone: 'B', fromUs: T0 + 12 * S, toUs: T0 + 22 * S },
    ]);
    const tracks = buildTruthTracks(truth, endUs, isGate, isExitGate);
    // A: 1..10 s agrees (9 s), B: 12..20 s (8 s).
    expect(agreeingTimeUs(tracks.stays, predicted)).toBe(17 * S);
  });

  it('scores precision, recall, direction, delay and unreleased exits', () => {
    const tracks = buildTruthTracks(truth, endUs, isGate, isExitGate);
    const events = [
      at(zoneEvent('ARRIVED', T0, { toZone: 'A' }), T0 + 3 * S),
      at(zoneEvent('MOVED', T0 + 10 * S, { fromZone: 'A', toZone: 'B' }), T0 + 14 * S),
      at(zoneEvent('MOVED', T0 + 15 * S, { fromZone: 'B', toZone: 'A' }), T0 + 16 * S), // a false flip
      at(zoneEvent('CROSSED_GATE', T0 + 22 * S, { toZone: 'EXIT', direction: 'IN' }), T0 + 23 * S),
      at(zoneEvent('ARRIVED', T0 + 5 * S, { epc: EPC2, toZone: 'A' }), T0 + 7 * S),
    ];
    const alert: Alert = {
      v: 1,
      id: 'a1',
      site: 'T1',
      kind: 'UNRELEASED_EXIT',
      severity: 'CRITICAL',
      epc: EPC1,
      zone: 'EXIT',
      atUs: T0 + 22 * S,
      details: {},
    };
    const scores = scoreAccuracy(tracks, events, [at(alert, T0 + 23 * S)], { endUs });
    expect(scores.transitionPrecision).toBe(0.75);
    expect(scores.transitionRecall).toBe(1);
    expect(scores.directionAccuracy).toBe(0); // the one crossing was detected the wrong way round
    expect(scores.unreleasedExitRecall).toBe(1);
    expect(scores.falseUnreleasedExits).toBe(0);
    expect(scores.detectionDelayP95Ms).toBe(4000); // delays 3, 4, 2, 1 s
    expect(scores.zoneTimeAccuracy).toBeLessThan(1);
    // An alert for a pallet that left released is a false one.
    const noExit = scoreAccuracy({ ...tracks, unreleasedExits: [] }, events, [at(alert, T0)], { endUs });
    expect(noExit.falseUnreleasedExits).toBe(1);
    expect(noExit.unreleasedExitRecall).toBe(1);
  });

  it('does not score what happened too close to the end of the run to be decided', () => {
    const late: TruthEvent[] = [{ kind: 'ZONE_ENTERED', epc: EPC1, zone: 'A', atUs: endUs - 2 * S }];
    const scores = scoreAccuracy(buildTruthTracks(late, endUs, isGate, isExitGate), [], [], { endUs });
    expect(scores.transitionRecall).toBe(1);
    const strict = scoreAccuracy(buildTruthTracks(late, endUs, isGate, isExitGate), [], [], {
      endUs,
      settleUs: 0,
    });
    expect(strict.transitionRecall).toBe(0);
  });

  // Issue 5, seed 1: a crossing 0.5 s before the cut whose event (stamped when the far side read
  // the pallet strongly) fell 0.7 s after it was counted as missed.
  it('matches truth just before the cut with an event just after it, and the other way round', () => {
    const cutUs = endUs - 10 * S;
    const nearCut: TruthEvent[] = [
      { kind: 'GATE_CROSSED', epc: EPC1, gate: 'EXIT', direction: 'OUT', atUs: cutUs - 0.5 * S },
      { kind: 'ZONE_ENTERED', epc: EPC2, zone: 'A', atUs: cutUs + 0.5 * S },
    ];
    const tracks = buildTruthTracks(nearCut, endUs, isGate, isExitGate);
    const events = [
      at(zoneEvent('CROSSED_GATE', cutUs + 0.7 * S, { toZone: 'EXIT', direction: 'OUT' }), cutUs + 2 * S),
      at(zoneEvent('ARRIVED', cutUs - 0.2 * S, { epc: EPC2, toZone: 'A' }), cutUs + S),
    ];
    const scores = scoreAccuracy(tracks, events, [], { endUs });
    expect(scores.directionAccuracy).toBe(1);
    expect(scores.counts).toMatchObject({ trueCrossings: 1, detectedCrossings: 1, trueTransitions: 0 });
    expect(scores.transitionPrecision).toBe(1); // right, though what it matches is not scored
    expect(scores.detectionDelayP95Ms).toBe(2500); // the crossing's only: the entry is after the cut
  });

  it('matches one to one, nearest first, within the tolerance', () => {
    const truthItems = [
      { epc: EPC1, atUs: T0 },
      { epc: EPC1, atUs: T0 + 2 * S },
    ];
    const emitted = [at({ epc: EPC1, atUs: T0 + 1.9 * S }, 0), at({ epc: EPC1, atUs: T0 + 9 * S }, 0)];
    const pairs = matchByTime(truthItems, emitted, () => true, 5 * S);
    expect(pairs.map(([t, e]) => [t.atUs - T0, e.value.atUs - T0])).toEqual([[2 * S, 1.9 * S]]);
    expect(percentile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([], 0.95)).toBe(0);
  });
});
