import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { NativeErrorCode } from '../errors.js';
import {
  badTimestamp,
  isObject,
  normaliseHex,
  payloadError,
  readOutcome,
  timestampToUs,
  type JsonObject,
} from './payload-fields.js';

/**
 * Impinj Speedway Connect, inventory mode, JSON output (support.impinj.com 360000044739; formats.md §2.2):
 *
 *   {"antennaPort":7,"epc":"999908290000000000000004","tid":"E280…",
 *    "firstSeenTimestamp":"2018-06-14T00:15:54.36879Z","peakRssi":-51,"isHeartBeat":false}
 *
 * over TCP/serial one object per line; the HTTP POST output wraps a batch:
 *
 *   {"reader_name":"dock-1","mac_address":"00:16:25:…","tag_reads":[{…},{…}]}
 *
 *   epc (hex) → epc    tid (hex) → tid    antennaPort (1-based) → antenna    peakRssi (dBm) → rssiDbm
 *   lastSeenTimestamp, else firstSeenTimestamp (ISO-8601, or epoch µs on older versions) → seenAtUs
 *   isHeartBeat: true → skipped (a keep-alive with no tag)
 */
export function parseSpeedwayConnectDocument(doc: unknown): ParseOutcome[] {
  if (Array.isArray(doc)) return doc.map((element) => parseTagRead(element));
  if (isObject(doc) && Array.isArray(doc['tag_reads'])) {
    return (doc['tag_reads'] as unknown[]).map((element) => parseTagRead(element));
  }
  if (isObject(doc) && doc['tag_reads'] !== undefined) {
    return [
      payloadError(NativeErrorCode.UNRECOGNISED_PAYLOAD, 'speedway-connect: tag_reads must be an array', doc),
    ];
  }
  return [parseTagRead(doc)];
}

function parseTagRead(element: unknown): ParseOutcome {
  if (!isObject(element)) {
    return payloadError(
      NativeErrorCode.UNRECOGNISED_PAYLOAD,
      `speedway-connect: expected a tag read object, got ${previewValue(element)}`,
      element,
    );
  }
  if (element['isHeartBeat'] === true) return { kind: 'skip', reason: 'speedway-connect heartbeat' };
  if (element['epc'] === undefined && element['antennaPort'] === undefined) {
    return payloadError(
      NativeErrorCode.UNRECOGNISED_PAYLOAD,
      'speedway-connect: not a tag read (no epc, no antennaPort, not a heartbeat)',
      element,
    );
  }
  const timeValue = element['lastSeenTimestamp'] ?? element['firstSeenTimestamp'];
  const seenAtUs = timestampToUs(timeValue);
  if (seenAtUs === undefined) return badTimestamp('firstSeenTimestamp', timeValue, element);
  const fields: JsonObject = {
    epc: typeof element['epc'] === 'string' ? normaliseHex(element['epc']) : element['epc'],
    antenna: element['antennaPort'],
    seenAtUs,
    count: element['tagSeenCount'] ?? element['seenCount'] ?? 1,
  };
  if (element['peakRssi'] !== undefined) fields['rssiDbm'] = element['peakRssi'];
  if (typeof element['tid'] === 'string' && element['tid'] !== '')
    fields['tid'] = normaliseHex(element['tid']);
  return readOutcome(fields, element);
}
