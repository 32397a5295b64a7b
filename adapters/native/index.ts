/** Reader-pushed payloads (Impinj IoT, Speedway Connect, Zebra IoT Connector). The only module other code imports from adapters/native. */
export { startNativeAdapter } from './adapter.js';
export { NativeReaderClient } from './client.js';
export {
  NativeAdapterOptions,
  NativeReaderOptions,
  parseNativeAdapterOptions,
  type NativeAdapterOptionsInput,
} from './options.js';
export type { NativeAdapter, NativeAdapterStats, NativeReaderStats } from './types.js';
export { NativeErrorCode, NativePayloadError } from './errors.js';
export { PAYLOAD_FORMATS, PayloadFormatName, parsePayload } from './protocol/payload-format.js';
export { parseImpinjIotDocument } from './protocol/impinj-iot.js';
export { parseSpeedwayConnectDocument } from './protocol/speedway-connect.js';
export { parseZebraIotcDocument } from './protocol/zebra-iotc.js';
export { JsonDocumentSplitter, type JsonStreamItem } from './protocol/json-documents.js';
export { SequenceGapDetector, type SequenceCheck } from './sequence-gaps.js';
export { topicMatches } from './topic-match.js';
