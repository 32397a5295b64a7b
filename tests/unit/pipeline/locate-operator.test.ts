import { describe, expect, it } from 'vitest';
import { LocateOperator, type PalletState } from '../../../pipeline/locate/locate-operator.js';
import { deterministicId } from '../../../runtime/ids.js';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { ZoneEvent, type Observation } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, smallSite } from './fixtures.js';

function obs(
  readerId: string,
  antenna: number,
  zone: string,
  atUs: number,
  meanRssiDbm: number,
  count = 3,
): Observation {
  return {
    v: 1,
    id: deterministicId('obs', readerId, antenna, EPC1, atUs),
    site: 'T1',
    epc: EPC1,
    readerId,
    antenna,
    zone,
    firstSeenUs: atUs,
    lastSeenUs: atUs + 900_000,
    count,
    maxRssiDbm: meanRssiDbm + 2,
    meanRssiDbm,
  };
}

const S = 1_000_000;
/** Weigh window summaries (the mode these tests were written for); the default weighs first reads. */
const SUMMARIES = { firstReadsOnly: false };

/** Dedup's first read of a window (id `first`), as it emits them with firstReadGapUs 0. */
function firstRead(antenna: number, zone: string, atUs: number, rssiDbm = -55, epc = EPC1): Observation {
  return {
    ...obs('R1', antenna, zone, atUs, rssiDbm, 1),
    epc,
    id: deterministicId('first', 'R1', antenna, epc, atUs - (atUs % S)),
    lastSeenUs: atUs,
  };
}

describe('LocateOperator', () => {
  it('announces the first zone as ARRIVED once a second window confirms it, and a change as MOVED', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    expect(op.ingest(obs('R1', 1, 'A', T0, -55))).toEqual([]);
    const first = op.ingest(obs('R1', 1, 'A', T0 + S, -55));
    expect(first).toHaveLength(1);
    expect(ZoneEvent.parse(first[0])).toMatchObject({ kind: 'ARRIVED', toZone: 'A', atUs: T0 });
    expect(first[0]!.evidence).toHaveLength(2);
    expect(op.ingest(obs('R1', 1, 'A', T0 + 2 * S, -55))).toEqual([]);
    const events = [
      ...op.ingest(obs('R1', 2, 'B', T0 + 5 * S, -55)),
      ...op.ingest(obs('R1', 2, 'B', T0 + 6 * S, -55)),
    ];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'MOVED', fromZone: 'A', toZone: 'B', atUs: T0 + 5 * S });
    expect(events[0]!.evidence.length).toBeGreaterThan(0);
  });

  it('is not moved by weaker cross-reads from a neighbouring zone', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    const events: ZoneEvent[] = [];
    for (let i = 0; i < 20; i++) {
      events.push(...op.ingest(obs('R1', 1, 'A', T0 + i * S, -55)));
      events.push(...op.ingest(obs('R1', 2, 'B', T0 + i * S, -65, 1))); // 10 dB weaker, fewer reads
    }
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([['ARRIVED', 'A']]);
  });

  it('does not place a pallet on one cross-read window', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    expect(op.ingest(obs('R1', 2, 'B', T0, -65, 1))).toEqual([]);
    const events = [
      ...op.ingest(obs('R1', 1, 'A', T0 + S, -55)),
      ...op.ingest(obs('R1', 1, 'A', T0 + 2 * S, -55)),
    ];
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([['ARRIVED', 'A']]);
  });

  it('tells the direction of a gate crossing from which side saw the pallet first, and departs it', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    op.ingest(obs('R1', 2, 'B', T0, -55));
    op.ingest(obs('R1', 2, 'B', T0 + S, -55));
    // Observations may arrive out of order: the outer side's arrives first, but the inner side saw it first.
    expect(op.ingest(obs('R2', 2, 'EXIT', T0 + 11 * S, -50))).toEqual([]);
    const events = op.ingest(obs('R2', 1, 'EXIT', T0 + 10 * S, -50));
    expect(events.map((e) => [e.kind, e.direction, e.fromZone, e.toZone])).toEqual([
      ['CROSSED_GATE', 'OUT', undefined, 'EXIT'],
      ['DEPARTED', undefined, 'B', undefined],
    ]);
  });

  it('emits one crossing per passage, however many windows the portal saw it in', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    const events: ZoneEvent[] = [];
    for (let i = 0; i < 5; i++) {
      events.push(...op.ingest(obs('R2', 1, 'EXIT', T0 + i * S, -50)));
      if (i >= 2) events.push(...op.ingest(obs('R2', 2, 'EXIT', T0 + i * S, -50)));
    }
    expect(events.filter((e) => e.kind === 'CROSSED_GATE').map((e) => e.direction)).toEqual(['OUT']);
    // A passage 10 s after the last sighting is a new one.
    events.push(
      ...op.ingest(obs('R2', 2, 'EXIT', T0 + 20 * S, -50)),
      ...op.ingest(obs('R2', 1, 'EXIT', T0 + 21 * S, -50)),
    );
    expect(events.filter((e) => e.kind === 'CROSSED_GATE').map((e) => e.direction)).toEqual(['OUT', 'IN']);
  });

  it('gives identical events for identical input', () => {
    const run = () => {
      const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
      return [
        op.ingest(obs('R1', 1, 'A', T0, -55)),
        op.ingest(obs('R1', 1, 'A', T0 + S, -55)),
        op.ingest(obs('R1', 2, 'B', T0 + 4 * S, -50)),
        op.ingest(obs('R1', 2, 'B', T0 + 5 * S, -50)),
      ]
        .flat()
        .map((e) => e.id);
    };
    expect(run()).toEqual(run());
    expect(new Set(run()).size).toBe(2);
  });

  it('is not moved by cross-reads while its own zone goes unread (a reader outage)', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    // B's antenna learns how strongly it reads its own pallets from another pallet parked in B.
    for (let i = 0; i < 5; i++) op.ingest({ ...obs('R1', 2, 'B', T0 + i * S, -55), epc: EPC2 });
    const events: ZoneEvent[] = [];
    for (let i = 0; i < 10; i++) events.push(...op.ingest(obs('R1', 1, 'A', T0 + i * S, -55)));
    // Zone A's antenna falls silent; B cross-reads the pallet ~10 dB weaker for 30 s.
    for (let i = 10; i < 40; i++) events.push(...op.ingest(obs('R1', 2, 'B', T0 + i * S, -65 + (i % 3), 2)));
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([['ARRIVED', 'A']]);
    // A pallet really moved to B is read there as strongly as B reads its own pallets.
    for (let i = 40; i < 43; i++) events.push(...op.ingest(obs('R1', 2, 'B', T0 + i * S, -55)));
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([
      ['ARRIVED', 'A'],
      ['MOVED', 'B'],
    ]);
  });

  it('is not fooled by the far portal side catching a weak read first', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), SUMMARIES);
    op.ingest(obs('R1', 2, 'B', T0, -55));
    op.ingest(obs('R1', 2, 'B', T0 + S, -55));
    // Going OUT: the inner side (R2/1) reads it strongly first; the outer side (R2/2) caught one
    // weak read even earlier, from across the portal.
    const events = [
      ...op.ingest(obs('R2', 2, 'EXIT', T0 + 9 * S, -62, 1)),
      ...op.ingest(obs('R2', 1, 'EXIT', T0 + 10 * S, -44)),
      ...op.ingest(obs('R2', 2, 'EXIT', T0 + 12 * S, -45)),
    ];
    expect(events.map((e) => [e.kind, e.direction])).toEqual([
      ['CROSSED_GATE', 'OUT'],
      ['DEPARTED', undefined],
    ]);
    expect(events[0]!.confidence).toBeLessThan(1);
    expect(events[0]!.evidence).toHaveLength(3);
  });

  it('in summary mode without useFirstReads skips dedup first reads; with it, their window summary replaces them', () => {
    const skip = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), {
      ...SUMMARIES,
      useFirstReads: false,
    });
    expect([...skip.ingest(firstRead(1, 'A', T0)), ...skip.ingest(firstRead(1, 'A', T0 + S))]).toEqual([]);

    const use = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), {
      firstReadsOnly: false,
      useFirstReads: true,
    });
    expect(use.ingest(firstRead(1, 'A', T0))).toEqual([]);
    // The summary of the same window replaces the first read: still one window of evidence.
    expect(use.ingest(obs('R1', 1, 'A', T0, -55))).toEqual([]);
    const placed = use.ingest(firstRead(1, 'A', T0 + S));
    expect(placed.map((e) => [e.kind, e.toZone, e.evidence.length])).toEqual([['ARRIVED', 'A', 2]]);
  });

  it('by default weighs each window once, by its first read, and skips the summaries', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    expect(op.ingest(firstRead(1, 'A', T0 + 100_000))).toEqual([]);
    // Summaries (of this window or any) add nothing: still one window of evidence.
    expect(op.ingest(obs('R1', 1, 'A', T0, -55))).toEqual([]);
    expect(op.ingest(obs('R1', 1, 'A', T0 + S, -55))).toEqual([]);
    const placed = op.ingest(firstRead(1, 'A', T0 + S + 100_000));
    expect(placed.map((e) => [e.kind, e.toZone, e.atUs])).toEqual([['ARRIVED', 'A', T0 + 100_000]]);
  });

  it('tells first reads from summaries by their kind when they carry one, as by their id before', () => {
    const withKinds = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const byIds = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const inputs: Observation[] = [
      firstRead(1, 'A', T0 + 100_000),
      obs('R1', 1, 'A', T0, -55),
      obs('R1', 1, 'A', T0 + S, -55),
      firstRead(1, 'A', T0 + S + 100_000),
    ];
    // firstRead() makes count-1 observations, obs() count-3 summaries.
    const kinds = inputs.map((o): Observation => ({ ...o, kind: o.count === 1 ? 'first' : 'window' }));
    const a = kinds.flatMap((o) => withKinds.ingest(o));
    const b = inputs.flatMap((o) => byIds.ingest(o));
    expect(a.map((e) => [e.kind, e.toZone, e.atUs])).toEqual([['ARRIVED', 'A', T0 + 100_000]]);
    expect(a).toEqual(b);
    // The kind is what counts: a summary that says it is one is skipped whatever its id.
    const trusting = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const asSummaries = inputs.map((o): Observation => ({ ...o, kind: 'window' }));
    expect(asSummaries.flatMap((o) => trusting.ingest(o))).toEqual([]);
  });

  it('moves on one sure read once the current zone has gone quiet, but not on a cross-read or while it is read', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), { minEvidence: 3 });
    // In A for 10 s: the antenna learns how strongly it reads its own pallets (-55 dBm).
    const events = [];
    for (let i = 0; i < 10; i++) events.push(...op.ingest(firstRead(1, 'A', T0 + i * S + 100_000)));
    expect(events.map((e) => e.kind)).toEqual(['ARRIVED']);
    // B's antenna learns its own level from another pallet.
    for (let i = 0; i < 12; i++) op.ingest(firstRead(2, 'B', T0 + i * S + 200_000, -55, EPC2));
    // A strong B read while A still reads the pallet (0.5 s before and 0.3 s after): no move on one read.
    expect(op.ingest(firstRead(2, 'B', T0 + 9 * S + 600_000))).toEqual([]);
    expect(op.ingest(firstRead(1, 'A', T0 + 9 * S + 900_000))).toEqual([]);
    // A quiet for 2.1 s; a weak (cross-read) B read does not move it either.
    expect(op.ingest(firstRead(2, 'B', T0 + 12 * S, -65))).toEqual([]);
    // A sure B read (within 1 dB of B's own level) does, without the 3 windows minEvidence asks for.
    const moved = op.ingest(firstRead(2, 'B', T0 + 12 * S + 200_000, -54.5));
    expect(moved.map((e) => [e.kind, e.fromZone, e.toZone])).toEqual([['MOVED', 'A', 'B']]);
  });

  it('gives the same events whatever order observations of different antennas arrive in, ', () => {
    const run = (list: Observation[]) => {
      const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
      return list.flatMap((o) => op.ingest(o)).map((e) => [e.kind, e.toZone, e.atUs]);
    };
    const a1 = firstRead(1, 'A', T0 + 100_000);
    const a2 = firstRead(1, 'A', T0 + S + 100_000);
    // Out of order: the later window first; placed at the earlier one's time either way.
    expect(run([a2, a1])).toEqual([['ARRIVED', 'A', T0 + 100_000]]);
    expect(run([a1, a2])).toEqual(run([a2, a1]));
    // Exact duplicates (a dedup replay) are the stage's to skip: locate-watermarks.test.ts.
  });

  // Issue 5 (seed 2, 9 crossings never emitted with first reads at portals): a passage's first
  // reads and summaries were listed apart and capped at 32, so a slow passage filled the list with
  // the near side's windows and the far side's never counted.
  it('judges a slow passage however many windows its near side filled first', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const events: ZoneEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const atUs = T0 + i * S + 100_000;
      events.push(...op.ingest({ ...firstRead(1, 'EXIT', atUs, -50), readerId: 'R2' }));
      events.push(
        ...op.ingest({
          ...obs('R2', 1, 'EXIT', atUs, -52),
          id: deterministicId('obs', 'R2', 1, EPC1, atUs - (atUs % S)),
        }),
      );
    }
    expect(events).toEqual([]);
    events.push(...op.ingest(obs('R2', 2, 'EXIT', T0 + 20 * S + 100_000, -50)));
    expect(events.map((e) => [e.kind, e.direction])).toEqual([
      ['CROSSED_GATE', 'OUT'],
      ['DEPARTED', undefined],
    ]);
  });

  it('counts a portal window once, whether its observation comes twice, late, or as first read and summary', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const windowUs = T0 + 10 * S;
    const first = { ...firstRead(1, 'EXIT', windowUs + 100_000, -60), readerId: 'R2' };
    const summary = {
      ...obs('R2', 1, 'EXIT', windowUs + 100_000, -48),
      id: deterministicId('obs', 'R2', 1, EPC1, windowUs),
    };
    // A read of the same window after dedup closed it: its own `late` id, same window.
    const late = {
      ...obs('R2', 1, 'EXIT', windowUs + 950_000, -49, 1),
      id: 'late-1',
      lastSeenUs: windowUs + 950_000,
    };
    expect([
      ...op.ingest(first),
      ...op.ingest(first),
      ...op.ingest(summary),
      ...op.ingest(late),
      ...op.ingest(summary),
    ]).toEqual([]);
    const events = op.ingest(obs('R2', 2, 'EXIT', T0 + 12 * S, -47));
    expect(events.map((e) => [e.kind, e.direction])).toEqual([
      ['CROSSED_GATE', 'OUT'],
      ['DEPARTED', undefined],
    ]);
    // Two windows, both strong: a duplicate is not a window, and each id is evidence once.
    expect(events[0]!.confidence).toBe(1);
    expect(events[0]!.evidence).toEqual([first.id, summary.id, late.id, events[0]!.evidence[3]]);
  });

  it('places a far pallet on its own zone’s reads once the antennas have told own pallets from cross-reads', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const EPC3 = '3178E61C883950F59A000002';
    // EPC2 parked near A's antenna (-52 dBm), which B cross-reads ~20 dB weaker at the same time;
    // EPC3 parked near B's antenna (-52 dBm).
    for (let i = 0; i < 12; i++) {
      op.ingest(firstRead(1, 'A', T0 + i * S + 100_000, -52, EPC2));
      op.ingest(firstRead(2, 'B', T0 + i * S + 300_000, -73, EPC2));
      op.ingest(firstRead(2, 'B', T0 + i * S + 600_000, -52, EPC3));
    }
    // EPC1 stands far from B's antenna: -61 dBm, 9 dB under B's own pallets but well above the
    // cross-reads (the midpoint is -62.5 dBm). Strong evidence: placed on its second window.
    expect(op.ingest(firstRead(2, 'B', T0 + 12 * S + 500_000, -61))).toEqual([]);
    const placed = op.ingest(firstRead(2, 'B', T0 + 13 * S + 500_000, -62));
    expect(placed.map((e) => [e.kind, e.toZone, e.atUs])).toEqual([['ARRIVED', 'B', T0 + 12 * S + 500_000]]);
  });

  it('moves a pallet read near its old zone’s antenna to a far spot of the new one as fast as to a near one', () => {
    const movedAfter = (newZoneDbm: number): number => {
      const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
      for (let i = 0; i < 12; i++) {
        op.ingest(firstRead(1, 'A', T0 + i * S + 100_000, -48)); // close to A's antenna
        op.ingest(firstRead(2, 'B', T0 + i * S + 300_000, -70)); // B cross-reads it
        op.ingest(firstRead(2, 'B', T0 + i * S + 600_000, -52, EPC2)); // B's own pallet, near
      }
      for (let i = 12; i < 20; i++) {
        const events = op.ingest(firstRead(2, 'B', T0 + i * S + 300_000, newZoneDbm));
        if (events.some((e) => e.kind === 'MOVED')) return i - 12;
      }
      return Number.POSITIVE_INFINITY;
    };
    expect(movedAfter(-52)).toBeLessThanOrEqual(2);
    expect(movedAfter(-60)).toBe(movedAfter(-52));
  });

  it('keeps the windows seen behind the gate before an inward crossing was decided, and drops older ones', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const events: ZoneEvent[] = [];
    const portal = (antenna: number, atUs: number) => ({
      ...firstRead(antenna, 'EXIT', atUs, -45),
      readerId: 'R2',
      id: deterministicId('first', 'R2', antenna, EPC1, atUs - (atUs % S)),
    });
    // A stale B window from long before (a cross-read while the pallet was last on site).
    events.push(...op.ingest(firstRead(2, 'B', T0 - 5 * S, -55)));
    events.push(...op.ingest(portal(2, T0 + 100_000))); // the outer side first: coming IN
    // The pallet's first window in B comes in before the inner side's (its reader lags behind).
    events.push(...op.ingest(firstRead(2, 'B', T0 + 2 * S + 500_000)));
    events.push(...op.ingest(portal(1, T0 + 2 * S + 100_000)));
    expect(events.map((e) => [e.kind, e.direction])).toEqual([['CROSSED_GATE', 'IN']]);
    // Its second B window places it: the first one still counts, the stale one does not.
    const placed = op.ingest(firstRead(2, 'B', T0 + 3 * S + 500_000));
    expect(placed.map((e) => [e.kind, e.toZone, e.atUs, e.evidence.length])).toEqual([
      ['ARRIVED', 'B', T0 + 2 * S + 500_000, 2],
    ]);
  });
});
