import type { Manifest } from '../schemas/index.js';
import { offsetToUs } from './customs-seed.js';
import type { Prng } from './prng.js';
import type { ScheduleSeed } from './schedule-seed.js';

/** A truck at the entry gate: its pallets pass the portal together and unload at one dock. */
export interface Truck {
  truckId: string;
  atUs: number;
  epcs: string[];
}

export interface PlanTrucksInput {
  manifest: Manifest;
  schedule?: ScheduleSeed | undefined;
  /** Simulate only the first N pallets in arrival order (the last truck may be cut short). */
  palletCount?: number | undefined;
  startUs: number;
  timeScale: number;
  /** Mean gap between generated trucks, seconds before timeScale. */
  meanTruckIntervalSec: number;
  prng: Prng;
}

/**
 * Trucks in arrival order. Scheduled arrivals come first (pallets not in the manifest are left
 * out); manifest pallets that no arrival mentions follow on generated trucks of 1-6 pallets,
 * spaced by exponential gaps, so that any manifest can be simulated without a schedule.
 */
export function planTrucks(input: PlanTrucksInput): Truck[] {
  const { manifest, schedule, startUs, timeScale, prng } = input;
  const known = new Set(manifest.pallets.map((p) => p.epc));
  const scheduled = new Set<string>();
  const trucks: Truck[] = [];
  const arrivals = [...(schedule?.arrivals ?? [])].sort((a, b) => a.atOffsetSec - b.atOffsetSec);
  for (const arrival of arrivals) {
    const epcs = arrival.epcs.filter((epc) => known.has(epc) && !scheduled.has(epc));
    epcs.forEach((epc) => scheduled.add(epc));
    if (epcs.length > 0)
      trucks.push({
        truckId: arrival.truckId,
        atUs: offsetToUs(arrival.atOffsetSec, startUs, timeScale),
        epcs,
      });
  }

  const rest = manifest.pallets.map((p) => p.epc).filter((epc) => !scheduled.has(epc));
  let offsetSec = arrivals.at(-1)?.atOffsetSec ?? 0;
  let generated = 0;
  for (let i = 0; i < rest.length;) {
    const size = prng.int(1, 6);
    offsetSec += prng.exponential(input.meanTruckIntervalSec);
    generated++;
    const truckId = `GEN-${String(generated).padStart(4, '0')}`;
    trucks.push({ truckId, atUs: offsetToUs(offsetSec, startUs, timeScale), epcs: rest.slice(i, i + size) });
    i += size;
  }
  return cutToPalletCount(trucks, input.palletCount);
}

function cutToPalletCount(trucks: Truck[], palletCount: number | undefined): Truck[] {
  if (palletCount === undefined) return trucks;
  const out: Truck[] = [];
  let left = palletCount;
  for (const truck of trucks) {
    if (left <= 0) break;
    out.push(truck.epcs.length <= left ? truck : { ...truck, epcs: truck.epcs.slice(0, left) });
    left -= truck.epcs.length;
  }
  return out;
}
