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

describe('LocateOperator', () => {
  it('announces the first zone as ARRIVED once a second window confirms it, and a change as MOVED', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    const events: ZoneEvent[] = [];
    for (let i = 0; i < 20; i++) {
      events.push(...op.ingest(obs('R1', 1, 'A', T0 + i * S, -55)));
      events.push(...op.ingest(obs('R1', 2, 'B', T0 + i * S, -65, 1))); // 10 dB weaker, fewer reads
    }
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([['ARRIVED', 'A']]);
  });

  it('does not place a pallet on one cross-read window', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    expect(op.ingest(obs('R1', 2, 'B', T0, -65, 1))).toEqual([]);
    const events = [
      ...op.ingest(obs('R1', 1, 'A', T0 + S, -55)),
      ...op.ingest(obs('R1', 1, 'A', T0 + 2 * S, -55)),
    ];
    expect(events.map((e) => [e.kind, e.toZone])).toEqual([['ARRIVED', 'A']]);
  });

  it('tells the direction of a gate crossing from which side saw the pallet first, and departs it', () => {
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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
      const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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
    const op = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
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

  it('skips dedup first reads by default, and lets their window summary replace them when used', () => {
    const firstRead = (antenna: number, zone: string, atUs: number): Observation => ({
      ...obs('R1', antenna, zone, atUs, -55, 1),
      id: deterministicId('first', 'R1', antenna, EPC1, atUs - (atUs % S)),
      lastSeenUs: atUs,
    });
    const skip = new LocateOperator(smallSite, new MemoryStateStore<PalletState>());
    expect([...skip.ingest(firstRead(1, 'A', T0)), ...skip.ingest(firstRead(1, 'A', T0 + S))]).toEqual([]);

    const use = new LocateOperator(smallSite, new MemoryStateStore<PalletState>(), { useFirstReads: true });
    expect(use.ingest(firstRead(1, 'A', T0))).toEqual([]);
    // The summary of the same window replaces the first read: still one window of evidence.
    expect(use.ingest(obs('R1', 1, 'A', T0, -55))).toEqual([]);
    const placed = use.ingest(firstRead(1, 'A', T0 + S));
    expect(placed.map((e) => [e.kind, e.toZone, e.evidence.length])).toEqual([['ARRIVED', 'A', 2]]);
  });
});
