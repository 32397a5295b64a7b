import {
  emptyTagReportData,
  type CustomLike,
  type ROReportSpec,
  type TagReportContentSelector,
  type TagReportData,
} from '../../adapters/llrp/index.js';
import type { TagRead } from '../../schemas/index.js';

/** What the current ROReportSpec asks each TagReportData to carry (spec §13.2.1). */
export interface ReportContent {
  selector: TagReportContentSelector;
  /** ImpinjTagReportContentSelector → ImpinjEnablePeakRSSI, honoured after IMPINJ_ENABLE_EXTENSIONS. */
  impinjPeakRssi: boolean;
}

/** The reader's default content when nobody configured it: antenna, RSSI, first seen, count. */
export const DEFAULT_CONTENT: ReportContent = {
  selector: {
    type: 'TagReportContentSelector',
    enableRoSpecId: true,
    enableSpecIndex: false,
    enableInventoryParameterSpecId: false,
    enableAntennaId: true,
    enableChannelIndex: false,
    enablePeakRssi: true,
    enableFirstSeenTimestamp: true,
    enableLastSeenTimestamp: false,
    enableTagSeenCount: true,
    enableAccessSpecId: false,
  },
  impinjPeakRssi: false,
};

export function reportContentOf(spec: ROReportSpec | undefined, impinjEnabled: boolean): ReportContent {
  if (spec === undefined) return DEFAULT_CONTENT;
  const impinj = (spec.custom ?? []).find((c) => c.type === 'ImpinjTagReportContentSelector');
  const peak =
    impinj !== undefined &&
    impinj.type === 'ImpinjTagReportContentSelector' &&
    impinj.enablePeakRssi?.mode === 1;
  return { selector: spec.tagReportContentSelector, impinjPeakRssi: impinjEnabled && peak };
}

/**
 * One simulated read as a TagReportData, with the fields `content` enables. The read's
 * `seenAtUs` is both first and last seen (the simulator folds `count` reads into one instant);
 * PeakRSSI is s8 dBm, so it is rounded; ImpinjPeakRSSI keeps centi-dBm.
 */
export function tagReportDataOf(read: TagRead, content: ReportContent, roSpecId: number): TagReportData {
  const s = content.selector;
  const trd = emptyTagReportData(read.epc);
  const seen = BigInt(read.seenAtUs);
  if (s.enableRoSpecId) trd.roSpecId = roSpecId;
  if (s.enableSpecIndex) trd.specIndex = 1;
  if (s.enableInventoryParameterSpecId) trd.inventoryParameterSpecId = 1;
  if (s.enableAntennaId) trd.antennaId = read.antenna;
  if (s.enablePeakRssi && read.rssiDbm !== undefined)
    trd.peakRssiDbm = Math.max(-128, Math.min(127, Math.round(read.rssiDbm)));
  if (s.enableFirstSeenTimestamp) trd.firstSeenUtcUs = seen;
  if (s.enableLastSeenTimestamp) trd.lastSeenUtcUs = seen;
  if (s.enableTagSeenCount) trd.tagSeenCount = Math.min(0xffff, read.count);
  if (content.impinjPeakRssi && read.rssiDbm !== undefined) {
    const custom: CustomLike[] = [{ type: 'ImpinjPeakRSSI', rssiCentiDbm: Math.round(read.rssiDbm * 100) }];
    trd.custom = custom;
  }
  return trd;
}

/** A TagReportData no adapter can turn into a read: an EPCData of 0 bits (fault injection). */
export function garbageTagReportData(roSpecId: number): TagReportData {
  const trd = emptyTagReportData('');
  trd.epcBitCount = 0;
  trd.epcParameter = 'EPCData';
  trd.antennaId = 1;
  trd.roSpecId = roSpecId;
  return trd;
}
