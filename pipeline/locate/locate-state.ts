import type { StateStore } from '../../runtime/state-store.js';
import type { PalletTimerState } from '../rules/pallet-timers.js';
import type { PalletState } from './locate-operator.js';

/**
 * The changelog entries of the locate stage (`{prefix}.locate-state.v1`, compacted, partition =
 * the observations partition):
 *
 * - key EPC → `{"l": PalletState?, "t": PalletTimerState?, "s": SeenWindows?}`; a tombstone when
 *   the pallet has no state left;
 * - key `META_KEY` → the partition's progress: next input offset not yet in the state, the
 *   timers' event-time watermark and last scan, the learned antenna levels, own-pallet and
 *   cross-read means.
 *
 * Plain JSON of the in-memory structures, written in a fixed key order (so the same state always
 * serialises to the same bytes); numbers round-trip exactly.
 */
export const META_KEY = '~partition';

/** Newest window end (`lastSeenUs`) applied per `reader\0antenna`, to skip replayed observations. */
export type SeenWindows = Record<string, number>;

/** The replay guard's store: `advance` records `atUs` under `key` unless it is not newer (a replay). */
export interface SeenStore extends StateStore<SeenWindows> {
  /** True when `atUs` is newer than what `key` held (now recorded), false for a replay. */
  advance(epc: string, key: string, atUs: number): boolean;
}

export interface PartitionMeta {
  nextOffset: number;
  watermarkUs: number;
  lastScanUs: number;
  levels: Array<[string, number]>;
  /** Own-pallet RSSI means per antenna, [antenna, mean dBm, count] (AntennaLevels.ownSnapshot); absent in older entries. */
  own?: Array<[string, number, number]>;
  /** Cross-read RSSI means per antenna, as `own` (AntennaLevels.crossSnapshot); absent in older entries. */
  cross?: Array<[string, number, number]>;
}

export interface PalletEntry {
  locate?: PalletState;
  timers?: PalletTimerState;
  seen?: SeenWindows;
}

/** The entry of one pallet, or undefined when it has nothing left (write a tombstone). */
export function encodePallet(
  locate: PalletState | undefined,
  timers: PalletTimerState | undefined,
  seen: SeenWindows | undefined,
): string | undefined {
  if (!locate && !timers) return undefined;
  const entry: { l?: PalletState; t?: PalletTimerState; s?: SeenWindows } = {};
  if (locate) entry.l = locate;
  if (timers) entry.t = timers;
  if (seen) entry.s = sortedRecord(seen);
  return JSON.stringify(entry);
}

export function decodePallet(text: string): PalletEntry {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== 'object' || raw === null) throw new Error('locate state entry is not an object');
  const { l, t, s } = raw as { l?: unknown; t?: unknown; s?: unknown };
  const entry: PalletEntry = {};
  if (l !== undefined) {
    if (typeof l !== 'object' || l === null || !Array.isArray((l as PalletState).recent))
      throw new Error('locate state entry: "l" is not a pallet state');
    entry.locate = l as PalletState;
  }
  if (t !== undefined) {
    if (typeof t !== 'object' || t === null || typeof (t as PalletTimerState).lastSeenUs !== 'number')
      throw new Error('locate state entry: "t" is not a timer state');
    entry.timers = t as PalletTimerState;
  }
  if (s !== undefined) {
    if (typeof s !== 'object' || s === null) throw new Error('locate state entry: "s" is not an object');
    entry.seen = s as SeenWindows;
  }
  return entry;
}

export function encodeMeta(meta: PartitionMeta): string {
  return JSON.stringify({
    nextOffset: meta.nextOffset,
    watermarkUs: meta.watermarkUs,
    lastScanUs: meta.lastScanUs,
    levels: meta.levels,
    ...(meta.own ? { own: meta.own } : {}),
    ...(meta.cross ? { cross: meta.cross } : {}),
  });
}

export function decodeMeta(text: string): PartitionMeta {
  const raw = JSON.parse(text) as Partial<PartitionMeta>;
  if (
    typeof raw.nextOffset !== 'number' ||
    typeof raw.watermarkUs !== 'number' ||
    typeof raw.lastScanUs !== 'number' ||
    !Array.isArray(raw.levels)
  )
    throw new Error('locate partition meta is malformed');
  if (raw.own !== undefined && !Array.isArray(raw.own))
    throw new Error('locate partition meta: "own" is not a list');
  if (raw.cross !== undefined && !Array.isArray(raw.cross))
    throw new Error('locate partition meta: "cross" is not a list');
  return {
    nextOffset: raw.nextOffset,
    watermarkUs: raw.watermarkUs,
    lastScanUs: raw.lastScanUs,
    levels: raw.levels,
    ...(raw.own ? { own: raw.own } : {}),
    ...(raw.cross ? { cross: raw.cross } : {}),
  };
}

function sortedRecord(record: SeenWindows): SeenWindows {
  const out: SeenWindows = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}
