/**
 * TV-encoded parameters (first byte 0x80 | type, no length field): spec 1.0.1 Table 5 / 1.1 Table 6,
 * field sizes from `llrp-1x0-def.xml`; identical to sllurp `llrp_decoder.py: TVE_PARAM_FORMATS`.
 * A decoder needs the whole table: an unknown TV cannot be skipped, which makes the rest of the
 * enclosing parameter unreadable.
 */
export const TvType = {
  AntennaID: 1,
  FirstSeenTimestampUTC: 2,
  FirstSeenTimestampUptime: 3,
  LastSeenTimestampUTC: 4,
  LastSeenTimestampUptime: 5,
  PeakRSSI: 6,
  ChannelIndex: 7,
  TagSeenCount: 8,
  ROSpecID: 9,
  InventoryParameterSpecID: 10,
  C1G2CRC: 11,
  C1G2PC: 12,
  EPC96: 13,
  SpecIndex: 14,
  ClientRequestOpSpecResult: 15,
  AccessSpecID: 16,
  OpSpecID: 17,
  C1G2SingulationDetails: 18,
  C1G2XPCW1: 19, // 1.1
  C1G2XPCW2: 20, // 1.1
} as const;

/**
 * Total length in bytes (type byte included) of each TV type, indexed by type; 0 = not a TV type.
 * A typed array so the hot report path is one load.
 */
export const TV_TOTAL_LENGTH: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const set = (type: number, valueBytes: number) => (t[type] = 1 + valueBytes);
  set(TvType.AntennaID, 2);
  set(TvType.FirstSeenTimestampUTC, 8);
  set(TvType.FirstSeenTimestampUptime, 8);
  set(TvType.LastSeenTimestampUTC, 8);
  set(TvType.LastSeenTimestampUptime, 8);
  set(TvType.PeakRSSI, 1);
  set(TvType.ChannelIndex, 2);
  set(TvType.TagSeenCount, 2);
  set(TvType.ROSpecID, 4);
  set(TvType.InventoryParameterSpecID, 2);
  set(TvType.C1G2CRC, 2);
  set(TvType.C1G2PC, 2);
  set(TvType.EPC96, 12);
  set(TvType.SpecIndex, 2);
  set(TvType.ClientRequestOpSpecResult, 2);
  set(TvType.AccessSpecID, 4);
  set(TvType.OpSpecID, 2);
  set(TvType.C1G2SingulationDetails, 4);
  set(TvType.C1G2XPCW1, 2);
  set(TvType.C1G2XPCW2, 2);
  return t;
})();

/** Total byte length of a TV parameter of this type (1–127), or 0 if the type is not defined. */
export function tvTotalLength(type: number): number {
  return TV_TOTAL_LENGTH[type & 0x7f] ?? 0;
}
