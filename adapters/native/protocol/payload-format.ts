import { z } from 'zod';
import type { ParseOutcome } from '../../protocol/outcome.js';
import { NativeErrorCode, NativePayloadError } from '../errors.js';
import { parseImpinjIotDocument } from './impinj-iot.js';
import { parseSpeedwayConnectDocument } from './speedway-connect.js';
import { parseZebraIotcDocument } from './zebra-iotc.js';

/** Reader-pushed JSON payload formats (formats.md §2.2, §2.3). */
export const PAYLOAD_FORMATS = ['impinj-iot', 'speedway-connect', 'zebra-iotc'] as const;
export const PayloadFormatName = z.enum(PAYLOAD_FORMATS);
export type PayloadFormatName = z.infer<typeof PayloadFormatName>;

const PARSERS: Record<PayloadFormatName, (doc: unknown) => ParseOutcome[]> = {
  'impinj-iot': parseImpinjIotDocument,
  'speedway-connect': parseSpeedwayConnectDocument,
  'zebra-iotc': parseZebraIotcDocument,
};

/** Parse one JSON document (an MQTT message, an HTTP body, one NDJSON line) of `format`. */
export function parsePayload(format: PayloadFormatName, text: string): ParseOutcome[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const reason = `${format}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return [
      { kind: 'error', error: new NativePayloadError(NativeErrorCode.BAD_JSON, reason), payload: text },
    ];
  }
  return PARSERS[format](doc);
}
