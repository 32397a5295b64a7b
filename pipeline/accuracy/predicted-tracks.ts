import type { ZoneEvent } from '../../schemas/index.js';
import type { ZoneInterval } from './truth-tracks.js';

/**
 * The zone a locator said each pallet was in, as intervals, from its ARRIVED / MOVED / DEPARTED
 * events (by event time `atUs`, which a locator back-dates to its first evidence). A pallet is in
 * no zone before its first event and after DEPARTED.
 */
export function buildPredictedIntervals(events: readonly ZoneEvent[], endUs: number): ZoneInterval[] {
  const byEpc = new Map<string, ZoneEvent[]>();
  for (const e of events) {
    if (e.kind === 'CROSSED_GATE') continue;
    const list = byEpc.get(e.epc);
    if (list) list.push(e);
    else byEpc.set(e.epc, [e]);
  }
  const out: ZoneInterval[] = [];
  for (const [epc, list] of byEpc) {
    list.sort((a, b) => a.atUs - b.atUs);
    let zone: string | undefined;
    let fromUs = 0;
    for (const e of list) {
      if (zone !== undefined && e.atUs > fromUs) out.push({ epc, zone, fromUs, toUs: e.atUs });
      zone = e.kind === 'DEPARTED' ? undefined : e.toZone;
      fromUs = e.atUs;
    }
    if (zone !== undefined && endUs > fromUs) out.push({ epc, zone, fromUs, toUs: endUs });
  }
  return out;
}

/** Time (µs) during which `predicted` puts each pallet in the same zone as `truth`. */
export function agreeingTimeUs(truth: readonly ZoneInterval[], predicted: readonly ZoneInterval[]): number {
  const byKey = new Map<string, ZoneInterval[]>();
  for (const p of predicted) {
    const key = `${p.epc}\u0000${p.zone}`;
    const list = byKey.get(key);
    if (list) list.push(p);
    else byKey.set(key, [p]);
  }
  let total = 0;
  for (const t of truth) {
    for (const p of byKey.get(`${t.epc}\u0000${t.zone}`) ?? []) {
      const overlap = Math.min(t.toUs, p.toUs) - Math.max(t.fromUs, p.fromUs);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}
