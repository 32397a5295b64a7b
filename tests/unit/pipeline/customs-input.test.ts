import { describe, expect, it } from 'vitest';
import { parseCustomsLines } from '../../../pipeline/rules/customs-input.js';
import { EPC1, EPC2, T0 } from './fixtures.js';

const SSCC = '369012340004720607';

describe('parseCustomsLines', () => {
  it('keys statuses by EPC, resolving an SSCC through the manifest, and refuses bad lines with a reason', () => {
    const line = (fields: object) =>
      JSON.stringify({ v: 1, site: 'T1', declarationId: 'D', status: 'HELD', atUs: T0, ...fields });
    const { records, rejected } = parseCustomsLines(
      [
        line({ epc: EPC1 }),
        '',
        line({ sscc: SSCC }),
        'not json',
        line({ status: 'LOST', epc: EPC1 }),
        line({ sscc: '1'.repeat(18) }),
      ].join('\n'),
      new Map([[SSCC, EPC2]]),
    );
    expect(records.map((r) => [r.key, r.status.epc, r.status.sscc])).toEqual([
      [EPC1, EPC1, undefined],
      [EPC2, EPC2, SSCC],
    ]);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'BT_CUSTOMS_INVALID'],
      [5, 'BT_CUSTOMS_INVALID'],
      [6, 'BT_CUSTOMS_UNKNOWN_SSCC'],
    ]);
    expect(rejected[1]!.reason).toMatch(/status/);
  });
});
