import { describe, expect, it } from 'vitest';
import { LlrpErrorCode, LlrpFrameDecoder, encodeMessage } from '../../../adapters/llrp/index.js';

const KEEPALIVE = Buffer.from('043e0000000a00000007', 'hex');
const CLOSE_RESPONSE = Buffer.from('04040000001200000023011f000800000000', 'hex');

describe('LlrpFrameDecoder', () => {
  it('emits several coalesced messages from one chunk and keeps a split tail', () => {
    const decoder = new LlrpFrameDecoder();
    const stream = Buffer.concat([KEEPALIVE, CLOSE_RESPONSE, KEEPALIVE]);
    const first = decoder.push(stream.subarray(0, 25));
    expect(first.map((r) => r.ok && r.message.type)).toEqual(['KEEPALIVE']);
    expect(decoder.bufferedBytes).toBe(15);
    const rest = decoder.push(stream.subarray(25));
    expect(rest.map((r) => r.ok && r.message.type)).toEqual(['CLOSE_CONNECTION_RESPONSE', 'KEEPALIVE']);
    expect(rest.map((r) => r.offset)).toEqual([10, 28]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('rejects a header announcing 4 GB as soon as its length field arrives, buffering nothing', () => {
    const decoder = new LlrpFrameDecoder({ maxMessageBytes: 4096 });
    expect(decoder.push(Buffer.from('043d', 'hex'))).toEqual([]);
    const [r] = decoder.push(Buffer.from('ffffffff', 'hex'));
    expect(r?.ok).toBe(false);
    if (r?.ok !== false) return;
    expect(r.error.code).toBe(LlrpErrorCode.FRAME_TOO_LARGE);
    expect(r.error.fatal).toBe(true);
    expect(r.error.offset).toBe(2);
    expect(decoder.bufferedBytes).toBe(0);
    // Framing is lost: later input is ignored until reset().
    expect(decoder.push(KEEPALIVE)).toEqual([]);
    expect(decoder.failure?.code).toBe(LlrpErrorCode.FRAME_TOO_LARGE);
    decoder.reset();
    expect(decoder.push(KEEPALIVE).map((r) => r.ok)).toEqual([true]);
  });

  it('honours maxMessageBytes exactly', () => {
    const decoder = new LlrpFrameDecoder({ maxMessageBytes: CLOSE_RESPONSE.length });
    expect(decoder.push(CLOSE_RESPONSE).map((r) => r.ok)).toEqual([true]);
    const small = new LlrpFrameDecoder({ maxMessageBytes: CLOSE_RESPONSE.length - 1 });
    const [r] = small.push(CLOSE_RESPONSE);
    expect(r?.ok === false && r.error.code).toBe(LlrpErrorCode.FRAME_TOO_LARGE);
    expect(() => new LlrpFrameDecoder({ maxMessageBytes: 5 })).toThrow(/maxMessageBytes/);
  });

  it('a length below 10 is fatal', () => {
    const [r] = new LlrpFrameDecoder().push(Buffer.from('043e0000000300000000', 'hex'));
    expect(r?.ok === false && [r.error.code, r.error.fatal, r.error.messageType]).toEqual([
      LlrpErrorCode.FRAME_TOO_SHORT,
      true,
      62,
    ]);
  });

  it('skips one malformed message by its length and decodes the next (sllurp dropped the rest)', () => {
    const bad = Buffer.from('043d0000000e00000009' + 'ffaabbcc', 'hex'); // TV type 127 does not exist
    const decoder = new LlrpFrameDecoder();
    const out = decoder.push(Buffer.concat([KEEPALIVE, bad, KEEPALIVE]));
    expect(out.map((r) => (r.ok ? r.message.type : r.error.code))).toEqual([
      'KEEPALIVE',
      LlrpErrorCode.UNKNOWN_TV_PARAMETER,
      'KEEPALIVE',
    ]);
    const err = out[1];
    expect(err?.ok === false && [err.error.offset, err.error.messageId, err.error.fatal]).toEqual([
      20,
      9,
      false,
    ]);
  });

  it('an unsupported header version skips that message only', () => {
    const v3 = Buffer.from('0c3e0000000a00000001', 'hex');
    const out = new LlrpFrameDecoder().push(Buffer.concat([v3, KEEPALIVE]));
    expect(out.map((r) => (r.ok ? r.message.type : r.error.code))).toEqual([
      LlrpErrorCode.UNSUPPORTED_VERSION,
      'KEEPALIVE',
    ]);
  });

  it('end() reports a partial message as truncated and resets', () => {
    const decoder = new LlrpFrameDecoder();
    decoder.push(CLOSE_RESPONSE.subarray(0, 12));
    const [r] = decoder.end();
    expect(r?.ok === false && r.error.code).toBe(LlrpErrorCode.TRUNCATED);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.end()).toEqual([]);
  });

  it('decoded messages do not alias the chunk (the caller may reuse its buffer)', () => {
    const msg = encodeMessage({
      type: 'CUSTOM_MESSAGE',
      id: 1,
      vendorId: 161,
      subtype: 3,
      data: Buffer.from('abcd', 'hex'),
    });
    const chunk = Buffer.from(msg);
    const [r] = new LlrpFrameDecoder().push(chunk);
    chunk.fill(0);
    expect(r?.ok && r.message.type === 'CUSTOM_MESSAGE' && r.message.data.toString('hex')).toBe('abcd');
  });

  it('a large report split in small chunks: buffer never above the message size', () => {
    const tags = Array.from({ length: 500 }, (_, i) => ({
      type: 'TagReportData' as const,
      epc: i.toString(16).padStart(24, '0').toUpperCase(),
      epcBitCount: 96,
      epcParameter: 'EPC-96' as const,
      antennaId: 1,
      roSpecId: undefined,
      specIndex: undefined,
      inventoryParameterSpecId: undefined,
      peakRssiDbm: -40,
      channelIndex: undefined,
      firstSeenUtcUs: BigInt(i),
      firstSeenUptimeUs: undefined,
      lastSeenUtcUs: undefined,
      lastSeenUptimeUs: undefined,
      tagSeenCount: undefined,
      c1g2Pc: undefined,
      c1g2Xpcw1: undefined,
      c1g2Xpcw2: undefined,
      c1g2Crc: undefined,
      accessSpecId: undefined,
      clientRequestOpSpecResult: undefined,
      opSpecResults: undefined,
      custom: undefined,
      unknown: undefined,
    }));
    const report = encodeMessage({ type: 'RO_ACCESS_REPORT', id: 3, tagReportData: tags });
    const decoder = new LlrpFrameDecoder({ maxMessageBytes: report.length });
    let max = 0;
    const out = [];
    for (let off = 0; off < report.length; off += 1460) {
      out.push(...decoder.push(report.subarray(off, off + 1460)));
      max = Math.max(max, decoder.bufferedBytes);
    }
    expect(max).toBeLessThanOrEqual(report.length);
    expect(out).toHaveLength(1);
    expect(out[0]?.ok && out[0].message.type === 'RO_ACCESS_REPORT' && out[0].message.tagReportData).toEqual(
      tags,
    );
  });
});
