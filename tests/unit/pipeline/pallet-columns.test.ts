import { describe, expect, it } from 'vitest';
import { EpcSlots } from '../../../pipeline/locate/epc-slots.js';
import {
  LocateOperator,
  type LocateOptions,
  type PalletState,
} from '../../../pipeline/locate/locate-operator.js';
import { PalletColumns } from '../../../pipeline/locate/pallet-columns.js';
import { PalletTimers, type PalletTimerState } from '../../../pipeline/rules/pallet-timers.js';
import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { deterministicId } from '../../../runtime/ids.js';
import { MemoryStateStore, type StateStore } from '../../../runtime/state-store.js';
import { SiteLayout, type Alert, type Observation, type ZoneEvent } from '../../../schemas/index.js';
import { T0, smallSite } from './fixtures.js';

const S = 1_000_000;

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 96-bit EPCs (the slot table's words), and others that take the fallback: 128-bit, lower case, short. */
const EPCS = [
  ...Array.from(
    { length: 40 },
    (_, i) => `3178E61C883950F59A${i.toString(16).toUpperCase().padStart(6, '0')}`,
  ),
  'E2801160600002054CC2096F00000001',
  '3178e61c883950f59a0000ff',
  'ABC',
  '000000000000000000000000',
  'FFFFFFFFFFFFFFFFFFFFFFFF',
];

/**
 * A noisy stream over the small site: each pallet mostly read by its home zone's antenna (home
 * changes halfway for half of them), weaker cross-reads, portals both ways, reads without RSSI,
 * an unknown reader, late observations; a fifth of the pallets fall silent early (MISSING).
 */
function stream(seed: number, count: number): Observation[] {
  const rnd = prng(seed);
  const out: Observation[] = [];
  let nowUs = T0;
  for (let i = 0; i < count; i++) {
    nowUs += Math.floor(rnd() * 300_000);
    let e = Math.floor(rnd() * EPCS.length);
    if (e % 5 === 0 && i > count / 5) e++;
    const epc = EPCS[e % EPCS.length]!;
    const home = i < count / 2 || e % 2 === 0 ? 1 : 2;
    const pick = rnd();
    const [reader, port, zone, rssi] =
      pick < 0.7
        ? ['R1', home, home === 1 ? 'A' : 'B', -50 - Math.floor(rnd() * 6)]
        : pick < 0.85
          ? ['R1', 3 - home, home === 1 ? 'B' : 'A', -60 - Math.floor(rnd() * 8)]
          : pick < 0.95
            ? ['R2', rnd() < 0.5 ? 1 : 2, 'EXIT', -45 - Math.floor(rnd() * 15)]
            : ['R9', 1, 'A', -50];
    const atUs = nowUs - (rnd() < 0.1 ? Math.floor(rnd() * 5 * S) : 0);
    const startUs = atUs - (atUs % S);
    const first = rnd() < 0.4;
    out.push({
      v: 1,
      id: deterministicId(first ? 'first' : 'obs', reader, port, epc, startUs),
      site: 'T1',
      epc,
      readerId: reader,
      antenna: port,
      zone,
      firstSeenUs: atUs,
      lastSeenUs: first ? atUs : atUs + Math.floor(rnd() * 900_000),
      count: first ? 1 : 1 + Math.floor(rnd() * 5),
      maxRssiDbm: rssi + 2,
      ...(rnd() < 0.05 ? {} : { meanRssiDbm: rssi }),
    });
  }
  return out;
}

/** The small site with short customs timers, so the stream raises DWELL_EXCEEDED and MISSING. */
const site = new SiteIndex(
  SiteLayout.parse({
    ...smallSite.layout,
    customs: { dwellLimitsSec: { A: 20 }, allowedZones: {}, missingAfterSec: 30 },
  }),
);

interface Run {
  events: ZoneEvent[];
  alerts: Alert[];
  pallets: Record<string, PalletState>;
  timers: Record<string, PalletTimerState>;
  sizes: [number, number];
}

function run(
  observations: Observation[],
  options: LocateOptions,
  pallets: StateStore<PalletState>,
  timerStates: StateStore<PalletTimerState>,
): Run {
  const locate = new LocateOperator(site, pallets, options);
  const timers = new PalletTimers(site, timerStates);
  const events: ZoneEvent[] = [];
  const alerts: Alert[] = [];
  for (const obs of observations) {
    timers.seen(obs.epc, obs.site, 0, obs.lastSeenUs);
    for (const e of locate.ingest(obs)) {
      events.push(e);
      timers.onEvent(e);
    }
    alerts.push(...timers.fire());
  }
  return {
    events,
    alerts,
    pallets: Object.fromEntries(pallets.entries()),
    timers: Object.fromEntries(timerStates.entries()),
    sizes: [pallets.size, timerStates.size],
  };
}

describe('PalletColumns', () => {
  const modes: Array<[string, LocateOptions]> = [
    ['defaults (first reads only)', {}],
    ['window summaries', { firstReadsOnly: false }],
    ['summaries and first reads', { firstReadsOnly: false, useFirstReads: true }],
  ];
  for (const [name, options] of modes) {
    it(`gives the same events, alerts and state as objects in Maps (${name})`, () => {
      for (const seed of [1, 2, 3]) {
        const observations = stream(seed, 4000);
        const maps = run(
          observations,
          options,
          new MemoryStateStore<PalletState>(),
          new MemoryStateStore<PalletTimerState>(),
        );
        const columns = new PalletColumns();
        const cols = run(observations, options, columns.locate, columns.timers);
        // The stream must exercise what the columns encode, or the comparison proves little.
        expect(new Set(maps.events.map((e) => e.kind))).toEqual(
          new Set(['ARRIVED', 'MOVED', 'CROSSED_GATE', 'DEPARTED']),
        );
        expect(new Set(maps.alerts.map((a) => a.kind))).toEqual(new Set(['DWELL_EXCEEDED', 'MISSING']));
        expect(cols.events).toEqual(maps.events);
        expect(cols.alerts).toEqual(maps.alerts);
        // toEqual: the operator leaves `zone: undefined` where the columns leave no key (the same JSON).
        expect(cols.pallets).toEqual(maps.pallets);
        expect(cols.timers).toEqual(maps.timers);
        expect(cols.sizes).toEqual(maps.sizes);
      }
    });
  }

  it('keeps a pallet until both its locate and timer state are deleted, then reuses the slot', () => {
    const columns = new PalletColumns();
    const epc = EPCS[0]!;
    columns.locate.set(epc, { zone: 'A', lastSeenUs: T0, recent: [], current: [] });
    columns.timers.set(epc, { site: 'T1', partition: 3, lastSeenUs: T0, dwellAlerted: false });
    columns.locate.delete(epc);
    expect(columns.locate.get(epc)).toBeUndefined();
    expect(columns.timers.get(epc)).toStrictEqual({
      site: 'T1',
      partition: 3,
      lastSeenUs: T0,
      dwellAlerted: false,
    });
    columns.timers.delete(epc);
    expect(columns.timers.get(epc)).toBeUndefined();
    expect([columns.locate.size, columns.timers.size]).toEqual([0, 0]);
    // A long current-zone list (past the slab's largest block) round-trips too.
    const long = Array.from({ length: 80 }, (_, i) => T0 + i);
    columns.locate.set(EPCS[1]!, { lastSeenUs: T0, recent: [], current: long });
    expect(columns.locate.get(EPCS[1]!)!.current).toEqual(long);
    columns.locate.set(EPCS[1]!, { lastSeenUs: T0, recent: [], current: [1, 2] });
    expect(columns.locate.get(EPCS[1]!)!.current).toEqual([1, 2]);
  });

  it('keeps the seen windows of a pallet (any number of antennas) with its slot', () => {
    const columns = new PalletColumns();
    const few = { 'R1\u00001': T0, 'R1\u00001\u0000f': T0 + 5 };
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`R${i}\u00002`, T0 + i]));
    columns.seen.set(EPCS[2]!, few);
    columns.seen.set(EPCS[3]!, many);
    columns.timers.set(EPCS[2]!, { site: 'T1', partition: 0, lastSeenUs: T0 });
    expect(columns.seen.get(EPCS[2]!)).toStrictEqual(few);
    expect(columns.seen.get(EPCS[3]!)).toStrictEqual(many);
    columns.seen.set(EPCS[3]!, few); // shrinks back into the slab
    expect(columns.seen.get(EPCS[3]!)).toStrictEqual(few);
    columns.timers.delete(EPCS[2]!);
    expect(columns.seen.get(EPCS[2]!)).toStrictEqual(few); // its slot lives while any state does
    columns.seen.delete(EPCS[2]!);
    expect(columns.seen.get(EPCS[2]!)).toBeUndefined();
    expect(Object.fromEntries(columns.seen.entries())).toStrictEqual({ [EPCS[3]!]: few });
  });

  it('advances the seen windows in place as a get, compare and set would', () => {
    const rnd = prng(7);
    const columns = new PalletColumns();
    const reference = new Map<string, Record<string, number>>();
    let replays = 0;
    for (let i = 0; i < 20_000; i++) {
      const epc = EPCS[Math.floor(rnd() * EPCS.length)]!;
      if (rnd() < 0.01) {
        columns.seen.delete(epc);
        reference.delete(epc);
        continue;
      }
      // Up to 40 keys for a few pallets: past the slab's largest block (the long path) and back.
      const keys = epc === EPCS[0] ? 40 : 6;
      const key = `R${Math.floor(rnd() * keys)}\u0000${rnd() < 0.5 ? '1' : '1\u0000f'}`;
      const atUs = T0 + Math.floor(rnd() * 1000);
      const seen = reference.get(epc) ?? {};
      const newer = seen[key] === undefined || atUs > seen[key];
      if (newer) seen[key] = atUs;
      else replays++;
      reference.set(epc, seen);
      expect(columns.seen.advance(epc, key, atUs)).toBe(newer);
    }
    expect(replays).toBeGreaterThan(1000);
    expect(Object.keys(reference.get(EPCS[0]!)!).length).toBeGreaterThan(32);
    expect(Object.fromEntries(columns.seen.entries())).toStrictEqual(Object.fromEntries(reference));
  });
});

describe('EpcSlots', () => {
  it('interns any EPC, gives it back exactly, and reuses freed slots across growth', () => {
    const slots = new EpcSlots();
    const all = [
      ...EPCS,
      ...Array.from(
        { length: 5000 },
        (_, i) => `30${(i * 7919).toString(16).toUpperCase().padStart(22, '0')}`,
      ),
    ];
    const assigned = new Map(all.map((epc) => [epc, slots.intern(epc)]));
    expect(new Set(assigned.values()).size).toBe(all.length);
    for (const [epc, slot] of assigned) {
      expect(slots.find(epc)).toBe(slot);
      expect(slots.epcOf(slot)).toBe(epc);
    }
    expect(slots.find('3178E61C883950F59AFFFFFF')).toBe(-1);
    // The slot last found is remembered: releasing it must forget it.
    expect(slots.find(all[0]!)).toBe(assigned.get(all[0]!));
    for (const epc of all.slice(0, 2000)) slots.release(assigned.get(epc)!);
    for (const epc of all.slice(0, 2000)) expect(slots.find(epc)).toBe(-1);
    for (const epc of all.slice(2000)) expect(slots.find(epc)).toBe(assigned.get(epc));
    const again = slots.intern('E2801160600002054CC2096F0000AAAA');
    expect(again).toBeLessThan(all.length); // a freed slot, not a new one
    expect(slots.size).toBe(all.length - 2000 + 1);
  });
});
