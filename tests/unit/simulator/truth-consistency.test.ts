import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteLayout } from '../../../schemas/index.js';
import {
  buildSiteModel,
  createSimulation,
  loadScenario,
  type Scenario,
  type SimulatedRead,
  type Simulation,
  type TruthEvent,
} from '../../../simulators/index.js';

const START_US = Date.UTC(2026, 3, 1, 8, 0, 0) * 1000;
const SECOND = 1_000_000;
/** Long enough at the test profile for the first incident of every kind to happen. */
const RUN_SEC = 400;
const PALLETS = 40;

interface Interval {
  zone: string;
  fromUs: number;
  toUs: number;
}

let scenario: Scenario;
let sim: Simulation;
let reads: SimulatedRead[];
let readsByEpc: Map<string, SimulatedRead[]>;
let truth: readonly TruthEvent[];
/** Each pallet's zone intervals, rebuilt from truth alone (open intervals end at the run's end). */
let intervals: Map<string, Interval[]>;
/** Where each pallet still on site is at the end of the run, from truth. */
let onSiteAtEnd: Map<string, string>;

beforeAll(async () => {
  scenario = await loadScenario();
  sim = createSimulation({ ...scenario, seed: 11, startUs: START_US, profile: 'test', palletCount: PALLETS });
  reads = [];
  for (let s = 10; s <= RUN_SEC; s += 10) reads.push(...sim.advance(START_US + s * SECOND));
  truth = sim.truth;
  readsByEpc = new Map();
  for (const r of reads) {
    const list = readsByEpc.get(r.read.epc);
    if (list) list.push(r);
    else readsByEpc.set(r.read.epc, [r]);
  }
  intervals = new Map();
  const open = new Map<string, { zone: string; fromUs: number }>();
  for (const e of truth) {
    if (e.kind === 'ZONE_ENTERED') {
      expect(open.has(e.epc), `${e.epc} entered ${e.zone} while in another zone`).toBe(false);
      open.set(e.epc, { zone: e.zone, fromUs: e.atUs });
    } else if (e.kind === 'ZONE_LEFT') {
      const was = open.get(e.epc);
      expect(was?.zone, `${e.epc} left ${e.zone}`).toBe(e.zone);
      open.delete(e.epc);
      intervals.set(e.epc, [
        ...(intervals.get(e.epc) ?? []),
        { zone: e.zone, fromUs: was!.fromUs, toUs: e.atUs },
      ]);
    }
  }
  for (const [epc, was] of open)
    intervals.set(epc, [...(intervals.get(epc) ?? []), { ...was, toUs: sim.nowUs }]);
  onSiteAtEnd = new Map([...open].map(([epc, was]) => [epc, was.zone]));
});

function zoneAt(epc: string, atUs: number): string | undefined {
  return intervals.get(epc)?.find((i) => i.fromUs <= atUs && atUs < i.toUs)?.zone;
}

function antennaOf(site: SiteLayout, readerId: string, port: number): SiteLayout['antennas'][number] {
  return site.antennas.find((a) => a.reader === readerId && a.port === port)!;
}

function events<K extends TruthEvent['kind']>(kind: K): Array<Extract<TruthEvent, { kind: K }>> {
  return truth.filter((e): e is Extract<TruthEvent, { kind: K }> => e.kind === kind);
}

describe('truth and reads agree', () => {
  it('every pallet of the run arrived through the entry portal, and routes are contiguous', () => {
    expect(intervals.size).toBe(PALLETS);
    for (const [epc, list] of intervals) {
      expect(list[0]!.zone, epc).toBe('GATE-N');
      for (let i = 1; i < list.length; i++) expect(list[i]!.fromUs, epc).toBe(list[i - 1]!.toUs);
    }
    const crossings = events('GATE_CROSSED');
    expect(crossings.filter((c) => c.direction === 'IN')).toHaveLength(PALLETS);
    expect(crossings.filter((c) => c.direction === 'OUT').length).toBeGreaterThan(5);
    for (const c of crossings) expect(zoneAt(c.epc, c.atUs)).toBe(c.gate);
  });

  it('every read comes from an antenna that can see the pallet where truth says it is', () => {
    const model = buildSiteModel(scenario.site);
    const phantom: string[] = [];
    for (const { readerId, read } of reads) {
      const antenna = antennaOf(scenario.site, readerId, read.antenna);
      const zone = zoneAt(read.epc, read.seenAtUs);
      const visible =
        zone === antenna.zone ||
        (antenna.role === 'COVERAGE' &&
          zone !== undefined &&
          model.crossReadZones(antenna.zone).includes(zone));
      if (!visible) phantom.push(`${readerId}/${read.antenna} ${read.epc} in ${zone} at ${read.seenAtUs}`);
    }
    expect(reads.length).toBeGreaterThan(50_000);
    expect(phantom.slice(0, 5)).toEqual([]);
  });

  it('every ZONE_ENTERED of a covered zone has reads from that zone’s antennas within the stay', () => {
    const covered = new Set(scenario.site.antennas.map((a) => a.zone));
    const missed: string[] = [];
    let checked = 0;
    for (const [epc, list] of intervals) {
      for (const stay of list) {
        if (!covered.has(stay.zone)) continue;
        checked++;
        const seen = (readsByEpc.get(epc) ?? []).some(
          ({ readerId, read }) =>
            read.seenAtUs >= stay.fromUs &&
            read.seenAtUs < stay.toUs &&
            antennaOf(scenario.site, readerId, read.antenna).zone === stay.zone,
        );
        if (!seen && !isSilenced(epc, stay.fromUs)) missed.push(`${epc} in ${stay.zone}`);
      }
    }
    expect(checked).toBeGreaterThan(PALLETS * 3);
    expect(missed).toEqual([]);
  });

  it('cross-reads from neighbouring zones are weaker than reads in the antenna’s own zone', () => {
    const own: number[] = [];
    const cross: number[] = [];
    for (const { readerId, read } of reads) {
      const antenna = antennaOf(scenario.site, readerId, read.antenna);
      if (antenna.role !== 'COVERAGE') continue;
      (zoneAt(read.epc, read.seenAtUs) === antenna.zone ? own : cross).push(read.rssiDbm!);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(cross.length).toBeGreaterThan(100);
    expect(mean(cross)).toBeLessThan(mean(own) - 7);
    // Cross-reads are rarer too.
    expect(cross.length).toBeLessThan(own.length / 3);
  });

  it('portal antennas see an entering pallet on the road side first and a leaving one on the bonded side first', () => {
    for (const crossing of events('GATE_CROSSED')) {
      const stay = intervals
        .get(crossing.epc)!
        .find((i) => i.zone === crossing.gate && i.fromUs <= crossing.atUs && crossing.atUs < i.toUs)!;
      const meanTime = (role: string): number => {
        const ts = (readsByEpc.get(crossing.epc) ?? [])
          .filter(({ read }) => read.seenAtUs >= stay.fromUs && read.seenAtUs < stay.toUs)
          .filter(({ readerId, read }) => antennaOf(scenario.site, readerId, read.antenna).role === role)
          .map(({ read }) => read.seenAtUs);
        expect(ts.length, `${role} reads of ${crossing.epc}`).toBeGreaterThan(0);
        return ts.reduce((a, b) => a + b, 0) / ts.length;
      };
      const [first, second] =
        crossing.direction === 'IN' ? ['PORTAL_OUT', 'PORTAL_IN'] : ['PORTAL_IN', 'PORTAL_OUT'];
      expect(meanTime(first), `${crossing.epc} ${crossing.direction}`).toBeLessThan(meanTime(second));
    }
  });

  it('reads carry valid TagRead fields and repeat within a slot (duplicates for dedup)', () => {
    const keys = new Set(
      reads.map(
        ({ readerId, read }) => `${readerId}/${read.antenna}/${read.epc}/${Math.floor(read.seenAtUs / 1000)}`,
      ),
    );
    expect(keys.size).toBeLessThan(reads.length * 0.9);
    for (const { read } of reads.slice(0, 1000)) {
      expect(read.epc).toMatch(/^31[0-9A-F]{22}$/);
      expect(read.count).toBe(1);
      expect(read.rssiDbm).toBeGreaterThanOrEqual(-100);
      expect(read.rssiDbm).toBeLessThanOrEqual(-20);
    }
  });

  it('occupancy answers agree with truth', () => {
    expect(onSiteAtEnd.size).toBeGreaterThan(10);
    for (const zone of scenario.site.zones) {
      const expected = [...onSiteAtEnd].filter(([, at]) => at === zone.id).map(([epc]) => epc);
      expect(sim.palletsIn(zone.id).sort(), zone.id).toEqual(expected.sort());
    }
    expect(Object.values(sim.occupancy()).flat().sort()).toEqual([...onSiteAtEnd.keys()].sort());
  });
});

describe('customs and incidents shape the flow', () => {
  const statusAt = (epc: string, atUs: number): string | undefined =>
    events('CUSTOMS_CHANGED')
      .filter((c) => c.epc === epc && c.atUs <= atUs)
      .at(-1)?.status;

  it('only released pallets leave, except the EXIT_WITHOUT_RELEASE incident', () => {
    const exits = events('GATE_CROSSED').filter((c) => c.direction === 'OUT');
    const smuggled = exits.filter((c) => statusAt(c.epc, c.atUs) !== 'RELEASED').map((c) => c.epc);
    const incident = scenario
      .schedule!.incidents.filter((i) => i.kind === 'EXIT_WITHOUT_RELEASE')
      .map((i) => i.epc);
    expect(smuggled.length).toBeGreaterThan(0);
    expect(smuggled.every((epc) => incident.includes(epc))).toBe(true);
  });

  it('HELD pallets stay in inspection, except the HELD_PALLET_MOVED incident', () => {
    const moved = scenario
      .schedule!.incidents.filter((i) => i.kind === 'HELD_PALLET_MOVED')
      .map((i) => i.epc);
    const wandered = new Set<string>();
    for (const e of events('ZONE_ENTERED')) {
      if (statusAt(e.epc, e.atUs) === 'HELD' && e.zone !== 'CIQ-INSP') wandered.add(e.epc);
    }
    for (const held of events('CUSTOMS_CHANGED').filter((c) => c.status === 'HELD')) {
      if (!moved.includes(held.epc)) expect(zoneAt(held.epc, held.atUs)).toBe('CIQ-INSP');
    }
    expect([...wandered]).toHaveLength(1);
    expect(moved).toContain([...wandered][0]);
  });

  it('a LEFT_IN_STAGING pallet waits far longer in staging than the others', () => {
    const left = scenario.schedule!.incidents.filter((i) => i.kind === 'LEFT_IN_STAGING').map((i) => i.epc);
    const stagingSec = [...intervals].flatMap(([epc, list]) =>
      list.filter((i) => i.zone === 'WH1-STAGE').map((i) => ({ epc, sec: (i.toUs - i.fromUs) / SECOND })),
    );
    const forgotten = stagingSec.filter((s) => left.includes(s.epc));
    expect(forgotten.length).toBeGreaterThan(0);
    const normal = stagingSec.filter((s) => !left.includes(s.epc));
    expect(Math.min(...forgotten.map((s) => s.sec))).toBeGreaterThan(
      10 * Math.max(...normal.map((s) => s.sec)),
    );
  });

  it('a TAG_SILENCED pallet is read before and never after', () => {
    const silenced = events('TAG_SILENCED');
    expect(silenced.length).toBeGreaterThan(0);
    for (const s of silenced) {
      const ofTag = reads.filter(({ read }) => read.epc === s.epc);
      expect(ofTag.some(({ read }) => read.seenAtUs < s.atUs)).toBe(true);
      expect(ofTag.filter(({ read }) => read.seenAtUs >= s.atUs)).toEqual([]);
    }
  });
});

function isSilenced(epc: string, atUs: number): boolean {
  return truth.some((e) => e.kind === 'TAG_SILENCED' && e.epc === epc && e.atUs <= atUs);
}
