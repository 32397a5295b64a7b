/** The LLRP adapter: readers over TCP 5084 → ReadBatch on MQTT. The only module other code imports. */
export {
  startLlrpAdapter,
  type LlrpAdapter,
  type LlrpAdapterDeps,
  type LlrpAdapterStats,
} from './adapter.js';
export {
  LlrpAdapterOptions,
  LlrpReaderEntry,
  clientOptionsOf,
  parseLlrpAdapterOptions,
  type LlrpAdapterOptionsInput,
} from './options.js';
export { parseReaderAddress, readerIdFromSite, type ParsedAddress } from './reader-address.js';
export { ReaderLink, type LlrpReadSink, type ReaderLinkStats } from './reader-link.js';
