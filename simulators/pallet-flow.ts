import type { CustomsStatus, Direction, ZoneKind } from '../schemas/index.js';
import type { Truck } from './arrivals.js';
import type { Prng } from './prng.js';
import type { RangeSec, SimulationProfile } from './profiles.js';
import type { IncidentKind } from './schedule-seed.js';
import type { SiteModel } from './site-model.js';

/** A time in a zone. `toUs` undefined: the pallet is still there when the run ends. */
export interface Stay {
  zone: string;
  fromUs: number;
  toUs: number | undefined;
  /** Set for a pass through a gate's portal, with the direction of travel. */
  transit?: Direction;
}

export interface GateCrossing {
  gate: string;
  direction: Direction;
  atUs: number;
}

/**
 * Pallets a forklift carries from a dock to storage in one trip: they leave and arrive together,
 * at the same instant, into the same zone.
 */
export interface ForkliftLoad {
  loadId: string;
  epcs: string[];
  fromZone: string;
  toZone: string;
  atUs: number;
}

/** Where one pallet will be, from the entry portal to the exit portal (or the end of the run). */
export interface PalletPlan {
  epc: string;
  truckId: string;
  stays: Stay[];
  crossings: GateCrossing[];
  /** From then on the tag no longer answers (a TAG_SILENCED incident). */
  silencedAtUs?: number;
  /** The forklift load it left its dock in, when it shared the trip with other pallets. */
  forklift?: ForkliftLoad;
}

/** The customs decisions that move a pallet, from its `CustomsStatus` records. */
interface CustomsTimeline {
  inspectionUs?: number;
  releasedUs?: number;
}

export interface PlanPalletFlowInput {
  model: SiteModel;
  profile: SimulationProfile;
  prng: Prng;
  trucks: readonly Truck[];
  customs: readonly CustomsStatus[];
  incidents: ReadonlyMap<string, ReadonlyArray<{ kind: IncidentKind; atUs: number }>>;
}

type Next = { leaveUs: number; to: string } | { leaveUs: number; to: 'EXIT' } | undefined;

/**
 * Route every pallet: entry portal → a dock (one per truck) → storage (by forklift, often several
 * pallets in one load, see forkliftTrips) → (inspection when customs orders it) → staging once
 * released → exit portal. A pallet that is never released stays where
 * it is; incidents bend the route on purpose. Times are whole milliseconds, so that reads
 * (stamped at slot times, see rf-model) never straddle a move.
 */
export function planPalletFlow(input: PlanPalletFlowInput): PalletPlan[] {
  const { model, profile, prng } = input;
  const ms = (us: number): number => Math.round(us / 1000) * 1000;
  const draw = (range: RangeSec): number => ms(prng.uniform(range[0], range[1]) * 1_000_000);
  const lag = (): number => draw(profile.handlingLagSec);
  const ids = (kind: ZoneKind): string[] => model.ofKind(kind).map((z) => z.id);
  const docks = ids('DOCK');
  const storages = ids('STORAGE');
  const inspections = ids('INSPECTION');
  const stagings = ids('STAGING');
  const timelines = customsTimelines(input.customs);

  const plans: PalletPlan[] = [];
  for (const truck of input.trucks) {
    const entryGate = prng.pick(model.entryGates).id;
    const dock = prng.pick(docks);
    // Pallets on one truck pass the portal within half a second of each other.
    const portal = truck.epcs.map(() => ({
      atUs: truck.atUs + ms(prng.uniform(0, 0.5) * 1_000_000),
      transitUs: draw(profile.gateTransitSec),
    }));
    const trips = forkliftTrips({
      truck,
      dock,
      dockedUs: portal.map((p) => p.atUs + p.transitUs),
      loadSize: () => prng.int(1, profile.forkliftCapacity),
      dwellUs: () => draw(profile.dwellSec.DOCK),
      storage: () => prng.pick(storages),
      // A pallet with an inspection order by then goes to inspection alone.
      inspectedBy: (epc, atUs) => {
        const at = timelines.get(epc)?.inspectionUs;
        return at !== undefined && at <= atUs && inspections.length > 0;
      },
    });
    for (const [index, epc] of truck.epcs.entries()) {
      const customs = timelines.get(epc) ?? {};
      const incidents = input.incidents.get(epc) ?? [];
      const incidentAt = (kind: IncidentKind): number | undefined =>
        incidents.find((i) => i.kind === kind)?.atUs;
      const plan: PalletPlan = { epc, truckId: truck.truckId, stays: [], crossings: [] };
      const silencedAtUs = incidentAt('TAG_SILENCED');
      if (silencedAtUs !== undefined) plan.silencedAtUs = silencedAtUs;

      let t = passPortal(plan, entryGate, 'IN', portal[index]!.atUs, portal[index]!.transitUs);
      let zone = dock;
      let inspected = false;
      const exitWithoutRelease = incidentAt('EXIT_WITHOUT_RELEASE');
      const heldMovedAt = incidentAt('HELD_PALLET_MOVED');
      const leftInStagingUntil = incidentAt('LEFT_IN_STAGING');

      while (true) {
        const kind = model.zones.get(zone)!.kind;
        const enteredUs = t;
        const after = (us: number | undefined): number | undefined =>
          us === undefined ? undefined : Math.max(us, enteredUs + 1_000_000);
        const candidates: Next[] = [];
        if (kind === 'DOCK') {
          const trip = trips.get(epc)!;
          if (trip.load) plan.forklift = trip.load;
          candidates.push({ leaveUs: trip.leaveUs, to: trip.to ?? prng.pick(inspections) });
        } else if (kind === 'STORAGE') {
          const minLeaveUs = enteredUs + draw(profile.dwellSec.STORAGE);
          if (!inspected && customs.inspectionUs !== undefined && inspections.length > 0) {
            // An inspection order does not wait for the storage dwell, only for handling.
            candidates.push({ leaveUs: after(customs.inspectionUs + lag())!, to: prng.pick(inspections) });
          } else if (customs.releasedUs !== undefined) {
            candidates.push({
              leaveUs: Math.max(minLeaveUs, customs.releasedUs + lag()),
              to: prng.pick(stagings),
            });
          }
          if (exitWithoutRelease !== undefined)
            candidates.push({ leaveUs: Math.max(minLeaveUs, exitWithoutRelease), to: prng.pick(stagings) });
        } else if (kind === 'INSPECTION') {
          inspected = true;
          const minLeaveUs = enteredUs + draw(profile.dwellSec.INSPECTION);
          if (customs.releasedUs !== undefined)
            candidates.push({
              leaveUs: Math.max(minLeaveUs, customs.releasedUs + lag()),
              to: prng.pick(stagings),
            });
          if (heldMovedAt !== undefined)
            candidates.push({ leaveUs: Math.max(minLeaveUs, heldMovedAt), to: prng.pick(storages) });
          if (exitWithoutRelease !== undefined)
            candidates.push({ leaveUs: Math.max(minLeaveUs, exitWithoutRelease), to: prng.pick(stagings) });
        } else if (kind === 'STAGING') {
          const leaveUs = Math.max(enteredUs + draw(profile.dwellSec.STAGING), leftInStagingUntil ?? 0);
          candidates.push({ leaveUs, to: 'EXIT' });
        }
        const next = earliest(candidates);
        plan.stays.push({ zone, fromUs: enteredUs, toUs: next === undefined ? undefined : ms(next.leaveUs) });
        if (next === undefined) break;
        t = ms(next.leaveUs);
        if (next.to === 'EXIT') {
          passPortal(plan, prng.pick(model.exitGates).id, 'OUT', t, draw(profile.gateTransitSec));
          break;
        }
        zone = next.to;
      }
      plans.push(plan);
    }
  }
  return plans;
}

interface ForkliftTripsInput {
  truck: Truck;
  dock: string;
  /** When each of the truck's pallets reaches the dock, in truck order. */
  dockedUs: number[];
  /** Pallets in the next load (1 to the forklift's capacity). */
  loadSize: () => number;
  dwellUs: () => number;
  storage: () => string;
  inspectedBy: (epc: string, atUs: number) => boolean;
}

/**
 * How a truck's pallets leave its dock: in truck order, loads of 1 to `capacity` pallets, each load
 * leaving a dock dwell after its last pallet arrived, to one storage zone. A pallet whose
 * inspection was ordered by then leaves at that time alone, for inspection (`to` undefined).
 */
function forkliftTrips(
  input: ForkliftTripsInput,
): Map<string, { leaveUs: number; to: string | undefined; load?: ForkliftLoad }> {
  const { truck, dockedUs } = input;
  const out = new Map<string, { leaveUs: number; to: string | undefined; load?: ForkliftLoad }>();
  let trip = 0;
  for (let i = 0; i < truck.epcs.length;) {
    const size = Math.min(truck.epcs.length - i, input.loadSize());
    const epcs = truck.epcs.slice(i, i + size);
    const leaveUs = Math.max(...dockedUs.slice(i, i + size)) + input.dwellUs();
    const toZone = input.storage();
    const carried = epcs.filter((epc) => !input.inspectedBy(epc, leaveUs));
    trip++;
    const load =
      carried.length >= 2
        ? { loadId: `${truck.truckId}-F${trip}`, epcs: carried, fromZone: input.dock, toZone, atUs: leaveUs }
        : undefined;
    for (const epc of epcs) {
      if (!carried.includes(epc)) out.set(epc, { leaveUs, to: undefined });
      else out.set(epc, load ? { leaveUs, to: toZone, load } : { leaveUs, to: toZone });
    }
    i += size;
  }
  return out;
}

function earliest(candidates: Next[]): Next {
  let best: Next;
  for (const c of candidates) if (c && (best === undefined || c.leaveUs < best.leaveUs)) best = c;
  return best;
}

/** A stay in the gate zone with the crossing at its middle; returns when the pallet is through. */
function passPortal(
  plan: PalletPlan,
  gate: string,
  direction: Direction,
  fromUs: number,
  transitUs: number,
): number {
  const toUs = fromUs + transitUs;
  plan.stays.push({ zone: gate, fromUs, toUs, transit: direction });
  plan.crossings.push({ gate, direction, atUs: fromUs + Math.round(transitUs / 2000) * 1000 });
  return toUs;
}

/** First inspection order and first release of each pallet. */
function customsTimelines(customs: readonly CustomsStatus[]): Map<string, CustomsTimeline> {
  const out = new Map<string, CustomsTimeline>();
  for (const c of customs) {
    if (c.epc === undefined) continue;
    const timeline = out.get(c.epc) ?? {};
    if (c.status === 'INSPECTION_REQUIRED') timeline.inspectionUs ??= c.atUs;
    if (c.status === 'RELEASED') timeline.releasedUs ??= c.atUs;
    out.set(c.epc, timeline);
  }
  return out;
}
