/** What decoding an EPC yields: a GS1 identity, or the raw value with the reason it is not one. */
export type DecodedEpc = DecodedGs1Epc | UndecodedEpc;

export interface DecodedGs1Epc {
  kind: 'gs1';
  /** TDS coding scheme name, e.g. `sscc-96`. */
  scheme: string;
  /** The EPC as given, upper-case hex. */
  hex: string;
  filter: number;
  partition: number;
  companyPrefix: string;
  /** Pure identity URI, e.g. `urn:epc:id:sscc:0614141.1234567890` (TDS §6). */
  idUri: string;
  /** EPC tag URI with the filter, e.g. `urn:epc:tag:sscc-96:3.0614141.1234567890` (TDS §12). */
  tagUri: string;
  /** Scheme fields beyond the company prefix, as decimal strings (serialReference, itemReference, serial, assetType). */
  fields: Record<string, string>;
}

export interface UndecodedEpc {
  kind: 'raw';
  hex: string;
  /** The header byte, when there is one. */
  header?: number;
  /** Why this is not decoded: an unknown header, a wrong length, an invalid field. */
  reason: string;
  /** TDS §12.3.3 raw hex URI: `urn:epc:raw:{bits}.x{HEX}`; the value passes through unchanged. */
  rawUri: string;
}
