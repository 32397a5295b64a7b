import { describe, expect, it } from 'vitest';
import { CustomsTable } from '../../../pipeline/rules/customs-table.js';
import { ZoneRules } from '../../../pipeline/rules/zone-rules.js';
import type { CustomsState, ZoneEvent } from '../../../schemas/index.js';
import { EPC1, T0, smallSite } from './fixtures.js';

const S = 1_000_000;
const status = (s: CustomsState, atUs: number) => ({
  v: 1 as const,
  site: 'T1',
  epc: EPC1,
  declarationId: 'D1',
  status: s,
  atUs,
});

describe('CustomsTable', () => {
  it('answers the status as of a time, whatever order the statuses arrived in', () => {
    const table = new CustomsTable();
    expect(table.apply(status('RELEASED', T0 + 100 * S), EPC1)).toBe(true);
    expect(table.apply(status('DECLARED', T0), EPC1)).toBe(true);
    expect(table.apply(status('DECLARED', T0), EPC1)).toBe(false); // a replayed duplicate
    expect(table.get(EPC1)?.status).toBe('RELEASED');
    expect(table.get(EPC1, T0 + 50 * S)?.status).toBe('DECLARED');
    expect(table.get(EPC1, T0 - 1)).toBeUndefined();
  });

  it('judges an exit by the status the pallet had when it crossed, also in a replay that knows the later release', () => {
    const table = new CustomsTable();
    table.apply(status('DECLARED', T0), EPC1);
    table.apply(status('RELEASED', T0 + 100 * S), EPC1);
    const rules = new ZoneRules(smallSite, table, undefined);
    const crossing = (atUs: number): ZoneEvent => ({
      v: 1,
      id: `x${atUs}`,
      site: 'T1',
      epc: EPC1,
      kind: 'CROSSED_GATE',
      toZone: 'EXIT',
      direction: 'OUT',
      atUs,
      confidence: 1,
      evidence: [],
    });
    expect(rules.evaluate(crossing(T0 + 50 * S)).map((a) => [a.kind, a.details['customsStatus']])).toEqual([
      ['UNRELEASED_EXIT', 'DECLARED'],
    ]);
    expect(rules.evaluate(crossing(T0 + 150 * S))).toEqual([]);
  });
});
