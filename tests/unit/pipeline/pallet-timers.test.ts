import { describe, expect, it } from 'vitest';
import { PalletTimers, type PalletTimerState } from '../../../pipeline/rules/pallet-timers.js';
import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { MemoryStateStore } from '../../../runtime/state-store.js';
import { Alert, SiteLayout, type ZoneEvent } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, smallSite } from './fixtures.js';

const S = 1_000_000;
// The small test site with a 60 s dwell limit in A and MISSING after 120 s.
const site = new SiteIndex(
  SiteLayout.parse({
    ...smallSite.layout,
    customs: { dwellLimitsSec: { A: 60 }, allowedZones: {}, missingAfterSec: 120 },
  }),
);

function arrived(epc: string, zone: string, atUs: number): ZoneEvent {
  return {
    v: 1,
    id: `ev-${epc}-${atUs}`,
    site: 'T1',
    epc,
    kind: 'ARRIVED',
    toZone: zone,
    atUs,
    confidence: 1,
    evidence: [],
  };
}

function setup() {
  const store = new MemoryStateStore<PalletTimerState>();
  return { store, timers: new PalletTimers(site, store) };
}

describe('PalletTimers', () => {
  it('raises DWELL_EXCEEDED once when event time passes the zone limit, at the moment it passed', () => {
    const { timers } = setup();
    timers.seen(EPC1, 'T1', 0, T0);
    timers.onEvent(arrived(EPC1, 'A', T0));
    for (let t = 1; t <= 60; t++) timers.seen(EPC1, 'T1', 0, T0 + t * S);
    expect(timers.fire()).toEqual([]); // exactly at the limit: not exceeded yet
    timers.seen(EPC1, 'T1', 0, T0 + 61 * S);
    const alerts = timers.fire();
    expect(alerts.map((a) => [a.kind, a.zone, a.atUs])).toEqual([['DWELL_EXCEEDED', 'A', T0 + 60 * S]]);
    Alert.parse(alerts[0]);
    timers.seen(EPC1, 'T1', 0, T0 + 100 * S);
    expect(timers.fire()).toEqual([]);
  });

  it('restarts the dwell timer on a move and forgets a departed pallet', () => {
    const { timers, store } = setup();
    timers.seen(EPC1, 'T1', 0, T0);
    timers.onEvent(arrived(EPC1, 'A', T0));
    timers.seen(EPC1, 'T1', 0, T0 + 50 * S);
    timers.onEvent({ ...arrived(EPC1, 'B', T0 + 50 * S), kind: 'MOVED', fromZone: 'A' });
    timers.seen(EPC1, 'T1', 0, T0 + 200 * S);
    expect(timers.fire().map((a) => a.kind)).toEqual([]); // B has no limit, and it was seen
    timers.onEvent({ ...arrived(EPC1, 'A', T0 + 200 * S), kind: 'DEPARTED', toZone: undefined });
    expect(store.size).toBe(0);
  });

  it('raises MISSING for a pallet silent past the limit while others are read, by event time only', () => {
    const { timers } = setup();
    timers.seen(EPC1, 'T1', 0, T0);
    timers.seen(EPC2, 'T1', 0, T0);
    for (let t = 10; t <= 130; t += 10) timers.seen(EPC2, 'T1', 0, T0 + t * S);
    const alerts = timers.fire();
    expect(alerts.map((a) => [a.kind, a.epc, a.atUs])).toEqual([['MISSING', EPC1, T0 + 120 * S]]);
    // Read again, then silent again: a new silence, a new alert with a new id.
    timers.seen(EPC1, 'T1', 0, T0 + 131 * S);
    timers.seen(EPC2, 'T1', 0, T0 + 260 * S);
    const again = timers.fire().filter((a) => a.epc === EPC1);
    expect(again).toHaveLength(1);
    expect(again[0]!.id).not.toBe(alerts[0]!.id);
  });

  it('gives the same alerts and ids on a replay, and drops the timers of revoked partitions', () => {
    const run = () => {
      const { timers } = setup();
      timers.seen(EPC1, 'T1', 3, T0);
      timers.onEvent(arrived(EPC1, 'A', T0));
      timers.seen(EPC2, 'T1', 4, T0 + 200 * S);
      return timers.fire().map((a) => a.id);
    };
    expect(run()).toHaveLength(2);
    expect(run()).toEqual(run());
    const { timers, store } = setup();
    timers.seen(EPC1, 'T1', 3, T0);
    timers.seen(EPC2, 'T1', 4, T0);
    timers.forgetPartitions(new Set([3]));
    expect([...store.entries()].map(([epc]) => epc)).toEqual([EPC2]);
  });
});
