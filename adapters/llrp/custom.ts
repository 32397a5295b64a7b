import { decodeWithSpec } from './decode-parameter.js';
import { LlrpProtocolError } from './errors.js';
import { CUSTOM_SPECS } from './parameter-schemas.js';
import type { CustomLike } from './types.js';

/**
 * Custom parameter (type 1023, spec 1.0.1 §16.2.9): `rsvd(6)|1023(10)|length(16)|VendorID u32|
 * Subtype u32|data…`. Vendor parameters the codec models (Impinj, impinj.ts) decode to typed
 * objects; everything else — and a modelled one whose body does not fit its layout — is kept as
 * `{ type: 'Custom', vendorId, subtype, data }`, so a vendor extension is never fatal (sllurp #168
 * crashed on Zebra subtype 709).
 */
export const CUSTOM_FIXED_BYTES = 8;

/** Decode the Custom parameter occupying [pos, next); undefined when it is too short to hold vendor + subtype. */
export function decodeCustom(buf: Buffer, pos: number, next: number): CustomLike | undefined {
  const value = pos + 4;
  if (next - value < CUSTOM_FIXED_BYTES) return undefined;
  const vendorId = buf.readUInt32BE(value);
  const subtype = buf.readUInt32BE(value + 4);
  const spec = CUSTOM_SPECS.get(`${vendorId}:${subtype}`);
  if (spec !== undefined) {
    try {
      return decodeWithSpec(spec, buf, value + CUSTOM_FIXED_BYTES, next, pos) as unknown as CustomLike;
    } catch (err) {
      if (!(err instanceof LlrpProtocolError)) throw err;
      // A vendor layout we got wrong or a vendor bug: keep the bytes rather than reject the message.
    }
  }
  return {
    type: 'Custom',
    vendorId,
    subtype,
    data: Buffer.from(buf.subarray(value + CUSTOM_FIXED_BYTES, next)),
  };
}
