import { describe, expect, it } from 'vitest';
import { Prng } from '../../../simulators/prng.js';
import {
  Sscc96Error,
  decodeSscc96,
  encodeSscc96,
  gs1CheckDigit,
  isValidSscc,
  toSscc,
  toSsccIdUri,
} from '../../../simulators/sscc-96.js';

describe('SSCC-96', () => {
  it('decodes the example of formats.md §3.1 and encodes it back to the same hex', () => {
    const decoded = decodeSscc96('3178E61C883950F59A000000');
    expect(decoded).toEqual({
      filter: 3,
      partition: 6,
      companyPrefix: '235634',
      serialReference: '35321345434',
      sscc: '323563453213454346',
    });
    expect(encodeSscc96(decoded)).toBe('3178E61C883950F59A000000');
    expect(toSsccIdUri(decoded)).toBe('urn:epc:id:sscc:235634.35321345434');
  });

  it('matches the TDS example urn:epc:tag:sscc-96:3.0614141.1234567890 and its SSCC', () => {
    const hex = encodeSscc96({ filter: 3, companyPrefix: '0614141', serialReference: '1234567890' });
    expect(hex).toBe('3174257BF4499602D2000000');
    // Leading zero of the company prefix survives the round trip (partition fixes the width).
    expect(decodeSscc96(hex)).toMatchObject({
      partition: 5,
      companyPrefix: '0614141',
      sscc: '106141412345678908',
    });
  });

  it('computes GS1 mod-10 check digits', () => {
    expect(gs1CheckDigit('10614141234567890')).toBe(8);
    expect(gs1CheckDigit('32356345321345434')).toBe(6);
    expect(gs1CheckDigit('00000000000000000')).toBe(0);
    expect(isValidSscc('106141412345678908')).toBe(true);
    expect(isValidSscc('106141412345678907')).toBe(false);
    expect(isValidSscc('10614141234567890')).toBe(false);
  });

  it('round-trips every partition with random values', () => {
    const prng = new Prng(7);
    for (let prefixDigits = 6; prefixDigits <= 12; prefixDigits++) {
      for (let i = 0; i < 50; i++) {
        const digits = (n: number): string =>
          Array.from({ length: n }, () => String(prng.int(0, 9))).join('');
        const value = {
          filter: prng.int(0, 7),
          companyPrefix: digits(prefixDigits),
          serialReference: digits(17 - prefixDigits),
        };
        const hex = encodeSscc96(value);
        expect(hex).toMatch(/^31[0-9A-F]{16}000000$/);
        const decoded = decodeSscc96(hex);
        expect(decoded).toMatchObject(value);
        expect(decoded.partition).toBe(12 - prefixDigits);
        expect(isValidSscc(toSscc(value))).toBe(true);
      }
    }
  });

  it('refuses what is not a valid SSCC-96, naming the problem', () => {
    expect(() => decodeSscc96('3074257BF4499602D2000000')).toThrow(/not SSCC-96/);
    expect(() => decodeSscc96('3174257BF4499602D2000001')).toThrow(/unallocated bits/);
    expect(() => decodeSscc96('317')).toThrow(Sscc96Error);
    // Partition 7 is not defined.
    expect(() => decodeSscc96('317E257BF4499602D2000000')).toThrow(/partition 7/);
    expect(() =>
      encodeSscc96({ filter: 6, companyPrefix: '12345', serialReference: '123456789012' }),
    ).toThrow(/company prefix/);
    expect(() => encodeSscc96({ filter: 6, companyPrefix: '0614141', serialReference: '123' })).toThrow(
      /10 digits/,
    );
    expect(() =>
      encodeSscc96({ filter: 8, companyPrefix: '0614141', serialReference: '1234567890' }),
    ).toThrow(/filter/);
  });

  it('refuses a company prefix field too large for its partition', () => {
    // Partition 6 has 20 bits for 6 digits; 0xFFFFF = 1048575 has 7 digits.
    const bits = (0x31n << 88n) | (6n << 85n) | (6n << 82n) | (0xfffffn << 62n);
    expect(() => decodeSscc96(bits.toString(16).toUpperCase().padStart(24, '0'))).toThrow(/too large/);
  });
});
