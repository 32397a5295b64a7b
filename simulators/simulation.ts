import type { CustomsStatus, Manifest, SiteLayout, TagRead } from '../schemas/index.js';
import { ConfigError } from '../runtime/errors.js';
import { planTrucks } from './arrivals.js';
import { offsetToUs, toCustomsStatuses, type CustomsSeed } from './customs-seed.js';
import { planPalletFlow, type PalletPlan, type Stay } from './pallet-flow.js';
import { Prng } from './prng.js';
import {
  resolveProfile,
  type Gen2Session,
  type ProfileName,
  type RfProfile,
  type SimulationProfile,
} from './profiles.js';
import { Gen2SessionModel } from './gen2-session.js';
import { validateReaderBehaviours, type ReaderBehaviour } from './reader-behaviour.js';
import { readAntennaSlot, type RfWorld, type TagPresence } from './rf-model.js';
import type { IncidentKind, ScheduleSeed } from './schedule-seed.js';
import { buildSiteModel } from './site-model.js';
import { TruthLog, type TruthEvent } from './truth.js';

/** One read as a simulated reader reports it. */
export interface SimulatedRead {
  readerId: string;
  read: TagRead;
}

export interface SimulationOptions {
  site: SiteLayout;
  manifest: Manifest;
  /** Customs decisions; without them no pallet is ever released (none leaves the site). */
  customs?: CustomsSeed | undefined;
  /** Truck arrivals and incidents; without it trucks are generated from the seed. */
  schedule?: ScheduleSeed | undefined;
  /** Same seed, same inputs → byte-identical reads and truth. */
  seed: number;
  /** Virtual start of the run, µs since the Unix epoch, whole ms (reads carry virtual time). */
  startUs: number;
  /** Simulate only the first N pallets in arrival order. Default: the whole manifest. */
  palletCount?: number | undefined;
  /** `demo` (default) or `test` (fast), or a profile of your own. */
  profile?: ProfileName | SimulationProfile | undefined;
  /** Overrides the profile's timeScale (seed offsets × timeScale). */
  timeScale?: number | undefined;
  /** Append truth to this JSONL file as it happens (created or truncated). */
  truthFile?: string | undefined;
  /** Per reader id: clock skew, outages, Gen2 session (see reader-behaviour.ts). */
  readers?: Readonly<Record<string, ReaderBehaviour>> | undefined;
  /** Gen2 session of every reader without one of its own. Default: the profile's (S0). */
  session?: Gen2Session | undefined;
  /** Share of reads lost after the RF model produced them. Default: the profile's (0). */
  missProbability?: number | undefined;
}

export interface Simulation {
  readonly site: SiteLayout;
  readonly profile: SimulationProfile;
  readonly startUs: number;
  /** Virtual time reached so far. */
  readonly nowUs: number;
  /** Every pallet's route, decided up front (ground truth for the whole run). */
  readonly plans: readonly PalletPlan[];
  /** The customs decisions of this run, absolute, in time order; a demo publishes them when due. */
  readonly customs: readonly CustomsStatus[];
  /** Truth reached so far, in order. */
  readonly truth: readonly TruthEvent[];
  /**
   * Run virtual time forward to `toUs` (≥ nowUs). Returns the reads of every antenna slot at or
   * before `toUs`, in slot order (per reader, `seenAtUs` never decreases), and records truth.
   * How a run is cut into `advance` calls does not change its output.
   */
  advance(toUs: number): SimulatedRead[];
  /**
   * The customs decisions that fell due (atUs ≤ nowUs) since the last call, in order: what a demo
   * publishes to the customs topic after each step.
   */
  takeDueCustoms(): CustomsStatus[];
  /** EPCs in `zone` now. */
  palletsIn(zone: string): string[];
  /** Every occupied zone with its EPCs, now. */
  occupancy(): Record<string, string[]>;
  /** Close the truth file. */
  close(): void;
}

interface ReaderClock {
  readerId: string;
  nextSlotUs: number;
  slotUs: number;
  slot: number;
  /** Added to every seenAtUs the reader reports. */
  skewUs: number;
  session: Gen2SessionModel;
}

/** A truth event plus, for ZONE_ENTERED, the stay it opens (the RF model needs its transit). */
interface Scheduled {
  event: TruthEvent;
  stay?: Stay;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const profile = resolveProfile(options.profile);
  const timeScale = options.timeScale ?? profile.timeScale;
  if (!(timeScale > 0)) throw new ConfigError(`timeScale must be > 0, got ${timeScale}`);
  // Whole ms: moves and read slots sit on ms boundaries, so a slot's duplicates (< 1 ms later)
  // never straddle a move.
  if (!Number.isInteger(options.startUs) || options.startUs % 1000 !== 0) {
    throw new ConfigError(
      `startUs must be whole milliseconds in µs (a multiple of 1000), got ${options.startUs}`,
    );
  }
  const model = buildSiteModel(options.site);
  const behaviours = options.readers ?? {};
  validateReaderBehaviours(
    behaviours,
    model.readers.map((r) => r.reader.id),
  );
  const missProbability = options.missProbability ?? profile.rf.missProbability;
  if (!(missProbability >= 0 && missProbability < 1))
    throw new ConfigError(`missProbability must be in [0, 1), got ${missProbability}`);
  const rf: RfProfile = { ...profile.rf, missProbability, session: options.session ?? profile.rf.session };
  const root = new Prng(options.seed);
  const { site, startUs } = options;

  const trucks = planTrucks({
    manifest: options.manifest,
    schedule: options.schedule,
    palletCount: options.palletCount,
    startUs,
    timeScale,
    meanTruckIntervalSec: profile.meanTruckIntervalSec,
    prng: root.fork('arrivals'),
  });
  const inRun = new Set(trucks.flatMap((t) => t.epcs));
  const ssccByEpc = new Map(options.manifest.pallets.map((p) => [p.epc, p.sscc]));
  const customs = options.customs
    ? toCustomsStatuses(options.customs, { site: site.site, startUs, timeScale, epcs: inRun, ssccByEpc })
    : [];
  const incidents = new Map<string, Array<{ kind: IncidentKind; atUs: number }>>();
  for (const incident of options.schedule?.incidents ?? []) {
    if (!inRun.has(incident.epc)) continue;
    const atUs = offsetToUs(incident.atOffsetSec, startUs, timeScale);
    incidents.set(incident.epc, [...(incidents.get(incident.epc) ?? []), { kind: incident.kind, atUs }]);
  }
  const plans = planPalletFlow({ model, profile, prng: root.fork('flow'), trucks, customs, incidents });
  const schedule = scheduleTruth(plans, customs, readerTruth(behaviours, startUs));

  const truth = new TruthLog(options.truthFile === undefined ? {} : { path: options.truthFile });
  const rfPrng = root.fork('rf');
  // Where a pallet stands in a zone: its own stream, so placements do not shift the RF draws.
  const placement = root.fork('placement');
  const down = new Set<string>();
  const present = new Map<string, Map<string, TagPresence>>(model.layout.zones.map((z) => [z.id, new Map()]));
  const silenced = new Set<string>();
  const world: RfWorld = {
    tagsIn: (zone) => present.get(zone)?.values() ?? [],
    answers: (epc) => !silenced.has(epc),
  };
  // Readers start a few ms apart, as independent devices would; every slot is on a whole ms.
  const clocks: ReaderClock[] = model.readers
    .filter((r) => r.antennas.length > 0)
    .map((r, i) => {
      const cycleUs = r.hasPortal ? profile.portalReadCycleUs : profile.readCycleUs;
      const slotUs = Math.max(1000, Math.floor(cycleUs / r.antennas.length / 1000) * 1000);
      const behaviour = behaviours[r.reader.id] ?? {};
      return {
        readerId: r.reader.id,
        nextSlotUs: startUs + ((i * 7000) % slotUs),
        slotUs,
        slot: 0,
        skewUs: behaviour.clockSkewUs ?? 0,
        session: new Gen2SessionModel(
          behaviour.session ?? rf.session,
          rf,
          root.fork(`session:${r.reader.id}`),
        ),
      };
    });
  const antennasOf = new Map(model.readers.map((r) => [r.reader.id, r.antennas]));
  let next = 0;
  let nextCustoms = 0;
  let nowUs = startUs;

  const apply = ({ event, stay }: Scheduled): void => {
    if (event.kind === 'ZONE_ENTERED' && stay) {
      const [nearM, farM] = rf.coverageDistanceM;
      const distanceM = placement.uniform(nearM, farM);
      present.get(event.zone)?.set(event.epc, { epc: event.epc, stay, distanceM });
    }
    if (event.kind === 'READER_DOWN') down.add(event.readerId);
    if (event.kind === 'READER_UP') down.delete(event.readerId);
    if (event.kind === 'ZONE_LEFT') present.get(event.zone)?.delete(event.epc);
    if (event.kind === 'TAG_SILENCED') silenced.add(event.epc);
    truth.record(event);
  };

  return {
    site,
    profile,
    startUs,
    plans,
    customs,
    get nowUs() {
      return nowUs;
    },
    get truth() {
      return truth.events;
    },
    advance(toUs: number): SimulatedRead[] {
      if (toUs < nowUs) throw new RangeError(`cannot go back in time: advance(${toUs}) after ${nowUs}`);
      const out: SimulatedRead[] = [];
      while (true) {
        let clock: ReaderClock | undefined;
        for (const c of clocks) if (clock === undefined || c.nextSlotUs < clock.nextSlotUs) clock = c;
        const pending = schedule[next];
        // Moves at the slot's instant happen before it is read (≤), so reads never precede truth.
        if (
          pending &&
          pending.event.atUs <= toUs &&
          (clock === undefined || pending.event.atUs <= clock.nextSlotUs)
        ) {
          apply(pending);
          next++;
          continue;
        }
        if (clock === undefined || clock.nextSlotUs > toUs) break;
        const antennas = antennasOf.get(clock.readerId)!;
        const antenna = antennas[clock.slot % antennas.length]!;
        // A reader that is down reads nothing and powers no tag; its cycle goes on in true time.
        if (!down.has(clock.readerId)) {
          const slot = readAntennaSlot(antenna, clock.nextSlotUs, model, world, rf, rfPrng, clock.session);
          for (const read of slot) {
            if (clock.skewUs !== 0) read.seenAtUs += clock.skewUs;
            out.push({ readerId: clock.readerId, read });
          }
        }
        clock.slot++;
        clock.nextSlotUs += clock.slotUs;
      }
      nowUs = toUs;
      return out;
    },
    takeDueCustoms(): CustomsStatus[] {
      const from = nextCustoms;
      while (nextCustoms < customs.length && customs[nextCustoms]!.atUs <= nowUs) nextCustoms++;
      return customs.slice(from, nextCustoms);
    },
    palletsIn: (zone) => truth.palletsIn(zone),
    occupancy: () => truth.occupancy(),
    close: () => truth.close(),
  };
}

/**
 * Every truth event of the run in time order. Within one instant the sort is stable, so a pallet's
 * ZONE_LEFT comes before its next ZONE_ENTERED, and physical moves before customs decisions.
 */
function scheduleTruth(
  plans: readonly PalletPlan[],
  customs: readonly CustomsStatus[],
  readers: readonly TruthEvent[],
): Scheduled[] {
  const out: Scheduled[] = readers.map((event) => ({ event }));
  for (const plan of plans) {
    const { epc } = plan;
    const moves: Array<Scheduled & { order: number }> = [];
    for (const stay of plan.stays) {
      moves.push({
        event: { kind: 'ZONE_ENTERED', epc, zone: stay.zone, atUs: stay.fromUs },
        stay,
        order: 1,
      });
      if (stay.toUs !== undefined)
        moves.push({ event: { kind: 'ZONE_LEFT', epc, zone: stay.zone, atUs: stay.toUs }, order: 0 });
    }
    for (const c of plan.crossings) {
      moves.push({
        event: { kind: 'GATE_CROSSED', epc, gate: c.gate, direction: c.direction, atUs: c.atUs },
        order: 2,
      });
    }
    // The load once, with its first pallet, before the pallets' own ZONE_LEFT/ZONE_ENTERED.
    const load = plan.forklift;
    if (load && load.epcs[0] === epc) {
      const { loadId, epcs, fromZone, toZone, atUs } = load;
      moves.push({ event: { kind: 'FORKLIFT_MOVED', loadId, epcs, fromZone, toZone, atUs }, order: -1 });
    }
    if (plan.silencedAtUs !== undefined)
      moves.push({ event: { kind: 'TAG_SILENCED', epc, atUs: plan.silencedAtUs }, order: 3 });
    moves.sort((a, b) => a.event.atUs - b.event.atUs || a.order - b.order);
    out.push(...moves.map(({ event, stay }) => (stay ? { event, stay } : { event })));
  }
  for (const c of customs) {
    if (c.epc === undefined) continue;
    out.push({
      event: {
        kind: 'CUSTOMS_CHANGED',
        epc: c.epc,
        declarationId: c.declarationId,
        status: c.status,
        atUs: c.atUs,
      },
    });
  }
  return out.sort((a, b) => a.event.atUs - b.event.atUs);
}

/** READER_CLOCK_SKEW at the start for every skewed reader, READER_DOWN/UP around every outage. */
function readerTruth(behaviours: Readonly<Record<string, ReaderBehaviour>>, startUs: number): TruthEvent[] {
  const out: TruthEvent[] = [];
  for (const [readerId, b] of Object.entries(behaviours).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (b.clockSkewUs)
      out.push({ kind: 'READER_CLOCK_SKEW', readerId, offsetUs: b.clockSkewUs, atUs: startUs });
    for (const o of b.outages ?? []) {
      out.push({ kind: 'READER_DOWN', readerId, atUs: Math.max(startUs, o.fromUs) });
      out.push({ kind: 'READER_UP', readerId, atUs: Math.max(startUs, o.toUs) });
    }
  }
  return out;
}
