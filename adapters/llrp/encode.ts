import { ByteWriter } from './byte-writer.js';
import { encodeFields, encodeSlots, invalid } from './encode-parameter.js';
import { HEADER_BYTES, writeHeader } from './header.js';
import { MESSAGE_SPECS_BY_NAME } from './message-schemas.js';
import type { LlrpMessage } from './types.js';

/**
 * Encode a message to its whole wire image: 10-byte header (spec 1.0.1 §16.1; Ver from
 * `msg.version`, default 1) then the body, fields in spec order, then sub-parameters in spec order.
 * Throws LlrpProtocolError `BT_LLRP_INVALID_OBJECT` naming the field when the object is wrong.
 */
export function encodeMessage(msg: LlrpMessage): Buffer {
  if (typeof msg !== 'object' || msg === null) throw invalid('message', 'must be an object');
  const version = msg.version ?? 1;
  if (!Number.isInteger(version) || version < 0 || version > 7)
    throw invalid(`${msg.type}.version`, 'must be 0…7 (1 = LLRP 1.0.1, 2 = 1.1)');
  if (!Number.isInteger(msg.id) || msg.id < 0 || msg.id > 0xffffffff) {
    throw invalid(`${msg.type}.id`, 'must be an integer in 0…4294967295');
  }
  const w = new ByteWriter(msg.type === 'RO_ACCESS_REPORT' ? 4096 : 256);
  w.reserve(HEADER_BYTES);
  let messageType: number;
  if (msg.type === 'UNKNOWN_MESSAGE') {
    if (!Number.isInteger(msg.messageType) || msg.messageType < 0 || msg.messageType > 1023) {
      throw invalid('UNKNOWN_MESSAGE.messageType', 'must be an integer in 0…1023');
    }
    if (!(msg.body instanceof Uint8Array)) throw invalid('UNKNOWN_MESSAGE.body', 'must be a Buffer');
    messageType = msg.messageType;
    w.bytes(msg.body);
  } else {
    const spec = MESSAGE_SPECS_BY_NAME.get(msg.type);
    if (spec === undefined)
      throw invalid(
        'message.type',
        `'${String((msg as { type: unknown }).type)}' is not an LLRP message type`,
      );
    messageType = spec.typeNum;
    const obj = msg as unknown as Record<string, unknown>;
    if (spec.vendorId !== undefined) {
      // CUSTOM_MESSAGE: VendorIdentifier u32, MessageSubtype u8, then the vendor body.
      w.u32(spec.vendorId);
      w.u8(spec.subtype!);
    }
    encodeFields(spec.fields, obj, w, msg.type);
    encodeSlots(spec.slots, obj, w, msg.type);
  }
  const out = w.finish();
  writeHeader(out, 0, version, messageType, out.length, msg.id);
  return out;
}
