import { describe, expect, test } from 'vitest';
import { decodeEpc, epcToUri } from '../../../pipeline/epc/index.js';
import { decodeSscc96, encodeSscc96, SSCC_FILTER_UNIT_LOAD } from '../../../simulators/sscc-96.js';
import { Prng } from '../../../simulators/prng.js';

describe('EPC TDS decoding', () => {
  test('SSCC-96: the TDS example and the formats.md example', () => {
    expect(decodeEpc('3174257BF4499602D2000000')).toMatchObject({
      kind: 'gs1',
      scheme: 'sscc-96',
      filter: 3,
      partition: 5,
      companyPrefix: '0614141',
      idUri: 'urn:epc:id:sscc:0614141.1234567890',
      tagUri: 'urn:epc:tag:sscc-96:3.0614141.1234567890',
    });
    expect(epcToUri('3178E61C883950F59A000000')).toBe('urn:epc:id:sscc:235634.35321345434');
  });

  test('SGTIN-96: the TDS example (indicator digit kept, serial without leading zeros)', () => {
    expect(decodeEpc('3074257BF7194E4000001A85')).toMatchObject({
      scheme: 'sgtin-96',
      idUri: 'urn:epc:id:sgtin:0614141.812345.6789',
      tagUri: 'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
    });
  });

  test('GRAI-96: the TDS example, and partition 0 where the asset type has no digits', () => {
    expect(decodeEpc('3374257BF40C0E4000000190')).toMatchObject({
      scheme: 'grai-96',
      idUri: 'urn:epc:id:grai:0614141.12345.400',
    });
    // header 0x33, filter 0, partition 0, prefix 012345678901 (40 bits), asset type 0 (4 bits), serial 7.
    const bits = (0x33n << 88n) | (12345678901n << 42n) | 7n;
    expect(epcToUri(bits.toString(16).toUpperCase().padStart(24, '0'))).toBe(
      'urn:epc:id:grai:012345678901..7',
    );
  });

  test('accepts lower case and a 0x prefix', () => {
    expect(epcToUri('0x3174257bf4499602d2000000')).toBe('urn:epc:id:sscc:0614141.1234567890');
  });

  test('unknown and undecoded headers pass through raw, with the reason', () => {
    expect(decodeEpc('E2801160600002054CC2096F')).toEqual({
      kind: 'raw',
      hex: 'E2801160600002054CC2096F',
      header: 0xe2,
      reason: 'unknown header 0xE2: not a GS1 EPC binary encoding',
      rawUri: 'urn:epc:raw:96.xE2801160600002054CC2096F',
    });
    expect(decodeEpc('3500000000000000000000AB')).toMatchObject({
      kind: 'raw',
      reason: expect.stringMatching(/gid-96/) as unknown,
    });
    expect(decodeEpc('3174257BF4499602D2')).toMatchObject({
      kind: 'raw',
      reason: expect.stringMatching(/96 bits/) as unknown,
    });
    expect(decodeEpc('zz')).toMatchObject({ kind: 'raw', reason: 'not hexadecimal' });
  });

  test('invalid fields are refused, not decoded to a wrong identity', () => {
    // SSCC-96 with a non-zero unallocated tail.
    expect(decodeEpc('3174257BF4499602D2000001')).toMatchObject({ kind: 'raw', reason: /unallocated/ });
    // Partition 7 is undefined.
    expect(decodeEpc('311E00000000000000000000')).toMatchObject({ kind: 'raw', reason: /partition 7/ });
    // Partition 0 with a 40-bit prefix above 999 999 999 999.
    const tooBig = (0x31n << 88n) | (0xffffffffffn << 42n);
    expect(decodeEpc(tooBig.toString(16).padStart(24, '0'))).toMatchObject({
      kind: 'raw',
      reason: /more than 12 digits/,
    });
  });

  test('round-trips every SSCC-96 partition against the simulator encoder', () => {
    const random = new Prng(42);
    for (let digits = 6; digits <= 12; digits++) {
      for (let i = 0; i < 50; i++) {
        const companyPrefix = Array.from({ length: digits }, () => random.int(0, 9)).join('');
        const serialReference = Array.from({ length: 17 - digits }, () => random.int(0, 9)).join('');
        const hex = encodeSscc96({ filter: SSCC_FILTER_UNIT_LOAD, companyPrefix, serialReference });
        const decoded = decodeEpc(hex);
        expect(decoded).toMatchObject({
          kind: 'gs1',
          filter: 6,
          idUri: `urn:epc:id:sscc:${companyPrefix}.${serialReference}`,
        });
        expect(decoded).toMatchObject({ companyPrefix: decodeSscc96(hex).companyPrefix });
      }
    }
  });
});
