export type { DecodedEpc, DecodedGs1Epc, UndecodedEpc } from './decoded-epc.js';
export { decodeEpc, epcToUri } from './decode-epc.js';
