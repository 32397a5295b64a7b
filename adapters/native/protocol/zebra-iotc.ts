import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { NativeErrorCode } from '../errors.js';
import {
  badTimestamp,
  isObject,
  normaliseHex,
  payloadError,
  phaseDegrees,
  readOutcome,
  timestampToUs,
  type JsonObject,
} from './payload-fields.js';

/**
 * Zebra IoT Connector tag data events (FX7500/FX9600/ATR7000; formats.md §2.3). Real payloads vary
 * with firmware and batching, so every shape seen in the reference is accepted:
 *
 *   SIMPLE  {"data":{"eventNum":42,"format":"epc","idHex":"3178…","antenna":1,"peakRssi":-52,"reads":3,
 *                    "channel":915.25,"phase":-12.5},"timestamp":"2026-04-02T12:00:01.250+0800","type":"SIMPLE"}
 *   batched [ SIMPLE, SIMPLE, … ]               (HTTP POST with batching on)
 *   tags    {"data":{"tags":[{"idHex","antennaPort","peakRssi","firstSeenTimestamp","seenCount"}]},…}
 *   RFD40   {"type":"dataEVT","timestamp":…,"eventNum":7,"data":{"tagData":[{…}]}}
 *
 *   idHex | epc | EPC → epc      antenna | antennaPort | antennaId (1-based) → antenna
 *   peakRssi | rssi (dBm) → rssiDbm        reads | seenCount | count → count
 *   channel (MHz) → frequencyKhz           phase (−180..180°) → phaseDeg in [0, 360)
 *   the tag's firstSeenTimestamp/timestamp, else the event's timestamp → seenAtUs
 *   eventNum (per-reader sequence) → `sequence` on the outcome, for gap detection
 *
 * Events without tag data (heartbeats, GPIO, management events) are skipped.
 */
export function parseZebraIotcDocument(doc: unknown): ParseOutcome[] {
  if (Array.isArray(doc)) return doc.flatMap((element) => parseEvent(element));
  return parseEvent(doc);
}

function integerOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function parseEvent(event: unknown): ParseOutcome[] {
  if (!isObject(event)) {
    return [
      payloadError(
        NativeErrorCode.UNRECOGNISED_PAYLOAD,
        `zebra-iotc: expected an event object, got ${previewValue(event)}`,
        event,
      ),
    ];
  }
  const data = event['data'];
  if (!isObject(data)) {
    if (event['data'] === undefined)
      return [
        {
          kind: 'skip',
          reason: `zebra event without tag data (${previewValue(event['type'] ?? 'no type')})`,
        },
      ];
    return [payloadError(NativeErrorCode.UNRECOGNISED_PAYLOAD, 'zebra-iotc: data must be an object', event)];
  }
  const sequence = integerOrUndefined(data['eventNum']) ?? integerOrUndefined(event['eventNum']);
  const tags = data['tags'] ?? data['tagData'];
  if (Array.isArray(tags)) {
    return tags.map((tag) => parseTag(tag, event['timestamp'], sequence, tag));
  }
  if (data['idHex'] === undefined && data['epc'] === undefined && data['EPC'] === undefined) {
    return [
      { kind: 'skip', reason: `zebra event without tag data (${previewValue(event['type'] ?? 'no type')})` },
    ];
  }
  return [parseTag(data, event['timestamp'], sequence, event)];
}

function parseTag(
  tag: unknown,
  eventTime: unknown,
  sequence: number | undefined,
  element: unknown,
): ParseOutcome {
  if (!isObject(tag)) {
    return payloadError(
      NativeErrorCode.UNRECOGNISED_PAYLOAD,
      `zebra-iotc: expected a tag object, got ${previewValue(tag)}`,
      element,
    );
  }
  const id = tag['idHex'] ?? tag['epc'] ?? tag['EPC'];
  const timeValue = tag['lastSeenTimestamp'] ?? tag['firstSeenTimestamp'] ?? tag['timestamp'] ?? eventTime;
  const seenAtUs = timestampToUs(timeValue);
  if (seenAtUs === undefined) return badTimestamp('timestamp', timeValue, element);
  const fields: JsonObject = {
    epc: typeof id === 'string' ? normaliseHex(id) : id,
    antenna: tag['antenna'] ?? tag['antennaPort'] ?? tag['antennaId'],
    seenAtUs,
    count: tag['reads'] ?? tag['seenCount'] ?? tag['count'] ?? 1,
  };
  const rssi = tag['peakRssi'] ?? tag['rssi'];
  if (rssi !== undefined) fields['rssiDbm'] = rssi;
  if (typeof tag['channel'] === 'number') fields['frequencyKhz'] = Math.round(tag['channel'] * 1000);
  const phase = phaseDegrees(tag['phase']);
  if (phase !== undefined) fields['phaseDeg'] = phase;
  return readOutcome(fields, element, sequence);
}
