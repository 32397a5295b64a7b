import type { Direction } from '../../schemas/index.js';

/** One portal dedup window of a passage: which side, when it started, its peak RSSI. */
export interface PortalRead {
  inner: boolean;
  firstUs: number;
  peakDbm: number;
  /** The dedup window (reader, antenna, start): its first read and summary merge into one entry. */
  slot?: string;
}

export interface PassageJudgement {
  direction: Direction;
  /** When the second side first read the pallet strongly: about when it passed between them. */
  atUs: number;
  /** Share of the passage's windows strong enough to count. */
  confidence: number;
}

/**
 * The direction of a portal passage, or undefined while it cannot be told. The side a pallet comes
 * from reads it strongly first; the far side may catch a weak read early (the simulator's portal
 * model: ~5% per slot, ~15 dB down), so a window counts only if its peak is within `marginDb` of
 * the strongest peak of the passage's windows up to its own (those that started no later than one
 * dedup window, `windowUs`, after it: its peak may be anywhere in its window). Up to its own, not
 * of the whole passage: one read far above the rest later on (RSSI noise has tails) must not push
 * the side the pallet came from out of the margin after the fact and leave the passage undecided.
 * Judged on event time over all windows so far, so the order observations arrive in does not
 * matter. PORTAL_IN faces the bonded side: inner side first, then outer, is OUT (docs/architecture.md).
 */
export function judgePassage(
  reads: readonly PortalRead[],
  marginDb: number,
  windowUs: number,
): PassageJudgement | undefined {
  if (reads.length === 0) return undefined;
  const byTime = [...reads].sort((a, b) => a.firstUs - b.firstUs);
  let inFirstUs: number | undefined;
  let outFirstUs: number | undefined;
  let strong = 0;
  let peakDbm = Number.NEGATIVE_INFINITY;
  let upTo = 0; // windows in byTime[0, upTo) are in `peakDbm`
  for (const r of byTime) {
    while (upTo < byTime.length && byTime[upTo]!.firstUs <= r.firstUs + windowUs)
      peakDbm = Math.max(peakDbm, byTime[upTo++]!.peakDbm);
    if (r.peakDbm < peakDbm - marginDb) continue;
    strong++;
    if (r.inner) inFirstUs ??= r.firstUs;
    else outFirstUs ??= r.firstUs;
  }
  if (inFirstUs === undefined || outFirstUs === undefined) return undefined;
  return {
    direction: inFirstUs <= outFirstUs ? 'OUT' : 'IN',
    atUs: Math.max(inFirstUs, outFirstUs),
    confidence: strong / reads.length,
  };
}
