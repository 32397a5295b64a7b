import type { ByteWriter } from './byte-writer.js';
import { decodeCustom } from './custom.js';
import { decodeParameterAt } from './decode-parameter.js';
import { IMPINJ_VENDOR_ID, ImpinjSubtype } from './impinj.js';
import { LlrpErrorCode, LlrpProtocolError } from './errors.js';
import { ParameterType } from './parameter-types.js';
import { parameterEnd, TLV_HEADER_BYTES } from './tlv-walker.js';
import { TV_TOTAL_LENGTH, TvType } from './tv-lengths.js';
import type { C1G2OpSpecResult, CustomLike, TagReportData, UnknownParameter } from './types.js';

/**
 * TagReportData (TLV 240, spec 1.0.1 §16.2.7.3 / 1.1 §17.2.7.3):
 *
 *   EPCParameter (EPCData TLV 241 or EPC-96 TV 13), ROSpecID?, SpecIndex?, InventoryParameterSpecID?,
 *   AntennaID?, PeakRSSI?, ChannelIndex?, FirstSeenTimestampUTC?, FirstSeenTimestampUptime?,
 *   LastSeenTimestampUTC?, LastSeenTimestampUptime?, TagSeenCount?, AirProtocolTagData* (C1G2PC,
 *   C1G2XPCW1, C1G2XPCW2, C1G2CRC), AccessSpecID?, OpSpecResult*, Custom*
 *
 * The one parameter that arrives by the thousand per second, so it has a hand-written decoder: a
 * switch on the first byte, no intermediate objects, one object shape for every tag.
 */

// Local copies of imported constants: under some loaders (tsx) a module binding is read through an
// accessor on every use, which cost a third of the decode time in the hot loop below.
const TV_LENGTH = TV_TOTAL_LENGTH;
const {
  AntennaID: TV_ANTENNA_ID,
  FirstSeenTimestampUTC: TV_FIRST_SEEN_UTC,
  FirstSeenTimestampUptime: TV_FIRST_SEEN_UPTIME,
  LastSeenTimestampUTC: TV_LAST_SEEN_UTC,
  LastSeenTimestampUptime: TV_LAST_SEEN_UPTIME,
  PeakRSSI: TV_PEAK_RSSI,
  ChannelIndex: TV_CHANNEL_INDEX,
  TagSeenCount: TV_TAG_SEEN_COUNT,
  ROSpecID: TV_ROSPEC_ID,
  InventoryParameterSpecID: TV_INVENTORY_PARAMETER_SPEC_ID,
  C1G2CRC: TV_C1G2_CRC,
  C1G2PC: TV_C1G2_PC,
  EPC96: TV_EPC96,
  SpecIndex: TV_SPEC_INDEX,
  ClientRequestOpSpecResult: TV_CLIENT_REQUEST_OP_SPEC_RESULT,
  AccessSpecID: TV_ACCESS_SPEC_ID,
  C1G2XPCW1: TV_C1G2_XPCW1,
  C1G2XPCW2: TV_C1G2_XPCW2,
} = TvType;
const { EPCData: P_EPC_DATA, Custom: P_CUSTOM } = ParameterType;
/** TagReportData is 240: high byte 0, low byte 0xf0. */
const P_TAG_REPORT_DATA_LOW = ParameterType.TagReportData & 0xff;
const IMPINJ = IMPINJ_VENDOR_ID;
const {
  ImpinjPeakRSSI: IMPINJ_PEAK_RSSI,
  ImpinjRFPhaseAngle: IMPINJ_PHASE,
  ImpinjRFDopplerFrequency: IMPINJ_DOPPLER,
} = ImpinjSubtype;

const OP_SPEC_RESULTS = new Set([
  ParameterType.C1G2ReadOpSpecResult,
  ParameterType.C1G2WriteOpSpecResult,
  ParameterType.C1G2KillOpSpecResult,
  ParameterType.C1G2LockOpSpecResult,
  ParameterType.C1G2BlockEraseOpSpecResult,
  ParameterType.C1G2BlockWriteOpSpecResult,
]);

/** A TagReportData with every key present (the shared object shape); for emulators and tests. */
export function emptyTagReportData(epc: string, epcBitCount = epc.length * 4): TagReportData {
  return {
    type: 'TagReportData',
    epc: epc.toUpperCase(),
    epcBitCount,
    epcParameter: undefined,
    roSpecId: undefined,
    specIndex: undefined,
    inventoryParameterSpecId: undefined,
    antennaId: undefined,
    peakRssiDbm: undefined,
    channelIndex: undefined,
    firstSeenUtcUs: undefined,
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
  };
}

/** RSSI in dBm: ImpinjPeakRSSI (centi-dBm, finer) when the reader sent it, else PeakRSSI (s8 dBm). */
export function tagRssiDbm(tag: TagReportData): number | undefined {
  if (tag.custom !== undefined) {
    for (const c of tag.custom) if (c.type === 'ImpinjPeakRSSI') return c.rssiCentiDbm / 100;
  }
  return tag.peakRssiDbm;
}

/** Decode the TagReportData whose value (after the TLV header) is [pos, end); `ownerPos` = its header. */
export function decodeTagReportData(buf: Buffer, pos: number, end: number, ownerPos: number): TagReportData {
  const t = emptyTagReportData('', 0);
  let haveEpc = false;
  while (pos < end) {
    const first = buf[pos]!;
    if (first & 0x80) {
      const type = first & 0x7f;
      const len = TV_LENGTH[type]!;
      if (len === 0 || pos + len > end) parameterEnd(buf, pos, end); // throws the precise error
      const v = pos + 1;
      switch (type) {
        case TV_EPC96:
          t.epc = buf.toString('hex', v, v + 12).toUpperCase();
          t.epcBitCount = 96;
          t.epcParameter = 'EPC-96';
          haveEpc = true;
          break;
        case TV_ANTENNA_ID:
          t.antennaId = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_PEAK_RSSI:
          t.peakRssiDbm = (buf[v]! << 24) >> 24;
          break;
        case TV_FIRST_SEEN_UTC:
          t.firstSeenUtcUs = buf.readBigUInt64BE(v);
          break;
        case TV_LAST_SEEN_UTC:
          t.lastSeenUtcUs = buf.readBigUInt64BE(v);
          break;
        case TV_FIRST_SEEN_UPTIME:
          t.firstSeenUptimeUs = buf.readBigUInt64BE(v);
          break;
        case TV_LAST_SEEN_UPTIME:
          t.lastSeenUptimeUs = buf.readBigUInt64BE(v);
          break;
        case TV_TAG_SEEN_COUNT:
          t.tagSeenCount = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_CHANNEL_INDEX:
          t.channelIndex = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_ROSPEC_ID:
          t.roSpecId = buf.readUInt32BE(v);
          break;
        case TV_SPEC_INDEX:
          t.specIndex = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_INVENTORY_PARAMETER_SPEC_ID:
          t.inventoryParameterSpecId = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_C1G2_PC:
          t.c1g2Pc = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_C1G2_CRC:
          t.c1g2Crc = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_C1G2_XPCW1:
          t.c1g2Xpcw1 = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_C1G2_XPCW2:
          t.c1g2Xpcw2 = (buf[v]! << 8) | buf[v + 1]!;
          break;
        case TV_ACCESS_SPEC_ID:
          t.accessSpecId = buf.readUInt32BE(v);
          break;
        case TV_CLIENT_REQUEST_OP_SPEC_RESULT:
          t.clientRequestOpSpecResult = (buf[v]! << 8) | buf[v + 1]!;
          break;
        default:
          // A TV type defined by LLRP but not allowed in TagReportData: kept, not fatal.
          (t.unknown ??= []).push({
            type: 'Unknown',
            parameterType: type,
            encoding: 'TV',
            body: Buffer.from(buf.subarray(v, pos + len)),
          });
      }
      pos += len;
      continue;
    }
    // TLV framing inline (parameterEnd is only called to build the error).
    const tlvLength = pos + TLV_HEADER_BYTES <= end ? (buf[pos + 2]! << 8) | buf[pos + 3]! : 0;
    if (tlvLength < TLV_HEADER_BYTES || pos + tlvLength > end) parameterEnd(buf, pos, end);
    const next = pos + tlvLength;
    const type = ((first & 0x03) << 8) | buf[pos + 1]!;
    if (type === P_EPC_DATA) {
      // EPCData: EPC u1v = bit count u16 + ceil(bits/8) bytes, MSB-aligned (pad bits kept as sent).
      const v = pos + TLV_HEADER_BYTES;
      if (v + 2 > next) throw overrun(v, ownerPos);
      const bits = buf.readUInt16BE(v);
      const bytes = (bits + 7) >>> 3;
      if (v + 2 + bytes > next) throw overrun(v, ownerPos);
      t.epc = buf.toString('hex', v + 2, v + 2 + bytes).toUpperCase();
      t.epcBitCount = bits;
      t.epcParameter = 'EPCData';
      haveEpc = true;
    } else if (type === P_CUSTOM && next - pos === 14 && buf.readUInt32BE(pos + 4) === IMPINJ) {
      // Hot path: the 2-byte Impinj report values (ImpinjPeakRSSI on every tag when enabled).
      const subtype = buf.readUInt32BE(pos + 8);
      const v = pos + 12;
      if (subtype === IMPINJ_PEAK_RSSI) {
        (t.custom ??= []).push({ type: 'ImpinjPeakRSSI', rssiCentiDbm: buf.readInt16BE(v) });
      } else if (subtype === IMPINJ_PHASE) {
        (t.custom ??= []).push({ type: 'ImpinjRFPhaseAngle', phaseAngle: buf.readUInt16BE(v) });
      } else if (subtype === IMPINJ_DOPPLER) {
        (t.custom ??= []).push({ type: 'ImpinjRFDopplerFrequency', dopplerFrequency: buf.readInt16BE(v) });
      } else {
        (t.custom ??= []).push(decodeCustom(buf, pos, next)!);
      }
    } else {
      const { value } = decodeParameterAt(buf, pos, next);
      if (value !== undefined && OP_SPEC_RESULTS.has(type as never)) {
        (t.opSpecResults ??= []).push(value as unknown as C1G2OpSpecResult);
      } else if (value !== undefined && type === P_CUSTOM) {
        (t.custom ??= []).push(value as unknown as CustomLike);
      } else {
        (t.unknown ??= []).push({
          type: 'Unknown',
          parameterType: type,
          encoding: 'TLV',
          body: Buffer.from(buf.subarray(pos + TLV_HEADER_BYTES, next)),
        } satisfies UnknownParameter);
      }
    }
    pos = next;
  }
  if (!haveEpc) {
    throw new LlrpProtocolError(
      LlrpErrorCode.MISSING_PARAMETER,
      'TagReportData lacks its EPCData or EPC-96 parameter',
      {
        offset: ownerPos,
      },
    );
  }
  return t;
}

/**
 * Decode the run of consecutive TagReportData TLVs starting at `pos` (inside [pos, end)) into
 * `into`; returns where the run stops (a parameter of another type, or `end`). One call per
 * report instead of one per tag keeps the report loop inside this module.
 */
export function decodeTagReportRun(buf: Buffer, pos: number, end: number, into: TagReportData[]): number {
  // Progress is guaranteed: each turn consumes ≥ 4 bytes or throws (the caller relies on it).
  while (pos < end && buf[pos] === 0 && buf[pos + 1] === P_TAG_REPORT_DATA_LOW) {
    const length = pos + TLV_HEADER_BYTES <= end ? (buf[pos + 2]! << 8) | buf[pos + 3]! : 0;
    if (length < TLV_HEADER_BYTES || pos + length > end) parameterEnd(buf, pos, end);
    into.push(decodeTagReportData(buf, pos + TLV_HEADER_BYTES, pos + length, pos));
    pos += length;
  }
  return pos;
}

function overrun(pos: number, _ownerPos: number): LlrpProtocolError {
  return new LlrpProtocolError(
    LlrpErrorCode.FIELD_OVERRUN,
    'EPCData bits run past the end of the parameter',
    { offset: pos },
  );
}

function invalid(field: string, why: string): LlrpProtocolError {
  return new LlrpProtocolError(LlrpErrorCode.INVALID_OBJECT, `TagReportData.${field} ${why}`, { offset: 0 });
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Encode one TagReportData (header included); `encodeOther` writes op-spec results, customs and unknowns. */
export function encodeTagReportData(
  w: ByteWriter,
  t: TagReportData,
  encodeOther: (w: ByteWriter, p: { type: string }) => void,
): void {
  if (typeof t.epc !== 'string' || !HEX.test(t.epc))
    throw invalid('epc', 'must be hex with an even number of digits');
  const epc = Buffer.from(t.epc, 'hex');
  const bits = t.epcBitCount ?? epc.length * 8;
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff || (bits + 7) >>> 3 !== epc.length) {
    throw invalid('epcBitCount', `(${bits}) does not match the ${epc.length} EPC bytes`);
  }
  const at = w.reserve(TLV_HEADER_BYTES);
  const start = w.length - TLV_HEADER_BYTES;
  const useTv = t.epcParameter === 'EPC-96' || (t.epcParameter === undefined && bits === 96);
  if (useTv) {
    if (bits !== 96) throw invalid('epcParameter', 'EPC-96 needs exactly 96 bits');
    w.u8(0x80 | TvType.EPC96);
    w.bytes(epc);
  } else {
    w.u16(ParameterType.EPCData);
    w.u16(TLV_HEADER_BYTES + 2 + epc.length);
    w.u16(bits);
    w.bytes(epc);
  }
  const tv16 = (type: number, v: number | undefined) => {
    if (v === undefined) return;
    w.u8(0x80 | type);
    w.u16(v);
  };
  const tv32 = (type: number, v: number | undefined) => {
    if (v === undefined) return;
    w.u8(0x80 | type);
    w.u32(v);
  };
  const tv64 = (type: number, v: bigint | undefined) => {
    if (v === undefined) return;
    w.u8(0x80 | type);
    w.u64(v);
  };
  tv32(TvType.ROSpecID, t.roSpecId);
  tv16(TvType.SpecIndex, t.specIndex);
  tv16(TvType.InventoryParameterSpecID, t.inventoryParameterSpecId);
  tv16(TvType.AntennaID, t.antennaId);
  if (t.peakRssiDbm !== undefined) {
    w.u8(0x80 | TvType.PeakRSSI);
    w.s8(t.peakRssiDbm);
  }
  tv16(TvType.ChannelIndex, t.channelIndex);
  tv64(TvType.FirstSeenTimestampUTC, t.firstSeenUtcUs);
  tv64(TvType.FirstSeenTimestampUptime, t.firstSeenUptimeUs);
  tv64(TvType.LastSeenTimestampUTC, t.lastSeenUtcUs);
  tv64(TvType.LastSeenTimestampUptime, t.lastSeenUptimeUs);
  tv16(TvType.TagSeenCount, t.tagSeenCount);
  tv16(TvType.C1G2PC, t.c1g2Pc);
  tv16(TvType.C1G2XPCW1, t.c1g2Xpcw1);
  tv16(TvType.C1G2XPCW2, t.c1g2Xpcw2);
  tv16(TvType.C1G2CRC, t.c1g2Crc);
  tv32(TvType.AccessSpecID, t.accessSpecId);
  tv16(TvType.ClientRequestOpSpecResult, t.clientRequestOpSpecResult);
  for (const r of t.opSpecResults ?? []) encodeOther(w, r);
  for (const c of t.custom ?? []) encodeOther(w, c);
  for (const u of t.unknown ?? []) encodeOther(w, u);
  const length = w.length - start;
  if (length > 0xffff)
    throw invalid('(whole)', `encodes to ${length} bytes, above the 65535 a TLV length can say`);
  w.patchU16(at, ParameterType.TagReportData);
  w.patchU16(at + 2, length);
}
