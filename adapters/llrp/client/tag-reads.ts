import { SchemaError, TagRead, parseWith } from '../../../schemas/index.js';
import type { TagReportData } from '../types.js';
import { LlrpClientError, LlrpClientErrorCode } from './errors.js';

export type TagReadOutcome = { kind: 'read'; read: TagRead } | { kind: 'error'; error: LlrpClientError };

/**
 * One TagReportData (spec §13.2.3) as a TagRead. Pure.
 *
 * - `seenAtUs`: LastSeenTimestampUTC, else FirstSeenTimestampUTC (the reader's clock, reference §6
 *   pitfall 3). A reader that only reports Uptime gets `receivedAtUs` (the adapter's clock at
 *   reception): uptime cannot be placed on the calendar without the reader's boot time.
 * - `rssiDbm`: ImpinjPeakRSSI (centi-dBm) when present, it is 100× finer than PeakRSSI (s8 dBm).
 * - `count`: TagSeenCount, else 1. `antenna`: AntennaID, which must be ≥ 1 (0 means "all").
 */
export function tagReadOf(trd: TagReportData, receivedAtUs: number): TagReadOutcome {
  const seen = trd.lastSeenUtcUs ?? trd.firstSeenUtcUs;
  const impinjRssi = trd.custom?.find((c) => c.type === 'ImpinjPeakRSSI');
  const rssiDbm =
    impinjRssi !== undefined && impinjRssi.type === 'ImpinjPeakRSSI'
      ? impinjRssi.rssiCentiDbm / 100
      : trd.peakRssiDbm;
  if (trd.antennaId === undefined)
    return bad('TagReportData has no AntennaID: ask for it in TagReportContentSelector (EnableAntennaID)');
  if (trd.epcBitCount === 0) return bad('TagReportData EPC is empty (EPCData with 0 bits)');
  try {
    const read = parseWith(TagRead, 'TagRead', {
      epc: trd.epc.toUpperCase(),
      antenna: trd.antennaId,
      ...(rssiDbm === undefined ? {} : { rssiDbm }),
      seenAtUs: seen === undefined ? receivedAtUs : Number(seen),
      count: trd.tagSeenCount ?? 1,
    });
    return { kind: 'read', read };
  } catch (err) {
    if (err instanceof SchemaError) return bad(err.message);
    throw err;
  }
}

function bad(message: string): TagReadOutcome {
  return { kind: 'error', error: new LlrpClientError(LlrpClientErrorCode.BAD_READ, message) };
}
