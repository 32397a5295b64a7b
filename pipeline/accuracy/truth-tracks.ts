import type { CustomsState, Direction } from '../../schemas/index.js';
import type { TruthEvent } from '../../simulators/index.js';

/** A stretch of time one pallet spent in one zone, [fromUs, toUs). */
export interface ZoneInterval {
  epc: string;
  zone: string;
  fromUs: number;
  toUs: number;
}

/** A pallet arriving in a zone (the moment it entered, per ground truth or per a locator). */
export interface Transition {
  epc: string;
  toZone: string;
  atUs: number;
}

export interface Crossing {
  epc: string;
  gate: string;
  direction: Direction;
  atUs: number;
}

/** What really happened in a run, in the shapes the scoring compares. */
export interface TruthTracks {
  /** Stays in non-gate zones, cut at the end of the run. */
  stays: ZoneInterval[];
  /** Every entry into a non-gate zone. */
  transitions: Transition[];
  crossings: Crossing[];
  /** Outward crossings of an exit gate while the pallet's customs status was not RELEASED. */
  unreleasedExits: Crossing[];
}

/**
 * Turns the simulator's truth log into intervals and transitions. Gate zones are left out of zone
 * time and transitions: a pallet is in a portal for a few seconds and only passes through it; the
 * crossing (with its direction) is what is scored there.
 */
export function buildTruthTracks(
  truth: readonly TruthEvent[],
  endUs: number,
  isGate: (zone: string) => boolean,
  isExitGate: (zone: string) => boolean,
): TruthTracks {
  const open = new Map<string, { zone: string; fromUs: number }>();
  const customs = new Map<string, CustomsState>();
  const out: TruthTracks = { stays: [], transitions: [], crossings: [], unreleasedExits: [] };
  const close = (epc: string, zone: string, atUs: number): void => {
    const stay = open.get(epc);
    if (!stay || stay.zone !== zone) return;
    open.delete(epc);
    if (!isGate(zone) && atUs > stay.fromUs) out.stays.push({ epc, zone, fromUs: stay.fromUs, toUs: atUs });
  };
  for (const event of truth) {
    if (event.atUs > endUs) break;
    switch (event.kind) {
      case 'ZONE_ENTERED':
        open.set(event.epc, { zone: event.zone, fromUs: event.atUs });
        if (!isGate(event.zone))
          out.transitions.push({ epc: event.epc, toZone: event.zone, atUs: event.atUs });
        break;
      case 'ZONE_LEFT':
        close(event.epc, event.zone, event.atUs);
        break;
      case 'GATE_CROSSED': {
        const crossing = { epc: event.epc, gate: event.gate, direction: event.direction, atUs: event.atUs };
        out.crossings.push(crossing);
        if (event.direction === 'OUT' && isExitGate(event.gate) && customs.get(event.epc) !== 'RELEASED')
          out.unreleasedExits.push(crossing);
        break;
      }
      case 'CUSTOMS_CHANGED':
        customs.set(event.epc, event.status);
        break;
      case 'TAG_SILENCED':
        break;
    }
  }
  for (const [epc, stay] of open) close(epc, stay.zone, endUs);
  return out;
}
