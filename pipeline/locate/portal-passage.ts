import type { Direction } from '../../schemas/index.js';

/** One portal observation of a passage: which side, when it started, its peak RSSI. */
export interface PortalRead {
  inner: boolean;
  firstUs: number;
  peakDbm: number;
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
 * model: ~5% per slot, ~15 dB down), so only reads within `marginDb` of the passage's strongest
 * count. Judged over all reads so far, so the order observations arrive in does not matter.
 * PORTAL_IN faces the bonded side: inner side first, then outer, is OUT (docs/architecture.md).
 */
export function judgePassage(reads: readonly PortalRead[], marginDb: number): PassageJudgement | undefined {
  if (reads.length === 0) return undefined;
  const peakDbm = Math.max(...reads.map((r) => r.peakDbm));
  let inFirstUs: number | undefined;
  let outFirstUs: number | undefined;
  let strong = 0;
  for (const r of reads) {
    if (r.peakDbm < peakDbm - marginDb) continue;
    strong++;
    if (r.inner) inFirstUs = Math.min(inFirstUs ?? r.firstUs, r.firstUs);
    else outFirstUs = Math.min(outFirstUs ?? r.firstUs, r.firstUs);
  }
  if (inFirstUs === undefined || outFirstUs === undefined) return undefined;
  return {
    direction: inFirstUs <= outFirstUs ? 'OUT' : 'IN',
    atUs: Math.max(inFirstUs, outFirstUs),
    confidence: strong / reads.length,
  };
}
