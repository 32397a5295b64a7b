import { describe, expect, it } from 'vitest';
import {
  LlrpErrorCode,
  LlrpProtocolError,
  decodeHex,
  decodeMessage,
  emptyTagReportData,
  encodeMessage,
  makeStatus,
  tagRssiDbm,
  type MessageOf,
} from '../../../adapters/llrp/index.js';

function decodeError(hex: string): LlrpProtocolError {
  try {
    decodeMessage(Buffer.from(hex, 'hex'));
  } catch (err) {
    if (err instanceof LlrpProtocolError) return err;
    throw err;
  }
  throw new Error('decoded without error');
}

/** Wrap a body in a header of the given type with the right length. */
function message(type: number, bodyHex: string, id = 1): string {
  const h = Buffer.alloc(10);
  h.writeUInt16BE((1 << 10) | type, 0);
  h.writeUInt32BE(10 + bodyHex.length / 2, 2);
  h.writeUInt32BE(id, 6);
  return h.toString('hex') + bodyHex;
}

const EPC96 = '8d3005fb63ac1f3841ec880467';
const tlv = (type: number, valueHex: string) =>
  type.toString(16).padStart(4, '0') + (4 + valueHex.length / 2).toString(16).padStart(4, '0') + valueHex;

describe('LLRP decoding of bad and unusual input', () => {
  it('a TLV whose length overruns its parent is a typed error at its offset', () => {
    // TagReportData claims 0x40 bytes but the message ends sooner.
    const err = decodeError(message(61, '00f00040' + EPC96));
    expect(err.code).toBe(LlrpErrorCode.BAD_PARAMETER_LENGTH);
    expect(err.offset).toBe(10);
    expect(err.messageType).toBe(61);
    expect(err.messageId).toBe(1);
    expect(err.fatal).toBe(false);
  });

  it('a TLV length below 4 is an error', () => {
    expect(decodeError(message(61, '00f00002')).code).toBe(LlrpErrorCode.BAD_PARAMETER_LENGTH);
  });

  it('an unknown TV type is an error (its length cannot be known), at its offset', () => {
    const err = decodeError(message(61, tlv(240, EPC96 + 'fa0000')));
    expect(err.code).toBe(LlrpErrorCode.UNKNOWN_TV_PARAMETER);
    expect(err.offset).toBe(10 + 4 + 13);
  });

  it('fixed fields past the end of a parameter are an error', () => {
    // LLRPStatus with a 5-byte ErrorDescription announced but only 1 byte there.
    const err = decodeError(message(13, tlv(287, '0000' + '0005' + '41')));
    expect(err.code).toBe(LlrpErrorCode.FIELD_OVERRUN);
  });

  it('a missing required parameter is an error; TagReportData needs an EPC', () => {
    expect(decodeError(message(20, '')).code).toBe(LlrpErrorCode.MISSING_PARAMETER);
    expect(decodeError(message(61, tlv(240, '810001'))).code).toBe(LlrpErrorCode.MISSING_PARAMETER);
  });

  it('unknown TLV parameters are skipped by their length and kept, never fatal', () => {
    const m = decodeMessage(Buffer.from(message(61, tlv(240, EPC96 + tlv(700, 'aabb') + '810002')), 'hex'));
    expect(m.type).toBe('RO_ACCESS_REPORT');
    const tag = (m as MessageOf<'RO_ACCESS_REPORT'>).tagReportData![0]!;
    expect(tag.antennaId).toBe(2);
    expect(tag.unknown).toEqual([
      { type: 'Unknown', parameterType: 700, encoding: 'TLV', body: Buffer.from('aabb', 'hex') },
    ]);
  });

  it('unknown vendor Custom parameters keep vendor, subtype and bytes (Zebra subtype 709, sllurp #168)', () => {
    const custom = tlv(1023, '000000a1' + '000002c5' + '0102');
    const m = decodeMessage(
      Buffer.from(message(61, tlv(240, EPC96 + custom)), 'hex'),
    ) as MessageOf<'RO_ACCESS_REPORT'>;
    expect(m.tagReportData![0]!.custom).toEqual([
      { type: 'Custom', vendorId: 161, subtype: 709, data: Buffer.from('0102', 'hex') },
    ]);
  });

  it('ImpinjPeakRSSI is centi-dBm and preferred by tagRssiDbm', () => {
    const impinj = tlv(1023, '0000651a' + '00000039' + 'eb4c'); // −5300
    const m = decodeMessage(
      Buffer.from(message(61, tlv(240, EPC96 + '86cc' + impinj)), 'hex'),
    ) as MessageOf<'RO_ACCESS_REPORT'>;
    const tag = m.tagReportData![0]!;
    expect(tag.peakRssiDbm).toBe(-52);
    expect(tag.custom).toEqual([{ type: 'ImpinjPeakRSSI', rssiCentiDbm: -5300 }]);
    expect(tagRssiDbm(tag)).toBe(-53);
  });

  it('EPCData of any bit length: 128-bit, 0-bit and 13-bit (pad bits kept)', () => {
    for (const [bits, hex] of [
      [128, 'e280116060000209a6f2c8a1f3e5a7b9'],
      [0, ''],
      [13, 'abcf'],
    ] as const) {
      const epcData = tlv(241, bits.toString(16).padStart(4, '0') + hex);
      const bytes = Buffer.from(message(61, tlv(240, epcData)), 'hex');
      const tag = (decodeMessage(bytes) as MessageOf<'RO_ACCESS_REPORT'>).tagReportData![0]!;
      expect(tag.epc).toBe(hex.toUpperCase());
      expect(tag.epcBitCount).toBe(bits);
      expect(tag.epcParameter).toBe('EPCData');
      expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('LLRPStatus with nested ParameterError and FieldError', () => {
    const fieldError = tlv(288, '0002' + '0065');
    const inner = tlv(289, '00b7' + '00cb' + fieldError);
    const outer = tlv(289, '00b1' + '00c8' + inner);
    const status = tlv(287, '0064' + '0003' + Buffer.from('bad').toString('hex') + outer);
    const m = decodeMessage(Buffer.from(message(30, status), 'hex')) as MessageOf<'ADD_ROSPEC_RESPONSE'>;
    expect(m.llrpStatus).toEqual({
      type: 'LLRPStatus',
      statusCode: 100,
      errorDescription: 'bad',
      parameterError: {
        type: 'ParameterError',
        parameterType: 177,
        errorCode: 200,
        parameterError: {
          type: 'ParameterError',
          parameterType: 183,
          errorCode: 203,
          fieldError: { type: 'FieldError', fieldNum: 2, errorCode: 101 },
        },
      },
    });
  });

  it('regression: a 64 KiB chain of nested ParameterErrors is a typed error, not a stack overflow', () => {
    // Found by review: recursion depth was bounded only by the 65535-byte TLV length (≈ 8000 levels).
    let inner = '';
    while (inner.length / 2 + 8 < 65000) inner = tlv(289, '0001' + '0002' + inner);
    const err = decodeError(message(30, tlv(287, '0000' + '0000' + inner)));
    expect(err.code).toBe(LlrpErrorCode.NESTING_TOO_DEEP);
    expect(err.messageType).toBe(30);
  });

  it('REN with Uptime (Kathrein) and an unknown event kept raw', () => {
    const data = tlv(246, tlv(129, '0000000000001000') + tlv(800, '01'));
    const m = decodeMessage(Buffer.from(message(63, data), 'hex')) as MessageOf<'READER_EVENT_NOTIFICATION'>;
    expect(m.readerEventNotificationData.timestamp).toEqual({ type: 'Uptime', microseconds: 4096n });
    expect(m.readerEventNotificationData.unknown).toHaveLength(1);
  });

  it('an empty RO_ACCESS_REPORT is legal (Zebra FX9600, sllurp #115)', () => {
    expect(decodeMessage(Buffer.from('043d0000000a00000000', 'hex'))).toEqual({
      type: 'RO_ACCESS_REPORT',
      id: 0,
      version: 1,
    });
  });

  it('an unknown message type decodes as UNKNOWN_MESSAGE; version 3 is an error', () => {
    expect(decodeMessage(Buffer.from(message(901, 'ab'), 'hex'))).toEqual({
      type: 'UNKNOWN_MESSAGE',
      id: 1,
      version: 1,
      messageType: 901,
      body: Buffer.from('ab', 'hex'),
    });
    const err = decodeError('0c3e0000000a00000005');
    expect(err.code).toBe(LlrpErrorCode.UNSUPPORTED_VERSION);
    expect(err.messageId).toBe(5);
  });

  it('timestamps keep every microsecond above 2^53', () => {
    const t = emptyTagReportData('3005FB63AC1F3841EC880467');
    t.firstSeenUtcUs = 2n ** 63n + 1n;
    const bytes = encodeMessage({ type: 'RO_ACCESS_REPORT', id: 1, tagReportData: [t] });
    const back = (decodeMessage(bytes) as MessageOf<'RO_ACCESS_REPORT'>).tagReportData![0]!;
    expect(back.firstSeenUtcUs).toBe(2n ** 63n + 1n);
  });

  it('whole-message decoding refuses short, truncated and over-long input', () => {
    expect(decodeError('043e0000').code).toBe(LlrpErrorCode.TRUNCATED);
    expect(decodeError('043e0000000900000000').code).toBe(LlrpErrorCode.FRAME_TOO_SHORT);
    expect(decodeError('043e0000000b00000000').code).toBe(LlrpErrorCode.TRUNCATED);
    expect(decodeError('043e0000000a0000000000').code).toBe(LlrpErrorCode.TRAILING_BYTES);
  });

  it('hex input errors name the byte', () => {
    expect(() => decodeHex('04 3e zz')).toThrow(
      expect.objectContaining({ code: LlrpErrorCode.BAD_HEX, offset: 2 }),
    );
    expect(decodeHex(' 04\n3E ').toString('hex')).toBe('043e');
  });
});

describe('LLRP encoding of wrong objects', () => {
  it('names the field that is wrong', () => {
    expect(() => encodeMessage({ type: 'DELETE_ROSPEC', id: 1, roSpecId: -1 })).toThrow(
      /DELETE_ROSPEC\.roSpecId must be an integer/,
    );
    expect(() => encodeMessage({ type: 'ADD_ROSPEC_RESPONSE', id: 1 } as never)).toThrow(
      /ADD_ROSPEC_RESPONSE\.llrpStatus is required/,
    );
    expect(() => encodeMessage({ type: 'KEEPALIVE', id: 2 ** 32 })).toThrow(/KEEPALIVE\.id/);
    expect(() => encodeMessage({ type: 'NOPE', id: 1 } as never)).toThrow(LlrpProtocolError);
    const t = emptyTagReportData('XYZ');
    expect(() => encodeMessage({ type: 'RO_ACCESS_REPORT', id: 1, tagReportData: [t] })).toThrow(
      /TagReportData\.epc/,
    );
  });

  it('encodes what an emulator sends: statuses and ERROR_MESSAGE', () => {
    expect(
      encodeMessage({ type: 'ERROR_MESSAGE', id: 0x2a, llrpStatus: makeStatus(109) }).toString('hex'),
    ).toBe('0464000000120000002a011f0008006d0000');
    expect(encodeMessage({ type: 'GET_SUPPORTED_VERSION', id: 1, version: 2 }).toString('hex')).toBe(
      '082e0000000a00000001',
    );
  });
});
