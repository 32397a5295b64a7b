/**
 * LLRP message header (spec 1.0.1 §16.1 / 1.1 §17.1), 10 bytes, big-endian:
 *
 *   bits 0–2 Rsvd | 3–5 Ver | 6–15 Message Type | 16–47 Message Length | 48–79 Message ID
 *
 * Length counts the whole message including these 10 bytes. Ver 1 = LLRP 1.0.1, 2 = LLRP 1.1.
 */
export const HEADER_BYTES = 10;

export interface LlrpHeader {
  /** The 3 reserved bits (SHALL be 0). */
  reserved: number;
  version: number;
  messageType: number;
  /** Whole message length in bytes, header included. */
  length: number;
  id: number;
}

/** Read a header at `offset`; the caller guarantees 10 bytes are there. */
export function readHeader(buf: Buffer, offset = 0): LlrpHeader {
  const h = buf.readUInt16BE(offset);
  return {
    reserved: h >>> 13,
    version: (h >>> 10) & 7,
    messageType: h & 0x3ff,
    length: buf.readUInt32BE(offset + 2),
    id: buf.readUInt32BE(offset + 6),
  };
}

/** Write a header at `offset`. */
export function writeHeader(
  buf: Buffer,
  offset: number,
  version: number,
  messageType: number,
  length: number,
  id: number,
): void {
  buf.writeUInt16BE(((version & 7) << 10) | (messageType & 0x3ff), offset);
  buf.writeUInt32BE(length >>> 0, offset + 2);
  buf.writeUInt32BE(id >>> 0, offset + 6);
}
