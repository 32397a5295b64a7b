import { deterministicId } from '../../runtime/ids.js';
import type { Direction, TagRead, ZoneEvent } from '../../schemas/index.js';
import type { SiteIndex } from '../site/site-index.js';

interface NaivePallet {
  zone?: string;
  /** Latest read per zone: its time and RSSI. */
  latest: Map<string, { atUs: number; rssiDbm: number }>;
  portal?: { gate: string; inFirstUs?: number; outFirstUs?: number; lastUs: number; decided: boolean };
}

/**
 * The baseline the issue asks to beat: every raw read puts the pallet in the zone of its strongest
 * latest read (the strongest among the zones that read it within the last `recentUs`), with no
 * dedup, no evidence window and no hysteresis; gate direction from which portal side read it first.
 */
export class NaiveLocator {
  private readonly pallets = new Map<string, NaivePallet>();

  constructor(
    private readonly site: SiteIndex,
    private readonly recentUs = 1_000_000,
    private readonly portalGapUs = 10_000_000,
  ) {}

  ingest(readerId: string, read: TagRead): ZoneEvent[] {
    const antenna = this.site.antenna(readerId, read.antenna);
    if (!antenna) return [];
    let pallet = this.pallets.get(read.epc);
    if (!pallet) {
      pallet = { latest: new Map() };
      this.pallets.set(read.epc, pallet);
    }
    if (antenna.role !== 'COVERAGE')
      return this.portal(read, antenna.zone, antenna.role === 'PORTAL_IN', pallet);
    pallet.latest.set(antenna.zone, { atUs: read.seenAtUs, rssiDbm: read.rssiDbm ?? -70 });
    let best: string | undefined;
    let bestRssi = Number.NEGATIVE_INFINITY;
    for (const [zone, last] of pallet.latest) {
      if (read.seenAtUs - last.atUs > this.recentUs) continue;
      if (last.rssiDbm > bestRssi) {
        best = zone;
        bestRssi = last.rssiDbm;
      }
    }
    if (best === undefined || best === pallet.zone) return [];
    const from = pallet.zone;
    pallet.zone = best;
    return [
      event(read.epc, this.site.site, from === undefined ? 'ARRIVED' : 'MOVED', read.seenAtUs, from, best),
    ];
  }

  private portal(read: TagRead, gate: string, innerSide: boolean, pallet: NaivePallet): ZoneEvent[] {
    let p = pallet.portal;
    if (!p || p.gate !== gate || read.seenAtUs - p.lastUs > this.portalGapUs) {
      p = { gate, lastUs: read.seenAtUs, decided: false };
      pallet.portal = p;
    }
    p.lastUs = Math.max(p.lastUs, read.seenAtUs);
    if (p.decided) return [];
    if (innerSide) p.inFirstUs ??= read.seenAtUs;
    else p.outFirstUs ??= read.seenAtUs;
    if (p.inFirstUs === undefined || p.outFirstUs === undefined) return [];
    p.decided = true;
    const direction: Direction = p.inFirstUs <= p.outFirstUs ? 'OUT' : 'IN';
    const crossed = event(
      read.epc,
      this.site.site,
      'CROSSED_GATE',
      read.seenAtUs,
      undefined,
      gate,
      direction,
    );
    if (direction !== 'OUT' || !this.site.isExitGate(gate)) return [crossed];
    const from = pallet.zone;
    pallet.zone = undefined;
    pallet.latest.clear();
    return [crossed, event(read.epc, this.site.site, 'DEPARTED', read.seenAtUs, from)];
  }
}

function event(
  epc: string,
  site: string,
  kind: ZoneEvent['kind'],
  atUs: number,
  fromZone?: string,
  toZone?: string,
  direction?: Direction,
): ZoneEvent {
  const e: ZoneEvent = {
    v: 1,
    id: deterministicId('naive', epc, kind, fromZone ?? '', toZone ?? '', direction ?? '', atUs),
    site,
    epc,
    kind,
    atUs,
    confidence: 1,
    evidence: [],
  };
  if (fromZone !== undefined) e.fromZone = fromZone;
  if (toZone !== undefined) e.toZone = toZone;
  if (direction !== undefined) e.direction = direction;
  return e;
}
