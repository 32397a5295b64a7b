import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { NativeErrorCode } from '../errors.js';
import {
  badTimestamp,
  base64ToHex,
  isObject,
  normaliseHex,
  payloadError,
  readOutcome,
  timestampToUs,
  type JsonObject,
} from './payload-fields.js';

/**
 * Impinj IoT Device Interface events (R700/R720; formats.md §2.2). The HTTP stream (NDJSON) and
 * MQTT carry one envelope per line/message:
 *
 *   {"timestamp":"2026-04-02T12:00:00Z","hostname":"impinj-14-9c-e2","eventType":"tagInventory",
 *    "tagInventoryEvent":{"epcHex":"300833B2DDD9014000000000","antennaPort":1,"peakRssiCdbm":-5234,
 *                         "frequency":926750,"phaseAngle":32.5,"lastSeenTime":"2026-04-02T12:00:01Z"}}
 *
 *   epcHex | epc (base64)   → epc        tidHex | tid (base64) → tid      antennaPort (1-based) → antenna
 *   peakRssiCdbm (centi-dBm, −5234 = −52.34 dBm) → rssiDbm    frequency (kHz) → frequencyKhz
 *   phaseAngle (degrees) → phaseDeg     lastSeenTime, else the envelope's timestamp → seenAtUs
 *
 * Webhooks batch them as {"events":[{"type":"tagInventoryEvent","tagInventoryEvent":{…}}, …]}, and
 * a JSON array of envelopes is accepted too. Other event types (antennaConnected, inventoryStatus,
 * diagnostic, …) carry no read: skipped, not dead-lettered.
 */
export function parseImpinjIotDocument(doc: unknown): ParseOutcome[] {
  if (Array.isArray(doc)) return doc.flatMap((element) => parseEnvelope(element));
  if (isObject(doc) && Array.isArray(doc['events'])) {
    return (doc['events'] as unknown[]).flatMap((element) => parseEnvelope(element, doc));
  }
  return parseEnvelope(doc);
}

function parseEnvelope(envelope: unknown, outer?: JsonObject): ParseOutcome[] {
  if (!isObject(envelope)) {
    return [
      payloadError(
        NativeErrorCode.UNRECOGNISED_PAYLOAD,
        `impinj-iot: expected an event object, got ${previewValue(envelope)}`,
        envelope,
      ),
    ];
  }
  const type = envelope['eventType'] ?? envelope['type'];
  const event = envelope['tagInventoryEvent'];
  if (type !== undefined && type !== 'tagInventory' && type !== 'tagInventoryEvent') {
    return [{ kind: 'skip', reason: `impinj ${typeof type === 'string' ? type : previewValue(type)} event` }];
  }
  if (!isObject(event)) {
    return [
      payloadError(
        NativeErrorCode.UNRECOGNISED_PAYLOAD,
        'impinj-iot: a tagInventory event needs a tagInventoryEvent object',
        envelope,
      ),
    ];
  }
  return [parseTagInventoryEvent(event, envelope['timestamp'] ?? outer?.['timestamp'], envelope)];
}

function hexOf(event: JsonObject, hexField: string, base64Field: string): string | undefined | null {
  const hex = event[hexField];
  if (typeof hex === 'string') return normaliseHex(hex);
  const b64 = event[base64Field];
  if (typeof b64 === 'string') return base64ToHex(b64) ?? null;
  return undefined;
}

function parseTagInventoryEvent(event: JsonObject, envelopeTime: unknown, element: unknown): ParseOutcome {
  const epc = hexOf(event, 'epcHex', 'epc');
  if (epc === null) {
    return payloadError(
      NativeErrorCode.BAD_READ,
      `invalid TagRead: epc: not base64: ${previewValue(event['epc'])}`,
      element,
    );
  }
  const tid = hexOf(event, 'tidHex', 'tid');
  const timeValue = event['lastSeenTime'] ?? envelopeTime;
  const seenAtUs = timestampToUs(timeValue);
  if (seenAtUs === undefined) return badTimestamp('lastSeenTime (or timestamp)', timeValue, element);
  const rssiCdbm = event['peakRssiCdbm'];
  const fields: JsonObject = {
    epc,
    antenna: event['antennaPort'],
    seenAtUs,
    count: 1,
  };
  if (rssiCdbm !== undefined) fields['rssiDbm'] = typeof rssiCdbm === 'number' ? rssiCdbm / 100 : rssiCdbm;
  if (event['frequency'] !== undefined) fields['frequencyKhz'] = event['frequency'];
  if (event['phaseAngle'] !== undefined) fields['phaseDeg'] = event['phaseAngle'];
  if (typeof tid === 'string' && tid !== '') fields['tid'] = tid;
  return readOutcome(fields, element);
}
