import { describe, expect, it } from 'vitest';
import { CustomsTable } from '../../../pipeline/rules/customs-table.js';
import { ZoneRules } from '../../../pipeline/rules/zone-rules.js';
import { SiteIndex } from '../../../pipeline/site/site-index.js';
import { SiteLayout, type CustomsState, type ZoneEvent } from '../../../schemas/index.js';
import { EPC1, EPC2, T0, smallSite } from './fixtures.js';

const S = 1_000_000;
// Held pallets belong in A only.
const site = new SiteIndex(
  SiteLayout.parse({
    ...smallSite.layout,
    customs: { dwellLimitsSec: {}, allowedZones: { HELD: ['A'] }, missingAfterSec: 3600 },
  }),
);

function status(s: CustomsState, atUs: number) {
  return { v: 1 as const, site: 'T1', epc: EPC1, declarationId: 'D1', status: s, atUs };
}

function event(kind: ZoneEvent['kind'], atUs: number, fields: Partial<ZoneEvent> = {}): ZoneEvent {
  return {
    v: 1,
    id: `ev-${kind}-${atUs}`,
    site: 'T1',
    epc: EPC1,
    kind,
    atUs,
    confidence: 1,
    evidence: [],
    ...fields,
  };
}

describe('ZoneRules', () => {
  it('raises UNAUTHORIZED_ZONE for a held pallet outside the zones its status allows, by the status at the event time', () => {
    const customs = new CustomsTable();
    const rules = new ZoneRules(site, customs, new Set([EPC1]));
    // The hold arrives after a later release (out of order): each event is judged as of its own time.
    customs.apply(status('RELEASED', T0 + 100 * S), EPC1);
    customs.apply(status('HELD', T0), EPC1);
    expect(
      rules.evaluate(event('MOVED', T0 + 10 * S, { fromZone: 'A', toZone: 'B' })).map((a) => a.kind),
    ).toEqual(['UNAUTHORIZED_ZONE']);
    expect(rules.evaluate(event('MOVED', T0 + 20 * S, { fromZone: 'B', toZone: 'A' }))).toEqual([]);
    expect(rules.evaluate(event('MOVED', T0 + 110 * S, { fromZone: 'A', toZone: 'B' }))).toEqual([]);
  });

  it('raises UNKNOWN_TAG for a tag in no manifest arriving in the bonded area, once per event id', () => {
    const rules = new ZoneRules(site, new CustomsTable(), new Set([EPC1]));
    const arrived = { ...event('ARRIVED', T0, { toZone: 'A' }), epc: EPC2 };
    const first = rules.evaluate(arrived);
    expect(first.map((a) => [a.kind, a.epc, a.zone])).toEqual([['UNKNOWN_TAG', EPC2, 'A']]);
    // A duplicate of the event (a replay) gives the same alert id: the sink keeps one.
    expect(rules.evaluate(arrived).map((a) => a.id)).toEqual(first.map((a) => a.id));
  });

  it('raises UNRELEASED_EXIT only for an outward crossing of an exit gate without release', () => {
    const customs = new CustomsTable();
    const rules = new ZoneRules(site, customs, new Set([EPC1]));
    customs.apply(status('DECLARED', T0), EPC1);
    const crossing = (atUs: number, direction: 'IN' | 'OUT') =>
      event('CROSSED_GATE', atUs, { toZone: 'EXIT', direction });
    expect(rules.evaluate(crossing(T0 + S, 'IN'))).toEqual([]);
    const alerts = rules.evaluate(crossing(T0 + 2 * S, 'OUT'));
    expect(alerts.map((a) => [a.kind, a.details?.customsStatus])).toEqual([['UNRELEASED_EXIT', 'DECLARED']]);
    customs.apply(status('RELEASED', T0 + 3 * S), EPC1);
    expect(rules.evaluate(crossing(T0 + 4 * S, 'OUT'))).toEqual([]);
  });
});
